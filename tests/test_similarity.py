"""Similarity as evidence (grader.similarity, grader.outputs.similarity_page) on a planted class:
honest solutions of gd, net and hill written independently in different styles, and copies of
them disguised (renamed, reordered, re-commented in Chinese, CRLF), the reference handed in,
a course demo adapted, the starter handed in untouched."""
from __future__ import annotations

import ast
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pygments.lexers import PythonLexer
from rich.console import Console

from grader.exercises import load_specs
from grader.outputs import similarity_page
from grader.similarity import (
    DEFAULT_THRESHOLD,
    MIN_SHARED,
    ExerciseSimilarity,
    SimilarityReport,
    _compare,
    _Document,
    compare,
    normalise,
)
from grader.starter import strip

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ("gd", "net", "hill")

# --- honest solutions, each written on its own ---------------------------------------------------------

GD = {
    "ana": '''import numpy as np


def df(f, p, k, step=0.01):
    q = list(p)
    q[k] = q[k] + step
    return (f(q) - f(p)) / step


def grad(f, p, step=0.01):
    g = []
    for i in range(len(p)):
        g.append(df(f, p, i, step))
    return np.array(g)


def gradientDescendent(f, p0, step=0.01):
    p = list(p0)
    while True:
        g = grad(f, p)
        size = sum(x * x for x in g) ** 0.5
        if size < 1e-5:
            return np.array(p)
        p = [p[i] - step * g[i] for i in range(len(p))]
''',
    "ben": '''"""Numerical gradients, vectorised."""
import numpy as np


def df(f, p, k, step=0.01):
    x = np.asarray(p, dtype=float)
    e = np.zeros_like(x)
    e[k] = 1.0
    return (f(x + step * e) - f(x)) / step


def grad(f, p, step=0.01):
    x = np.asarray(p, dtype=float)
    fx = f(x)
    return np.array([(f(x + step * e) - fx) / step for e in np.eye(len(x))])


def gradientDescendent(f, p0, step=0.01, tol=1e-5, max_iter=1_000_000):
    x = np.array(p0, dtype=float)
    for _ in range(max_iter):
        g = grad(f, x)
        if np.sqrt(g @ g) < tol:
            break
        x = x - step * g
    return x
''',
    "chen": '''import copy
import math


def _moved(point, index, delta):
    moved = copy.copy(list(point))
    moved[index] += delta
    return moved


def _norm(vector):
    return math.sqrt(sum(v ** 2 for v in vector))


def df(f, p, k, step=0.01):
    before = f(p)
    after = f(_moved(p, k, step))
    return (after - before) / step


def grad(f, p, step=0.01):
    return [df(f, p, k, step) for k in range(len(p))]


def gradientDescendent(f, p0, step=0.01):
    point = list(p0)
    g = grad(f, point)
    while _norm(g) >= 0.00001:
        point = [x - step * d for x, d in zip(point, g)]
        g = grad(f, point)
    return point
''',
    "dara": '''import numpy as np


class Descent:
    def __init__(self, f, h=0.01):
        self.f = f
        self.h = h

    def partial(self, p, k):
        shifted = np.copy(p).astype(float)
        shifted[k] += self.h
        return (self.f(shifted) - self.f(p)) / self.h

    def gradient(self, p):
        out = np.empty(len(p))
        for k, _ in enumerate(p):
            out[k] = self.partial(p, k)
        return out


def df(f, p, k, step=0.01):
    return Descent(f, step).partial(np.asarray(p, dtype=float), k)


def grad(f, p, step=0.01):
    return Descent(f, step).gradient(np.asarray(p, dtype=float))


def gradientDescendent(f, p0, step=0.01):
    walker = Descent(f)
    p = np.asarray(p0, dtype=float).copy()
    steps = 0
    while np.linalg.norm(g := walker.gradient(p)) >= 1e-5:
        p -= step * g
        steps += 1
    print("converged after", steps, "steps")
    return p
''',
    "eli": '''import numpy


def df(f, p, k, step=0.01):
    """forward difference along axis k"""
    base = f(p)
    bumped = numpy.array(p, dtype=numpy.float64)
    bumped[k] += step
    return (f(bumped) - base) / step


def grad(f, p, step=0.01):
    n = len(p)
    result = numpy.zeros(n)
    i = 0
    while i < n:
        result[i] = df(f, p, i, step)
        i += 1
    return result


def gradientDescendent(f, p0, step=0.01):
    here = numpy.array(p0, dtype=numpy.float64)
    iterations = 0
    slope = grad(f, here)
    while numpy.linalg.norm(slope) > 1e-5:
        here = here - step * slope
        slope = grad(f, here)
        iterations = iterations + 1
        if iterations % 1000 == 0:
            print("iteration", iterations, "at", here)
    return here
''',
}

