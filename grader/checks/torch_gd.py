"""Checks of the torch descents: the student's GD from grader-chosen starts and losses,
compared step by step with the reference's run from the same start."""
from __future__ import annotations

import random
from typing import Any

from grader.checks.base import CaseKind, Kind, Verdict
from grader.compare import Tolerance, compare, fmt
from grader.report import Plot
from grader.spec import CheckSpec

HINT_TOLERANCE = Tolerance(rtol=1e-3, atol=1e-6)


def no_clear_curve(x0: float, target: float, loops: int, lr: float) -> list[float]:
    """(x - t)² descended without clearing x.grad: each step uses the sum of all gradients so far."""
    x, total, curve = x0, 0.0, []
    for _ in range(loops):
        curve.append((x - target) ** 2)
        total += 2 * (x - target)
        x -= lr * total
    return curve


def falls(curve: list[float]) -> bool:
    return len(curve) >= 2 and curve[-1] < curve[0]


class ScalarDescent(CaseKind):
    """torchGd1's GD(x, loss_fn, loop_max, learning_rate) on (x - t)², t and x₀ chosen by the grader."""

    probe = "torch.gd_scalar"
    rtol = 1e-4     # float32 steps: the same arithmetic as the reference, in any correct order
    atol = 1e-5

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        return {"cases": [{"x0": round(rng.uniform(-3, 3), 4), "target": round(rng.uniform(-3, 3), 4),
                           "loops": 30, "lr": 0.05} for _ in range(int(check.options.get("cases", 2)))]}

    def judge_case(self, check: CheckSpec, case: Any, mine: dict, theirs: dict) -> str | None:
        difference = compare(f"x after {case['loops']} steps from x0={case['x0']} on (x - {case['target']})²",
                             mine["value"], theirs["value"], self.tolerance(check))
        return difference.message + self.cause(case, mine["curve"]) if difference else None

    def plot(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Plot | None:
        case = params["cases"][0]
        mine, theirs = got[0].get("curve") or [], expected[0].get("curve") or []
        return Plot.against_reference(f"loss of GD from x0={case['x0']} on (x - {case['target']})²", mine, theirs)

    def cause(self, case: dict, curve: list[float]) -> str:
        if not curve:
            return " — loss_fn was never called"
        simulated = no_clear_curve(case["x0"], case["target"], case["loops"], case["lr"])
        if compare("c", curve[:50], simulated[:50], HINT_TOLERANCE) is None:
            return " — x.grad is not cleared between steps, so the gradients add up (x.grad.zero_() after the step)"
        if not falls(curve):
            return f" — the loss did not go down ({fmt(curve[:1])} → {fmt(curve[-1:])}): step against the gradient"
        return ""


class ListDescent(CaseKind):
    """torchGd2's GD(parameters, loss_fn, loop_max, learning_rate) over a list of tensors."""

    probe = "torch.gd_list"
    rtol = 1e-6
    atol = 1e-8

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        cases = []
        for index in range(int(check.options.get("cases", 2))):
            count = (1, 3)[index % 2]      # one parameter, then several: a loop over the list always shows
            cases.append({"p0": [round(rng.uniform(-3, 3), 4) for _ in range(count)],
                          "targets": [round(rng.uniform(-3, 3), 4) for _ in range(count)],
                          "weights": [round(rng.uniform(0.5, 2), 3) for _ in range(count)],
                          "loops": 30, "lr": 0.05})
        return {"cases": cases}

    def judge_case(self, check: CheckSpec, case: Any, mine: dict, theirs: dict) -> str | None:
        difference = compare(f"parameters after {case['loops']} steps from {case['p0']}",
                             mine["value"], theirs["value"], self.tolerance(check))
        if difference is None:
            return None
        hint = "" if falls(mine["curve"]) else " — the loss did not go down"
        if not mine["curve"]:
            hint = " — loss_fn was never called"
        elif len(case["p0"]) > 1 and falls(mine["curve"]):
            hint = " — is every parameter in the list updated and its .grad cleared?"
        return difference.message + hint

    def plot(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Plot | None:
        case = params["cases"][0]
        mine, theirs = got[0].get("curve") or [], expected[0].get("curve") or []
        return Plot.against_reference(f"loss of GD from {case['p0']}", mine, theirs)


class ShiftedStart(Kind):
    """The script runs from a start the student cannot know (every requires_grad tensor shifted):
    the values it leaves must be the reference's from the same start."""

    probe = "torch.shifted_start"
    rtol = 1e-5
    atol = 1e-6

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        return {"offsets": [round(rng.uniform(0.2, 1.0), 3) * rng.choice([-1, 1]) for _ in range(3)]}

    def judge(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Verdict:
        if not got["shifted"]:
            return Verdict.failed("the script made no torch.tensor(..., requires_grad=True), so the grader "
                                  "could not check that it computes its output")
        difference = compare("the variable after the descent from a shifted start", got["values"],
                             expected["values"], self.tolerance(check))
        if difference:
            return Verdict.failed(difference.message + " — does the script compute its result, or print a remembered one?")
        return Verdict.passed()

    def plot(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Plot | None:
        mine, theirs = got.get("norms") or [], expected.get("norms") or []
        if not theirs:
            return None
        return Plot.against_reference("‖x‖ at each step from the shifted start (torch.norm calls)", mine, theirs,
                                      y_label="‖x‖", log_y=False)
