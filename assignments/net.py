"""Checks of the hand-written backpropagation (`net`, and the course scripts `net1`, `net2` that
use it), judged against float64 finite differences.

The judge evaluates every graph itself (pure Python), so the expected gradients do not depend
on any student code; known bugs are simulated to name the likely cause. The graphs are a fixed
family of shapes, one per behaviour (add alone, mul alone, x*x, a shared node, a chain, a gate
output used twice, a gate with its own derivatives), each drawn with new values: the seed moves
the numbers, never what is tested, and credit is given per behaviour.

Kinds: `node_str`, `graphs` (part = "forward" | "backward"), `descent` (mode = "converges" |
"course") for net itself; `rerun` (named `"net:rerun"` by net1 and net2): the script run again
with each net.variable(v) given a value the student cannot know, its net's graph read back."""
from __future__ import annotations

import random
import re
from typing import Any, Literal

from pydantic import BaseModel, Field, JsonValue

from grader.authoring import (
    Case,
    Move,
    Options,
    Plot,
    Series,
    Session,
    Step,
    Task,
    Tolerance,
    Verdict,
    call,
    check,
    compare,
    each_case,
    fmt,
    get,
    inputs,
    outcome,
    plot,
    probe,
    ref,
)

ENERGY = re.compile(r"^\s*(\d+)\s*=+>\s*(\S+)")
FORMS = {"add": lambda x, y: x + y, "mul": lambda x, y: x * y, "x": lambda x, y: x, "y": lambda x, y: y,
         "one": lambda x, y: 1.0}
MAX_GATES = 1000            # a net with more gates than this is not the exercise's: no graph is read
GUESS = 8                   # gates read with the list itself; the course's scripts build 3

# name, number of variables, ops ([op, i, j]; operands count the variables, then each op's output)
SHAPES = [
    ("add backward", 2, [["add", 0, 1]]),
    ("mul backward (x*y: each input gets the other's value)", 2, [["mul", 0, 1]]),
    ("a node used twice by one gate (x*x)", 1, [["mul", 0, 0]]),
    ("a node shared by two gates accumulates (x*y + (x+z))", 3, [["mul", 0, 1], ["add", 0, 2], ["add", 3, 4]]),
    ("a chain ((x*y + z) * w)", 4, [["mul", 0, 1], ["add", 4, 2], ["mul", 5, 3]]),
    ("a gate's output used twice ((x+y) * (x+y))", 2, [["add", 0, 1], ["mul", 2, 2]]),
    ("Net.op uses each gate's own gfx and gfy", 3, [["op", 0, 1], ["add", 3, 2]]),
]


# --- options and outcomes -------------------------------------------------------------------------
class GraphsOptions(Options):
    part: Literal["forward", "backward"] = Field("backward", description="Judge forward() values or backward() gradients.")


class DescentOptions(Options):
    mode: Literal["converges", "course"] = Field(
        "converges", description="converges: any gradient descent; course: the notes' own trajectory (x*x moves twice).")


class RerunOptions(Options):
    accept: Literal["descends"] | None = Field(
        None, description="descends: a descent of the student's own graph that differs from the course's path passes.")
    output: bool = Field(True, description="Also compare the net's output node (net.o), where the reference has one.")
    step: float = Field(0.01, gt=0, description="The descent's step, for accept = \"descends\".")


class GraphCase(Case):
    """One graph built with the student's Net: forward()'s value and every variable's gradient."""

    forward: float | None = None
    grads: list[float] = []


class DescentOutcome(BaseModel):
    """What gradient_descendent printed and the values the variables ended at."""

    printed: str = ""
    values: list[float] = []


class NodeState(BaseModel):
    """A node's value and gradient as the child read them (None where it could not)."""

    v: JsonValue = None
    g: JsonValue = None