NET = {
    "ana": '''class Node:
    def __init__(self, v=0, g=0):
        self.v = v
        self.g = g

    def __str__(self):
        return f"v:{self.v} g:{self.g}"


class Gate:
    def __init__(self, o, x, y, f, gfx, gfy):
        self.o = o
        self.x = x
        self.y = y
        self.f = f
        self.gfx = gfx
        self.gfy = gfy

    def forward(self):
        value = self.f(self.x.v, self.y.v)
        self.o.v = value
        return value

    def backward(self):
        dx = self.gfx(self.x.v, self.y.v)
        dy = self.gfy(self.x.v, self.y.v)
        self.x.g = self.x.g + dx * self.o.g
        self.y.g = self.y.g + dy * self.o.g

    def adjust(self, step=0.01):
        for node in (self.x, self.y):
            node.v = node.v - step * node.g
        self.x.g = 0
        self.y.g = 0


class Net:
    def __init__(self):
        self.gates = []
        self.o = None

    def variable(self, v, g=0):
        return Node(v, g)

    def op(self, x, y, f, gfx, gfy):
        out = Node()
        self.gates.append(Gate(out, x, y, f, gfx, gfy))
        self.o = out
        return out

    def add(self, x, y):
        def plus(a, b):
            return a + b

        def one(a, b):
            return 1
        return self.op(x, y, plus, one, one)

    def mul(self, x, y):
        def times(a, b):
            return a * b

        def by_first(a, b):
            return b

        def by_second(a, b):
            return a
        return self.op(x, y, times, by_first, by_second)

    def forward(self):
        result = None
        for gate in self.gates:
            result = gate.forward()
        return result

    def backward(self):
        self.o.g = 1
        for i in range(len(self.gates) - 1, -1, -1):
            self.gates[i].backward()

    def adjust(self, step=0.01):
        for gate in self.gates:
            gate.adjust(step)

    def gradient_descendent(self, maxLoops=100, dumpPeriod=1, step=0.01):
        loop = 0
        while loop < maxLoops:
            energy = self.forward()
            if loop % dumpPeriod == 0:
                print(loop, ' => ', energy)
            self.backward()
            self.adjust(step)
            loop += 1
''',
    "ben": '''import operator


class Node:
    """A value and its gradient."""

    def __init__(self, v=0, g=0):
        self.v, self.g = v, g

    def __str__(self):
        return "v:%s g:%s" % (self.v, self.g)


class Gate:
    def __init__(self, o, x, y, f, gfx, gfy):
        self.o, self.x, self.y = o, x, y
        self.fn = (f, gfx, gfy)

    @property
    def inputs(self):
        return self.x.v, self.y.v

    def forward(self):
        f = self.fn[0]
        self.o.v = f(*self.inputs)
        return self.o.v

    def backward(self):
        _, gx, gy = self.fn
        upstream = self.o.g
        self.x.g += gx(*self.inputs) * upstream
        self.y.g += gy(*self.inputs) * upstream

    def adjust(self, step=0.01):
        moves = step * self.x.g, step * self.y.g
        self.x.v -= moves[0]
        self.y.v -= moves[1]
        self.x.g = self.y.g = 0


class Net:
    def __init__(self):
        self.gates = []

    def variable(self, v, g=0):
        return Node(v, g)

    def op(self, x, y, f, gfx, gfy):
        gate = Gate(Node(), x, y, f, gfx, gfy)
        self.gates.append(gate)
        return gate.o

    @property
    def o(self):
        return self.gates[-1].o

    def add(self, x, y):
        return self.op(x, y, operator.add, lambda a, b: 1.0, lambda a, b: 1.0)

    def mul(self, x, y):
        return self.op(x, y, operator.mul, lambda a, b: b, lambda a, b: a)

    def forward(self):
        return [gate.forward() for gate in self.gates][-1]

    def backward(self):
        self.o.g = 1.0
        for gate in self.gates[::-1]:
            gate.backward()

    def adjust(self, step=0.01):
        list(map(lambda gate: gate.adjust(step), self.gates))

    def gradient_descendent(self, maxLoops=100, dumpPeriod=1, step=0.01):
        for i in range(maxLoops):
            e = self.forward()
            if not i % dumpPeriod:
                print(i, ' => ', e)
            self.backward()
            self.adjust(step)
''',
    "chen": '''OPS = {
    "add": (lambda a, b: a + b, lambda a, b: 1, lambda a, b: 1),
    "mul": (lambda a, b: a * b, lambda a, b: b, lambda a, b: a),
}


class Node:
    def __init__(self, v=0, g=0):
        self.v = v
        self.g = g

    def __str__(self):
        return 'v:{} g:{}'.format(self.v, self.g)


class Gate:
    def __init__(self, o, x, y, f, gfx, gfy):
        self.__dict__.update(o=o, x=x, y=y, f=f, gfx=gfx, gfy=gfy)

    def forward(self):
        a, b = self.x.v, self.y.v
        self.o.v = self.f(a, b)
        return self.o.v

    def backward(self):
        a, b, g = self.x.v, self.y.v, self.o.g
        self.x.g += g * self.gfx(a, b)
        self.y.g += g * self.gfy(a, b)

    def adjust(self, step=0.01):
        moves = [(n, step * n.g) for n in (self.x, self.y)]
        for n, delta in moves:
            n.v -= delta
        for n, _ in moves:
            n.g = 0


class Net:
    def __init__(self):
        self.gates = []
        self.o = None

    def variable(self, v, g=0):
        return Node(v=v, g=g)

    def op(self, x, y, f, gfx, gfy):
        self.o = Node()
        self.gates.append(Gate(self.o, x, y, f, gfx, gfy))
        return self.o

    def add(self, x, y):
        return self.op(x, y, *OPS["add"])

    def mul(self, x, y):
        return self.op(x, y, *OPS["mul"])

    def forward(self):
        for g in self.gates:
            out = g.forward()
        return out

    def backward(self):
        self.o.g = 1
        idx = len(self.gates)
        while idx > 0:
            idx -= 1
            self.gates[idx].backward()

    def adjust(self, step=0.01):
        for g in self.gates:
            g.adjust(step=step)

    def gradient_descendent(self, maxLoops=100, dumpPeriod=1, step=0.01):
        history = []
        for n in range(maxLoops):
            history.append(self.forward())
            if n % dumpPeriod == 0:
                print(n, ' => ', history[-1])
            self.backward()
            self.adjust(step)
        return history
''',
    "dara": '''from dataclasses import dataclass, field
from typing import Callable


@dataclass(eq=False)
class Node:
    v: float = 0
    g: float = 0

    def __str__(self):
        return f"v:{self.v} g:{self.g}"


@dataclass(eq=False)
class Gate:
    o: Node
    x: Node
    y: Node
    f: Callable
    gfx: Callable
    gfy: Callable

    def forward(self):
        self.o.v = result = self.f(self.x.v, self.y.v)
        return result

    def backward(self):
        args = (self.x.v, self.y.v)
        self.x.g += self.o.g * self.gfx(*args)
        self.y.g += self.o.g * self.gfy(*args)

    def adjust(self, step=0.01):
        dx, dy = step * self.x.g, step * self.y.g
        self.x.v -= dx
        self.y.v -= dy
        self.x.g = 0
        self.y.g = 0


@dataclass
class Net:
    gates: list = field(default_factory=list)
    o: Node = None

    def variable(self, v, g=0):
        return Node(v, g)

    def op(self, x, y, f, gfx, gfy):
        self.o = Node()
        self.gates.append(Gate(self.o, x, y, f, gfx, gfy))
        return self.o

    def add(self, x, y):
        return self.op(x, y, lambda a, b: a + b, lambda a, b: 1, lambda a, b: 1)

    def mul(self, x, y):
        return self.op(x, y, lambda a, b: a * b, lambda a, b: b, lambda a, b: a)

    def forward(self):
        values = [gate.forward() for gate in self.gates]
        return values[-1] if values else None

    def backward(self):
        self.o.g = 1
        for gate in reversed(self.gates):
            gate.backward()

    def adjust(self, step=0.01):
        for gate in self.gates:
            gate.adjust(step)

    def gradient_descendent(self, maxLoops=100, dumpPeriod=1, step=0.01):
        for loop in range(maxLoops):
            energy = self.forward()
            if loop % dumpPeriod == 0:
                print(loop, ' => ', energy)
            self.backward()
            self.adjust(step)
''',
}

