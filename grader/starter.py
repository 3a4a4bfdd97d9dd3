"""The files students start from, made from reference/ the way nbgrader and Otter Assign strip
solutions: imports, signatures, docstrings and comments outside the solutions kept; every
function body replaced by a `raise NotImplementedError` that says what to write; a script's own
code replaced likewise. Graded, a starter earns zero and says what is missing.

Also `grade template OUT`: a GitHub Classroom template repository around the starter."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from grader.exercises import load_specs
from grader.spec import ExerciseSpec

PROJECT = Path(__file__).resolve().parent.parent


def strip(source: str, exercise: ExerciseSpec) -> str:
    """The starter of one reference file. Kept: imports, docstrings, every definition's
    signature (bodies become a `raise NotImplementedError`), module-level names the kept code
    refers to (`step = 0.001` for `dt=step`), and statements this does not recognise as the
    solution's own code. Replaced: a script's top-level code and a module's demo, each run of
    such statements on its own, so no definition between them is lost."""
    tree = ast.parse(source)
    lines = source.splitlines()
    replacements: list[tuple[int, int, list[str]]] = []   # (first line, last line, new lines), 1-based

    def stub_function(node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        body = node.body
        first = body[0] if body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            body = body[1:]                                   # keep the docstring
        if not body:
            return
        indent = " " * body[0].col_offset
        replacements.append((body[0].lineno, node.end_lineno or node.lineno,
                             [f'{indent}raise NotImplementedError("write {node.name}(): see the exercise")']))

    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    kept_names = _names_used_by_kept_code(tree, definitions)
    runs: list[list[ast.stmt]] = [[]]                       # the solution's top-level code, in runs
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) or _is_docstring(node, tree):
            runs.append([])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stub_function(node)
            runs.append([])
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    stub_function(member)
            runs.append([])
        elif _assigns(node) and _assigns(node) <= kept_names and exercise.kind == "module":
            runs.append([])                                   # a constant the signatures use
        elif _is_solution(node):
            runs[-1].append(node)
        else:
            runs.append([])                                   # not recognised: kept as written
    solution = [run for run in runs if run]
    for run in solution:     # a script's placeholder goes last, after the definitions it may use
        placeholder = run is solution[-1] and exercise.kind != "module"
        replacements.append((run[0].lineno, run[-1].end_lineno or run[-1].lineno,
                             ["# TODO: write the script (see the exercise for what it prints)",
                              f'raise NotImplementedError("write the script of {exercise.id}.py")'] if placeholder else []))
    for start, end, new in sorted(replacements, reverse=True):
        lines[start - 1:end] = new
    return re.sub(r"\n{4,}", "\n\n\n", "\n".join(lines)).rstrip() + "\n"


def _is_docstring(node: ast.stmt, tree: ast.Module) -> bool:
    return node is tree.body[0] and isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant)


def _assigns(node: ast.stmt) -> set[str]:
    """The plain names a top-level assignment binds (empty for anything else)."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
    return {target.id for target in targets if isinstance(target, ast.Name)}


def _names_used_by_kept_code(tree: ast.Module, definitions: tuple) -> set[str]:
    """Names that the kept parts of definitions read: defaults, decorators, annotations, base
    classes, class-level assignments."""
    used: set[str] = set()
    for node in tree.body:
        if not isinstance(node, definitions):
            continue
        kept: list[ast.AST] = list(node.decorator_list)
        if isinstance(node, ast.ClassDef):
            kept += node.bases + [member for member in node.body if not isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef))]
            functions = [member for member in node.body if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef))]
        else:
            functions = [node]
        for function in functions:
            kept += function.decorator_list + function.args.defaults + [d for d in function.args.kw_defaults if d]
            kept += [a.annotation for a in function.args.args + function.args.kwonlyargs if a.annotation]
            kept += [function.returns] if function.returns else []
        used |= {name.id for part in kept for name in ast.walk(part) if isinstance(name, ast.Name)}
    assignments = [node for node in tree.body if _assigns(node)]
    while True:      # a kept constant's own value may name others (step = base / 10)
        more = {name.id for node in assignments if _assigns(node) <= used
                for name in ast.walk(node) if isinstance(name, ast.Name) and name.id not in used}
        if not more:
            return used
        used |= more