class Rerun(BaseModel):
    """The script run again with the variables moved: what it printed, its variables in the order
    it created them, its net's output node, and its net's gates as [op, i, j] (None: no graph the
    grader could follow)."""

    printed: str = ""
    variables: list[NodeState] = []
    output: NodeState | None = None
    graph: list[tuple[Literal["add", "mul"], int, int]] | None = None


# --- the graphs, evaluated here ---------------------------------------------------------------------
def value(rng: random.Random) -> float:
    return round(rng.choice([-1, 1]) * rng.uniform(0.5, 2.0), 6)


def shaped_graph(rng: random.Random, shape: tuple) -> dict:
    """One behaviour's graph with new values. Values differ by at least 0.5, so that swapping
    mul's derivatives always shows; the op gate declares derivatives that are not f's (2y, 3x
    for f = x·y), so only a backward that uses them gets its answer."""
    name, variables, ops = shape
    values: list[float] = []
    while len(values) < variables:
        candidate = value(rng)
        if all(abs(candidate - v) >= 0.5 for v in values):
            values.append(candidate)
    graph_ops = []
    for op in ops:
        if op[0] == "op":
            scales = rng.choice([(2.0, 3.0), (3.0, 2.0), (-1.0, 2.0)])
            graph_ops.append(["op", op[1], op[2], {"f": {"form": "mul"}, "gfx": {"form": "y", "scale": scales[0]},
                                                   "gfy": {"form": "x", "scale": scales[1]}}])
        else:
            graph_ops.append(list(op))
    return {"behaviour": name, "values": values, "ops": graph_ops}


def _apply(op: list, x: float, y: float) -> float:
    if op[0] == "op":
        description = op[3]["f"]
        return description.get("scale", 1.0) * FORMS[description["form"]](x, y)
    return x + y if op[0] == "add" else x * y


def evaluate(graph: dict, values: list[float]) -> float:
    nodes = list(values)
    for op in graph["ops"]:
        nodes.append(_apply(op, nodes[op[1]], nodes[op[2]]))
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
    """Reverse-mode gradients with each gate's local derivatives (an op gate's declared ones),
    optionally with a known bug, to recognise what a student did."""
    nodes = list(graph["values"])
    for op in graph["ops"]:
        nodes.append(_apply(op, nodes[op[1]], nodes[op[2]]))
    grads = [0.0] * len(nodes)
    grads[-1] = 1.0
    for index in reversed(range(len(graph["ops"]))):
        op = graph["ops"][index]
        name, i, j = op[0], op[1], op[2]
        out = grads[len(graph["values"]) + index]
        if name == "add":
            gx, gy = 1.0, 1.0
        elif name == "op":
            declared = op[3]
            gx, gy = (declared[key].get("scale", 1.0) * FORMS[declared[key]["form"]](nodes[i], nodes[j])
                      for key in ("gfx", "gfy"))
        else:
            pick = {"x": nodes[i], "y": nodes[j]}
            gx, gy = pick[mul[0]], pick[mul[1]]   # "yx" is right: ∂(xy)/∂x = y, ∂(xy)/∂y = x
        for target, local in ((i, gx), (j, gy)):
            grads[target] = grads[target] + local * out if accumulate else local * out
    return grads[: len(graph["values"])]


def truth(graph: dict) -> list[float]:
    """What backward() must give: finite differences, or, where a gate declares derivatives of its
    own, the chain rule through them (no finite difference of f can know those)."""
    return backprop(graph) if any(op[0] == "op" for op in graph["ops"]) else finite_differences(graph)