HILL = {
    "ana": '''def neighbours(p, h):
    out = []
    for i in range(len(p)):
        for sign in (1, -1):
            q = p[:]
            q[i] = q[i] + sign * h
            out.append(q)
    return out


def hillClimbing(f, p, h=0.01):
    current = list(p)
    while True:
        candidates = neighbours(current, h)
        best = min(candidates, key=f)
        if f(best) >= f(current):
            return current
        current = best
''',
    "ben": '''import numpy as np


def hillClimbing(f, p, h=0.01):
    x = np.array(p, dtype=float)
    moves = np.vstack([np.eye(len(x)), -np.eye(len(x))]) * h
    fx = f(x)
    improved = True
    while improved:
        improved = False
        values = [f(x + m) for m in moves]
        k = int(np.argmin(values))
        if values[k] < fx:
            x, fx = x + moves[k], values[k]
            improved = True
    return x
''',
    "chen": '''def hillClimbing(f, p, h=0.01, max_steps=100000):
    point = [float(c) for c in p]
    height = f(point)
    for _ in range(max_steps):
        step_taken = False
        best_point, best_height = point, height
        for index, coordinate in enumerate(point):
            for delta in (+h, -h):
                trial = point.copy()
                trial[index] = coordinate + delta
                trial_height = f(trial)
                if trial_height < best_height:
                    best_point, best_height = trial, trial_height
                    step_taken = True
        if not step_taken:
            break
        point, height = best_point, best_height
    return point
''',
    "dara": '''import itertools


def _steps(n, h):
    for i, d in itertools.product(range(n), (h, -h)):
        yield i, d


def hillClimbing(f, p, h=0.01):
    p = list(p)
    while True:
        here = f(p)
        options = []
        for i, d in _steps(len(p), h):
            q = list(p)
            q[i] += d
            options.append((f(q), q))
        value, q = min(options, key=lambda pair: pair[0])
        if value >= here:
            return p
        p = q
''',
}
HONEST = {"gd": GD, "net": NET, "hill": HILL}

