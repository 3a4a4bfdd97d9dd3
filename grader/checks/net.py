"""Checks of the hand-written backpropagation, judged against float64 finite differences.

The judge evaluates every random graph itself (pure Python), so the expected gradients do not
depend on any student code; known bugs are simulated to name the likely cause."""
from __future__ import annotations

import math
import re

from grader.checks.base import CaseKind, Kind, Verdict
from grader.compare import Tolerance, compare, fmt
from grader.report import Plot, Series

ENERGY = re.compile(r"^\s*(\d+)\s*=+>\s*(\S+)")


def random_graph(rng, variables: int, ops: int) -> dict:
    """A random add/mul graph: shared nodes, a node used twice by one gate, chains."""
    values = [round(rng.choice([-1, 1]) * rng.uniform(0.5, 2.0), 6) for _ in range(variables)]
    graph_ops = []
    for index in range(ops):
        count = variables + index
        i = count - 1 if index and rng.random() < 0.5 else rng.randrange(count)   # chains
        j = i if rng.random() < 0.25 else rng.randrange(count)                     # x*x
        graph_ops.append([rng.choice(["add", "mul", "mul"]), i, j])
    return {"values": values, "ops": graph_ops}


def evaluate(graph: dict, values: list[float]) -> float:
    nodes = list(values)
    for op, i, j in graph["ops"]:
        nodes.append(nodes[i] + nodes[j] if op == "add" else nodes[i] * nodes[j])
    return nodes[-1]


def finite_differences(graph: dict) -> list[float]:
    """Central differences in float64: the truth every backward pass is held to."""
    values = graph["values"]
    gradient = []
    for k, v in enumerate(values):
        h = 1e-6 * max(1.0, abs(v))
        up, down = list(values), list(values)
        up[k] += h
        down[k] -= h
        gradient.append((evaluate(graph, up) - evaluate(graph, down)) / (2 * h))
    return gradient


def backprop(graph: dict, accumulate: bool = True, mul: str = "yx") -> list[float]:
    """Reverse-mode gradients, optionally with a known bug, to recognise what a student did."""
    nodes = list(graph["values"])
    for op, i, j in graph["ops"]:
        nodes.append(nodes[i] + nodes[j] if op == "add" else nodes[i] * nodes[j])
    grads = [0.0] * len(nodes)
    grads[-1] = 1.0
    for index in reversed(range(len(graph["ops"]))):
        op, i, j = graph["ops"][index]
        out = grads[len(graph["values"]) + index]
        if op == "add":
            gx, gy = 1.0, 1.0
        else:
            pick = {"x": nodes[i], "y": nodes[j]}
            gx, gy = pick[mul[0]], pick[mul[1]]   # "yx" is right: ∂(xy)/∂x = y, ∂(xy)/∂y = x
        for target, local in ((i, gx), (j, gy)):
            grads[target] = grads[target] + local * out if accumulate else local * out
    return grads[: len(graph["values"])]


LIKELY_CAUSES = [
    ({"accumulate": False}, "a node used in several places keeps only its last contribution: "
                            "is x.g += … replaced by x.g = … in Gate.backward?"),
    ({"mul": "xy"}, "mul's derivatives are swapped: ∂(x·y)/∂x is y and ∂(x·y)/∂y is x "
                    "(x*x hides this, x*y does not)"),
    ({"mul": "xx"}, "mul's gfx returns x, but ∂(x·y)/∂x is y (x*x hides this, x*y does not)"),
    ({"mul": "yy"}, "mul's gfy returns y, but ∂(x·y)/∂y is x (x*x hides this, x*y does not)"),
]


def likely_cause(graph: dict, got: list[float], tolerance: Tolerance) -> str:
    for variant, cause in LIKELY_CAUSES:
        if compare("g", got, backprop(graph, **variant), tolerance) is None:
            return " — " + cause
    truth = finite_differences(graph)
    ratios = [g / t for g, t in zip(got, truth) if abs(t) > 1e-9]
    if ratios and all(abs(r + 1) < 1e-6 for r in ratios):
        return " — every gradient has the wrong sign"
    if all(abs(g) < 1e-12 for g in got):
        return " — backward() left every gradient at 0: does Net.backward set o.g = 1 and call the gates in reverse?"
    return ""


