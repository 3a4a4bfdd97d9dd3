"""`call`: call a function of the student's file (or a method: `Class.method` of the class
called with no argument first) with arguments from generators, and compare the result with
the reference's on the same arguments, or with a valley argument's bottom.

    options = { function = "normalize", args = [{ type = "vector", size = 5, form = "array" }], cases = 4 }
    options = { function = "search", args = [{ type = "valley" }, { type = "start" }, { type = "value", value = 0.01 }],
                truth = "minimum" }
"""
from __future__ import annotations

import random
from typing import Any, Literal

from pydantic import Field

from grader.compare import compare, fmt, numbers
from grader.driver import Session, call, get, outcome
from grader.kinds.base import CaseKind, Options
from grader.kinds.generators import Argument, Array, Start, draw_case, handed
from grader.spec import CheckSpec
from grader.testfunctions import Valley
from grader.wire import Step


class CallOptions(Options):
    function: str = Field(pattern=r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$", description="`f`, or `Class.method` (on Class()).")
    args: list[Argument] = Field(default_factory=list, description="Generators of the positional arguments.")
    cases: int = Field(4, ge=1, le=100, description="How many argument sets.")
    truth: Literal["reference", "minimum"] = Field(
        "reference", description="reference: the reference's result on the same arguments; minimum: the bottom of "
                                 "the valley argument `of`, within atol.")
    of: int = Field(0, ge=0, description="With truth = minimum: the index of the valley argument.")
    unchanged: bool = Field(False, description="The call must leave its list, array and tensor arguments unchanged.")


def target_steps(function: str) -> tuple[list[Step], str]:
    """Steps that make the receiver of a method (none for a function), and what to call."""
    owner, _, method = function.rpartition(".")
    if not owner:
        return [], function
    return [call(owner, keep="receiver", convert="none")], f"$receiver.{method}"


def data_arguments(options: CallOptions) -> list[int]:
    """The arguments that are data the call could change (lists, arrays, tensors, points)."""
    return [index for index, generator in enumerate(options.args) if isinstance(generator, (Array, Start))]


class Call(CaseKind):
    name = "call"
    Options = CallOptions

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        options = self.options(check)
        return {"cases": [{"args": draw_case(options.args, rng, index)} for index in range(options.cases)],
                "options": options.model_dump(mode="json")}

    def ask(self, session: Session, params: Any) -> Any:
        """All cases in one request: make the arguments, call, and read the made ones back."""
        options = CallOptions.model_validate(params["options"])
        before, target = target_steps(options.function)
        read_back = [get(f"$a{index}") for index in data_arguments(options)] if options.unchanged else []
        cases, positions = [], []
        for case in params["cases"]:
            made, plain = handed(options.args, case["args"], "a")
            steps = [*before, *made]
            positions.append(len(steps))
            cases.append([*steps, call(target, *plain), *read_back])
        answers, _ = session.cases(cases)
        results = []
        for answer, at in zip(answers, positions):
            result = outcome(answer, at)
            result["after"] = answer["results"][at + 1:] if "value" in result else []
            results.append(result)
        return results

    def judge_case(self, check: CheckSpec, case: Any, mine: dict, theirs: dict) -> str | None:
        options = self.options(check)
        shown = ", ".join(fmt(arg) if not isinstance(arg, dict) else "a test function" for arg in case["args"])
        shown = shown if len(shown) <= 160 else shown[:150] + " …"
        if options.truth == "minimum":
            bottom = Valley.from_params(case["args"][options.of]).bottom()
            found = numbers(mine["value"])
            tolerance = self.tolerance(check)
            if found is None or len(found[0]) != len(bottom):
                return f"{options.function}({shown}) should return a point of {len(bottom)} numbers, returned {mine['value']!r}"[:300]
            if any(not abs(v - b) <= tolerance.atol for v, b in zip(found[0], bottom)):
                return (f"{options.function}({shown}) ended at {fmt(found[0])}; the valley's bottom is at {fmt(bottom)} "
                        f"(± {tolerance.atol:g}) — does the search stop only when no neighbour is lower?")
        else:
            difference = compare(f"{options.function}({shown})", mine["value"], theirs["value"], self.tolerance(check))
            if difference:
                return difference.message
        if options.unchanged:
            made = [case["args"][index] for index in data_arguments(options)]
            for before, after in zip(made, mine.get("after", [])):
                now = numbers(after)
                if now is None or now[0] != (numbers(before) or ([],))[0]:
                    return f"{options.function} changed an argument it was handed ({fmt(before)}): work on a copy"
        return None
