"""In the child: values built from the plain descriptions a request carries, and the moves made
while a script runs.

What student code is handed is plain: numbers, lists, arrays, tensors, and callables that only
evaluate (a test function, a loss). None of them knows a derivative, a minimum or an expected
result; those stay with the judges in the grading process. Recording callables and moves note
what the student's code did with them (the values of f it asked for, the losses of its loop, the
tensors it made), for the trusted side to weigh.
"""
from __future__ import annotations

import math
import os
import sys
from typing import Any, Callable

from grader.plain import to_plain

RECORD_LIMIT = 20_000
RECORD_POINTS = 400


class Records:
    """What this request's recording callables and moves saw, by name."""

    def __init__(self) -> None:
        self.series: dict[str, list[float]] = {}
        self.values: dict[str, Any] = {}

    def note(self, name: str, value: float) -> None:
        series = self.series.setdefault(name, [])
        if len(series) < RECORD_LIMIT:
            series.append(value)

    def plain(self) -> dict[str, Any]:
        thinned = {name: values[:: max(1, len(values) // RECORD_POINTS)] for name, values in self.series.items()}
        counts = {f"{name}#count": len(values) for name, values in self.series.items()}
        return {**thinned, **counts, **self.values}


# --- test functions and losses: evaluation only ----------------------------------------------
def smooth_value(a: list[float], b: float, c: list[float], d: float, p: Any) -> float:
    """Σ aᵢ pᵢ² + b p₀ p₁ + Σ cᵢ sin(pᵢ) + d exp(p₀ / 3)."""
    value = b * p[0] * p[1] + d * math.exp(p[0] / 3)
    for i, (ai, ci) in enumerate(zip(a, c)):
        value += ai * p[i] * p[i] + ci * math.sin(p[i])
    return value


def valley_value(a: list[float], m: list[float], c: float, p: Any) -> float:
    """Σ aᵢ (pᵢ - mᵢ)² + c Σ sin(pᵢ): convex for |c| < 2 min aᵢ, its bottom beside m, not at it."""
    return sum(ai * (p[i] - mi) ** 2 + c * math.sin(p[i]) for i, (ai, mi) in enumerate(zip(a, m)))


def _recorded(function: Callable[..., Any], records: Records, name: str | None, scalar: Callable[[Any], float]):
    if name is None:
        return function

    def recorded(*args: Any) -> Any:
        value = function(*args)
        records.note(name, scalar(value))
        return value
    return recorded


def _loss_value(loss: Any) -> float:
    return float(loss.detach())


def build(description: dict[str, Any], records: Records) -> Any:
    """The value a `{"make": {...}}` argument describes."""
    kind = description["kind"]
    record = description.get("record")
    if kind == "list":
        return list(description["values"])
    if kind == "array":
        import numpy

        return numpy.array(description["values"], dtype=float)
    if kind in ("tensor", "tensors"):
        import torch

        dtype = getattr(torch, str(description.get("dtype", "float32")))
        grad = bool(description.get("requires_grad", False))
        if kind == "tensor":
            return torch.tensor(description["values"], dtype=dtype, requires_grad=grad)
        return [torch.tensor(v, dtype=dtype, requires_grad=grad) for v in description["values"]]
    if kind == "smooth":
        a, b, c, d = description["a"], description["b"], description["c"], description["d"]
        return _recorded(lambda p: smooth_value(a, b, c, d, p), records, record, float)
    if kind == "field":       # a vector field: one smooth function per component
        parts = [(c["a"], c["b"], c["c"], c["d"]) for c in description["components"]]
        return _recorded(lambda p: [smooth_value(a, b, c, d, p) for a, b, c, d in parts], records, record,
                         lambda value: float(value[0]))
    if kind == "valley":
        a, m, c = description["a"], description["m"], description["c"]
        return _recorded(lambda p: valley_value(a, m, c, p), records, record, float)
    if kind == "binary":   # a gate's function or declared derivative: scale · (x+y | x·y | x | y | 1)
        scale, form = float(description.get("scale", 1.0)), description["form"]
        forms = {"add": lambda x, y: x + y, "mul": lambda x, y: x * y, "x": lambda x, y: x,
                 "y": lambda x, y: y, "one": lambda x, y: 1.0}
        inner = forms[form]
        return lambda x, y: scale * inner(x, y)
    if kind == "square_loss":    # (x - t)²
        target = description["target"]
        return _recorded(lambda x: (x - target) ** 2, records, record, _loss_value)
    if kind == "weighted_squares":     # Σ wᵢ (pᵢ - tᵢ)² over a list of tensors
        targets, weights = description["targets"], description["weights"]
        return _recorded(lambda ps: sum(w * (p - t) ** 2 for p, t, w in zip(ps, targets, weights)),
                         records, record, _loss_value)
    if kind == "mse":
        import torch

        return _recorded(torch.nn.MSELoss(), records, record, _loss_value)
    if kind == "linear_model":   # Sequential(Linear(n, 1), Flatten(0, 1)) with the given weights
        import torch

        weight = description["weight"]
        layer = torch.nn.Linear(len(weight[0]), len(weight))
        with torch.no_grad():
            layer.weight.copy_(torch.tensor(weight))
            layer.bias.copy_(torch.tensor(description["bias"]))
        return torch.nn.Sequential(layer, torch.nn.Flatten(0, 1))
    raise ValueError(f"unknown value kind {kind!r}")


# --- moves: what changes while a script runs ----------------------------------------------------
class Move:
    """Patch something for the length of one run; `finish` restores it and says what was seen."""

    def finish(self) -> Any:
        raise NotImplementedError


class ShiftTensors(Move):
    """Every torch.tensor(..., requires_grad=True) the script makes starts shifted by a
    grader-chosen offset: the script's figures are then ones the student cannot know. A hook on
    each notes the last gradient the autograd engine computed for it while a backward() or
    autograd.grad ran from a result of the script's computation: a gradient typed in, assigned to
    .grad by hand, or fed to backward() on the variable itself, is not among them."""

    def __init__(self, offsets: list[float]) -> None:
        import torch as module

        torch: Any = module           # patched for the run, restored by finish()
        self.torch, self.original = torch, torch.tensor
        self.offsets = [float(o) for o in offsets]
        self.created: list[Any] = []
        self.computed: dict[int, Any] = {}
        self.running = False
        self.saved = (torch.Tensor.backward, torch.autograd.backward, torch.autograd.grad)
        torch.tensor = self.shifted
        torch.Tensor.backward = self.through(self.saved[0])
        torch.autograd.backward = self.through(self.saved[1])
        torch.autograd.grad = self.through(self.saved[2])

    def through(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """`function` with hooks listening only when it starts from a computed result (one with a
        grad_fn), not from a variable itself."""
        def wrapper(roots: Any, *args: Any, **kwargs: Any) -> Any:
            tensors = roots if isinstance(roots, (list, tuple)) else [roots]
            computed = all(isinstance(t, self.torch.Tensor) and t.grad_fn is not None for t in tensors)
            outer, self.running = self.running, computed
            try:
                return function(roots, *args, **kwargs)
            finally:
                self.running = outer
        return wrapper

    def shifted(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("requires_grad"):
            return self.original(data, *args, **kwargs)
        offset = self.offsets[len(self.created) % len(self.offsets)]
        data = (self.original(data, dtype=self.torch.float64) + offset).tolist()
        tensor = self.original(data, *args, **kwargs)
        index = len(self.created)
        self.created.append(tensor)     # whatever the script calls it, this is its variable
        tensor.register_hook(lambda gradient, index=index: self.note(index, gradient))
        return tensor

    def note(self, index: int, gradient: Any) -> None:
        if self.running:
            self.computed[index] = gradient

    def finish(self) -> Any:
        torch = self.torch
        torch.tensor = self.original
        torch.Tensor.backward, torch.autograd.backward, torch.autograd.grad = self.saved
        return {"values": [to_plain(t) for t in self.created],
                "autograd_grads": [to_plain(self.computed[i]) if i in self.computed else None
                                   for i in range(len(self.created))]}


class RecordCalls(Move):
    """Record the scalar results of a module function (torch.norm: the course's loss), for plots."""

    def __init__(self, target: str) -> None:
        module_name, _, self.name = target.rpartition(".")
        self.module = sys.modules[module_name]
        self.original = getattr(self.module, self.name)
        self.values: list[float] = []
        setattr(self.module, self.name, self.recorded)

    def recorded(self, *args: Any, **kwargs: Any) -> Any:
        value = self.original(*args, **kwargs)
        try:
            if len(self.values) < RECORD_LIMIT and value.numel() == 1:
                self.values.append(float(value.detach()))
        except (AttributeError, TypeError, RuntimeError):
            pass
        return value

    def finish(self) -> Any:
        setattr(self.module, self.name, self.original)
        return self.values[:: max(1, len(self.values) // 500)]


class Arguments(Move):
    """The i-th call of `module:Class.method` gets values[i] as its first argument (after self);
    the objects it returns are followed, and their `attributes` read at the end. An attribute
    written `owner.o` is read on the last receiver instead. The last receiver and the returned
    objects stay in the child as `moved_receiver` and `moved_created`, for later requests."""

    def __init__(self, target: str, values: list[Any], attributes: list[str]) -> None:
        import importlib

        module_name, _, dotted = target.partition(":")
        owner_name, _, self.method = dotted.rpartition(".")
        module = sys.modules.get(module_name) or importlib.import_module(module_name)
        self.owner = getattr(module, owner_name)
        self.original = getattr(self.owner, self.method)
        self.values, self.attributes = list(values), attributes
        self.created: list[tuple[Any, Any]] = []
        original, values_, created = self.original, self.values, self.created

        def moved(receiver: Any, value: Any = None, *args: Any, **kwargs: Any) -> Any:
            chosen = values_[len(created)] if len(created) < len(values_) else value
            result = original(receiver, chosen, *args, **kwargs)
            created.append((receiver, result))
            return result

        setattr(self.owner, self.method, moved)

    def finish(self) -> Any:
        setattr(self.owner, self.method, self.original)
        own = [a for a in self.attributes if not a.startswith("owner.")]
        owner = [a.removeprefix("owner.") for a in self.attributes if a.startswith("owner.")]
        found: dict[str, Any] = {"created": [{a: _attribute(obj, a) for a in own} for _, obj in self.created]}
        last = self.created[-1][0] if self.created else None
        for name in owner:
            node = getattr(last, name, None) if last is not None else None
            found[name] = None if node is None else {a: _attribute(node, a) for a in own}
        return found

    def objects(self) -> dict[str, Any]:
        """What later requests may ask about: the last receiver and the objects the calls returned."""
        return {"moved_receiver": self.created[-1][0] if self.created else None,
                "moved_created": [obj for _, obj in self.created]}


class Training(Move):
    """How many optimizer steps moved the parameters of each model the script saves with
    torch.save, and to which file: a saved model must come from training, not from weights typed
    in. Steps are counted in windows of WINDOW, and a window counts only if it changed the
    parameters (an optimizer with lr=0 trains nothing); a parameter written after its last step
    (weights typed in over a trained model, `.data` replaced) counts no step at all; and how far
    the parameters moved from their first step to the save is noted (a few tiny steps from weights
    typed in do not move them)."""

    WINDOW = 10

    def __init__(self) -> None:
        import torch as module
        from torch.optim.optimizer import register_optimizer_step_post_hook

        torch: Any = module           # torch.save is patched for the run, restored by finish()
        self.torch = torch
        self.steps: dict[int, int] = {}           # parameter id → steps in windows that moved it
        self.pending: dict[int, int] = {}         # steps since its last snapshot
        self.snapshots: dict[int, Any] = {}       # values at its last snapshot
        self.first: dict[int, Any] = {}           # values after its first step
        self.after: dict[int, tuple[str, int, int]] = {}   # (device, version, storage) after its last step
        self.saved: list[dict[str, Any]] = []
        self.handle = register_optimizer_step_post_hook(self.stepped)
        self.original_save = torch.save
        torch.save = self.save

    def stepped(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        for group in optimizer.param_groups:
            for parameter in group["params"]:
                key = id(parameter)
                data = parameter.detach()
                self.after[key] = (str(data.device), parameter._version, data.data_ptr())
                self.pending[key] = self.pending.get(key, 0) + 1
                if key not in self.snapshots:
                    self.snapshots[key] = self.first[key] = data.clone()
                elif self.pending[key] >= self.WINDOW:
                    if not self.torch.equal(self.snapshots[key], data):
                        self.steps[key] = self.steps.get(key, 0) + self.pending[key]
                    self.snapshots[key], self.pending[key] = data.clone(), 0

    def save(self, obj: Any, target: Any = None, *args: Any, **kwargs: Any) -> Any:
        if target is None and "f" in kwargs:
            target = kwargs.pop("f")
        if isinstance(obj, self.torch.nn.Module):
            counts, moved = [], 0.0
            for parameter in obj.parameters():
                key = id(parameter)
                data = parameter.detach()
                device, version, storage = self.after.get(key, ("", -1, -1))
                edited = device == str(data.device) and (version != parameter._version or storage != data.data_ptr())
                counts.append(0 if edited else self.steps.get(key, 0))
                if key in self.first:
                    start = self.first[key].to(data.device)
                    moved = max(moved, float((data - start).abs().max()) if data.numel() else 0.0)
            name = os.path.basename(os.fspath(target)) if isinstance(target, (str, os.PathLike)) else ""
            self.saved.append({"file": name, "parameters": len(counts), "fewest_steps": min(counts) if counts else 0,
                               "moved": moved})
        return self.original_save(obj, target, *args, **kwargs)

    def finish(self) -> Any:
        self.handle.remove()
        self.torch.save = self.original_save
        return {"saved": self.saved}


def _attribute(obj: Any, name: str) -> Any:
    try:
        return to_plain(getattr(obj, name))
    except Exception:  # noqa: BLE001 - a student attribute that raises or has no plain form
        return None


def start(kind: str, target: str, values: list[Any], attributes: list[str]) -> Move:
    if kind == "shift_tensors":
        return ShiftTensors(values)
    if kind == "record_calls":
        return RecordCalls(target)
    if kind == "arguments":
        return Arguments(target, values, attributes)
    if kind == "training":
        return Training()
    raise ValueError(f"unknown move {kind!r}")
