"""Checks of `gd`: derivatives against the exact ones, within the finite difference's own error,
and computed as difference quotients; the descent against the bottom of a valley found here.

Every case has a fixed shape (which coordinate, how many, list or array, which step): the seed
moves only the values, so the same code earns the same score under every seed."""
from __future__ import annotations

import math
import random
from typing import Any

from grader.checks.base import CaseKind
from grader.compare import fmt, numbers
from grader.functions import Smooth, Valley
from grader.report import Plot
from grader.spec import CheckSpec


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


class Derivative(CaseKind):
    """df(f, p, k, step) ≈ ∂f/∂p_k on random smooth functions at random points; p left unchanged."""

    probe = "gd.df"

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        cases = []
        for i in range(int(check.options.get("cases", 6))):
            case = smooth_case(rng, i)
            cases.append(dict(case, k=i % len(case["p"]), step=(0.01, 0.005)[(i // 3) % 2]))
        return {"cases": cases}

    def judge_case(self, check: CheckSpec, case: Any, outcome: dict, reference: dict) -> str | None:
        f = Smooth.from_params(case["function"])
        exact = f.derivative(case["p"], case["k"])
        allowed = difference_error(f, case["p"], case["k"], case["step"])
        value = outcome["value"]
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
        if not outcome["unchanged"]:
            return f"df changed the caller's point p={case['p']}: copy p before moving coordinate k"
        return None


class Gradient(CaseKind):
    """grad(f, p, step) is the vector of the partial derivatives, one per coordinate."""

    probe = "gd.grad"

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        return {"cases": [dict(smooth_case(rng, i), step=0.01) for i in range(int(check.options.get("cases", 4)))]}

    def judge_case(self, check: CheckSpec, case: Any, outcome: dict, reference: dict) -> str | None:
        f, p = Smooth.from_params(case["function"]), case["p"]
        flat = numbers(outcome["value"])
        if flat is None or len(flat[0]) != len(p):
            return f"grad at p={p} should return {len(p)} numbers, returned {outcome['value']!r}"[:300]
        exact = [f.derivative(p, k) for k in range(len(p))]
        allowed = [difference_error(f, p, k, case["step"]) for k in range(len(p))]
        if any(not math.isfinite(v) or abs(v - e) > a for v, e, a in zip(flat[0], exact, allowed)):
            return f"grad at p={p}: expected {fmt(exact)} (± {fmt(allowed)}), got {fmt(flat[0])}"
        slack = quotient_slack(f, p, case["step"])
        if any(not any(abs(v - q) <= slack for q in f.quotients(p, k, case["step"]).values()) for k, v in enumerate(flat[0])):
            return (f"grad at p={p} returned {fmt(flat[0])}: not difference quotients of f with step {case['step']} "
                    "— build it from df(f, p, k, step)")
        if not outcome["unchanged"]:
            return f"grad changed the caller's point p={p}"
        return None


class Descent(CaseKind):
    """gradientDescendent(f, p0, step) walks downhill to the bottom of random valleys
    Σ aᵢ(pᵢ-mᵢ)² + c Σ sin(pᵢ), whose bottom the judge finds by Newton's method.

    With forward differences the walk stops step/2 short of the bottom (the gradient's own
    bias); central differences reach it: both are accepted. One coordinate is always shallow
    (aᵢ ≤ 0.35) and the walk always starts above the bottom: a walk that stops while the gradient
    is still 1e-2 ends 0.006 or more beyond the allowance, under every seed, and one that stops a
    little early or late does so on the same side every time."""

    probe = "gd.descent"

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        cases = []
        for i in range(int(check.options.get("cases", 2))):
            dims = 2 + i % 2
            a = [rng.uniform(0.25, 0.35)] + [rng.uniform(0.8, 1.5) for _ in range(dims - 1)]
            m = [round(rng.uniform(-2, 2), 6) for _ in range(dims)]
            p0 = [round(v + rng.uniform(1, 2), 6) for v in m]   # always from above: the side is part of the case
            cases.append({"function": {"a": a, "m": m, "c": round(rng.choice([-1, 1]) * rng.uniform(0.1, 0.2), 6)},
                          "p0": p0, "step": 0.01, "form": "array" if i % 2 else "list"})
        return {"cases": cases}

    def judge_case(self, check: CheckSpec, case: Any, outcome: dict, reference: dict) -> str | None:
        bottom, step = Valley.from_params(case["function"]).bottom(), case["step"]
        flat = numbers(outcome["value"])
        if flat is None or len(flat[0]) != len(bottom):
            return (f"gradientDescendent should return the final point ({len(bottom)} numbers), "
                    f"returned {outcome['value']!r}"[:300])
        allowed = step / 2 * 1.05 + 1e-4
        if any(not math.isfinite(v) or abs(v - m) > allowed for v, m in zip(flat[0], bottom)):
            start = case["p0"]
            climbed = sum((v - m) ** 2 for v, m in zip(flat[0], bottom)) > sum((s - m) ** 2 for s, m in zip(start, bottom))
            hint = (" — it ended farther from the bottom than it started: step against the gradient (p -= step * g) "
                    "until the gradient is (almost) zero") if climbed else ""
            return (f"from p0={start} the bottom is at {fmt(bottom)} (± {allowed:.3g}), "
                    f"the descent ended at {fmt(flat[0])}{hint}")
        if not outcome["unchanged"]:
            return f"gradientDescendent changed the caller's p0={case['p0']}: work on a copy"
        return None

    def plot(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Plot | None:
        mine, theirs = got[0].get("curve", []), expected[0].get("curve", [])
        return Plot.against_reference(f"f at each evaluation of gradientDescendent from p0={params['cases'][0]['p0']}",
                                      mine, theirs, x_label="evaluation of f (thinned)", y_label="f(p)")
