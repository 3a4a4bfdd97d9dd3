"""Checks of `torchGd1`: the student's GD(x, loss_fn, loop_max, learning_rate) on (x - t)², from
a start x₀ and towards a target t the grader draws, compared step by step with the reference's
GD from the same start on the same loss.

The loss handed to GD only evaluates (and records its values for the picture): what x must
become is what the reference's GD made of the same start."""
from __future__ import annotations

import random

from pydantic import BaseModel, Field

from grader.authoring import (
    Case,
    Options,
    Plot,
    Session,
    Step,
    Task,
    Tolerance,
    Verdict,
    call,
    check,
    compare,
    each_case,
    fmt,
    inputs,
    make,
    outcome,
    plot,
    probe,
    ref,
)

HINT_TOLERANCE = Tolerance(rtol=1e-3, atol=1e-6)    # how close a curve must be to the simulated mistake


class Cases(Options):
    cases: int = Field(2, ge=1, le=20, description="How many starts and targets.")


class Start(BaseModel):
    x0: float
    target: float
    loops: int
    lr: float


class Starts(BaseModel):
    cases: list[Start]


class Descent(Case):
    """What GD returned (else x itself, when GD returns nothing) and the losses it asked for."""

    curve: list[float] = []


@inputs("gd_scalar", options=Cases)
def draw(options: Cases, rng: random.Random) -> Starts:
    return Starts(cases=[Start(x0=round(rng.uniform(-3, 3), 4), target=round(rng.uniform(-3, 3), 4), loops=30, lr=0.05)
                         for _ in range(options.cases)])


@probe("gd_scalar")
def ask(session: Session, params: Starts) -> list[Descent]:
    """GD(x, loss, loops, lr) on (x - t)² from a float32 x = x₀ that requires a gradient."""
    answers, records = session.cases([
        [make("x", {"kind": "tensor", "values": case.x0, "requires_grad": True}),
         make("loss", {"kind": "square_loss", "target": case.target, "record": f"loss{index}"}),
         call("GD", ref("x"), ref("loss"), case.loops, case.lr, keep="r", convert="none"),
         Step(get="$r", convert="number", default="x")]          # what GD returned, else x itself
        for index, case in enumerate(params.cases)])
    return [Descent(**outcome(answer, 3), curve=records.get(f"loss{index}", [])[: case.loops + 1])
            for index, (case, answer) in enumerate(zip(params.cases, answers))]


# --- the likely cause ---------------------------------------------------------------------------
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


def cause(case: Start, curve: list[float]) -> str:
    if not curve:
        return " — loss_fn was never called"
    simulated = no_clear_curve(case.x0, case.target, case.loops, case.lr)
    if compare("c", curve[:50], simulated[:50], HINT_TOLERANCE) is None:
        return " — x.grad is not cleared between steps, so the gradients add up (x.grad.zero_() after the step)"
    if not falls(curve):
        return f" — the loss did not go down ({fmt(curve[:1])} → {fmt(curve[-1:])}): step against the gradient"
    return ""


# --- the judge ----------------------------------------------------------------------------------
@check("gd_scalar", rtol=1e-4, atol=1e-5)     # float32 steps: the reference's arithmetic, in any correct order
def judge(task: Task, got: list[Descent], expected: list[Descent]) -> Verdict:
    """x after GD matches the reference's from the same start; if not, the curve tells why."""
    def one(case: Start, mine: Descent, theirs: Descent) -> str | None:
        difference = compare(f"x after {case.loops} steps from x0={case.x0} on (x - {case.target})²",
                             mine.value, theirs.value, task.tolerance)
        return difference.message + cause(case, mine.curve) if difference else None
    return each_case(task.params.cases, got, expected, one)


@plot("gd_scalar")
def picture(task: Task, got: list[Descent], expected: list[Descent]) -> Plot | None:
    case = task.params.cases[0]
    return Plot.against_reference(f"loss of GD from x0={case.x0} on (x - {case.target})²",
                                  got[0].curve, expected[0].curve)
