"""Checks of `torchGd2`: the student's GD(parameters, loss_fn, loop_max, learning_rate) over a
list of float64 tensors on Σ wᵢ (pᵢ - tᵢ)², starts, targets and weights drawn by the grader,
compared with the reference's GD on the same list.

One case has a single parameter, the next several: a GD that updates only parameters[0], or
clears only one gradient, is seen every time."""
from __future__ import annotations

import random

from pydantic import BaseModel, Field

from grader.authoring import (
    Case,
    Options,
    Plot,
    Session,
    Task,
    Verdict,
    call,
    check,
    compare,
    each_case,
    get,
    inputs,
    make,
    outcome,
    plot,
    probe,
    ref,
)


class Cases(Options):
    cases: int = Field(2, ge=1, le=20, description="How many lists (one parameter, then several, alternately).")


class Start(BaseModel):
    p0: list[float]
    targets: list[float]
    weights: list[float]
    loops: int
    lr: float


class Starts(BaseModel):
    cases: list[Start]


class Descent(Case):
    """The parameters after GD (read from the list handed in) and the losses GD asked for."""

    curve: list[float] = []


@inputs("gd_list", options=Cases)
def draw(options: Cases, rng: random.Random) -> Starts:
    cases = []
    for index in range(options.cases):
        count = (1, 3)[index % 2]      # one parameter, then several: a loop over the list always shows
        cases.append(Start(p0=[round(rng.uniform(-3, 3), 4) for _ in range(count)],
                           targets=[round(rng.uniform(-3, 3), 4) for _ in range(count)],
                           weights=[round(rng.uniform(0.5, 2), 3) for _ in range(count)],
                           loops=30, lr=0.05))
    return Starts(cases=cases)


@probe("gd_list")
def ask(session: Session, params: Starts) -> list[Descent]:
    """GD(ps, loss, loops, lr), then each tensor of the list ps as it was handed in."""
    answers, records = session.cases([
        [make("ps", {"kind": "tensors", "values": case.p0, "dtype": "float64", "requires_grad": True}),
         make("loss", {"kind": "weighted_squares", "targets": case.targets, "weights": case.weights,
                       "record": f"loss{index}"}),
         call("GD", ref("ps"), ref("loss"), case.loops, case.lr, convert="none"),
         *(get(f"$ps.{position}", convert="number") for position in range(len(case.p0)))]
        for index, case in enumerate(params.cases)])
    results = []
    for index, (case, answer) in enumerate(zip(params.cases, answers)):
        result = outcome(answer, 2)
        if "value" in result:
            result["value"] = answer["results"][3:]
        results.append(Descent(**result, curve=records.get(f"loss{index}", [])[: case.loops + 1]))
    return results


def falls(curve: list[float]) -> bool:
    return len(curve) >= 2 and curve[-1] < curve[0]


@check("gd_list", rtol=1e-6, atol=1e-8)
def judge(task: Task, got: list[Descent], expected: list[Descent]) -> Verdict:
    """Every parameter of the list ends where the reference's GD leaves it."""
    def one(case: Start, mine: Descent, theirs: Descent) -> str | None:
        difference = compare(f"parameters after {case.loops} steps from {case.p0}",
                             mine.value, theirs.value, task.tolerance)
        if difference is None:
            return None
        hint = "" if falls(mine.curve) else " — the loss did not go down"
        if not mine.curve:
            hint = " — loss_fn was never called"
        elif len(case.p0) > 1 and falls(mine.curve):
            hint = " — is every parameter in the list updated and its .grad cleared?"
        return difference.message + hint
    return each_case(task.params.cases, got, expected, one)


@plot("gd_list")
def picture(task: Task, got: list[Descent], expected: list[Descent]) -> Plot | None:
    return Plot.against_reference(f"loss of GD from {task.params.cases[0].p0}", got[0].curve, expected[0].curve)
