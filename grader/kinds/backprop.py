"""`backprop`: expression graphs built through the student's object API, their forward value and
every variable's gradient after one backward pass, against the graph evaluated here and its
float64 central differences.

The API is declared by options alone: the notes' `Net` (nodes made by a net object, values in
`.v`, gradients in `.g`, `net.forward()` then `net.backward()`) and a micrograd-style `Value`
(nodes made by the class, `+` and `*` overloaded, `.data` and `.grad`, `out.backward()`) are
both TOML:

    options = { graph = "Net", variable = "$graph.variable", add = "$graph.add", mul = "$graph.mul",
                forward = "$graph.forward", backward = "$graph.backward", value = "v", grad = "g" }
    options = { variable = "Value", add = "+", mul = "*", backward = "$out.backward", value = "data", grad = "grad" }

The graphs are a fixed family of shapes, one behaviour each, drawn with new values: the seed
moves the numbers, never what is tested, and credit is per behaviour.
"""
from __future__ import annotations

import random
from typing import Any, Literal

from pydantic import Field

from grader.compare import Tolerance, compare, fmt
from grader.differences import central_difference
from grader.driver import Session, call, get, ref
from grader.kinds.base import CaseKind, Options
from grader.spec import CheckSpec
from grader.wire import Step


def target(description: str) -> Any:
    return Field(pattern=r"^(\$?[A-Za-z_]\w*(\.[A-Za-z_]\w*)*|\+|\*)$", description=description)


# name, number of variables, ops ([op, i, j]; operands count the variables, then each op's output)
SHAPES: dict[str, tuple[str, int, list[list[Any]]]] = {
    "add": ("add backward", 2, [["add", 0, 1]]),
    "mul": ("mul backward (x*y: each input gets the other's value)", 2, [["mul", 0, 1]]),
    "square": ("a node used twice by one operation (x*x)", 1, [["mul", 0, 0]]),
    "shared": ("a node shared by two operations accumulates (x*y + (x+z))", 3, [["mul", 0, 1], ["add", 0, 2], ["add", 3, 4]]),
    "chain": ("a chain ((x*y + z) * w)", 4, [["mul", 0, 1], ["add", 4, 2], ["mul", 5, 3]]),
    "reused": ("an operation's output used twice ((x+y) * (x+y))", 2, [["add", 0, 1], ["mul", 2, 2]]),
}
Shape = Literal["add", "mul", "square", "shared", "chain", "reused"]


class BackpropOptions(Options):
    graph: str | None = Field(None, pattern=r"^[A-Za-z_]\w*$", description="Class of the object that makes the nodes, called with no argument (kept as $graph).")
    variable: str = target("What makes a node of a number: $graph.variable, or a class (Value).")
    add: str = target("What adds two nodes: $graph.add, or + (the overloaded operator).")
    mul: str = target("What multiplies two nodes: $graph.mul, or *.")
    forward: str | None = Field(None, pattern=r"^\$[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$", description="Called before values are read ($graph.forward).")
    backward: str = Field(pattern=r"^\$[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$", description="$graph.backward, or $out.backward on the output node.")
    value: str = Field("v", pattern=r"^[A-Za-z_]\w*$", description="The node attribute holding its value.")
    grad: str = Field("g", pattern=r"^[A-Za-z_]\w*$", description="The node attribute holding its gradient.")
    part: Literal["forward", "backward"] = Field("backward", description="What this check credits.")
    shapes: list[Shape] = Field(["add", "mul", "square", "shared", "chain", "reused"], min_length=1,
                                description="The behaviours tested, one graph each.")


def evaluate(ops: list[list[Any]], values: list[float]) -> float:
    nodes = list(values)
    for op, i, j in ops:
        nodes.append(nodes[i] + nodes[j] if op == "add" else nodes[i] * nodes[j])
    return nodes[-1]


def differences(ops: list[list[Any]], values: list[float], h: float = 1e-4) -> list[float]:
    """∂out/∂vᵢ by central differences at h and 2h, Richardson-combined (exact for these cubics)."""
    return [central_difference(lambda point: evaluate(ops, point), values, i, h)[0] for i in range(len(values))]


