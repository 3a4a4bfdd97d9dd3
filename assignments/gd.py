"""Checks of `gd`: df and grad on random smooth functions, against the exact derivatives within
the difference quotient's own error and computed as difference quotients; the descent in random
valleys, against their bottom found here by Newton's method.

The child is handed the point (a list or an array) and a test function that only evaluates: its
derivative and its minimum are known to these judges alone. Every case has a fixed shape (which
coordinate, how many, list or array, which step): the seed moves only the values, so the same
code earns the same score under every seed."""
from __future__ import annotations

import math
import random

from pydantic import Field

from grader.authoring import (
    Case,
    Options,
    Plot,
    Session,
    Smooth,
    Task,
    Valley,
    Verdict,
    call,
    check,
    each_case,
    fmt,
    get,
    inputs,
    make,
    numbers,
    outcome,
    plot,
    probe,
    ref,
)


class Cases(Options):
    cases: int = Field(6, ge=1, le=50, description="How many functions and points.")


class GradientCases(Options):
    cases: int = Field(4, ge=1, le=50, description="How many functions and points.")


class Asked(Case):
    """One call of the student's function: its value, whether the point was left unchanged,
    and the values of f it asked for."""

    unchanged: bool = True
    curve: list[float] = []
    evaluations: int = 0


# --- the probes: one request, a case per function -------------------------------------------------
def _point(values: list[float], form: str) -> dict:
    return {"kind": "array" if form == "array" else "list", "values": list(values)}


def ask_each(session: Session, cases: list[dict], name: str, function: str, point: str,
             extra: tuple[str, ...], convert: str) -> list[Asked]:
    """Call the student's `name`(f, point, *extra) once per case, all in one request; note
    whether the point changed and the values of f each call asked for."""
    steps = [[make("f", dict(case["function"], kind=function, record=f"f{index}")),
              make("p", _point(case[point], case["form"])),
              call(name, ref("f"), ref("p"), *(case[key] for key in extra), convert=convert),
              get("$p")]
             for index, case in enumerate(cases)]
    answers, records = session.cases(steps)
    results = []
    for index, (case, answer) in enumerate(zip(cases, answers)):
        done = answer["results"]
        results.append(Asked(**outcome(answer, 2), unchanged=_same(done[3] if len(done) > 3 else None, case[point]),
                             curve=records.get(f"f{index}", []), evaluations=records.get(f"f{index}#count", 0)))
    return results


def _same(after: object, before: list[float]) -> bool:
    if isinstance(after, dict) and "tensor" in after:
        after = after["tensor"].get("values")
    return isinstance(after, list) and list(after) == list(before)


# --- the truths -------------------------------------------------------------------------------------
def smooth_params(rng: random.Random, dims: int) -> dict:
    """|c| ≥ 0.5, so that no quotient (not even the central one) equals the exact derivative."""
    return {"a": [rng.uniform(0.3, 2.0) for _ in range(dims)], "b": rng.uniform(-1, 1),
            "c": [rng.choice([-1, 1]) * rng.uniform(0.5, 1.0) for _ in range(dims)], "d": rng.uniform(-0.5, 0.5)}


