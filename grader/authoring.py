"""The authoring library: what an instructor's test file (`assignments/ID.py`) is written with.

An exercise whose checks TOML alone cannot say gets a Python file beside its spec. It declares
its own check kinds with four decorators, each taking the kind's name (the `kind = "..."` of a
check in ID.toml):

    @inputs("df", options=DfOptions)      # draw the probe's inputs from the run's seed
    def draw(options: DfOptions, rng: random.Random) -> DfParams: ...

    @probe("df")                          # ask the student's code, through the call interface
    def ask(session: Session, params: DfParams) -> list[DfCase]: ...

    @check("df", rtol=1e-6)               # weigh the student's answers against the reference's
    def judge(task: Task, got: list[DfCase], expected: list[DfCase]) -> Verdict: ...

    @plot("df")                           # optional: a picture for the HTML report
    def picture(task: Task, got: list[DfCase], expected: list[DfCase]) -> Plot | None: ...

The probe runs in the trusted grading process, never beside student code: it can only send
requests (call this with these plain arguments; run the script with these values moved) and
read plain answers. Its return annotation is the outcome model: the answers are validated into
it, and the judge receives them as that model, for the student and for the reference on the
same inputs. `expected` is the reference's outcome: compare against it, or against a truth the
judge computes from the inputs (`Smooth.derivative`, `Valley.bottom`), never a number typed
here. A probe that raises on a student's answers fails that student's check; a judge that
raises, or an outcome that fails its model on the reference's answers, is a grader error.

Judges are plain functions of plain data: unit-test them without workers (see
tests/test_authoring.py). A kind of another exercise's file is named `"ID:kind"` in TOML.
"""
from __future__ import annotations

import contextlib
import random
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

from pydantic import BaseModel, ConfigDict, JsonValue, TypeAdapter

from grader.compare import Difference, Tolerance, compare, fmt, numbers
from grader.differences import central_difference, richardson
from grader.driver import Session, StudentError, call, get, make, outcome, ref
from grader.kinds.base import Kind, Options, ReferenceFailure, Verdict, case_error, fraction_verdict
from grader.kinds.output import parse_line
from grader.report import Plot, Series
from grader.spec import CheckSpec
from grader.testfunctions import Smooth, Valley
from grader.wire import ErrorInfo, FileOp, Move, Step

__all__ = [
    "Case", "Difference", "ErrorInfo", "FileOp", "Move", "Options", "Plot", "ReferenceFailure", "Series", "Session",
    "Smooth", "Step", "StudentError", "Task", "Tolerance", "Valley", "Verdict", "call", "case_error", "central_difference",
    "check", "compare", "each_case", "fmt", "fraction_verdict", "get", "inputs", "make", "numbers", "outcome",
    "parse_line", "plot", "probe", "ref", "richardson",
]


class Case(BaseModel):
    """One case of a `cases` request, as a probe's outcome model starts: the value asked for, or
    the error the student's code raised in that case (see `outcome`). Extend it with fields."""

    model_config = ConfigDict(extra="forbid")

    value: JsonValue = None
    error: ErrorInfo | None = None


@dataclass(frozen=True)
class Task:
    """What a judge is told besides the two outcomes: the check, its options, its inputs and its
    tolerance (the TOML's rtol/atol, else the @check's defaults)."""

    check: str
    options: Any
    params: Any
    tolerance: Tolerance


def each_case(cases: list[Any], got: list[Any], expected: list[Any],
              judge: Callable[[Any, Any, Any], str | None]) -> Verdict:
    """Partial credit over independent cases: a case whose student call raised fails with that
    error; the others go to `judge(case, mine, theirs)`, which returns None or why it is wrong."""
    failures = []
    for case, mine, theirs in zip(cases, got, expected):
        error = mine.error if isinstance(mine, Case) else None
        failure = (case_error({"error": error.model_dump()}) if error is not None else None) or judge(case, mine, theirs)
        if failure:
            failures.append(failure)
    if len(got) < len(cases):
        failures.append(f"{len(cases) - len(got)} case(s) not answered")
    return fraction_verdict(len(cases), failures)


# --- the decorators ------------------------------------------------------------------------------
@dataclass
class Parts:
    """What an instructor's file declared for one kind name."""

    name: str
    options: type[BaseModel] = Options
    draw: Callable[..., Any] | None = None
    probe: Callable[..., Any] | None = None
    moves: Callable[[Any], list[Move]] | None = None
    judge: Callable[..., Verdict] | None = None
    picture: Callable[..., Plot | None] | None = None
    rtol: float = 1e-6
    atol: float = 1e-9