class NodeText(CaseKind):
    """str(Node(v, g)) reads 'v:1 g:2'."""

    probe = "net.node_str"

    def inputs(self, check, rng):
        return {"cases": [[1, 2], [rng.randint(-9, 9), rng.randint(-9, 9)], [round(rng.uniform(-5, 5), 3), 0]]}

    def judge_case(self, check, case, mine, theirs):
        if str(mine["value"]).strip() != str(theirs["value"]).strip():
            return f"str(Node{tuple(case)}) should be {theirs['value']!r}, got {mine['value']!r}"
        return None


class Graphs(CaseKind):
    """Random expression graphs built with the student's Net: forward against the judge's own
    evaluation, backward against central finite differences."""

    probe = "net.graphs"
    cases = "graphs"
    rtol = 1e-6
    atol = 1e-8

    def inputs(self, check, rng):
        count = int(check.options.get("graphs", 8))
        return {"graphs": [random_graph(rng, rng.randint(2, 4), rng.randint(3, 7)) for _ in range(count)]}

    def judge_case(self, check, graph, outcome, reference):
        tolerance = self.tolerance(check)
        if check.options.get("part", "backward") == "forward":
            difference = compare(f"forward() of {describe(graph)}", outcome["value"]["forward"],
                                 evaluate(graph, graph["values"]), tolerance)
            return difference.message if difference else None
        grads = outcome["value"]["grads"]
        difference = compare(f"gradients of {describe(graph)}", grads, finite_differences(graph), tolerance)
        return difference.message + likely_cause(graph, grads, tolerance) if difference else None

    def plot(self, check, params, got, expected):
        if check.options.get("part", "backward") == "forward":
            return None
        pairs = [(graph, outcome) for graph, outcome in zip(params["graphs"], got) if "value" in outcome]
        wrong = [(g, o) for g, o in pairs if compare("g", o["value"]["grads"], finite_differences(g), self.tolerance(check))]
        graph, outcome = (wrong or pairs)[0]
        return gradient_plot(graph, outcome["value"]["grads"])


def gradient_plot(graph: dict, got: list[float]) -> Plot:
    truth = finite_differences(graph)
    nodes = list(range(len(truth)))
    return Plot(title=f"gradients of {describe(graph)}", x_label="variable", y_label="∂out/∂v", style="points",
                series=[Series(label="finite differences", x=nodes, y=truth), Series(label="your backward()", x=nodes, y=got)])


def describe(graph: dict) -> str:
    names = [f"v{i}" for i in range(len(graph["values"]))]
    for op, i, j in graph["ops"]:
        names.append(f"({names[i]} {'+' if op == 'add' else '*'} {names[j]})")
    values = ", ".join(f"v{i}={v:g}" for i, v in enumerate(graph["values"]))
    return f"{names[-1]} at {values}"


def energies(printed: str) -> list[tuple[int, float]]:
    found = []
    for line in printed.splitlines():
        match = ENERGY.match(line)
        if match:
            try:
                found.append((int(match.group(1)), float(match.group(2))))
            except ValueError:
                continue
    return found


def bowl_graph(rng) -> dict:
    """o = Σ xᵢ·xᵢ (+ x₀·x₁): a convex energy with its minimum at 0."""
    variables = rng.randint(2, 3)
    values = [round(rng.choice([-1, 1]) * rng.uniform(0.5, 3), 6) for _ in range(variables)]
    ops = [["mul", i, i] for i in range(variables)]
    if rng.random() < 0.5:
        ops.append(["mul", 0, 1])
    terms = list(range(variables, variables + len(ops)))
    total = terms[0]
    for term in terms[1:]:
        ops.append(["add", total, term])
        total = variables + len(ops) - 1
    return {"values": values, "ops": ops}


def energy_plot(got: dict, expected: dict) -> Plot:
    mine, theirs = energies(got["printed"]), energies(expected["printed"])
    return Plot(title="energy printed by gradient_descendent", x_label="loop", y_label="energy", log_y=True,
                series=[Series(label="yours", x=[i for i, _ in mine], y=[e for _, e in mine]),
                        Series(label="reference (the course's)", x=[i for i, _ in theirs], y=[e for _, e in theirs])])


