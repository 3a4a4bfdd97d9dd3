"""`gradient`: a student's derivative, gradient or Jacobian function against central differences
of the function it differentiates (`of`), evaluated by the reference on the same arguments, or
against the reference's own derivative function (no `of`).

The tolerance comes from the step: the central difference at h and at 2h differ by about three
times the truncation error, and rounding adds 4ε|f|/h. Output k, input j is entry [k][j] of a
Jacobian; a scalar function's gradient is a flat vector of the argument's shape.

    options = { function = "loss_backward", of = "loss",
                args = [{ type = "vector", size = 5 }, { type = "integer", low = 0, high = 4 }], wrt = 0 }
"""
from __future__ import annotations

import copy
import math
import random
from typing import Any

from pydantic import Field

from grader.compare import fmt, numbers
from grader.differences import richardson
from grader.driver import Session, call, outcome
from grader.kinds.base import CaseKind, Options, ReferenceFailure
from grader.kinds.generators import Argument, Array, Scalar, draw_case, handed
from grader.spec import CheckSpec


class GradientOptions(Options):
    function: str = Field(pattern=r"^[A-Za-z_]\w*$", description="The student's derivative function.")
    of: str | None = Field(None, pattern=r"^[A-Za-z_]\w*$",
                           description="The function it differentiates; absent: compare with the reference's derivative function.")
    args: list[Argument] = Field(min_length=1, description="Generators of the arguments of both functions.")
    wrt: int = Field(0, ge=0, description="Which argument is differentiated (a scalar, vector or array of numbers).")
    step: float = Field(1e-4, gt=0, lt=1, description="h of the central differences.")
    cases: int = Field(4, ge=1, le=50)


def positions(value: Any) -> list[tuple[int, ...]]:
    """Every element's index path in a nested list (the empty path for a number)."""
    if isinstance(value, list):
        return [(i, *rest) for i, item in enumerate(value) for rest in positions(item)]
    return [()]


def moved(value: Any, where: tuple[int, ...], by: float) -> Any:
    if not where:
        return value + by
    copied = copy.deepcopy(value)
    node = copied
    for index in where[:-1]:
        node = node[index]
    node[where[-1]] += by
    return copied


def flat(value: Any) -> list[float] | None:
    found = numbers(value)
    return None if found is None else found[0]


class Gradient(CaseKind):
    name = "gradient"
    Options = GradientOptions
    rtol = 1e-5
    atol = 1e-7

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        options = self.options(check)
        if options.wrt >= len(options.args) or not isinstance(options.args[options.wrt], (Array, Scalar)):
            raise ValueError(f"wrt={options.wrt} must name a scalar, vector, matrix or tensor argument")
        return {"cases": [{"args": draw_case(options.args, rng, index)} for index in range(options.cases)],
                "options": options.model_dump(mode="json")}

    def ask(self, session: Session, params: Any) -> Any:
        """Per case, one request entry: the derivative function's result, then `of` at ±h and ±2h
        along each element of the differentiated argument."""
        options = GradientOptions.model_validate(params["options"])
        h, cases = options.step, []
        for case in params["cases"]:
            args = case["args"]
            steps, plain = handed(options.args, args, "a")
            cases.append([*steps, call(options.function, *plain)])
            evaluations: list = []       # a case of its own: the student's `of` failing is another check's business
            if options.of:
                for where in positions(args[options.wrt]):
                    for by in (h, -h, 2 * h, -2 * h):
                        shifted = list(args)
                        shifted[options.wrt] = moved(args[options.wrt], where, by)
                        made, arguments = handed(options.args, shifted, "m")
                        evaluations += [*made, call(options.of, *arguments)]
            cases.append(evaluations)
        answers, _ = session.cases(cases)
        results = []
        for index in range(0, len(answers), 2):
            result = outcome(answers[index], len(cases[index]) - 1)
            evaluated = answers[index + 1]
            if evaluated.get("error") is None:
                result["evaluations"] = [value for value, step in zip(evaluated["results"], cases[index + 1]) if step.call]
            results.append(result)
        return results

    def judge_case(self, check: CheckSpec, case: Any, mine: dict, theirs: dict) -> str | None:
        options = self.options(check)
        got = flat(mine["value"])
        if options.of is None:
            truth, allowed = flat(theirs["value"]), None
            label = "the reference's derivative"
        else:
            truth, allowed = self.differences(options, theirs.get("evaluations", []))
            label = "central differences of the reference's " + options.of
        if truth is None:
            raise ReferenceFailure(f"the reference's {options.of or options.function} gave no numbers for {check.name!r}")
        if got is None or len(got) != len(truth):
            return (f"{options.function} should return {len(truth)} numbers (a {'Jacobian' if len(truth) > 1 else 'derivative'} "
                    f"of the argument's shape), returned {mine['value']!r}")[:300]
        tolerance = self.tolerance(check)
        bounds = [(a if allowed else 0.0) + tolerance.atol + tolerance.rtol * abs(t)
                  for a, t in zip(allowed or [0.0] * len(truth), truth)]
        wrong = [i for i, (g, t, b) in enumerate(zip(got, truth, bounds)) if not (math.isfinite(g) and abs(g - t) <= b)]
        if not wrong:
            return None
        hint = ""
        if all(abs(g + t) <= b for g, t, b in zip(got, truth, bounds)):
            hint = " — every sign is flipped"
        return (f"{options.function} at {fmt(case['args'][options.wrt])}: expected {fmt(truth)} ({label}, ± {fmt(bounds)}), "
                f"got {fmt(got)}; {len(wrong)} of {len(truth)} entries differ{hint}")

    @staticmethod
    def differences(options: GradientOptions, evaluations: list[Any]) -> tuple[list[float] | None, list[float]]:
        """The Jacobian by central differences (entry [k][j], flattened) and each entry's error bound."""
        h = options.step
        groups = [evaluations[i:i + 4] for i in range(0, len(evaluations), 4)]
        columns = []
        for group in groups:
            values = [found for found in (flat(v) for v in group) if found is not None]
            if len(values) != 4 or len({len(v) for v in values}) != 1:
                return None, []
            up, down, up2, down2 = values
            columns.append([richardson(up[k], down[k], up2[k], down2[k], h) for k in range(len(up))])
        if not columns:
            return None, []
        outputs = len(columns[0])
        truth = [columns[j][k][0] for k in range(outputs) for j in range(len(columns))]
        bounds = [columns[j][k][1] for k in range(outputs) for j in range(len(columns))]
        return truth, bounds
