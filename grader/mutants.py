"""Mutants of a reference file: small changes a student might make, each one a program to grade.

Three sources, each mutant named by where it came from:
- `mutmut/...`: mutmut's operators (a number plus one, a string changed, `+` into `-`, `<` into
  `<=`, `+=` into `=`, an argument removed or set to None, `True` into `False`, ...);
- `course/...`: the course's usual slips, as operators of the same shape (a statement left out,
  two arguments or operands swapped, a constant ten times too large or too small, a factor dropped,
  a copy not made, `reversed(...)` forgotten, a `with torch.no_grad():` left out, a range one short);
- `bug/NAME`: the known bugs an exercise's spec lists (`[[bugs]]`: find, replace, why).

Lines marked `# pragma: no mutate` are left alone, as mutmut does. Every mutant compiles and differs
from the reference and from every other mutant of the same file.
"""
from __future__ import annotations

import ast
import difflib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper
from mutmut.mutation.file_mutation import MutationVisitor, deep_replace
from mutmut.mutation.mutators import mutation_operators
from mutmut.mutation.pragma_handling import IgnoredCode, PragmaVisitor
from pydantic import BaseModel, Field

from grader.spec import ExerciseSpec, SpecError

Operator = tuple[type, Callable[[Any], Iterable[cst.CSTNode]]]
COPIES = {"array", "asarray", "list", "tuple", "copy", "clone", "deepcopy", "detach"}   # calls that make a copy of their argument


class Mutant(BaseModel):
    """One changed copy of a reference file."""

    exercise: str
    number: int = Field(description="1, 2, ... within its exercise, in the order the operators made them.")
    operator: str = Field(description="'mutmut/NAME', 'course/NAME' or 'bug/NAME'.")
    line: int = Field(description="First line of the reference that the change touches.")
    original: str = Field(description="The reference's text of that line.")
    diff: str = Field(description="Unified diff from the reference.")
    file: str = Field(description="The file's name (the reference's).")
    source: str = Field(exclude=True, description="The whole changed file.")

    @property
    def name(self) -> str:
        """The folder the mutant is graded from, and its name in reports."""
        return f"{self.exercise}-m{self.number:03d}"