DEMO = '''"""Course demo: numerical gradient descent in two dimensions, printing the path."""
import numpy as np


def f(p):
    x, y = p
    return (x - 1) ** 2 + (y - 2) ** 2


def numerical_gradient(func, point, h=0.01):
    point = np.asarray(point, dtype=float)
    result = np.zeros_like(point)
    for i in range(point.size):
        shifted = point.copy()
        shifted[i] += h
        result[i] = (func(shifted) - func(point)) / h
    return result


def descend(func, start, rate=0.01, tolerance=1e-5):
    point = np.array(start, dtype=float)
    path = [point.copy()]
    while np.linalg.norm(gradient := numerical_gradient(func, point)) > tolerance:
        point -= rate * gradient
        path.append(point.copy())
    return point, path


if __name__ == "__main__":
    bottom, path = descend(f, [0.0, 0.0])
    print("bottom", bottom, "after", len(path), "steps")
'''

# fay hands in the demo, renamed and reordered, with three wrappers of her own appended.
FAY_NAMES = {"numerical_gradient": "gradient_at", "descend": "walk", "func": "fn", "point": "x", "result": "out",
             "shifted": "moved", "rate": "lr", "tolerance": "tol", "path": "trail", "gradient": "g", "bottom": "end"}
FAY_WRAPPERS = '''

def df(f, p, k, step=0.01):
    return gradient_at(f, p, step)[k]


def grad(f, p, step=0.01):
    return gradient_at(f, p, step)


def gradientDescendent(f, p0, step=0.01):
    return walk(f, p0, step)[0]
'''


# --- disguises --------------------------------------------------------------------------------------------

CHINESE = "# 計算偏微分,照老師的方法".encode("big5").decode("big5")


def renamed(source: str, names: dict[str, str]) -> str:
    for old, new in names.items():
        source = re.sub(rf"\b{re.escape(old)}\b", new, source)
    return source


def reordered(source: str) -> str:
    """Top-level definitions, and the methods of each class, in reverse order; what comes
    before the first definition stays first, what follows the last stays last."""
    tree = ast.parse(source)
    lines = source.splitlines()

    def text(node: ast.stmt) -> list[str]:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        return lines[first - 1:node.end_lineno] + [""]

    def definition(node: ast.stmt) -> list[str]:
        if not isinstance(node, ast.ClassDef):
            return text(node) + [""]
        methods = [m for m in node.body if isinstance(m, ast.FunctionDef)]
        if not methods:
            return text(node) + [""]
        first = min([methods[0].lineno] + [d.lineno for d in methods[0].decorator_list])
        head = lines[min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1:first - 1]
        return head + [line for method in reversed(methods) for line in text(method)] + [""]

    kinds = (ast.FunctionDef, ast.ClassDef)
    defs = [node for node in tree.body if isinstance(node, kinds)]
    before = [node for node in tree.body if node.lineno < defs[0].lineno]
    after = [node for node in tree.body if node.lineno > defs[-1].lineno]
    out = [line for node in before for line in text(node)]
    out += [line for node in reversed(defs) for line in definition(node)]
    out += [line for node in after for line in text(node)]
    return "\n".join(out) + "\n"


def commented(source: str) -> str:
    """A Chinese comment before every definition and after every return, blank lines doubled."""
    out = []
    for line in source.splitlines():
        indent = line[:len(line) - len(line.lstrip())]
        if line.lstrip().startswith(("def ", "class ")):
            out.append(f"{indent}{CHINESE}")
        out.append(line + ("  # 回傳結果" if line.lstrip().startswith("return") else ""))
        if not line.strip():
            out.append("")
    return "\n".join(out) + "\n"


def crlf(source: str) -> str:
    return source.replace("\n", "\r\n")


RENAMES = {
    "gd": {"q": "shifted", "g": "gradient_vector", "size": "length", "p": "point", "x": "value",
           "e": "unit", "fx": "base_value", "tol": "epsilon", "max_iter": "limit"},
    "net": {"value": "result", "dx": "grad_x", "dy": "grad_y", "node": "n", "out": "output", "plus": "add_fn",
            "times": "mul_fn", "gate": "gt", "loop": "it", "energy": "loss", "gx": "dfx", "gy": "dfy",
            "upstream": "incoming", "moves": "deltas", "e": "current"},
    "hill": {"out": "result", "sign": "direction", "current": "pos", "candidates": "around", "best": "lowest",
             "x": "position", "moves": "directions", "fx": "height", "values": "heights", "improved": "moved"},
}


# --- the class ---------------------------------------------------------------------------------------------


