"""Probes of the regression: the student's GD from a grader-set model, the saved checkpoint,
and regression2predict run against a checkpoint the grader made. Checkpoints are unpickled
only here, inside the sandbox."""
from __future__ import annotations

import contextlib
import io
import math
import os
import shutil

from grader.plain import number


def _features(x):
    import torch

    return x.unsqueeze(-1).pow(torch.tensor([1, 2, 3], device=x.device))


def _model(weights: list[float], bias: float):
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([weights]))
        model[0].bias.copy_(torch.tensor([bias]))
    return model


def gd(ctx, params) -> dict:
    """The student's GD(inputs, outputs, model, loss_fn, loop_max, learning_rate), a short run."""
    import torch

    b, w1, w2, w3 = params["coefficients"]
    x = torch.linspace(-math.pi, math.pi, params["points"])
    y = b + w1 * x + w2 * x ** 2 + w3 * x ** 3
    model = _model(params["weights"], params["bias"])
    curve: list[float] = []
    mse = torch.nn.MSELoss()

    def loss_fn(prediction, target):
        loss = mse(prediction, target)
        curve.append(float(loss.detach()))
        return loss

    ctx.namespace["GD"](_features(x), y, model, loss_fn, params["loops"], params["lr"])
    layer = model[0]
    return {"weights": [number(w) for w in layer.weight.detach().reshape(-1)],
            "bias": number(layer.bias.detach().reshape(-1)[0]), "curve": curve[: params["loops"] + 1]}


def checkpoint(ctx, params) -> dict:
    """Load the model.ckpt the script saved (in the sandbox) and predict at grader-chosen x."""
    import torch

    path = ctx.file.parent / "model.ckpt"
    if not path.exists():
        raise FileNotFoundError("the script did not save model.ckpt next to itself")
    model = torch.load(path, map_location="cpu", weights_only=False)
    with torch.no_grad():
        predictions = model(_features(torch.tensor(params["xs"]))).reshape(-1)
    return {"predictions": [number(v) for v in predictions]}


def predict(ctx, params) -> dict:
    """Run regression2predict.py against a checkpoint: the grader's own (random weights the
    student cannot know) or, with "own", the model.ckpt the student shipped."""
    import torch

    path = ctx.file.parent / "model.ckpt"
    shipped = ctx.box / ".shipped-model.ckpt"
    if not hasattr(ctx, "shipped"):  # first probe of this run: set the student's own file aside
        ctx.shipped = path.exists()
        if ctx.shipped:
            os.replace(path, shipped)
    if params.get("own"):
        if not ctx.shipped:
            return {"skipped": "no model.ckpt was handed in"}
        shutil.copyfile(shipped, path)
    else:
        torch.save(_model(params["weights"], params["bias"]), path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        ctx.run_script()
    return {"printed": printed.getvalue()[:20_000]}


PROBES = {"regression.gd": gd, "regression.checkpoint": checkpoint, "regression.predict": predict}