# --- the course's operators: node → changed nodes, as mutmut's are ------------------------------------
def statement_left_out(node: cst.SimpleStatementLine) -> Iterator[cst.CSTNode]:
    """A line forgotten: `x.grad.zero_()`, `net.backward()`, `grad[label] -= 1.0` (imports and
    docstrings aside: leaving those out only fails to load)."""
    body = node.body
    if all(isinstance(small, (cst.Pass, cst.Import, cst.ImportFrom)) for small in body):
        return
    if len(body) == 1 and isinstance(body[0], cst.Expr) and isinstance(body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
        return
    yield node.with_changes(body=[cst.Pass()])


def arguments_swapped(node: cst.Call) -> Iterator[cst.CSTNode]:
    """Two neighbouring positional arguments in the wrong order: `df(f, k, p)` for `df(f, p, k)`."""
    positional = [i for i, arg in enumerate(node.args) if arg.keyword is None and not arg.star]
    for i, j in zip(positional, positional[1:]):
        if j != i + 1:
            continue
        args = list(node.args)
        args[i], args[j] = (args[i].with_changes(value=args[j].value), args[j].with_changes(value=args[i].value))
        yield node.with_changes(args=args)


def operands_swapped(node: cst.BinaryOperation) -> Iterator[cst.CSTNode]:
    """`b - a` for `a - b`, `h / d` for `d / h`: where the order matters."""
    if isinstance(node.operator, (cst.Subtract, cst.Divide, cst.FloorDivide, cst.Power, cst.MatrixMultiply, cst.Modulo)):
        yield node.with_changes(left=_grouped(node.right), right=_grouped(node.left))


def _grouped(part: cst.BaseExpression) -> cst.BaseExpression:
    """An operand that is itself an operation, parenthesised where it moves (`c - (a - b)`) or
    stands alone for the operation it was part of."""
    if isinstance(part, (cst.BinaryOperation, cst.BooleanOperation, cst.Comparison, cst.UnaryOperation)) and not part.lpar:
        return part.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return part


def factor_dropped(node: cst.BinaryOperation) -> Iterator[cst.CSTNode]:
    """A factor or divisor forgotten: `x.grad` for `learning_rate * x.grad`, a quotient not divided by h."""
    if isinstance(node.operator, cst.Multiply):
        yield _grouped(node.left)
        yield _grouped(node.right)
    elif isinstance(node.operator, (cst.Divide, cst.FloorDivide)):
        yield _grouped(node.left)


def constant_scaled(node: cst.BaseNumber) -> Iterator[cst.CSTNode]:
    """A constant ten times too large or too small: a stopping threshold, a learning rate, a step."""
    if isinstance(node, cst.Float) and node.evaluated_value != 0:
        yield node.with_changes(value=repr(node.evaluated_value * 10))
        yield node.with_changes(value=repr(node.evaluated_value / 10))
    elif isinstance(node, cst.Integer) and node.evaluated_value > 1:    # a count stays an int: 20000, 200 for 2000
        yield node.with_changes(value=str(node.evaluated_value * 10))
        if node.evaluated_value >= 10:
            yield node.with_changes(value=str(node.evaluated_value // 10))


def copy_not_made(node: cst.Call) -> Iterator[cst.CSTNode]:
    """The caller's object itself where a copy was made: `p = p0` for `p = np.array(p0, dtype=float)`."""
    name = node.func.attr.value if isinstance(node.func, cst.Attribute) else getattr(node.func, "value", None)
    if name not in COPIES:
        return
    if isinstance(node.func, cst.Attribute) and not node.args and name in ("copy", "clone", "detach"):
        yield node.func.value
    elif node.args and node.args[0].keyword is None and not node.args[0].star:
        yield node.args[0].value


def reversal_forgotten(node: cst.Call) -> Iterator[cst.CSTNode]:
    """Backward through the gates in forward order: `gates` for `reversed(gates)`."""
    if isinstance(node.func, cst.Name) and node.func.value == "reversed" and len(node.args) == 1:
        yield node.args[0].value


def context_left_out(node: cst.With) -> Iterator[cst.CSTNode]:
    """A block run outside its `with`: the step of gradient descent recorded by autograd."""
    yield cst.If(test=cst.Name("True"), body=node.body, leading_lines=node.leading_lines)


def range_one_short(node: cst.Call) -> Iterator[cst.CSTNode]:
    """One iteration too few: `range(n - 1)` for `range(n)`."""
    if (isinstance(node.func, cst.Name) and node.func.value == "range" and 1 <= len(node.args) <= 2
            and not any(arg.star for arg in node.args)):
        last = node.args[-1]
        shorter = cst.BinaryOperation(left=last.value, operator=cst.Subtract(), right=cst.Integer("1"))
        yield node.with_changes(args=[*node.args[:-1], last.with_changes(value=shorter)])


COURSE: list[Operator] = [
    (cst.SimpleStatementLine, statement_left_out),
    (cst.Call, arguments_swapped),
    (cst.BinaryOperation, operands_swapped),
    (cst.BinaryOperation, factor_dropped),
    (cst.BaseNumber, constant_scaled),
    (cst.Call, copy_not_made),
    (cst.Call, reversal_forgotten),
    (cst.With, context_left_out),
    (cst.Call, range_one_short),
]


def operators() -> list[tuple[str, Operator]]:
    """Every operator with its report name: mutmut's first, then the course's."""
    named = [(f"mutmut/{function.__name__.removeprefix('operator_')}", (kind, function)) for kind, function in mutation_operators]
    return named + [(f"course/{function.__name__}", (kind, function)) for kind, function in COURSE]


# --- making them ---------------------------------------------------------------------------------------
def make(spec: ExerciseSpec, file: Path, where: str) -> list[Mutant]:
    """The mutants of `file`, the reference of `spec`; `where` names the spec file in messages."""
    source = file.read_text(encoding="utf-8")
    try:
        wrapper = MetadataWrapper(cst.parse_module(source))
    except cst.ParserSyntaxError as error:
        raise SpecError(f"{file}: the reference does not parse ({error})") from None
    pragmas = PragmaVisitor(str(file))
    wrapper.visit(pragmas)
    never_run = main_block(source) if spec.kind == "module" else set()
    ignored = IgnoredCode(no_mutate_lines=pragmas.no_mutate_lines | never_run, ignore_node_lines=pragmas.ignore_node_lines,
                          ignore_pattern_lines=set())
    made: list[Mutant] = []
    seen = {program(source, file.name)}     # one program once, however its text is laid out (`f(x, )`, `(x)`)

    def add(operator: str, changed: str) -> bool:
        shape = program(changed, file.name)
        if shape is None or shape in seen:
            return False
        seen.add(shape)
        line = first_changed_line(source, changed)
        made.append(Mutant(exercise=spec.id, number=len(made) + 1, operator=operator, line=line,
                           original=(source.splitlines()[line - 1:line] or [""])[0].strip(),
                           diff=unified_diff(source, changed, file.name), file=file.name, source=changed))
        return True

    for bug in spec.bugs:       # first: an operator's mutant that is also a known bug keeps the bug's name
        if bug.find not in source:
            raise SpecError(f"{where}: bug {bug.name!r}: {bug.find!r} does not occur in {file}; "
                            "copy the text to change from the reference exactly")
        if not add(f"bug/{bug.name}", source.replace(bug.find, bug.replace)):
            raise SpecError(f"{where}: bug {bug.name!r}: replacing {bug.find!r} by {bug.replace!r} in {file} gives a file "
                            "that does not compile, or the same program as the reference or an earlier bug")
    for name, operator in operators():
        visitor = MutationVisitor([operator], ignored, None)
        wrapper.visit(visitor)
        for mutation in visitor.mutations:
            changed = deep_replace(wrapper.module, mutation.original_node, mutation.mutated_node)
            if isinstance(changed, cst.Module):
                add(name, changed.code)
    return made


def main_block(source: str) -> set[int]:
    """The lines of a module's `if __name__ == "__main__":` block: grading imports a module, so a
    change there could never change an answer."""
    lines: set[int] = set()
    for node in ast.parse(source).body:
        test = node.test if isinstance(node, ast.If) else None
        if (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
                and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def program(source: str, name: str) -> str | None:
    """The source's syntax tree as text (the same for `f(x, )` and `f(x)`), or None when it does not compile."""
    try:
        tree = ast.parse(source, name)
        compile(tree, name, "exec")
    except (SyntaxError, ValueError):
        return None
    return ast.dump(tree)


def first_changed_line(before: str, after: str) -> int:
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    changed = [start for tag, start, _, _, _ in matcher.get_opcodes() if tag != "equal"]
    return changed[0] + 1 if changed else 1


def unified_diff(before: str, after: str, name: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"reference/{name}", tofile=f"mutant/{name}", n=1))
