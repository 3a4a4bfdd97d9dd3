"""Checks of `regression2predict`: the script is run (the probes run it: the exercise is
`deferred`) against a model.ckpt the grader saved with weights the student cannot know, and its
printed prediction compared with the reference's against the same checkpoint; and, with
`own = true`, against the model.ckpt the student handed in (or regression1train made), where the
prediction must be the TOML's `expected` within the check's atol.

Checkpoints are unpickled only in the child, inside the sandbox."""
from __future__ import annotations

import random

from pydantic import BaseModel, ConfigDict, Field

from grader.authoring import FileOp, Options, Session, Task, Verdict, call, check, compare, inputs, make, parse_line, probe, ref

SHIPPED = ".shipped-model.ckpt"


class PredictOptions(Options):
    own: bool = Field(False, description="Run against the model.ckpt handed in, not one the grader makes.")
    expected: float = Field(34.0, description="With own: the prediction the student's model.ckpt must print "
                                              "(within the check's atol).")


class Checkpoint(BaseModel):
    """The grader's checkpoint (a linear layer's weights and bias), or the student's own."""

    own: bool = False
    weights: list[float] = []
    bias: float = 0.0


class Printed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    printed: str = ""
    skipped: str | None = None


@inputs("predict", options=PredictOptions)
def draw(options: PredictOptions, rng: random.Random) -> Checkpoint:
    if options.own:
        return Checkpoint(own=True)
    return Checkpoint(weights=[round(rng.uniform(-3, 3), 4) for _ in range(3)], bias=round(rng.uniform(-3, 3), 4))


@probe("predict")
def ask(session: Session, params: Checkpoint) -> Printed:
    """Run regression2predict.py against a checkpoint: the grader's own (random weights the
    student cannot know) or, with `own`, the model.ckpt that was there before."""
    if "shipped" not in session.memory:     # first probe of this run: set the student's own file aside
        [shipped] = session.answered("files", files=[FileOp(op="exists", path="model.ckpt")]).results
        session.memory["shipped"] = shipped
        if shipped:
            session.answered("files", files=[FileOp(op="rename", path="model.ckpt", to=SHIPPED)])
    if params.own:
        if not session.memory["shipped"]:
            return Printed(skipped="no model.ckpt was handed in")
        session.answered("files", files=[FileOp(op="copy", path=SHIPPED, to="model.ckpt")])
    else:
        session.values(make("model", {"kind": "linear_model", "weight": [list(params.weights)], "bias": [params.bias]}),
                       call("!torch.save", ref("model"), "model.ckpt", convert="none"))
    reply = session.answered("run")
    return Printed(printed=reply.output[:20_000])


def prediction(printed: str) -> float | None:
    """The first number after '=' on the last line that mentions "predict" (else the last line)."""
    lines = printed.splitlines()
    found = [line for line in lines if "predict" in line.lower()] or lines[-1:]
    if not found:
        return None
    _, values = parse_line(found[-1].split("=", 1)[-1])
    return values[0] if values else None


@check("predict", rtol=1e-5, atol=1e-4)
def judge(task: Task, got: Printed, expected: Printed) -> Verdict:
    """The printed prediction at x = 2 is the reference's with the same checkpoint; with `own`,
    the TOML's `expected` within the check's atol."""
    if got.skipped is not None:
        return Verdict("skipped", 0.0, got.skipped)
    value = prediction(got.printed)
    params = task.params
    if params.own:
        target, allowed = task.options.expected, task.tolerance.atol
        if value is not None and abs(value - target) <= allowed:
            return Verdict.passed()
        return Verdict.failed(f"with your model.ckpt the prediction at x=2 is {value}, expected {target} ± {allowed}")
    difference = compare(f"prediction at x=2 of a model with weights {params.weights} and bias {params.bias}",
                         value, prediction(expected.printed), task.tolerance)
    if difference is None:
        return Verdict.passed()
    printed = got.printed.strip().splitlines()[-1:] or ["nothing"]
    return Verdict.failed(difference.message + f" (printed: {printed[0][:120]!r}) — does the script load "
                          "model.ckpt and feed it the features (x, x², x³) of x = 2?")