class NetDescent(Kind):
    """Net.gradient_descendent on a grader-chosen energy.

    options.mode "converges": the printed energy goes down and the values approach the minimum
    (any correct adjust). "course": the trajectory is the course's own, where a node used twice
    by one gate (x*x) is moved twice."""

    probe = "net.descent"
    rtol = 1e-9
    atol = 1e-12

    def inputs(self, check, rng):
        return {"graph": bowl_graph(rng), "loops": 100, "dump": 1, "step": 0.01}

    def judge(self, check, params, got, expected):
        graph = params["graph"]
        mine, theirs = energies(got["printed"]), energies(expected["printed"])
        start = evaluate(graph, graph["values"])
        end = evaluate(graph, got["values"])
        if check.options.get("mode") == "course":
            difference = compare("final values", got["values"], expected["values"], self.tolerance(check))
            if difference is None and [e for _, e in mine] and compare(
                    "energies", [e for _, e in mine], [e for _, e in theirs], self.tolerance(check)) is None:
                return Verdict.passed()
            detail = difference.message if difference else "the printed energies differ from the course's"
            return Verdict.failed(
                f"{detail}. The course's Gate.adjust moves x and y of every gate, so in x*x the same node "
                "moves twice per step (x ← 0.96·x with step 0.01). If your adjust moves each node once, "
                "your descent is still correct (the convergence check credits it) but its numbers differ from the notes; "
                "if not, look at the backward check: wrong gradients make a wrong path")
        if not mine:
            return Verdict.failed("gradient_descendent printed no 'loop  =>  energy' lines (print(loop, ' => ', energy))")
        values = [e for _, e in mine]
        rising = [i for i in range(1, len(values)) if values[i] > values[i - 1] * (1 + 1e-12)]
        if rising or not math.isfinite(end) or end > 0.5 * start:
            return Verdict.failed(f"the energy should fall from {start:.6g}: printed {fmt(values)}, "
                                  f"final values {fmt(got['values'])} give {end:.6g} — adjust must move "
                                  "values against their gradients (v -= step * g) and reset g to 0")
        return Verdict.passed()

    def plot(self, check, params, got, expected):
        return energy_plot(got, expected)




class Rerun(Kind):
    """The script run again with each net.variable(v) given a value the student cannot know:
    its variables and output node must hold the values and gradients the reference computes."""

    probe = "net.rerun"
    rtol = 1e-9
    atol = 1e-12

    def inputs(self, check, rng):
        return {"values": [round(rng.uniform(0.5, 3), 4) * rng.choice([-1, 1]) for _ in range(4)]}

    def judge(self, check, params, got, expected):
        if not got["variables"]:
            return Verdict.failed("the script created no variable with net.variable(...), so the grader "
                                  "could not check that it computes its output")
        chosen = params["values"][: len(got["variables"])]
        failures = []
        nodes = list(zip(got["variables"], expected["variables"]))
        if check.options.get("output", True) and expected["output"] is not None:
            nodes.append((got["output"] or {"v": None, "g": None}, expected["output"]))
        for index, (mine, theirs) in enumerate(nodes):
            label = f"variable {index + 1}" if index < len(got["variables"]) else "the output node"
            for field in ("v", "g"):
                difference = compare(f"{label}.{field} when the variables start at {chosen}",
                                     mine[field], theirs[field], self.tolerance(check))
                if difference:
                    failures.append(difference.message)
        if failures and check.options.get("accept") == "descends" and self.descends(chosen, got):
            return Verdict.passed(
                "your descent converges but not along the course's path: the course's Gate.adjust moves a node "
                "used twice by one gate (x*x) twice per step (x ← 0.96·x), yours moves it once (x ← 0.98·x), "
                "so your printed numbers differ from the notes")
        if failures:
            return Verdict.failed("; ".join(failures[:3]) + " — does the script compute its results, or print remembered numbers?")
        return Verdict.passed()

    @staticmethod
    def descends(start: list[float], got: dict) -> bool:
        """The variables ended much closer to the minimum at 0 than the grader's start."""
        end = 0.0
        for node in got["variables"]:
            value = node.get("v")
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                return False
            end += value * value
        return end < 0.25 * sum(v * v for v in start)
