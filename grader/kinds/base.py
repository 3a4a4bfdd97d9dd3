"""What a check kind is: options validated when the spec loads, inputs chosen in the trusted
parent, a probe that asks the child through the call interface, and a judge that weighs the
student's answers against the reference's to the same requests.

Built-in kinds (grader.kinds) and an instructor's own (assignments/ID.py, written with
grader.authoring) are the same thing to the engine."""
from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from grader.compare import Tolerance
from grader.report import Plot
from grader.spec import CheckSpec
from grader.wire import ErrorInfo, Move, Observation

if TYPE_CHECKING:
    from grader.driver import Session

Status = Literal["passed", "failed", "error", "timeout", "skipped"]


@dataclass(frozen=True)
class Verdict:
    status: Status
    fraction: float = 0.0   # of the check's points earned; partial credit between 0 and 1
    message: str = ""
    plot: Plot | None = None

    @classmethod
    def passed(cls, message: str = "") -> Verdict:
        return cls("passed", 1.0, message)

    @classmethod
    def failed(cls, message: str, fraction: float = 0.0) -> Verdict:
        return cls("failed", fraction, message)


class Run:
    """All observations of one child run, by check name."""

    def __init__(self, observations: dict[str, Observation]) -> None:
        self.observations = observations

    @property
    def load(self) -> Observation | None:
        return self.observations.get("__load__")

    def get(self, check: str) -> Observation | None:
        return self.observations.get(check)


class Options(BaseModel):
    """A kind's options (a check's `options = {...}` in TOML): an unknown or mistyped one is
    refused when the spec loads, naming the file, the check, the option and the value."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Kind:
    """A check kind. `asks` is False for a kind whose judge reads only the load (its output, say);
    otherwise `ask` is its probe, run in the trusted process against the child's call interface."""

    name: ClassVar[str] = ""
    Options: ClassVar[type[BaseModel]] = Options
    asks: ClassVar[bool] = True
    rtol: ClassVar[float] = 1e-6
    atol: ClassVar[float] = 1e-9

    def options(self, check: CheckSpec) -> Any:
        """The check's options as this kind's model (they were validated when the spec loaded)."""
        return self.Options.model_validate(check.options)

    def moves(self, params: Any) -> list[Move]:
        """What must be moved while the file loads, for this check's probe to see it."""
        return []

    def ask(self, session: Session, params: Any) -> Any:
        """The probe: ask the child through `session`, return plain data made of its answers."""
        raise NotImplementedError

    def names(self, params: Any) -> list[str]:
        """Names whose presence and signature the load request should look up (the api's)."""
        return []

    def tolerance(self, check: CheckSpec) -> Tolerance:
        return Tolerance(check.rtol if check.rtol is not None else self.rtol,
                         check.atol if check.atol is not None else self.atol)

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        """The inputs of this check's probe, drawn from `rng` (the run's seed): plain data."""
        return None

    def judge(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Verdict:
        """Compare the probe's value for the student (`got`) with the reference's (`expected`)."""
        raise NotImplementedError

    def judge_run(self, check: CheckSpec, params: Any, got: Run, expected: Run) -> Verdict:
        """Default: look up this check's observation in both runs, then `judge` the values."""
        mine, theirs = got.get(check.name), expected.get(check.name)
        if theirs is None or theirs.error is not None:
            detail = theirs.error.message if theirs and theirs.error else "no observation"
            raise ReferenceFailure(f"reference failed check {check.name!r}: {detail}")
        if mine is None:
            return Verdict("error", 0.0, "the check did not run: the program ended before it (see the exercise's output)")
        if mine.error is not None:
            return error_verdict(mine)
        verdict = self.judge(check, params, mine.value, theirs.value)
        try:
            return dataclasses.replace(verdict, plot=self.plot(check, params, mine.value, theirs.value))
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            return verdict          # a picture is a bonus: odd data means no picture, not an error

    def plot(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Plot | None:
        """A picture of what was compared, where one helps; None by default."""
        return None


class ReferenceFailure(Exception):
    """The reference solution failed a check: a grader/instructor problem, never the student's."""


def where(error: ErrorInfo) -> str:
    if error.file:
        location = f"{error.file}, {'' if error.cell is None else f'cell {error.cell}, '}line {error.line}"
        return f" ({location}: {error.code})" if error.code else f" ({location})"
    return ""


def error_verdict(observation: Observation) -> Verdict:
    error = observation.error
    if error is None:
        return Verdict("error", 0.0, "the check failed without saying why")
    if error.timeout:
        return Verdict("timeout", 0.0, f"your code was stopped after running too long {error.message.removeprefix('stopped ')}"
                                       " — an endless loop, or a loop that never meets its stopping condition?")
    return Verdict("error", 0.0, f"{error.type}: {error.message}{where(error)}")


class CaseKind(Kind):
    """A kind whose probe returns one outcome per case in params[cases]: partial credit by case.

    A case whose student call raised fails with that error; the others go to `judge_case`."""

    cases: ClassVar[str] = "cases"

    def judge(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Verdict:
        cases = params[self.cases]
        failures = []
        for case, mine, theirs in zip(cases, got, expected):
            failure = case_error(mine) or self.judge_case(check, case, mine, theirs)
            if failure:
                failures.append(failure)
        return fraction_verdict(len(cases), failures)

    def judge_case(self, check: CheckSpec, case: Any, mine: dict, theirs: dict) -> str | None:
        """None when the student's outcome for this case is right, else why it is not."""
        raise NotImplementedError


def case_error(outcome: dict) -> str | None:
    """Message for a case whose student call raised (see Context.attempt), else None."""
    if "error" not in outcome:
        return None
    error = ErrorInfo.model_validate(outcome["error"])      # an ErrorInfo's dump (driver.outcome), located as any error
    return f"{error.type}: {error.message}{where(error)}"


def fraction_verdict(total: int, failures: list[str]) -> Verdict:
    """Partial credit over independent cases; the first failures explained."""
    if not failures:
        return Verdict.passed()
    fraction = (total - len(failures)) / total if total else 0.0
    shown = failures[:2]
    more = f" (and {len(failures) - len(shown)} more)" if len(failures) > len(shown) else ""
    return Verdict.failed(f"{len(failures)} of {total} cases wrong: " + "; ".join(shown) + more, fraction)