def reference_text(exercise: str) -> str:
    return (ROOT / "reference" / f"{exercise}.py").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def starters() -> dict[str, str]:
    specs = {spec.id: spec for spec in load_specs(ROOT / "assignments")}
    return {x: strip(reference_text(x), specs[x]) for x in EXERCISES}


def planted(exercise: str, starter: str) -> dict[str, str]:
    """Honest students ana, ben, chen, dara (and eli for gd); gus copies ana; hana copies ben and
    ivan copies hana (a cluster of three with ben); jun hands in the reference as it is, kai
    renamed and with CRLF; lee and mia hand in the starter; for gd, fay adapts the course demo."""
    honest = HONEST[exercise]
    names = RENAMES[exercise]
    hana = commented(renamed(reordered(honest["ben"]), names))
    students = dict(honest)
    students |= {
        "gus": crlf(commented(renamed(reordered(honest["ana"]), names))),
        "hana": hana,
        "ivan": crlf(reordered(hana)),
        "jun": reference_text(exercise),
        "kai": crlf(renamed(reference_text(exercise), names)),
        "lee": starter,
        "mia": crlf(starter),
    }
    if exercise == "gd":
        students["fay"] = renamed(reordered(DEMO), FAY_NAMES) + FAY_WRAPPERS
    return students


@pytest.fixture(scope="module")
def report(starters) -> SimilarityReport:
    sources = {x: planted(x, starters[x]) for x in EXERCISES}
    return compare(sources, {x: reference_text(x) for x in EXERCISES}, starters, {"gd": {"demos/gd_demo.py": DEMO}})


def by_exercise(report: SimilarityReport) -> dict[str, ExerciseSimilarity]:
    return {x.exercise: x for x in report.exercises}


# --- what is found ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", EXERCISES)
def test_planted_copies_are_the_pairs_found(report, exercise):
    found = by_exercise(report)[exercise]
    pairs = {(p.a, p.b) for p in found.pairs}
    assert pairs == {("ana", "gus"), ("ben", "hana"), ("ben", "ivan"), ("hana", "ivan")}
    assert found.clusters == [["ben", "hana", "ivan"]]
    assert found.compared == len(HONEST[exercise]) + 7 + (exercise == "gd")
    assert all(p.similarity >= DEFAULT_THRESHOLD + 0.25 and p.tokens >= 1.5 * MIN_SHARED for p in found.pairs), found.pairs


@pytest.mark.parametrize("exercise", EXERCISES)
def test_the_reference_handed_in_is_listed_against_the_reference_not_as_a_pair(report, exercise):
    found = by_exercise(report)[exercise]
    assert [(o.student, o.source) for o in found.reference] in ([("jun", "reference"), ("kai", "reference")],
                                                                [("kai", "reference"), ("jun", "reference")])
    assert all(o.similarity > 0.95 for o in found.reference)
    assert not {"jun", "kai"} & {name for p in found.pairs for name in (p.a, p.b)}


def test_a_copy_of_the_course_demo_is_listed_against_it(report):
    gd = by_exercise(report)["gd"]
    assert [(o.student, o.source) for o in gd.base] == [("fay", "demos/gd_demo.py")]
    assert not any("fay" in (p.a, p.b) for p in gd.pairs)


def test_the_starter_handed_in_flags_nothing(report):
    for x in report.exercises:
        named = {o.student for o in x.reference + x.base} | {n for p in x.pairs for n in (p.a, p.b)}
        assert not {"lee", "mia"} & named


@pytest.mark.parametrize("exercise", EXERCISES)
def test_honest_solutions_stay_below_the_threshold_with_room(exercise, starters):
    """Every honest solution against every other, the reference and the course demo, measured with
    no floor: the highest stays 0.1 below the default threshold (measured: gd 0.26, net 0.45, hill 0.27)."""
    found = compare({exercise: HONEST[exercise]}, {exercise: reference_text(exercise)}, starters,
                    {exercise: {"demos/gd_demo.py": DEMO}}, threshold=0.01, min_shared=0).exercises[0]
    highest = max(p.similarity for p in found.pairs + found.reference + found.base)
    assert highest < DEFAULT_THRESHOLD - 0.1, (exercise, found.pairs, found.reference, found.base)


def test_the_shortcut_never_skips_what_a_comparison_would_find(starters):
    """Pairs are compared only where k × (places of the most repeated hash) × (hashes in common)
    could reach the floor and the threshold: that bound is never below what comparing finds."""
    for exercise in ("gd", "net"):
        documents = [_Document.of(text, 30, 1).without(set()) for text in planted(exercise, starters[exercise]).values()]
        for mine in documents:
            for theirs in documents:
                common = len(mine.hashes & theirs.hashes)
                _, _, tokens, _, _, _ = _compare(mine, theirs)
                assert tokens <= mine.ceiling(common)


