"""What a check kind is: inputs chosen in the trusted parent, a probe run in the child, and a
judge that compares the student's observation with the reference's, in the parent."""
from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from grader.compare import Tolerance
from grader.report import Plot
from grader.spec import CheckSpec
from grader.wire import ErrorInfo, Observation

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


class Kind:
    """A check kind. Subclasses set `probe` (None: the judge reads only the load observation)."""

    probe: ClassVar[str | None] = None
    rtol: ClassVar[float] = 1e-6
    atol: ClassVar[float] = 1e-9

    def tolerance(self, check: CheckSpec) -> Tolerance:
        return Tolerance(check.rtol if check.rtol is not None else self.rtol,
                         check.atol if check.atol is not None else self.atol)

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
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
        location = f"{error.file}, line {error.line}"
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
    error = outcome["error"]
    location = f" ({error['file']}, line {error['line']}: {error.get('code') or ''})" if error.get("file") else ""
    return f"{error['type']}: {error['message']}{location}"


def fraction_verdict(total: int, failures: list[str]) -> Verdict:
    """Partial credit over independent cases; the first failures explained."""
    if not failures:
        return Verdict.passed()
    fraction = (total - len(failures)) / total if total else 0.0
    shown = failures[:2]
    more = f" (and {len(failures) - len(shown)} more)" if len(failures) > len(shown) else ""
    return Verdict.failed(f"{len(failures)} of {total} cases wrong: " + "; ".join(shown) + more, fraction)