_declared: dict[str, Parts] | None = None


@contextlib.contextmanager
def collecting() -> Iterator[dict[str, Parts]]:
    """The kinds an instructor's file declares while it is executed (grader.exercises)."""
    global _declared
    outer, _declared = _declared, {}
    try:
        yield _declared
    finally:
        _declared = outer


def _parts(name: str) -> Parts:
    if _declared is None:
        raise RuntimeError("the authoring decorators declare kinds of an assignments/ID.py loaded by the grader")
    return _declared.setdefault(name, Parts(name))


def inputs(name: str, *, options: type[BaseModel] = Options) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`(options, rng) -> params`: the probe's inputs, from the run's seed. `options` is the
    model the check's TOML options are validated with (extra="forbid": a typo is refused)."""
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        parts = _parts(name)
        parts.draw, parts.options = function, options
        return function
    return register


def probe(name: str, *, moves: Callable[[Any], list[Move]] | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`(session, params) -> outcome`: asks the child; `moves(params)`, if given, says what must
    be moved while the file loads (shift_tensors, arguments, record_calls, training)."""
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        parts = _parts(name)
        parts.probe, parts.moves = function, moves
        return function
    return register


def check(name: str, *, rtol: float = 1e-6, atol: float = 1e-9) -> Callable[[Callable[..., Verdict]], Callable[..., Verdict]]:
    """`(task, got, expected) -> Verdict`: the judge, with the kind's default tolerances."""
    def register(function: Callable[..., Verdict]) -> Callable[..., Verdict]:
        parts = _parts(name)
        parts.judge, parts.rtol, parts.atol = function, rtol, atol
        return function
    return register


def plot(name: str) -> Callable[[Callable[..., Plot | None]], Callable[..., Plot | None]]:
    """`(task, got, expected) -> Plot | None`: a picture of what was compared, for the report."""
    def register(function: Callable[..., Plot | None]) -> Callable[..., Plot | None]:
        _parts(name).picture = function
        return function
    return register


def _annotation(function: Callable[..., Any] | None, name: str) -> Any:
    if function is None:
        return Any
    try:
        return typing.get_type_hints(function).get(name, Any)
    except (NameError, TypeError):
        return Any


class Declared(Kind):
    """A kind made of an instructor's decorated functions."""

    asks: ClassVar[bool] = True

    def __init__(self, parts: Parts, where: str) -> None:
        if parts.judge is None:
            raise ValueError(f"kind {parts.name!r} has no @check judge")
        self.parts, self.where = parts, where
        self.Options = parts.options          # type: ignore[misc]  # per-instance model
        self.rtol, self.atol = parts.rtol, parts.atol   # type: ignore[misc]
        self.asks = parts.probe is not None    # type: ignore[misc]
        self.params_type = TypeAdapter(_annotation(parts.draw, "return"))
        self.outcome_type = TypeAdapter(_annotation(parts.probe, "return"))

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        if self.parts.draw is None:
            return None
        params = self.parts.draw(self.options(check), rng)
        return self.params_type.dump_python(params, mode="json")

    def params(self, params: Any) -> Any:
        return self.params_type.validate_python(params)

    def moves(self, params: Any) -> list[Move]:
        return self.parts.moves(self.params(params)) if self.parts.moves else []

    def ask(self, session: Session, params: Any) -> Any:
        assert self.parts.probe is not None
        answer = self.parts.probe(session, self.params(params))
        return self.outcome_type.dump_python(self.outcome_type.validate_python(answer), mode="json")

    def task(self, check: CheckSpec, params: Any) -> Task:
        return Task(check=check.name, options=self.options(check), params=self.params(params),
                    tolerance=self.tolerance(check))

    def judge(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Verdict:
        assert self.parts.judge is not None
        try:
            theirs = self.outcome_type.validate_python(expected)
        except ValueError as error:
            raise ReferenceFailure(f"the reference's answers to {check.name!r} do not fit the probe's outcome model: {error}") from None
        return self.parts.judge(self.task(check, params), self.outcome_type.validate_python(got), theirs)

    def plot(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Plot | None:
        if self.parts.picture is None:
            return None
        return self.parts.picture(self.task(check, params), self.outcome_type.validate_python(got),
                                  self.outcome_type.validate_python(expected))


def declared_kinds(parts: dict[str, Parts], where: str) -> dict[str, Kind]:
    return {name: Declared(part, where) for name, part in parts.items()}

