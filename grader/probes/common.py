"""Probes every exercise can use: the API present, values left in the namespace."""
from __future__ import annotations

import inspect
from typing import Any

from grader.plain import Unconvertible, to_plain


def lookup(namespace: dict[str, Any], dotted: str) -> Any:
    """`Net.forward` → namespace['Net'].forward; raises KeyError/AttributeError when absent."""
    head, *rest = dotted.split(".")
    value = namespace[head]
    for name in rest:
        value = getattr(value, name)
    return value


def api(ctx, params) -> dict:
    """For each required name: is it there, is it callable, which parameters does it take."""
    found = {}
    for name in params["names"]:
        try:
            value = lookup(ctx.namespace, name)
        except (KeyError, AttributeError):
            found[name] = {"present": False}
            continue
        entry: dict[str, Any] = {"present": True, "callable": callable(value)}
        try:
            entry["parameters"] = list(inspect.signature(value).parameters)
        except (TypeError, ValueError):
            entry["parameters"] = None
        found[name] = entry
    public = sorted(k for k in ctx.namespace if not k.startswith("__"))
    return {"names": found, "defined": public[:200]}


def state(ctx, params) -> dict:
    """Plain values of names (and attributes) the script left behind, e.g. `x.grad`."""
    values = {}
    for name in params["names"]:
        try:
            values[name] = {"value": to_plain(lookup(ctx.namespace, name))}
        except (KeyError, AttributeError):
            values[name] = {"missing": True}
        except Unconvertible as error:
            values[name] = {"unconvertible": str(error)}
    return values


def leaves(ctx, params) -> dict:
    """Every tensor in the script's namespace that received a gradient: its value and .grad."""
    import torch

    found = {}
    for name, value in list(ctx.namespace.items()):
        if name.startswith("__") or not isinstance(value, torch.Tensor):
            continue
        grad = torch.Tensor.grad.__get__(value)
        if grad is None:
            continue
        found[name] = {"value": to_plain(value), "grad": to_plain(grad)}
    return {"leaves": found}


PROBES = {"api": api, "state": state, "leaves": leaves}
