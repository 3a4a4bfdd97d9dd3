"""The files students start from, made from reference/ the way nbgrader and Otter Assign strip
solutions: imports, signatures, docstrings and comments outside the solutions kept; every
function body replaced by a `raise NotImplementedError` that says what to write; a script's own
code replaced likewise. Graded, a starter earns zero and says what is missing.

Also `grade template OUT`: a GitHub Classroom template repository around the starter."""
from __future__ import annotations

import ast
from pathlib import Path

from grader.spec import ExerciseSpec, load_specs

PROJECT = Path(__file__).resolve().parent.parent


def strip(source: str, exercise: ExerciseSpec) -> str:
    tree = ast.parse(source)
    lines = source.splitlines()
    replacements: list[tuple[int, int, list[str]]] = []   # (first line, last line, new lines), 1-based

    def stub_function(node: ast.FunctionDef) -> None:
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]                                   # keep the docstring
        if not body:
            return
        indent = " " * body[0].col_offset
        replacements.append((body[0].lineno, node.end_lineno,
                             [f'{indent}raise NotImplementedError("write {node.name}(): see the exercise")']))

    script: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.FunctionDef):
            stub_function(node)
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, ast.FunctionDef):
                    stub_function(member)
        elif isinstance(node, ast.Expr) and node is tree.body[0] and isinstance(getattr(node, "value", None), ast.Constant):
            continue                                          # the module docstring
        else:
            script.append(node)
    if script:
        what = "the script" if exercise.kind != "module" else "the demo"
        replacements.append((script[0].lineno, script[-1].end_lineno,
                             [f"# TODO: write {what} (see the exercise for what it prints)",
                              f'raise NotImplementedError("write {what} of {exercise.id}.py")']
                             if exercise.kind != "module" else []))
    for first, last, new in sorted(replacements, reverse=True):
        lines[first - 1:last] = new
    return "\n".join(lines).rstrip() + "\n"


def write_starter(specs: list[ExerciseSpec], reference: Path, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in specs:
        source = reference / spec.files[0]
        if source.exists():
            target = out / spec.files[0]
            target.write_text(strip(source.read_text(encoding="utf-8"), spec), encoding="utf-8")
            written.append(target)
    return written


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