def _is_solution(node: ast.stmt) -> bool:
    """Top-level statements a solution is made of: assignments, calls and prints, loops, `with`,
    `if __name__ == '__main__'` demos, tries. What is not one of these is kept as written."""
    return isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.For, ast.While, ast.With,
                             ast.If, ast.Try, ast.Delete, ast.Assert))


def write_starter(specs: list[ExerciseSpec], reference: Path, out: Path, notebook: bool = False) -> list[Path]:
    """One starter file per exercise: `ID.py`, or with `notebook` the notebook `ID.ipynb`."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in specs:
        source = reference / spec.files[0]
        if source.exists():
            text = strip(source.read_text(encoding="utf-8"), spec)
            target = out / (f"{Path(spec.files[0]).stem}.ipynb" if notebook else spec.files[0])
            target.write_text(as_notebook(text, spec) if notebook else text, encoding="utf-8")
            written.append(target)
    return written


def as_notebook(text: str, spec: ExerciseSpec) -> str:
    """A starter as a Jupyter notebook: a heading, then a code cell for the imports and each
    definition or the script, as a notebook is written; it grades like the .py (grader.notebooks).
    An import of an exercise it needs (`from net import Net`) becomes `%run net.ipynb`, which
    works in Jupyter beside net's notebook, and which the grader reads as `from net import *`."""
    import nbformat

    lines = text.rstrip("\n").split("\n")
    body = ast.parse(text).body
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    starts = [0]
    for previous, node in zip(body, body[1:]):
        if isinstance(node, definitions) or isinstance(previous, definitions):    # a definition, or the script after one
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
            while first > starts[-1] and lines[first - 1].lstrip().startswith("#"):
                first -= 1                               # a definition's comment goes with it
            starts.append(first)
    cells = [nbformat.v4.new_markdown_cell(
        f"# {spec.id}{': ' + spec.title if spec.title else ''}\n\n"
        f"Write the exercise in the code cells below and keep this notebook's name ({Path(spec.files[0]).stem}.ipynb). "
        "Run `grade .` in its folder to check your work. Cells tagged `skip` are left out of grading; "
        "shell lines (`!pip ...`) and magics (`%matplotlib`) are ignored.")]
    for index, line in enumerate(lines):      # net1 builds on net: in Jupyter, net's notebook is run, not imported
        words = line.split()
        if len(words) >= 2 and words[0] in ("from", "import") and words[1] in spec.needs:
            lines[index] = f"%run {words[1]}.ipynb"
    for start, end in zip(starts, starts[1:] + [len(lines)]):
        chunk = "\n".join(lines[start:end]).strip("\n")
        if chunk:
            cells.append(nbformat.v4.new_code_cell(chunk))
    book = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    return nbformat.writes(book)


STUDENT_README = """# {title}

Write the exercises in these files, then check your work locally:

```bash
pip install numgrader        # or the grader's repository, as your instructor says
grade .
```

Every push runs the same grading on GitHub (see the Actions tab); the points appear in GitHub
Classroom. The checks call your functions with inputs chosen at random for each run, compare
gradients with finite differences and tensors within tolerances, so print statements alone
earn nothing. Exercises: {exercises}.
"""


def write_template(specs: list[ExerciseSpec], reference: Path, out: Path, title: str = "Numerical exercises") -> None:
    write_starter(specs, reference, out)
    workflow = out / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True, exist_ok=True)
    command = "grade . --github --no-cache"
    if len(specs) < len(load_specs(PROJECT / "assignments")):   # a subset: grade only those exercises
        command += "".join(f" --exercise {spec.id}" for spec in specs)
    text = (PROJECT / "integrations" / "github-classroom" / "classroom.yml").read_text(encoding="utf-8")
    workflow.write_text(text.replace("grade . --github --no-cache", command), encoding="utf-8")
    (out / "README.md").write_text(STUDENT_README.format(title=title, exercises=", ".join(s.id for s in specs)),
                                   encoding="utf-8")
    (out / ".gitignore").write_text("__pycache__/\nmodel.ckpt\n*.grader-cache.sqlite\n", encoding="utf-8")
