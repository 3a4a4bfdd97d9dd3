"""Probes of the hand-written backpropagation: graphs built through the student's Net, one
request a graph, its descent, and the course scripts re-run with variables moved."""
from __future__ import annotations

from grader.driver import Probe, Session, call, get, outcome, ref
from grader.wire import Move, Step


def build(graph: dict) -> list[Step]:
    """Steps that build {"values": [...], "ops": [[op, i, j], ...]} with the student's Net.

    Operand indices count the variables first, then each op's output in order. An op may be
    ["op", i, j, {"f": ..., "gfx": ..., "gfy": ...}]: Net.op with gate functions the grader
    describes (whose declared derivatives need not be those of f)."""
    steps = [call("Net", keep="net", convert="none")]
    count = len(graph["values"])
    for index, value in enumerate(graph["values"]):
        steps.append(call("$net.variable", value, keep=f"n{index}", convert="none"))
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


def node_str(session: Session, params: dict) -> list[dict]:
    answers, _ = session.cases([[call("Node", v, g, keep="node", convert="none"),
                                 call("!builtins.str", ref("node"), convert="str")] for v, g in params["cases"]])
    return [outcome(answer, 1) for answer in answers]


def graphs(session: Session, params: dict) -> list[dict]:
    """Forward value and every variable's gradient after one backward pass, per graph: one
    request, a case a graph."""
    cases = [[*build(graph), call("$net.forward", convert="number"), call("$net.backward", convert="none"),
              *(get(f"$n{index}.g", convert="number") for index in range(len(graph["values"])))]
             for graph in params["graphs"]]
    answers, _ = session.cases(cases)
    results = []
    for graph, answer in zip(params["graphs"], answers):
        if answer.get("error") is not None:
            results.append(outcome(answer, 0))
            continue
        count = len(graph["values"])
        tail = answer["results"][-(count + 2):]
        results.append({"value": {"forward": tail[0], "grads": tail[2:]}})
    return results


def descent(session: Session, params: dict) -> dict:
    """Net.gradient_descendent on a grader-chosen graph: printed energies and final values."""
    graph = params["graph"]
    count = len(graph["values"])
    reply = session.answered("steps", steps=[
        *build(graph),
        call("$net.gradient_descendent", maxLoops=params["loops"], dumpPeriod=params["dump"], step=params["step"],
             convert="none"),
        *(get(f"$n{index}.v", convert="number") for index in range(count))])
    return {"printed": reply.output[:200_000], "values": reply.results[-count:]}


class Rerun:
    """Run the script again with each net.variable(v) given a grader-chosen value instead.

    A script that computes its output prints new numbers; one that prints remembered numbers
    does not. The student's own `net` module is used: it is patched in the child for the run,
    not replaced. The nodes are reported in the order the script created them."""

    def __call__(self, session: Session, params: dict) -> dict:
        reply = session.answered("run", moves=[Move(kind="arguments", target="net:Net.variable", values=params["values"],
                                                    attributes=["v", "g", "owner.o"])])
        moved = reply.records.get("arguments") or {}
        return {"printed": reply.output[:200_000], "variables": moved.get("created", []), "output": moved.get("o"),
                "graph": moved.get("graph")}


PROBES: dict[str, Probe] = {"net.node_str": node_str, "net.graphs": graphs, "net.descent": descent, "net.rerun": Rerun()}