def smooth_case(rng: random.Random, index: int) -> dict:
    """A random smooth function and point; 2 or 3 coordinates, list or array, by the case's index."""
    dims = 2 + (index // 2) % 2
    return {"function": smooth_params(rng, dims), "p": [round(rng.uniform(-2, 2), 6) for _ in range(dims)],
            "form": "array" if index % 2 else "list"}


def quotient_slack(f: Smooth, p: list[float], step: float) -> float:
    """How far rounding may move an honest difference quotient from the judge's own."""
    return 16 * 2.2e-16 * (abs(f(p)) + 1) / step + 1e-9


def difference_error(f: Smooth, p: list[float], k: int, step: float) -> float:
    """How far a forward (or backward, or central) difference may honestly be from f'(p).

    Forward: step/2 · max|f''| (Taylor); central is smaller. Plus rounding: 4 ε |f| / step."""
    truncation = step / 2 * f.curvature_bound(p, k, step)
    rounding = 4 * 2.2e-16 * (abs(f(p)) + 1) / step
    return 1.05 * truncation + rounding + 1e-12


def first(value: object) -> float:
    """The number an answer holds (a float, a one-element array), else nan."""
    found = numbers(value)
    return found[0][0] if found is not None and len(found[0]) == 1 else math.nan


# --- df ---------------------------------------------------------------------------------------------
@inputs("df", options=Cases)
def draw_df(options: Cases, rng: random.Random) -> dict:
    cases = []
    for i in range(options.cases):
        case = smooth_case(rng, i)
        cases.append(dict(case, k=i % len(case["p"]), step=(0.01, 0.005)[(i // 3) % 2]))
    return {"cases": cases}


@probe("df")
def ask_df(session: Session, params: dict) -> list[Asked]:
    return ask_each(session, params["cases"], "df", "smooth", "p", ("k", "step"), "number")


@check("df")
def judge_df(task: Task, got: list[Asked], expected: list[Asked]) -> Verdict:
    """df(f, p, k, step) ≈ ∂f/∂p_k on random smooth functions at random points; p left unchanged."""
    def one(case: dict, mine: Asked, theirs: Asked) -> str | None:
        f = Smooth.from_params(case["function"])
        exact = f.derivative(case["p"], case["k"])
        allowed = difference_error(f, case["p"], case["k"], case["step"])
        value = first(mine.value)
        if not math.isfinite(value) or abs(value - exact) > allowed:
            hint = ""
            if math.isfinite(value) and abs(value / case["step"] - exact) <= allowed:
                hint = " — did you forget to divide by step?"
            elif math.isfinite(value) and abs(value + exact) <= allowed:
                hint = " — the sign is flipped: f(p + step) - f(p), not the other way round"
            return (f"df at p={case['p']}, k={case['k']}, step={case['step']}: expected "
                    f"{exact:.8g} ± {allowed:.2g} (the difference quotient's own error), got {value:.8g}{hint}")
        quotients = f.quotients(case["p"], case["k"], case["step"])
        if not any(abs(value - q) <= quotient_slack(f, case["p"], case["step"]) for q in quotients.values()):
            return (f"df at p={case['p']}, k={case['k']}, step={case['step']} returned {value:.10g}, which is not a "
                    f"difference quotient of f with that step (forward {quotients['forward']:.10g}, central "
                    f"{quotients['central']:.10g}) — compute (f(p + step·e_k) - f(p)) / step, with p in float64")
        if not mine.unchanged:
            return f"df changed the caller's point p={case['p']}: copy p before moving coordinate k"
        return None
    return each_case(task.params["cases"], got, expected, one)


# --- grad -------------------------------------------------------------------------------------------
@inputs("grad", options=GradientCases)
def draw_grad(options: GradientCases, rng: random.Random) -> dict:
    return {"cases": [dict(smooth_case(rng, i), step=0.01) for i in range(options.cases)]}


@probe("grad")
def ask_grad(session: Session, params: dict) -> list[Asked]:
    return ask_each(session, params["cases"], "grad", "smooth", "p", ("step",), "plain")


@check("grad")
def judge_grad(task: Task, got: list[Asked], expected: list[Asked]) -> Verdict:
    """grad(f, p, step) is the vector of the partial derivatives, one per coordinate."""
    def one(case: dict, mine: Asked, theirs: Asked) -> str | None:
        f, p = Smooth.from_params(case["function"]), case["p"]
        flat = numbers(mine.value)
        if flat is None or len(flat[0]) != len(p):
            return f"grad at p={p} should return {len(p)} numbers, returned {mine.value!r}"[:300]
        exact = [f.derivative(p, k) for k in range(len(p))]
        allowed = [difference_error(f, p, k, case["step"]) for k in range(len(p))]
        if any(not math.isfinite(v) or abs(v - e) > a for v, e, a in zip(flat[0], exact, allowed)):
            return f"grad at p={p}: expected {fmt(exact)} (± {fmt(allowed)}), got {fmt(flat[0])}"
        slack = quotient_slack(f, p, case["step"])
        if any(not any(abs(v - q) <= slack for q in f.quotients(p, k, case["step"]).values()) for k, v in enumerate(flat[0])):
            return (f"grad at p={p} returned {fmt(flat[0])}: not difference quotients of f with step {case['step']} "
                    "— build it from df(f, p, k, step)")
        if not mine.unchanged:
            return f"grad changed the caller's point p={p}"
        return None
    return each_case(task.params["cases"], got, expected, one)


# --- the descent ------------------------------------------------------------------------------------
class Valleys(Options):
    cases: int = Field(2, ge=1, le=10, description="How many valleys (one already tells a wrong descent).")


STOP = 1e-5            # the course's stopping test: |grad| < 0.00001
H = 0.01               # the step of the course's grad(f, p, step=0.01), which the descent calls
NEAR = 6e-5            # how far from where its quotient vanishes a walk that stops at STOP may end (see draw_descent)


@inputs("descent", options=Valleys)
def draw_descent(options: Valleys, rng: random.Random) -> dict:
    """Valleys Σ aᵢ(pᵢ-mᵢ)² + c Σ sin(pᵢ), the same shape under every seed. Along each coordinate
    the curvature 2aᵢ + c·cos pᵢ lies in [0.45, 0.85] for the shallow one (a₀ in [0.3, 0.35],
    |c| ≤ 0.15) and above 2.05 for the steep ones: a walk that stops at |grad| < 1e-5 ends within
    1e-5 / 0.45 = 2.2e-5 (3.8e-5 for the largest component below 1e-5) of where its quotient
    vanishes, one that stops ten times earlier at least 0.99e-4 / 0.85 = 1.16e-4 away, on the
    side it came from; and a step of 1 instead of `step` (a rate forgotten) overshoots the steep
    coordinates more every time. The walk always starts above the bottom."""
    cases = []
    for i in range(options.cases):
        dims = 2 + i % 2
        a = [rng.uniform(0.3, 0.35)] + [rng.uniform(1.1, 1.5) for _ in range(dims - 1)]
        m = [round(rng.uniform(-2, 2), 6) for _ in range(dims)]
        p0 = [round(v + rng.uniform(1, 2), 6) for v in m]   # always from above: the side is part of the case
        cases.append({"function": {"a": a, "m": m, "c": round(rng.choice([-1, 1]) * rng.uniform(0.1, 0.15), 6)},
                      "p0": p0, "step": 0.01, "form": "array" if i % 2 else "list"})
    return {"cases": cases}


def resting_points(valley: Valley, h: float) -> dict[str, list[float]]:
    """Where a descent on forward, backward or central differences with step h comes to rest: in
    each coordinate (the valley is separable) the zero of that quotient, found by bisection
    around the bottom."""
    def along(i: int, x: float) -> float:
        return valley.a[i] * (x - valley.m[i]) ** 2 + valley.c * math.sin(x)

    quotients = {"forward": lambda i, x: (along(i, x + h) - along(i, x)) / h,
                 "backward": lambda i, x: (along(i, x) - along(i, x - h)) / h,
                 "central": lambda i, x: (along(i, x + h) - along(i, x - h)) / (2 * h)}
    bottom = valley.bottom()
    found: dict[str, list[float]] = {}
    for scheme, quotient in quotients.items():
        found[scheme] = []
        for i, centre in enumerate(bottom):
            low, high = centre - 4 * h, centre + 4 * h        # the quotient rises through zero in between
            for _ in range(80):
                middle = (low + high) / 2
                low, high = (middle, high) if quotient(i, middle) < 0 else (low, middle)
            found[scheme].append((low + high) / 2)
    return found


@probe("descent")
def ask_descent(session: Session, params: dict) -> list[Asked]:
    return ask_each(session, params["cases"], "gradientDescendent", "valley", "p0", ("step",), "plain")


@check("descent")
def judge_descent(task: Task, got: list[Asked], expected: list[Asked]) -> Verdict:
    """gradientDescendent(f, p0, step) walks down the valley until the gradient is below 1e-5.
    With forward differences (the course's) it comes to rest about step/2 short of the bottom (the
    quotient's own bias), with central ones at it, with backward ones beyond it: each passes when
    the walk ends within NEAR of where its quotient vanishes. One that stops earlier does not."""
    def one(case: dict, mine: Asked, theirs: Asked) -> str | None:
        valley = Valley.from_params(case["function"])
        bottom, step = valley.bottom(), case["step"]
        flat = numbers(mine.value)
        if flat is None or len(flat[0]) != len(bottom):
            return (f"gradientDescendent should return the final point ({len(bottom)} numbers), "
                    f"returned {mine.value!r}"[:300])
        allowed = step / 2 * 1.05 + 1e-4
        if any(not math.isfinite(v) or abs(v - m) > allowed for v, m in zip(flat[0], bottom)):
            start = case["p0"]
            climbed = sum((v - m) * (v - m) for v, m in zip(flat[0], bottom)) > sum((s - m) * (s - m) for s, m in zip(start, bottom))
            hint = (" — it ended farther from the bottom than it started: step against the gradient (p -= step * g) "
                    "until the gradient is (almost) zero") if climbed else ""
            return (f"from p0={start} the bottom is at {fmt(bottom)} (± {allowed:.3g}), "
                    f"the descent ended at {fmt(flat[0])}{hint}")
        rest = resting_points(valley, H)
        if not any(all(abs(v - r) <= NEAR for v, r in zip(flat[0], points)) for points in rest.values()):
            nearest = min(rest.values(), key=lambda points: max(abs(v - r) for v, r in zip(flat[0], points)))
            return (f"from p0={case['p0']} the walk ended at {fmt(flat[0])}, near the bottom but "
                    f"{max(abs(v - r) for v, r in zip(flat[0], nearest)):.2g} from where the gradient (step {H:g}) "
                    f"vanishes, {fmt(nearest)} (± {NEAR:g}) — stop only when |grad| < {STOP:g}, not earlier")
        if not mine.unchanged:
            return f"gradientDescendent changed the caller's p0={case['p0']}: work on a copy"
        return None
    return each_case(task.params["cases"], got, expected, one)


@plot("descent")
def picture_descent(task: Task, got: list[Asked], expected: list[Asked]) -> Plot | None:
    return Plot.against_reference(f"f at each evaluation of gradientDescendent from p0={task.params['cases'][0]['p0']}",
                                  got[0].curve, expected[0].curve, x_label="evaluation of f (thinned)", y_label="f(p)")
