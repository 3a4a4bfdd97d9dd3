"""Probes of the regression: the student's GD from a grader-set model, the saved checkpoint,
and regression2predict run against a checkpoint the grader made. Checkpoints are unpickled
only in the child, inside the sandbox."""
from __future__ import annotations

import math

from grader.driver import Probe, Session, StudentError, call, get, make, ref
from grader.wire import FileOp, Move

SHIPPED = ".shipped-model.ckpt"


def features(xs: list[float]) -> list[list[float]]:
    return [[x, x * x, x * x * x] for x in xs]


def model(weights: list[float], bias: float) -> dict:
    return {"kind": "linear_model", "weight": [list(weights)], "bias": [bias]}


def gd(session: Session, params: dict) -> dict:
    """The student's GD(inputs, outputs, model, loss_fn, loop_max, learning_rate), a short run."""
    b, w1, w2, w3 = params["coefficients"]
    count = params["points"]
    xs = [-math.pi + 2 * math.pi * i / (count - 1) for i in range(count)]
    ys = [b + w1 * x + w2 * x ** 2 + w3 * x ** 3 for x in xs]
    reply = session.answered("steps", steps=[
        make("inputs", {"kind": "tensor", "values": features(xs)}),
        make("outputs", {"kind": "tensor", "values": ys}),
        make("model", model(params["weights"], params["bias"])),
        make("loss", {"kind": "mse", "record": "loss"}),
        call("GD", ref("inputs"), ref("outputs"), ref("model"), ref("loss"), params["loops"], params["lr"], convert="none"),
        get("$model.0.weight"), get("$model.0.bias")])
    weight, bias = reply.results[-2]["tensor"]["values"], reply.results[-1]["tensor"]["values"]
    curve = reply.records.get("loss", [])
    return {"weights": weight, "bias": bias[0], "curve": curve[: params["loops"] + 1]}


class Checkpoint:
    """Load the model.ckpt the script saved (in the sandbox) and predict at grader-chosen x; and
    how many optimizer steps had moved the saved model's parameters."""

    @staticmethod
    def moves(params: dict) -> list[Move]:
        return [Move(kind="training")]

    def __call__(self, session: Session, params: dict) -> dict:
        [exists] = session.answered("files", files=[FileOp(op="exists", path="model.ckpt")]).results
        if not exists:
            raise StudentError.of("FileNotFoundError", "the script did not save model.ckpt next to itself")
        results = session.values(
            call("!torch.load", "model.ckpt", map_location="cpu", weights_only=False, keep="model", convert="none"),
            make("inputs", {"kind": "tensor", "values": features(params["xs"])}),
            call("$model", ref("inputs"), keep="prediction", convert="none"),
            call("$prediction.reshape", -1))
        saved = (session.load_records.get("training") or {}).get("saved", [])
        return {"predictions": results[-1]["tensor"]["values"], "saved": saved}


def predict(session: Session, params: dict) -> dict:
    """Run regression2predict.py against a checkpoint: the grader's own (random weights the
    student cannot know) or, with "own", the model.ckpt the student shipped."""
    if "shipped" not in session.memory:     # first probe of this run: set the student's own file aside
        [shipped] = session.answered("files", files=[FileOp(op="exists", path="model.ckpt")]).results
        session.memory["shipped"] = shipped
        if shipped:
            session.answered("files", files=[FileOp(op="rename", path="model.ckpt", to=SHIPPED)])
    if params.get("own"):
        if not session.memory["shipped"]:
            return {"skipped": "no model.ckpt was handed in"}
        session.answered("files", files=[FileOp(op="copy", path=SHIPPED, to="model.ckpt")])
    else:
        session.values(make("model", model(params["weights"], params["bias"])),
                       call("!torch.save", ref("model"), "model.ckpt", convert="none"))
    reply = session.answered("run")
    return {"printed": reply.output[:20_000]}


PROBES: dict[str, Probe] = {"regression.gd": gd, "regression.checkpoint": Checkpoint(), "regression.predict": predict}
