"""Checks of `regression1train`: a short run of the student's GD from a model the grader sets,
towards a cubic the grader draws; and the model.ckpt the script saves, loaded inside the
sandbox, whose predictions at grader-chosen x must be the reference's saved model's, and which
must come from training.

The expected figures are the reference's: the weights its GD reaches from the same model on the
same data, the predictions of the model.ckpt it saves. Checkpoints are unpickled only in the
child, inside the sandbox."""
from __future__ import annotations

import math
import random

from pydantic import BaseModel, ConfigDict, Field

from grader.authoring import (
    FileOp,
    Move,
    Options,
    Plot,
    Series,
    Session,
    StudentError,
    Task,
    Verdict,
    call,
    check,
    compare,
    get,
    inputs,
    make,
    plot,
    probe,
    ref,
)


class Outcome(BaseModel):
    model_config = ConfigDict(extra="forbid")


def features(xs: list[float]) -> list[list[float]]:
    return [[x, x * x, x * x * x] for x in xs]


def linear_model(weights: list[float], bias: float) -> dict:
    """Sequential(Linear(3, 1), Flatten(0, 1)) with these weights, made in the child."""
    return {"kind": "linear_model", "weight": [list(weights)], "bias": [bias]}


# --- descent: the student's GD from a grader-set model ------------------------------------------
class DescentOptions(Options):
    loops: int = Field(200, ge=1, le=5000, description="How many steps of GD (the student's and the reference's).")


class Setting(BaseModel):
    coefficients: list[float]      # b, w1, w2, w3 of the cubic the data come from
    weights: list[float]           # the model's start: w1, w2, w3
    bias: float
    points: int
    loops: int
    lr: float


class Fit(Outcome):
    """The layer's weights and bias after GD, and the losses it asked for."""

    weights: list[float]
    bias: float
    curve: list[float] = []


@inputs("descent", options=DescentOptions)
def draw_descent(options: DescentOptions, rng: random.Random) -> Setting:
    return Setting(coefficients=[round(rng.uniform(-2, 2), 3) for _ in range(4)],
                   weights=[round(rng.uniform(-0.5, 0.5), 4) for _ in range(3)], bias=round(rng.uniform(-0.5, 0.5), 4),
                   points=500, loops=options.loops, lr=0.005)   # not RMSprop's default 0.01: a GD that drops learning_rate shows


@probe("descent")
def ask_descent(session: Session, params: Setting) -> Fit:
    """The student's GD(inputs, outputs, model, loss_fn, loop_max, learning_rate), a short run."""
    b, w1, w2, w3 = params.coefficients
    count = params.points
    xs = [-math.pi + 2 * math.pi * i / (count - 1) for i in range(count)]
    ys = [b + w1 * x + w2 * x ** 2 + w3 * x ** 3 for x in xs]
    reply = session.answered("steps", steps=[
        make("inputs", {"kind": "tensor", "values": features(xs)}),
        make("outputs", {"kind": "tensor", "values": ys}),
        make("model", linear_model(params.weights, params.bias)),
        make("loss", {"kind": "mse", "record": "loss"}),
        call("GD", ref("inputs"), ref("outputs"), ref("model"), ref("loss"), params.loops, params.lr, convert="none"),
        get("$model.0.weight"), get("$model.0.bias")])
    weight, bias = reply.results[-2]["tensor"]["values"], reply.results[-1]["tensor"]["values"]
    curve = reply.records.get("loss", [])
    return Fit(weights=weight, bias=bias[0], curve=curve[: params.loops + 1])


@check("descent", rtol=1e-3, atol=1e-3)
def judge_descent(task: Task, got: Fit, expected: Fit) -> Verdict:
    """The loop ran loop_max times, and (bias, weights) after it match the reference's GD (RMSprop)
    from the same model."""
    params = task.params
    if got.curve and len(got.curve) < len(expected.curve):
        return Verdict.failed(f"GD(..., loop_max={params.loops}) computed the loss {len(got.curve)} times, the reference "
                              f"{len(expected.curve)}: the loop must run loop_max times (range(loop_max))")
    difference = compare(f"(bias, weights) after {params.loops} steps towards {params.coefficients}",
                         [got.bias, *got.weights], [expected.bias, *expected.weights], task.tolerance)
    if difference is None:
        return Verdict.passed()
    curve = got.curve
    if not curve:
        hint = " — loss_fn was never called"
    elif curve[-1] >= curve[0]:
        hint = " — the loss did not go down: is optimizer.step() called after loss.backward()?"
    elif compare("curve", curve[:5], expected.curve[:5], task.tolerance) is None:
        hint = " — the first steps agree, then the run drifts: is optimizer.zero_grad() called every loop?"
    else:
        hint = " — the course's GD uses torch.optim.RMSprop(model.parameters(), lr=learning_rate)"
    return Verdict.failed(difference.message + hint)


@plot("descent")
def picture_descent(task: Task, got: Fit, expected: Fit) -> Plot | None:
    return Plot.against_reference(f"loss of GD towards {task.params.coefficients}", got.curve, expected.curve)