LIKELY_CAUSES: list[tuple[dict[str, Any], str]] = [
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
    if any(op[0] == "op" for op in graph["ops"]) and compare("g", got, finite_differences(graph), tolerance) is None:
        return (" — these are the gradients of the gate's function f, not what its own gfx and gfy say: "
                "backward must multiply o.g by the gate's gfx(x, y) and gfy(x, y) (finite differences cannot)")
    expected = truth(graph)
    ratios = [g / t for g, t in zip(got, expected) if abs(t) > 1e-9]
    if ratios and all(abs(r + 1) < 1e-6 for r in ratios):
        return " — every gradient has the wrong sign"
    if all(abs(g) < 1e-12 for g in got):
        return " — backward() left every gradient at 0: does Net.backward set o.g = 1 and call the gates in reverse?"
    return ""


def describe(graph: dict) -> str:
    names = [f"v{i}" for i in range(len(graph["values"]))]
    for op in graph["ops"]:
        symbol = {"add": "+", "mul": "*"}.get(op[0])
        names.append(f"({names[op[1]]} {symbol} {names[op[2]]})" if symbol else f"op({names[op[1]]}, {names[op[2]]})")
    values = ", ".join(f"v{i}={v:g}" for i, v in enumerate(graph["values"]))
    return f"{names[-1]} at {values}"


def build(graph: dict) -> list[Step]:
    """Steps that build {"values": [...], "ops": [[op, i, j], ...]} with the student's Net.

    Operand indices count the variables first, then each op's output in order. An op may be
    ["op", i, j, {"f": ..., "gfx": ..., "gfy": ...}]: Net.op with gate functions the grader
    describes (whose declared derivatives need not be those of f)."""
    steps = [call("Net", keep="net", convert="none")]
    count = len(graph["values"])
    for index, number in enumerate(graph["values"]):
        steps.append(call("$net.variable", number, keep=f"n{index}", convert="none"))
    for position, op in enumerate(graph["ops"]):
        name, i, j = op[0], op[1], op[2]
        node = f"n{count + position}"
        if name == "op":
            functions = op[3]
            steps.append(call("$net.op", ref(f"n{i}"), ref(f"n{j}"),
                              *({"make": dict(functions[key], kind="binary")} for key in ("f", "gfx", "gfy")),
                              keep=node, convert="none"))
        else:
            steps.append(call(f"$net.{name}", ref(f"n{i}"), ref(f"n{j}"), keep=node, convert="none"))
    return steps


# --- node_str ---------------------------------------------------------------------------------------
@inputs("node_str")
def draw_node_str(options: Options, rng: random.Random) -> dict:
    return {"cases": [[1, 2], [rng.randint(-9, 9), rng.randint(-9, 9)], [round(rng.uniform(-5, 5), 3), 0]]}


@probe("node_str")
def ask_node_str(session: Session, params: dict) -> list[Case]:
    answers, _ = session.cases([[call("Node", v, g, keep="node", convert="none"),
                                 call("!builtins.str", ref("node"), convert="str")] for v, g in params["cases"]])
    return [Case(**outcome(answer, 1)) for answer in answers]


@check("node_str")
def judge_node_str(task: Task, got: list[Case], expected: list[Case]) -> Verdict:
    """str(Node(v, g)) reads 'v:1 g:2'."""
    def one(case: list, mine: Case, theirs: Case) -> str | None:
        if str(mine.value).strip() != str(theirs.value).strip():
            return f"str(Node{tuple(case)}) should be {theirs.value!r}, got {mine.value!r}"
        return None
    return each_case(task.params["cases"], got, expected, one)


# --- graphs: forward and backward -----------------------------------------------------------------
@inputs("graphs", options=GraphsOptions)
def draw_graphs(options: GraphsOptions, rng: random.Random) -> dict:
    return {"graphs": [shaped_graph(rng, shape) for shape in SHAPES]}


@probe("graphs")
def ask_graphs(session: Session, params: dict) -> list[GraphCase]:
    """Forward value and every variable's gradient after one backward pass, per graph: one
    request, a case a graph."""
    cases = [[*build(graph), call("$net.forward", convert="number"), call("$net.backward", convert="none"),
              *(get(f"$n{index}.g", convert="number") for index in range(len(graph["values"])))]
             for graph in params["graphs"]]
    answers, _ = session.cases(cases)
    results = []
    for graph, answer in zip(params["graphs"], answers):
        if answer.get("error") is not None:
            results.append(GraphCase(**outcome(answer, 0)))
            continue
        count = len(graph["values"])
        tail = answer["results"][-(count + 2):]
        results.append(GraphCase(forward=tail[0], grads=tail[2:]))
    return results


@check("graphs", rtol=1e-6, atol=1e-8)
def judge_graphs(task: Task, got: list[GraphCase], expected: list[GraphCase]) -> Verdict:
    """Random expression graphs built with the student's Net: forward against the judge's own
    evaluation, backward against central finite differences."""
    tolerance = task.tolerance

    def one(graph: dict, mine: GraphCase, theirs: GraphCase) -> str | None:
        behaviour = graph["behaviour"]
        if task.options.part == "forward":
            difference = compare(f"forward() of {describe(graph)}", mine.forward, evaluate(graph, graph["values"]), tolerance)
            return f"{behaviour}: {difference.message}" if difference else None
        difference = compare(f"gradients of {describe(graph)}", mine.grads, truth(graph), tolerance)
        return f"{behaviour}: {difference.message}{likely_cause(graph, mine.grads, tolerance)}" if difference else None
    return each_case(task.params["graphs"], got, expected, one)


@plot("graphs")
def picture_graphs(task: Task, got: list[GraphCase], expected: list[GraphCase]) -> Plot | None:
    if task.options.part == "forward":
        return None
    pairs = [(graph, mine) for graph, mine in zip(task.params["graphs"], got) if mine.error is None]
    wrong = [(g, m) for g, m in pairs if compare("g", m.grads, truth(g), task.tolerance)]
    graph, mine = (wrong or pairs)[0]
    return gradient_plot(graph, mine.grads)


def gradient_plot(graph: dict, got: list[float]) -> Plot:
    expected = truth(graph)
    nodes = list(range(len(expected)))
    return Plot(title=f"gradients of {describe(graph)}", x_label="variable", y_label="∂out/∂v", style="points",
                series=[Series(label="expected", x=nodes, y=expected), Series(label="your backward()", x=nodes, y=got)])


# --- gradient_descendent ----------------------------------------------------------------------------
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


def bowl_graph(rng: random.Random) -> dict:
    """o = x₀·x₀ + x₁·x₁ + x₂·x₂ + x₀·x₁: a convex energy with its minimum at 0. The shape is
    fixed (a node used twice by one gate, a node shared by two gates); the seed moves the start."""
    variables = 3
    values = [round(rng.choice([-1, 1]) * rng.uniform(0.5, 3), 6) for _ in range(variables)]
    ops = [["mul", i, i] for i in range(variables)] + [["mul", 0, 1]]
    terms = list(range(variables, variables + len(ops)))
    total = terms[0]
    for term in terms[1:]:
        ops.append(["add", total, term])
        total = variables + len(ops) - 1
    return {"values": values, "ops": ops}


def simulate(graph: dict, step: float, loops: int, mode: str) -> tuple[list[float], list[float]]:
    """The energies a descent prints and the values it ends at. "course": Gate.adjust moves x
    and y of each gate in order, then zeroes their gradients (x*x moves x twice, a node already
    moved and zeroed by an earlier gate stays); "once": every variable moves once by its gradient."""
    count = len(graph["values"])
    values = list(graph["values"])
    printed = []
    for _ in range(loops):
        now = {"values": values, "ops": graph["ops"]}
        printed.append(evaluate(now, values))
        grads = backprop(now)
        if mode == "once":
            values = [v - step * g for v, g in zip(values, grads)]
            continue
        moved, zeroed = list(values), set[int]()
        for op in graph["ops"]:
            for node in (op[1], op[2]):          # x, then y, both before either is zeroed
                if node < count and node not in zeroed:
                    moved[node] -= step * grads[node]
            zeroed.update(node for node in (op[1], op[2]) if node < count)
        values = moved
    return printed, values


def matches_descent(graph: dict, step: float, loops: int, printed: list[float], final: list) -> bool:
    """Are the printed energies and final values those of a gradient descent on `graph` (the
    course's adjust, or one move per node)?"""
    tolerance = Tolerance(rtol=1e-6, atol=1e-9)
    for mode in ("course", "once"):
        path, values = simulate(graph, step, loops, mode)
        if compare("e", printed, path[: len(printed)], tolerance) is None and compare("v", final, values, tolerance) is None:
            return True
    return False


def energy_plot(got: DescentOutcome | Rerun, expected: DescentOutcome | Rerun) -> Plot:
    mine, theirs = energies(got.printed), energies(expected.printed)
    return Plot(title="energy printed by gradient_descendent", x_label="loop", y_label="energy", log_y=True,
                series=[Series(label="yours", x=[i for i, _ in mine], y=[e for _, e in mine]),
                        Series(label="reference (the course's)", x=[i for i, _ in theirs], y=[e for _, e in theirs])])


@inputs("descent", options=DescentOptions)
def draw_descent(options: DescentOptions, rng: random.Random) -> dict:
    return {"graph": bowl_graph(rng), "loops": 100, "dump": 1, "step": 0.01}


@probe("descent")
def ask_descent(session: Session, params: dict) -> DescentOutcome:
    """Net.gradient_descendent on a grader-chosen graph: printed energies and final values."""
    graph = params["graph"]
    count = len(graph["values"])
    reply = session.answered("steps", steps=[
        *build(graph),
        call("$net.gradient_descendent", maxLoops=params["loops"], dumpPeriod=params["dump"], step=params["step"],
             convert="none"),
        *(get(f"$n{index}.v", convert="number") for index in range(count))])
    return DescentOutcome(printed=reply.output[:200_000], values=reply.results[-count:])


@check("descent", rtol=1e-9, atol=1e-12)
def judge_descent(task: Task, got: DescentOutcome, expected: DescentOutcome) -> Verdict:
    """Net.gradient_descendent on a grader-chosen energy.

    mode "converges": the printed energy goes down and the values approach the minimum (any
    correct adjust). "course": the trajectory is the course's own, where a node used twice by
    one gate (x*x) is moved twice."""
    params = task.params
    graph = params["graph"]
    mine, theirs = energies(got.printed), energies(expected.printed)
    start = evaluate(graph, graph["values"])
    end = evaluate(graph, got.values)
    if task.options.mode == "course":
        difference = compare("final values", got.values, expected.values, task.tolerance)
        if difference is None and [e for _, e in mine] and compare(
                "energies", [e for _, e in mine], [e for _, e in theirs], task.tolerance) is None:
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
    if matches_descent(graph, params["step"], params["loops"], values, got.values):
        return Verdict.passed()     # either adjust is a gradient descent; nothing else is
    course_path, course_final = simulate(graph, params["step"], params["loops"], "course")
    return Verdict.failed(f"from the grader's start (energy {start:.6g}) a gradient descent with step {params['step']} "
                          f"prints {fmt(course_path)} and ends at {fmt(course_final)}; yours printed {fmt(values)} "
                          f"and ended at {fmt(got.values)} (energy {end:.6g}) — adjust must move each value "
                          "against its gradient (v -= step * g) and reset g to 0, nothing more")


@plot("descent")
def picture_descent(task: Task, got: DescentOutcome, expected: DescentOutcome) -> Plot | None:
    return energy_plot(got, expected)


# --- rerun: the course scripts, run again with their variables moved ---------------------------------
def same_function(mine: list | None, theirs: list, variables: int, mine_variables: int | None = None) -> bool:
    """Do two graphs over the same variables compute the same output? Checked at a few fixed
    points, so gates added in another order still agree. Variables the student's script made
    beyond the reference's (an unused one at the end) take values of their own: used, they change
    the function; unused, they change nothing."""
    if not mine:
        return False
    extra = [0.9 + 0.37 * i for i in range(max(0, (mine_variables or variables) - variables))]
    for point in ([0.7, -1.3, 2.1, 0.4][:variables], [-0.6, 1.9, -2.2, 1.1][:variables], [1.7, 0.3, -0.8, -1.4][:variables]):
        try:
            mine_value = evaluate({"values": point + extra, "ops": mine}, point + extra)
        except (IndexError, TypeError, KeyError, ValueError):
            return False
        if not Tolerance(rtol=1e-9, atol=1e-12).allows(mine_value, evaluate({"values": point, "ops": theirs}, point)):
            return False
    return True


def gate_steps(i: int) -> list[Step]:
    """Gate i's x, y and o (their identities) and f(2, 3)."""
    steps: list[Step] = []
    for part in ("x", "y", "o"):
        steps += [Step(get=f"$gates.{i}.{part}", keep=f"gate{i}{part}", convert="none"),
                  call("!builtins.id", ref(f"gate{i}{part}"))]
    return [*steps, call(f"$gates.{i}.f", 2.0, 3.0, convert="number")]


def read_graph(session: Session, created: int) -> list[list[Any]] | None:
    """The moved run's net (the last receiver of Net.variable) as [op, i, j] per gate, where the
    created variables count first and each gate's output next; None where it is not the course's
    Net (gates in a list, each with x, y, o and f). Which op a gate is, its f says: f(2, 3) is 5
    for add, 6 for mul. One request reads the list and its first GUESS gates (a case each; a
    gate past the end is an error of its case only), a second the rest of a longer list. Any
    error or odd answer is no graph."""
    first = [Step(get="$moved_receiver.gates", keep="gates", convert="none"),
             Step(get="!builtins.list", keep="list_type", convert="none"),
             call("!builtins.isinstance", ref("gates"), ref("list_type")),
             call("!builtins.len", ref("gates"))]
    for k in range(created):
        first += [Step(get=f"$moved_created.{k}", keep=f"created{k}", convert="none"),
                  call("!builtins.id", ref(f"created{k}"))]
    reply = session.ask("cases", cases=[first, *(gate_steps(i) for i in range(GUESS))])
    answers = reply.results if reply.error is None and isinstance(reply.results, list) else []
    if len(answers) != GUESS + 1 or not all(isinstance(answer, dict) for answer in answers):
        return None
    head = answers[0]
    results = head.get("results")
    if head.get("error") is not None or not isinstance(results, list) or len(results) != len(first):
        return None
    is_list, count = results[2], results[3]
    if is_list is not True or type(count) is not int or not 0 <= count <= MAX_GATES:
        return None
    created_ids = results[5::2]
    gates = [answer.get("results") if answer.get("error") is None else None for answer in answers[1: count + 1]]
    if count > GUESS:
        rest = session.ask("cases", cases=[gate_steps(i) for i in range(GUESS, count)])
        more = rest.results if rest.error is None and isinstance(rest.results, list) else []
        gates += [answer.get("results") if isinstance(answer, dict) and answer.get("error") is None else None
                  for answer in more]
    if len(gates) != count or any(type(identity) is not int for identity in created_ids):
        return None
    index = {identity: position for position, identity in enumerate(created_ids)}
    ops: list[list[Any]] = []
    for gate in gates:
        if not isinstance(gate, list) or len(gate) != 7:
            return None
        x, y, o, f = gate[1], gate[3], gate[5], gate[6]
        kind = {5.0: "add", 6.0: "mul"}.get(f) if type(f) is float else None
        if kind is None or any(type(identity) is not int for identity in (x, y, o)):
            return None
        if x not in index or y not in index or o in index:
            return None
        ops.append([kind, index[x], index[y]])
        index[o] = created + len(ops) - 1
    return ops


@inputs("rerun", options=RerunOptions)
def draw_rerun(options: RerunOptions, rng: random.Random) -> dict:
    return {"values": [round(rng.uniform(0.5, 3), 4) * rng.choice([-1, 1]) for _ in range(4)]}


@probe("rerun")
def ask_rerun(session: Session, params: dict) -> Rerun:
    """Run the script again with each net.variable(v) given a grader-chosen value instead.

    A script that computes its output prints new numbers; one that prints remembered numbers
    does not. The student's own `net` module is used: it is patched in the child for the run,
    not replaced. The nodes are reported in the order the script created them."""
    reply = session.answered("run", moves=[Move(kind="arguments", target="net:Net.variable", values=params["values"],
                                                attributes=["v", "g", "owner.o"])])
    moved = reply.records.get("arguments") or {}
    variables = moved.get("created", [])
    return Rerun(printed=reply.output[:200_000], variables=variables, output=moved.get("o"),
                 graph=read_graph(session, len(variables)))


def descends(chosen: list[float], got: Rerun, expected: Rerun, step: float) -> bool:
    """A gradient descent of its own from the grader's start: the first energy printed is the
    moved start's (as the reference printed it), and the energies printed and the values left
    are those the judge simulates on the student's own graph (the course's adjust, or one move
    per node) for as many steps as the reference printed. Printing the notes' lines, falling
    numbers of no descent, or values zeroed instead of descended are none of these."""
    mine = [e for _, e in energies(got.printed)]
    theirs = [e for _, e in energies(expected.printed)]
    if not theirs or len(mine) != len(theirs) or not got.graph:
        return False
    tolerance = Tolerance(rtol=1e-9, atol=1e-12)
    if not tolerance.allows(mine[0], theirs[0]):
        return False
    final = [node.v for node in got.variables]
    return matches_descent({"values": chosen, "ops": got.graph}, step, len(theirs), mine, final)


@check("rerun", rtol=1e-9, atol=1e-12)
def judge_rerun(task: Task, got: Rerun, expected: Rerun) -> Verdict:
    """The script run again with each net.variable(v) given a value the student cannot know:
    its variables and output node must hold the values and gradients the reference computes."""
    if not got.variables:
        return Verdict.failed("the script created no variable with net.variable(...), so the grader "
                              "could not check that it computes its output")
    chosen = task.params["values"][: len(got.variables)]
    if expected.graph and not same_function(got.graph, expected.graph, len(expected.variables), len(got.variables)):
        return Verdict.failed("the script must compute with net's gates: the net it built "
                              + ("has no gates the grader could follow (Net keeps them in net.gates, each with "
                                 "x, y, o and f)" if not got.graph else
                                 "computes another function than the exercise's")
                              + " — build o with net.mul and net.add, then net.forward() and net.backward()")
    failures = []
    nodes = list(zip(got.variables, expected.variables))
    if task.options.output and expected.output is not None:
        nodes.append((got.output or NodeState(), expected.output))
    for position, (mine, theirs) in enumerate(nodes):
        label = f"variable {position + 1}" if position < len(got.variables) else "the output node"
        for field in ("v", "g"):
            difference = compare(f"{label}.{field} when the variables start at {chosen}",
                                 getattr(mine, field), getattr(theirs, field), task.tolerance)
            if difference:
                failures.append(difference.message)
    if failures and task.options.accept == "descends" and descends(chosen, got, expected, task.options.step):
        return Verdict.passed(
            "your descent converges but not along the course's path: the course's Gate.adjust moves a node "
            "used twice by one gate (x*x) twice per step (x ← 0.96·x), yours moves it once (x ← 0.98·x), "
            "so your printed numbers differ from the notes")
    if failures:
        return Verdict.failed("; ".join(failures[:3]) + " — does the script compute its results, or print remembered numbers?")
    return Verdict.passed()