def overwritten(ops: list[list[Any]], values: list[float]) -> list[float]:
    """A backward that sets a node's gradient (=) instead of adding to it (+=): the usual bug."""
    nodes = list(values)
    for op, i, j in ops:
        nodes.append(nodes[i] + nodes[j] if op == "add" else nodes[i] * nodes[j])
    grads = [0.0] * len(nodes)
    grads[-1] = 1.0
    for position in range(len(ops) - 1, -1, -1):
        op, i, j = ops[position]
        out = grads[len(values) + position]
        grads[i] = out if op == "add" else out * nodes[j]
        grads[j] = out if op == "add" else out * nodes[i]
    return grads[: len(values)]


def describe(ops: list[list[Any]], values: list[float]) -> str:
    names = [f"v{i}" for i in range(len(values))]
    for op, i, j in ops:
        names.append(f"({names[i]} {'+' if op == 'add' else '*'} {names[j]})")
    return f"{names[-1]} at " + ", ".join(f"v{i}={v:g}" for i, v in enumerate(values))


def resolved(target: str, output: str) -> str:
    return {"+": "!operator.add", "*": "!operator.mul"}.get(target, target.replace("$out", f"${output}", 1))


class Backprop(CaseKind):
    name = "backprop"
    Options = BackpropOptions
    rtol = 1e-6
    atol = 1e-9

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        options = self.options(check)
        graphs = []
        for shape in options.shapes:
            _, count, ops = SHAPES[shape]
            values: list[float] = []
            while len(values) < count:      # values at least 0.5 apart: swapped derivatives always show
                candidate = round(rng.choice([-1, 1]) * rng.uniform(0.5, 2.0), 6)
                if all(abs(candidate - v) >= 0.5 for v in values):
                    values.append(candidate)
            graphs.append({"shape": shape, "values": values, "ops": ops})
        return {"cases": graphs, "options": options.model_dump(mode="json")}

    def ask(self, session: Session, params: Any) -> Any:
        options = BackpropOptions.model_validate(params["options"])
        cases = []
        for graph in params["cases"]:
            values, ops = graph["values"], graph["ops"]
            output = f"n{len(values) + len(ops) - 1}"
            steps: list[Step] = [call(options.graph, keep="graph", convert="none")] if options.graph else []
            steps += [call(resolved(options.variable, output), value, keep=f"n{i}", convert="none") for i, value in enumerate(values)]
            steps += [call(resolved(getattr(options, op), output), ref(f"n{i}"), ref(f"n{j}"), keep=f"n{len(values) + k}", convert="none")
                      for k, (op, i, j) in enumerate(ops)]
            if options.forward:
                steps.append(call(resolved(options.forward, output), convert="none"))
            steps.append(get(f"${output}.{options.value}", convert="number"))
            if options.part == "backward":
                steps.append(call(resolved(options.backward, output), convert="none"))
                steps += [get(f"$n{i}.{options.grad}", convert="number") for i in range(len(values))]
            cases.append(steps)
        answers, _ = session.cases(cases)
        results = []
        for graph, answer in zip(params["cases"], answers):
            if answer.get("error") is not None:
                results.append({"error": answer["error"]})
                continue
            count, done = len(graph["values"]), answer["results"]
            if options.part == "backward":
                results.append({"value": {"forward": done[-(count + 2)], "grads": done[-count:] if count else []}})
            else:
                results.append({"value": {"forward": done[-1], "grads": []}})
        return results

    def judge_case(self, check: CheckSpec, graph: Any, outcome: dict, reference: dict) -> str | None:
        options = self.options(check)
        ops, values = graph["ops"], graph["values"]
        tolerance = self.tolerance(check)
        label = f"{SHAPES[graph['shape']][0]}: {describe(ops, values)}"
        if options.part == "forward":
            difference = compare(f"forward value of {label}", outcome["value"]["forward"], evaluate(ops, values), tolerance)
            return difference.message if difference else None
        truth = differences(ops, values)
        got = outcome["value"]["grads"]
        difference = compare(f"gradients of {label}", got, truth, Tolerance(max(tolerance.rtol, 1e-6), max(tolerance.atol, 1e-8)))
        if difference is None:
            return None
        hint = ""
        if compare("g", got, overwritten(ops, values), Tolerance(1e-6, 1e-8)) is None:
            hint = " — a node's gradient is set (=) where it must be added to (+=): a node used twice gets both shares"
        return f"{difference.message} (float64 central differences: {fmt(truth)}){hint}"
