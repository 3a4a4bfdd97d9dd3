"""`script`: run the script with its variables moved to values the student cannot know (every
torch.tensor(..., requires_grad=True) shifted by grader-chosen offsets) and compare the values
it makes and the gradients autograd computes for them with the reference's run, moved the same.

The expected values and gradients are the reference's own: another term's function, start or
print format needs no option. A gradient typed in, assigned to .grad by hand, or fed to
backward() on the variable itself is not one autograd computed from the script's result."""
from __future__ import annotations

import math
import random
from typing import Any

from pydantic import Field

from grader.compare import compare, fmt, numbers
from grader.driver import Session, StudentError
from grader.kinds.base import Kind, Options, ReferenceFailure, Verdict
from grader.report import Plot
from grader.spec import CheckSpec
from grader.wire import Move


class ScriptOptions(Options):
    offsets: tuple[float, float] = Field((0.2, 0.9), description="Range of the shift's size; its sign is drawn too.")
    gradients: bool = Field(True, description="Compare the gradients autograd computed (false: values only).")
    record: str | None = Field(None, pattern=r"^torch(\.\w+)+$",
                               description="A torch function whose scalar results are drawn in the report (torch.norm: a loss).")


def flat(tensors: list[Any]) -> tuple[list[float], list[int]] | None:
    values, sizes = [], []
    for tensor in tensors:
        found = numbers(tensor)
        if found is None:
            return None
        values += found[0]
        sizes.append(len(found[0]))
    return values, sizes


class Script(Kind):
    name = "script"
    Options = ScriptOptions
    rtol = 1e-5
    atol = 1e-6

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        options = self.options(check)
        low, high = options.offsets
        return {"offsets": [round(rng.choice([-1, 1]) * rng.uniform(low, high), 3) for _ in range(3)],
                "record": options.record}

    def moves(self, params: Any) -> list[Move]:
        moves = [Move(kind="shift_tensors", values=params["offsets"])]
        if params.get("record"):
            moves.append(Move(kind="record_calls", target=params["record"]))
        return moves

    def ask(self, session: Session, params: Any) -> Any:
        """Everything was seen while the file loaded; nothing more is asked."""
        shifted = session.load_records.get("shift_tensors") or {}
        values, grads = shifted.get("values") or [], shifted.get("autograd_grads") or []
        recorded = session.load_records.get("record_calls") or []
        if not (isinstance(values, list) and isinstance(grads, list) and isinstance(recorded, list)
                and all(isinstance(v, (int, float)) for v in recorded)):
            raise StudentError.of("MalformedAnswer", "the record of the script's variables is not the grader's")
        return {"values": values, "autograd_grads": grads, "recorded": recorded}

    def judge(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Verdict:
        theirs = flat(expected["values"])
        if not theirs or not theirs[0]:
            raise ReferenceFailure("the reference makes no torch.tensor(..., requires_grad=True) for the script check")
        if not got["values"]:
            return Verdict.failed("the script makes no variable that requires a gradient: create it with "
                                  "torch.tensor(..., requires_grad=True)")
        mine = flat(got["values"])
        if mine is None:
            return Verdict.failed("a variable of the script could not be read as numbers")
        tolerance = self.tolerance(check)
        values, sizes = mine
        if compare("inputs", sorted(values), sorted(theirs[0]), tolerance):
            return Verdict.failed(f"the variables hold {fmt(values)}, the exercise asks for {fmt(theirs[0])} "
                                  "(the grader moved the script's starting values)")
        if not self.options(check).gradients:
            return Verdict.passed()
        truth = self.gradients(expected["autograd_grads"], theirs[1])
        if any(math.isnan(g) for g in truth):
            raise ReferenceFailure("autograd computed no gradient for the reference's variables")
        computed = got["autograd_grads"]
        if not any(g is not None for g in computed):
            return Verdict.failed("autograd computed no gradient for the script's variables: call f.backward() "
                                  "(then x.grad holds it) or torch.autograd.grad(f, ...); a gradient typed in or "
                                  "assigned to .grad by hand is not the exercise")
        grads = self.gradients(computed, sizes)
        difference = compare("gradient autograd computed", grads, truth, tolerance)
        if difference is None:
            return Verdict.passed()
        hint = ""
        if compare("g", grads, [2 * v for v in values], tolerance) is None:
            hint = " — that is the gradient of Σx² at the variables: is the function the exercise's?"
        return Verdict.failed(difference.message + hint)

    @staticmethod
    def gradients(computed: list[Any], sizes: list[int]) -> list[float]:
        """One number per variable element; nan where autograd computed none (or of another size)."""
        grads: list[float] = []
        for size, gradient in zip(sizes, list(computed) + [None] * len(sizes)):
            found = numbers(gradient) if gradient is not None else None
            grads += found[0] if found is not None and len(found[0]) == size else [math.nan] * size
        return grads

    def plot(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Plot | None:
        mine, theirs = got.get("recorded") or [], expected.get("recorded") or []
        if not theirs:
            return None
        return Plot.against_reference(f"{params['record']}(...) at each call, from the shifted start", mine, theirs,
                                      x_label="call", y_label=params["record"], log_y=False)