def test_the_result_does_not_depend_on_the_hash_salt(tmp_path):
    """copydetect hashes with the salted hash(): with every k-gram kept, two processes agree."""
    texts = {"ana": HILL["ana"], "gus": crlf(reordered(HILL["ana"])), "ben": HILL["ben"], "jun": reference_text("hill")}
    (tmp_path / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    script = ("import json, sys; from grader.similarity import compare; "
              f"t = json.load(open({str(tmp_path / 'texts.json')!r}, encoding='utf-8')); "
              "r = compare({'hill': t}, {'hill': t['jun']}, {}, {}); "
              "print(r.model_dump_json(exclude={'seconds'}))")
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert runs[0] == runs[1] and '"a":"ana","b":"gus"' in runs[0]


def test_reordered_functions_alone_are_still_caught(starters):
    ana = GD["ana"]
    found = compare({"gd": {"ana": ana, "zoe": reordered(ana)}}, {}, starters, {}).exercises[0]
    assert reordered(ana) != ana
    assert [(p.a, p.b) for p in found.pairs] == [("ana", "zoe")] and found.pairs[0].similarity > 0.95


def test_a_pair_of_starters_and_tiny_files_is_no_pair(starters):
    tiny = "def df(f, p, k, step=0.01):\n    return 0\n"
    junk = "\x00\xff def (((\n'''"
    found = compare({"gd": {"a": starters["gd"], "b": starters["gd"], "c": tiny, "d": tiny, "e": "", "f": "\n\n",
                            "g": junk, "h": junk}}, {"gd": reference_text("gd")}, starters, {}).exercises[0]
    assert found.pairs == [] and found.reference == [] and found.compared == 8


def test_a_threshold_outside_0_1_is_refused():
    with pytest.raises(ValueError, match=r"threshold must be in \(0, 1\], got 1.5"):
        compare({}, {}, {}, {}, threshold=1.5)


# --- spans: filtered code mapped back to the text --------------------------------------------------------


MAPPING_CASES = [pytest.param(path.read_text(encoding="utf-8"), id=path.stem) for path in sorted((ROOT / "reference").glob("*.py"))]
MAPPING_CASES += [
    pytest.param("\n\n\nclass Foo(object):\n    X = 'abc'  # c\n    def Bar(self, V):\n        return f'{V!r} x' + \"\"\"S\"\"\"\n"
                 "\n\nclass Other :\n  pass\n", id="classes-after-blank-lines"),
    pytest.param("\ufeffimport numpy as np\r\n# 中文註解\r\nx=1\t# tab\rprint(x)", id="bom-crlf-cr-chinese"),
    pytest.param("#!/usr/bin/env python\nimport os\nOSError\n", id="hashbang"),
    pytest.param("def f(:\n  return )))\n'''unterminated\n\nstuff", id="syntax-errors"),
    pytest.param("é = ü + 中文變數  # 註解\n\x00\x7f", id="unicode-names-and-controls"),
]


@pytest.mark.parametrize("text", MAPPING_CASES)
def test_each_filtered_character_maps_to_its_token_in_the_text(text):
    """A name, string or hashbang shortened to V, F, O, S or P maps to the whole token the lexer
    read there; any other character (the F of a False kept as it is too) to itself."""
    document = _Document.of(text, 25, 4)
    assert document.text == normalise(text)
    tokens = {start: value for start, _, value in PythonLexer().get_tokens_unprocessed(document.text)}
    filtered = document.fingerprint.filtered_code
    assert len(document.starts) == len(filtered) > 0
    for q, letter in enumerate(filtered):
        if document.starts[q] == len(document.text):
            continue                                    # the newline the lexer adds at the end
        piece = document.text[document.starts[q]:document.ends[q]]
        token = tokens.get(document.starts[q], "")
        if letter in "VFOSP" and filtered[q:q + len(token)] != token:
            assert piece == token, (q, letter, piece)
        elif letter == '"':
            assert piece in ("'", '"'), (q, piece)
        else:
            assert piece == letter, (q, letter, piece, filtered[max(q - 10, 0):q + 10])


def test_spans_mark_the_shared_code_in_each_original_text(report):
    gd = by_exercise(report)["gd"]
    pair = next(p for p in gd.pairs if (p.a, p.b) == ("ana", "gus"))
    ana, gus = normalise(GD["ana"]), normalise(planted("gd", "")["gus"])
    marked_a = "".join(ana[s:e] for s, e in pair.spans_a)
    marked_b = "".join(gus[s:e] for s, e in pair.spans_b)
    assert "q[k] = q[k] + step" in marked_a and "g.append(df(f, p, i, step))" in marked_a
    assert "shifted[k] = shifted[k] + step" in marked_b
    assert "gradient_vector.append(df(f, point, i, step))" in marked_b
    for spans, text in ((pair.spans_a, ana), (pair.spans_b, gus)):
        assert spans == sorted(spans) and all(0 <= s < e <= len(text) for s, e in spans)
        assert all(b[0] > a[1] for a, b in zip(spans, spans[1:]))                # merged: none touch
        assert all(not text[s].isspace() and not text[e - 1].isspace() for s, e in spans)


def test_a_reference_overlap_carries_spans_on_both_sides(report):
    kai = next(o for o in by_exercise(report)["net"].reference if o.student == "kai")
    reference = reference_text("net")
    assert kai.source_spans and kai.spans
    covered = sum(e - s for s, e in kai.source_spans)
    assert covered > 0.6 * len(reference.split('"""', 2)[-1])


def test_boilerplate_removal_keeps_every_place_of_repeated_code():
    """copydetect's own boilerplate= drops places of repeated code that no boilerplate holds."""
    text = "def f(a, b):\n    return a.b.c.d.e.f.g.h + a.b.c.d.e.f.g.h + a.b.c.d.e.f.g.h\n"
    document = _Document.of(text, 10, 1)
    kept = document.without({12345})
    assert sum(map(len, kept.hash_idx.values())) == sum(map(len, document.fingerprint.hash_idx.values()))
    assert kept.token_coverage == document.fingerprint.token_coverage


# --- the report: JSON and terminal ---------------------------------------------------------------------------


def test_the_report_round_trips_through_json(report):
    again = SimilarityReport.model_validate_json(report.model_dump_json())
    assert again == report
    assert isinstance(again.exercises[0].pairs[0].spans_a[0], tuple)


def render(report: SimilarityReport) -> str:
    console = Console(width=100, file=io.StringIO(), force_terminal=False)
    console.print(report)
    return console.file.getvalue()  # type: ignore[attr-defined]


GD_SUMMARY = """\
gd: 13 compared
  reference: jun 100%, kai 100%
  demos/gd_demo.py: fay 71%
  ben ↔ ivan 100% (ben in ivan 100%, ivan in ben 100%, 274 shared)
  ben ↔ hana 96% (ben in hana 96%, hana in ben 94%, 264 shared)
  hana ↔ ivan 96% (hana in ivan 94%, ivan in hana 96%, 264 shared)
  ana ↔ gus 95% (ana in gus 95%, gus in ana 94%, 245 shared)
  cluster of 3: ben, hana, ivan
net: 11 compared
"""


def test_the_terminal_summary(report):
    text = render(report)
    assert text.startswith("Similarity from 60% (evidence for a person to judge; it changes no score)\n" + GD_SUMMARY)
    assert text.count("  cluster of 3: ben, hana, ivan\n") == 3
    assert "lee" not in text and "mia" not in text and "chen" not in text


def test_the_terminal_says_when_nothing_was_found_and_shows_no_markup():
    quiet = compare({"hill": {"[bold red]x[/]": HILL["ana"], "y": HILL["ben"]}}, {}, {}, {})
    text = render(quiet)
    assert "nothing above 60% in: hill (2)\n" in text and "compared" not in text
    loud = compare({"hill": {"[bold red]x[/]\x1b[2J": HILL["ana"], "y": reordered(HILL["ana"])}}, {}, {}, {})
    text = render(loud)
    assert "[bold red]x[/] ↔ y" in text and "\x1b" not in text


# --- the page ---------------------------------------------------------------------------------------------------


def test_the_page_escapes_student_text_and_marks_shared_parts(tmp_path, starters):
    evil = "<script>alert(1)</script>"
    payload = GD["ana"] + "\nNOTE = '</pre><script>alert(2)</script>'\n"
    sources = {"gd": {evil: payload, "bob": reordered(payload), "jun": reference_text("gd")}}
    found = compare(sources, {"gd": reference_text("gd")}, starters, {})
    path = similarity_page.write(found, sources, {"gd": reference_text("gd")}, {}, tmp_path)
    page = path.read_text(encoding="utf-8")
    assert path == tmp_path / "similarity.html"
    assert "Evidence for a person to judge; it changes no score." in page
    assert "<script>alert" not in page and "</pre><script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert page.count("<mark>") >= 4 and page.count("<mark>") == page.count("</mark>")
    assert "id='gd-pair-1'" in page and "href='#gd-pair-1'" in page
    assert "id='gd-reference-1'" in page
    marked = re.findall(r"<mark>(.*?)</mark>", page, flags=re.S)
    assert any("g.append(df(f, p, i, step))" in m for m in marked)
    assert all(m == m.strip() for m in marked)


# --- through `grade` ------------------------------------------------------------------------------------------------


def grade_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, cwd=ROOT)


