"""Probes of the torch descent exercises: the student's GD on grader-chosen losses and starts."""
from __future__ import annotations

import contextlib
import io

from grader.plain import number, to_plain


def _recording(loss_fn, curve: list):
    """Wrap a loss function so every loss the student's loop computes is recorded."""
    def recorded(*args):
        loss = loss_fn(*args)
        curve.append(float(loss.detach()))
        return loss
    return recorded


def gd_scalar(ctx, params) -> list[dict]:
    """torchGd1's GD(x, loss_fn, loop_max, learning_rate) on (x - t)² from a grader-chosen x."""
    import torch

    GD = ctx.namespace["GD"]
    results = []
    for case in params["cases"]:
        target = case["target"]
        x = torch.tensor(case["x0"], requires_grad=True)
        curve: list[float] = []
        loss_fn = _recording(lambda x, t=target: (x - t) ** 2, curve)
        outcome = ctx.attempt(GD, x, loss_fn, case["loops"], case["lr"])
        if "value" in outcome:
            returned = outcome["value"]
            outcome["value"] = number(returned if returned is not None else x)
        outcome["curve"] = curve[: case["loops"] + 1]
        results.append(outcome)
    return results


def gd_list(ctx, params) -> list[dict]:
    """torchGd2's GD(parameters, loss_fn, loop_max, learning_rate) on Σ wᵢ (pᵢ - tᵢ)²."""
    import torch

    GD = ctx.namespace["GD"]
    results = []
    for case in params["cases"]:
        parameters = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in case["p0"]]
        targets, weights = case["targets"], case["weights"]

        def loss(ps, targets=targets, weights=weights):
            return sum(w * (p - t) ** 2 for p, t, w in zip(ps, targets, weights))

        curve: list[float] = []
        outcome = ctx.attempt(GD, parameters, _recording(loss, curve), case["loops"], case["lr"])
        if "value" in outcome:
            outcome["value"] = [number(p) for p in parameters]
        outcome["curve"] = curve[: case["loops"] + 1]
        results.append(outcome)
    return results


def rerun_shifted(ctx, params) -> dict:
    """Run the script again with every torch.tensor(..., requires_grad=True) shifted by a
    grader-chosen offset, and report the tensors it leaves behind and what it printed."""
    import torch

    original = torch.tensor
    offsets = list(params["offsets"])
    calls = []

    def shifted(data, *args, **kwargs):
        if kwargs.get("requires_grad"):
            offset = offsets[len(calls) % len(offsets)]
            calls.append(offset)
            data = (original(data, dtype=torch.float64) + offset).tolist()
        return original(data, *args, **kwargs)

    torch.tensor = shifted
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            namespace = ctx.run_script()
    finally:
        torch.tensor = original
    values = {}
    for name in params["names"]:
        if name in namespace:
            values[name] = to_plain(namespace[name])
    return {"printed": printed.getvalue()[:200_000], "shifted": len(calls), "values": values}


PROBES = {"torch.gd_scalar": gd_scalar, "torch.gd_list": gd_list, "torch.rerun_shifted": rerun_shifted}
