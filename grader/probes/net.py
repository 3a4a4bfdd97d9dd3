"""Probes of the hand-written backpropagation: random graphs built with the student's Net,
descent on them, and the course scripts re-run with variables the student cannot know."""
from __future__ import annotations

import contextlib
import io
import sys

from grader.plain import number, to_plain


def build(Net, graph: dict):
    """Build a graph description {"values": [...], "ops": [[op, i, j], ...]} with a student Net.

    Operand indices count the variables first, then each op's output in order."""
    net = Net()
    nodes = [net.variable(v) for v in graph["values"]]
    for op, i, j in graph["ops"]:
        nodes.append(getattr(net, op)(nodes[i], nodes[j]))
    return net, nodes


def node_str(ctx, params) -> list[dict]:
    Node = ctx.namespace["Node"]
    return [ctx.attempt(lambda v=v, g=g: str(Node(v, g))) for v, g in params["cases"]]


def graphs(ctx, params) -> list[dict]:
    """Forward value and every variable's gradient after one backward pass, per graph."""
    Net = ctx.namespace["Net"]
    results = []
    for graph in params["graphs"]:
        def one(graph=graph):
            net, nodes = build(Net, graph)
            forward = number(net.forward())
            net.backward()
            count = len(graph["values"])
            return {"forward": forward, "grads": [number(node.g) for node in nodes[:count]]}
        results.append(ctx.attempt(one))
    return results


def descent(ctx, params) -> dict:
    """Net.gradient_descendent on a grader-chosen graph: printed energies and final values."""
    Net = ctx.namespace["Net"]
    graph = params["graph"]
    net, nodes = build(Net, graph)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        net.gradient_descendent(maxLoops=params["loops"], dumpPeriod=params["dump"], step=params["step"])
    count = len(graph["values"])
    return {"printed": printed.getvalue()[:200_000],
            "values": [number(node.v) for node in nodes[:count]]}


def rerun(ctx, params) -> dict:
    """Run the script again with each net.variable(v) given a grader-chosen value instead.

    A script that computes its output prints new numbers; one that prints remembered numbers
    does not. The student's own `net` module is used: it is patched, not replaced. The nodes
    are reported in the order the script created them, whatever it named them."""
    module = sys.modules.get("net")
    if module is None or not hasattr(module, "Net"):
        raise ImportError("the script does not import a module named net with a Net class")
    Net = module.Net
    original = Net.variable
    values = list(params["values"])
    created = []

    def variable(self, v, *args, **kwargs):
        chosen = values[len(created)] if len(created) < len(values) else v
        node = original(self, chosen, *args, **kwargs)
        created.append((self, node))
        return node

    Net.variable = variable
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            ctx.run_script()
    finally:
        Net.variable = original

    def plain(node) -> dict:
        return {"v": to_plain(getattr(node, "v", None)), "g": to_plain(getattr(node, "g", None))}

    output = getattr(created[-1][0], "o", None) if created else None
    return {"printed": printed.getvalue()[:200_000], "variables": [plain(node) for _, node in created],
            "output": plain(output) if output is not None else None}


PROBES = {"net.node_str": node_str, "net.graphs": graphs, "net.descent": descent, "net.rerun": rerun}
