"""Checks of `torchGd3`: the script runs from a start the student cannot know (every
torch.tensor(..., requires_grad=True) it makes shifted by grader-chosen offsets), and the values
its variables hold after the descent must be the reference's from the same shifted start,
element by element in their order. torch.norm's values (the course's loss) are recorded for the
report's plot.

Why not the built-in `script` kind with `gradients = false`: it compares the variables' values
sorted (variables may be made in another order in the autograd exercises), so a walk from the
swapped start [2, 1], which ends at the reference's end point with its coordinates swapped,
would pass there. Here the order is part of the answer."""
from __future__ import annotations

import random

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from grader.authoring import Move, Options, Plot, Session, Task, Verdict, check, compare, inputs, plot, probe


class ShiftOptions(Options):
    offsets: tuple[float, float] = Field((0.2, 1.0), description="Range of the shift's size; its sign is drawn too.")


class Offsets(BaseModel):
    offsets: list[float]


class Shifted(BaseModel):
    """What the first run left: its variables after the descent, and torch.norm's values."""

    model_config = ConfigDict(extra="forbid")

    shifted: int
    values: list[JsonValue]
    norms: list[float] = []


def shift(params: Offsets) -> list[Move]:
    """One run serves this check and the output check: the script's figures are the shifted start's."""
    return [Move(kind="shift_tensors", values=params.offsets), Move(kind="record_calls", target="torch.norm")]


@inputs("shifted", options=ShiftOptions)
def draw(options: ShiftOptions, rng: random.Random) -> Offsets:
    low, high = options.offsets
    return Offsets(offsets=[round(rng.uniform(low, high), 3) * rng.choice([-1, 1]) for _ in range(3)])


@probe("shifted", moves=shift)
def ask(session: Session, params: Offsets) -> Shifted:
    """Everything was seen while the file loaded; nothing more is asked."""
    shifted = session.load_records.get("shift_tensors") or {}
    values = shifted.get("values") or []
    return Shifted(shifted=len(values), values=values, norms=session.load_records.get("record_calls") or [])


@check("shifted", rtol=1e-5, atol=1e-6)
def judge(task: Task, got: Shifted, expected: Shifted) -> Verdict:
    """The variables after the descent hold the reference's values from the same shifted start."""
    if not got.shifted:
        return Verdict.failed("the script made no torch.tensor(..., requires_grad=True), so the grader "
                              "could not check that it computes its output")
    difference = compare("the variable after the descent from a shifted start", got.values, expected.values,
                         task.tolerance)
    if difference:
        return Verdict.failed(difference.message + " — does the script compute its result, or print a remembered one?")
    return Verdict.passed()


@plot("shifted")
def picture(task: Task, got: Shifted, expected: Shifted) -> Plot | None:
    if not expected.norms:
        return None
    return Plot.against_reference("‖x‖ at each step from the shifted start (torch.norm calls)", got.norms,
                                  expected.norms, y_label="‖x‖", log_y=False)
