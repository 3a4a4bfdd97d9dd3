"""Probes of the torch descent exercises: the student's GD on grader-chosen losses and starts."""
from __future__ import annotations

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


class ShiftedTensors:
    """While the script first runs, every torch.tensor(..., requires_grad=True) it makes is shifted
    by a grader-chosen offset: one run serves both the output check and the computed-values check."""

    def __init__(self, params) -> None:
        import torch

        self.torch, self.original, self.original_norm = torch, torch.tensor, torch.norm
        self.offsets, self.created, self.norms = list(params["offsets"]), [], []
        torch.tensor = self.shifted
        torch.norm = self.norm          # the course's loss: recorded for the report's plot

    def shifted(self, data, *args, **kwargs):
        if not kwargs.get("requires_grad"):
            return self.original(data, *args, **kwargs)
        offset = self.offsets[len(self.created) % len(self.offsets)]
        data = (self.original(data, dtype=self.torch.float64) + offset).tolist()
        tensor = self.original(data, *args, **kwargs)
        self.created.append(tensor)     # whatever the script calls it, this is the variable it descends
        return tensor

    def norm(self, *args, **kwargs):
        value = self.original_norm(*args, **kwargs)
        if len(self.norms) < 10_000 and isinstance(value, self.torch.Tensor) and value.numel() == 1:
            self.norms.append(float(value.detach()))
        return value

    def restore(self) -> None:
        self.torch.tensor = self.original
        self.torch.norm = self.original_norm


def shifted_start(ctx, params) -> dict:
    """After the shifted run: the final values of the tensors the script made (in order)."""
    shifting: ShiftedTensors = ctx.prepared["shift"]
    shifting.restore()
    return {"shifted": len(shifting.created), "values": [to_plain(tensor) for tensor in shifting.created],
            "norms": shifting.norms[:: max(1, len(shifting.norms) // 500)]}


PROBES = {"torch.gd_scalar": gd_scalar, "torch.gd_list": gd_list, "torch.shifted_start": shifted_start}
# Set up before the student's file runs, by name: what they return is ctx.prepared[name].
SETUPS = {"torch.shifted_start": ("shift", ShiftedTensors)}
