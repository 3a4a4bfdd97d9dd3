"""Turn untrusted student objects into plain data, inside the child.

Every attribute of a student object may lie (`__float__`, `__iter__`, `__eq__`, `__repr__`).
Only exact built-in types are trusted; for their subclasses the base class's own methods are
called, and anything else is described, not converted. Tensors and arrays become
``{"tensor": {...}}`` dicts holding shape, dtype, device and the values as float64.
"""
from __future__ import annotations

import math
import sys
from typing import Any

MAX_ELEMENTS = 100_000


class Unconvertible(Exception):
    """A student value that has no plain form (an unknown object, a huge tensor)."""


def number(value: Any) -> float:
    """A float from an int, float, bool, numpy scalar or one-element tensor; anything else raises."""
    plain = to_plain(value)
    if isinstance(plain, dict) and "tensor" in plain:
        values = plain["tensor"]["values"]
        if len(values) != 1:
            raise Unconvertible(f"expected a single number, got a tensor of shape {plain['tensor']['shape']}")
        return values[0]
    if isinstance(plain, bool) or not isinstance(plain, (int, float)):
        raise Unconvertible(f"expected a number, got {describe(value)}")
    return float(plain)


def to_plain(value: Any, depth: int = 0) -> Any:
    """Plain JSON data for a student value (see the module docstring)."""
    if depth > 20:
        raise Unconvertible("value nested too deeply")
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (list, tuple)):
        items = list(list.__iter__(value) if isinstance(value, list) else tuple.__iter__(value))
        if len(items) > MAX_ELEMENTS:
            raise Unconvertible(f"a sequence of {len(items)} items is too long to compare")
        return [to_plain(item, depth + 1) for item in items]
    tensor = _tensor(value)
    if tensor is not None:
        return {"tensor": tensor}
    raise Unconvertible(f"cannot compare {describe(value)}")


def _tensor(value: Any) -> dict | None:
    """Shape, dtype, device and float64 values of a torch tensor, numpy array or numpy scalar."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        # Base-class functions, not the object's methods: a Tensor subclass may override them.
        data = torch.Tensor.detach(value)
        shape = list(torch.Tensor.size(data))
        if math.prod(shape) > MAX_ELEMENTS:
            raise Unconvertible(f"a tensor of shape {shape} is too large to compare")
        device = str(data.device)
        kind = str(data.dtype).removeprefix("torch.")
        if data.is_complex():
            raise Unconvertible("complex tensors are not compared")
        flat = torch.Tensor.tolist(data.to("cpu", torch.float64).reshape(-1))
        return {"kind": "tensor", "shape": shape, "dtype": kind, "device": device,
                "requires_grad": bool(value.requires_grad), "values": flat}
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, (numpy.ndarray, numpy.generic)):
        array = numpy.asarray(value)
        if array.dtype.kind not in "biuf":
            raise Unconvertible(f"a numpy array of dtype {array.dtype} has no numbers to compare")
        if array.size > MAX_ELEMENTS:
            raise Unconvertible(f"an array of shape {list(array.shape)} is too large to compare")
        return {"kind": "ndarray", "shape": list(array.shape), "dtype": str(array.dtype),
                "device": "cpu", "requires_grad": False,
                "values": numpy.ndarray.tolist(array.astype(numpy.float64).reshape(-1))}
    return None


def describe(value: Any) -> str:
    """A short, safe description of a value's type (never calls the value's own methods)."""
    kind = type(value)
    return f"a {kind.__module__}.{kind.__qualname__}" if kind.__module__ != "builtins" else f"a {kind.__qualname__}"
