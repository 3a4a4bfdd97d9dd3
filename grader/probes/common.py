"""Probes every exercise can use: the API present, values left in the namespace."""
from __future__ import annotations

import ast
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
    definitions = Definitions(ctx.file)
    found = {}
    for name in params["names"]:
        try:
            value = lookup(ctx.namespace, name)
        except (KeyError, AttributeError):
            found[name] = {"present": False}
            continue
        entry: dict[str, Any] = {"present": True, "callable": callable(value), "stub": definitions.is_stub(name, value)}
        try:
            entry["parameters"] = list(inspect.signature(value).parameters)
        except (TypeError, ValueError):
            entry["parameters"] = None
        found[name] = entry
    public = sorted(k for k in ctx.namespace if not k.startswith("__"))
    return {"names": found, "defined": public[:200]}


class Definitions:
    """The functions and classes the student's file defines, read from its source once (asking
    `inspect` for each object's source would re-read and re-parse the file every time)."""

    def __init__(self, file) -> None:
        try:
            self.tree = ast.parse(file.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            self.tree = None

    def find(self, dotted: str) -> ast.AST | None:
        """The last definition of `GD` or `Net.forward` at the top level (the one in effect)."""
        body = self.tree.body if self.tree is not None else []
        node = None
        for name in dotted.split("."):
            node = None
            for statement in body:
                if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and statement.name == name:
                    node = statement
            if node is None:
                return None
            body = node.body if isinstance(node, ast.ClassDef) else []
        return node

    def is_stub(self, dotted: str, value: Any) -> bool:
        """A function whose body (past its docstring) is only `raise NotImplementedError(...)`, or
        a class made of such methods: the starter's placeholder, not an answer. Only when `value`,
        the object in effect, is the one that definition made (not a later assignment or import)."""
        node = self.find(dotted)
        if isinstance(node, ast.ClassDef):
            methods = [m for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
            members = getattr(value, "__dict__", {})
            return bool(methods) and all(_raises_not_implemented(m) and _made_by(members.get(m.name), m) for m in methods)
        return (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _raises_not_implemented(node)
                and _made_by(value, node))


def _made_by(value: Any, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Was this function object compiled from this definition (its first line, or a decorator's)?"""
    code = getattr(inspect.unwrap(value), "__code__", None) if callable(value) else None
    lines = {node.lineno, *(decorator.lineno for decorator in node.decorator_list)}
    return code is not None and code.co_firstlineno in lines


def _raises_not_implemented(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    body = [node for node in function.body
            if not (isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    raised = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"


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
    """The script's variables (leaf tensors that require a gradient) with their .grad, and its
    other small tensors: a gradient may also come back from torch.autograd.grad(...)."""
    import torch

    found, others = {}, {}
    for name, value in list(ctx.namespace.items()):
        if name.startswith("__") or not isinstance(value, torch.Tensor):
            continue
        if value.requires_grad and value.is_leaf:
            grad = torch.Tensor.grad.__get__(value)
            found[name] = {"value": to_plain(value), "grad": None if grad is None else to_plain(grad)}
        elif value.numel() <= 100 and len(others) < 50:
            others[name] = to_plain(value)
    for name, value in list(ctx.namespace.items()):       # tuples of gradients: gx, gy = torch.autograd.grad(...)
        if isinstance(value, (tuple, list)) and 0 < len(value) <= 10 and all(isinstance(v, torch.Tensor) for v in value):
            for index, item in enumerate(value):
                others[f"{name}[{index}]"] = to_plain(item.detach())
    return {"leaves": found, "others": others}


PROBES = {"api": api, "state": state, "leaves": leaves}