def test_grade_with_similarity_reads_folders_zips_and_notebooks_and_changes_no_score(tmp_path, starters):
    """A class on disk: ana and ben honest, gus a disguised copy of ana in a zip (Big5, CRLF), nina ben's code
    in a Colab-style notebook, jun the reference, fay the course demo adapted (--similarity-base)."""
    import zipfile

    import nbformat

    honest = HONEST["gd"]
    klass = tmp_path / "class"
    for student, text in {"ana": honest["ana"], "ben": honest["ben"], "jun": reference_text("gd"),
                          "fay": renamed(reordered(DEMO), FAY_NAMES) + FAY_WRAPPERS}.items():
        (klass / student).mkdir(parents=True)
        (klass / student / "gd.py").write_text(text, encoding="utf-8")
    with zipfile.ZipFile(klass / "gus.zip", "w") as archive:
        copy = crlf(commented(renamed(reordered(honest["ana"]), RENAMES["gd"])))
        assert CHINESE in copy
        archive.writestr("gus/week3/gradient.py", copy.encode("big5"))            # Big5, as the course's Windows machines save
    cells = [nbformat.v4.new_markdown_cell("# gd"), nbformat.v4.new_code_cell("!pip install numpy")]
    cells += [nbformat.v4.new_code_cell(part) for part in honest["ben"].split("\n\n\n")]
    (klass / "nina").mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"colab": {"provenance": []}}), klass / "nina" / "gd.ipynb")
    base = tmp_path / "demos"
    base.mkdir()
    (base / "gd_demo.py").write_text(DEMO, encoding="utf-8")

    plain = grade_cli(str(klass), "--exercise", "gd", "--quiet", "--no-cache", "--seed", "5", "--json", str(tmp_path / "plain.json"))
    assert plain.returncode == 0, plain.stderr
    done = grade_cli(str(klass), "--exercise", "gd", "--no-cache", "--seed", "5", "--json", str(tmp_path / "with.json"),
                     "--html", str(tmp_path / "html"), "--similarity", "--similarity-base", str(base))
    assert done.returncode == 0, done.stderr
    without, report = (json.loads((tmp_path / name).read_text()) for name in ("plain.json", "with.json"))
    assert without["similarity"] is None
    assert [(s["student"], s["score"]) for s in report["submissions"]] == [(s["student"], s["score"]) for s in without["submissions"]]
    [gd] = report["similarity"]["exercises"]
    assert gd["compared"] == 6
    assert {(p["a"], p["b"]) for p in gd["pairs"]} == {("ana", "gus"), ("ben", "nina")}
    assert [o["student"] for o in gd["reference"]] == ["jun"]
    assert sorted(gd["reference_shares"]) == ["ana", "ben", "fay", "gus", "jun", "nina"] and gd["reference_shares"]["jun"] == 1
    assert max(share for student, share in gd["reference_shares"].items() if student != "jun") < 0.6
    assert [(o["student"], o["source"]) for o in gd["base"]] == [("fay", "gd_demo.py")]
    assert "ana ↔ gus" in done.stdout and "reference: jun 100%" in done.stdout
    assert "href='similarity.html'" in (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert "id='gd-pair-1'" in (tmp_path / "html" / "similarity.html").read_text(encoding="utf-8")

    alone = grade_cli("similarity", str(klass), "--exercise", "gd", "--base", str(base), "--json", str(tmp_path / "alone.json"))
    assert alone.returncode == 0, alone.stderr
    again = json.loads((tmp_path / "alone.json").read_text())["exercises"][0]
    assert [(p["a"], p["b"], p["similarity"]) for p in again["pairs"]] == [(p["a"], p["b"], p["similarity"]) for p in gd["pairs"]]


def test_similarity_is_in_the_schema_and_bad_options_are_refused(tmp_path):
    schema = grade_cli("schema")
    assert "SimilarityReport" in json.loads(schema.stdout)["$defs"]
    wrong = grade_cli("similarity", str(tmp_path), "--threshold", "0")
    assert wrong.returncode == 2 and "percentage in (0, 100], got 0" in " ".join(wrong.stderr.split())
    missing = grade_cli(str(tmp_path), "--similarity-base", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and f"--similarity-base {tmp_path / 'nowhere'}: no such folder" in " ".join(missing.stderr.split())


def test_a_file_too_large_to_compare_is_named_not_compared():
    from grader.similarity import MAX_CHARACTERS

    huge = "x = 1\n" * (MAX_CHARACTERS // 6 + 1)
    found = compare({"hill": {"big": huge, "ana": HILL["ana"], "gus": reordered(HILL["ana"])}}, {}, {}, {})
    [hill] = found.exercises
    assert hill.too_large == ["big"] and hill.compared == 2 and [(p.a, p.b) for p in hill.pairs] == [("ana", "gus")]
    assert f"not compared, over {MAX_CHARACTERS} characters: big" in render(found)


def test_a_failure_of_similarity_loses_no_grade_and_no_output(tmp_path, monkeypatch):
    from grader import cli

    (tmp_path / "class" / "ana").mkdir(parents=True)
    (tmp_path / "class" / "ana" / "hill.py").write_text(reference_text("hill"), encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("lexer exploded")

    monkeypatch.setattr(cli, "compared", broken)
    code = cli.main([str(tmp_path / "class"), "--exercise", "hill", "--no-cache", "--quiet", "--similarity",
                     "--json", str(tmp_path / "r.json"), "--workers", "2"])
    report = json.loads((tmp_path / "r.json").read_text())
    assert code == 3 and report["submissions"][0]["score"] == 4
    assert report["errors"] == ["after grading: RuntimeError: lexer exploded (the grades and the outputs are written)"]