# --- checkpoint: the model.ckpt the script saved ----------------------------------------------------
GRID = [-3 + 6 * i / 60 for i in range(61)]     # where both saved models are drawn


class CheckpointOptions(Options):
    min_steps: int = Field(100, ge=0, description="Optimizer steps that must have moved every parameter of the saved model.")
    min_change: float = Field(0.05, ge=0, description="How far the saved weights must have moved from their first step.")


class Points(BaseModel):
    xs: list[float]


class Saved(BaseModel):
    """One torch.save of a model while the script ran (grader.arguments.Training: the grader's own
    record, not the student's answer, so a field it adds one day is no error)."""

    model_config = ConfigDict(extra="ignore")

    file: str
    parameters: int
    fewest_steps: int
    moved: float = 0.0


class Predictions(Outcome):
    predictions: list[float]       # at params.xs
    curve: list[float] = []        # at GRID, for the picture
    saved: list[Saved] = []


def training(params: Points) -> list[Move]:
    return [Move(kind="training")]


@inputs("checkpoint", options=CheckpointOptions)
def draw_checkpoint(options: CheckpointOptions, rng: random.Random) -> Points:
    return Points(xs=[round(rng.uniform(-3, 3), 3) for _ in range(5)])


@probe("checkpoint", moves=training)
def ask_checkpoint(session: Session, params: Points) -> Predictions:
    """Load the model.ckpt the script saved (in the sandbox) and predict at the grader's x (and
    along GRID); and how many optimizer steps had moved the saved model's parameters."""
    [exists] = session.answered("files", files=[FileOp(op="exists", path="model.ckpt")]).results
    if not exists:
        raise StudentError.of("FileNotFoundError", "the script did not save model.ckpt next to itself")
    results = session.values(
        call("!torch.load", "model.ckpt", map_location="cpu", weights_only=False, keep="model", convert="none"),
        make("inputs", {"kind": "tensor", "values": features([*params.xs, *GRID])}),
        call("$model", ref("inputs"), keep="prediction", convert="none"),
        call("$prediction.reshape", -1))
    values = results[-1]["tensor"]["values"]
    saved = (session.load_records.get("training") or {}).get("saved", [])
    return Predictions(predictions=values[: len(params.xs)], curve=values[len(params.xs):], saved=saved)


def allowance(x: float, coefficient: float) -> float:
    """How far two cubics whose coefficients are each within `coefficient` of the same polynomial
    may be apart at x: 2 · coefficient · Σ|x|^k, k = 0..3."""
    return 2 * coefficient * sum(abs(x) ** k for k in range(4))


@check("checkpoint", atol=0.01)
def judge_checkpoint(task: Task, got: Predictions, expected: Predictions) -> Verdict:
    """model.ckpt comes from training (an optimizer stepped every parameter of the saved model at
    least `min_steps` times, moving it by `min_change`) and predicts as the reference's saved
    model does at the grader's x, both within the course's coefficient tolerance (the check's
    atol, 0.01) of the true polynomial. Weights typed in and saved earn nothing."""
    least, distance = task.options.min_steps, task.options.min_change
    saves = [saved for saved in got.saved if saved.file == "model.ckpt"]
    last = saves[-1] if saves else None     # the model.ckpt that remains is the last one written
    if last is None or last.fewest_steps < least or last.moved < distance:
        seen = ("no torch.save(model, 'model.ckpt') of a model was seen" if last is None else
                f"the model saved had been stepped {last.fewest_steps} times and its weights had moved "
                f"{last.moved:.3g} from its first step")
        return Verdict.failed(f"model.ckpt must hold the trained model: {seen}; the course's GD takes "
                              f"thousands of optimizer steps (at least {least} that change the weights, which "
                              f"move by at least {distance} from a random start) — call GD(...) on the model, "
                              "then torch.save(model, 'model.ckpt')")
    failures = []
    for x, value, theirs in zip(task.params.xs, got.predictions, expected.predictions):
        allowed = allowance(x, task.tolerance.atol)
        if not abs(value - theirs) <= allowed:
            failures.append(f"at x={x} the saved model predicts {value:.6g}, the reference's saved model "
                            f"{theirs:.6g} (± {allowed:.3g})")
    if len(got.predictions) < len(task.params.xs):
        failures.append(f"the saved model gave {len(got.predictions)} predictions for {len(task.params.xs)} inputs")
    if failures:
        return Verdict.failed("; ".join(failures[:2]) + " — has the model been trained before torch.save(model, 'model.ckpt')?")
    return Verdict.passed()


@plot("checkpoint")
def picture_checkpoint(task: Task, got: Predictions, expected: Predictions) -> Plot | None:
    if len(got.curve) != len(GRID) or len(expected.curve) != len(GRID):
        return None
    return Plot(title="your saved model against the reference's saved model", x_label="x", y_label="y",
                series=[Series(label="the reference's model.ckpt predicts", x=GRID, y=expected.curve),
                        Series(label="your model.ckpt predicts", x=GRID, y=got.curve)])
