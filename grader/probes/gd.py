"""Probes of `gd`: df and grad on random smooth functions, and the descent on random bowls."""
from __future__ import annotations

import numpy as np

from grader.functions import Bowl, Smooth
from grader.plain import number, to_plain


def _as_input(point: list[float], form: str):
    return np.array(point, dtype=float) if form == "array" else list(point)


def _unchanged(before: list[float], after) -> bool:
    try:
        return [float(v) for v in after] == before
    except (TypeError, ValueError):
        return False


def df(ctx, params) -> list[dict]:
    student_df = ctx.namespace["df"]
    results = []
    for case in params["cases"]:
        f = Smooth.from_params(case["function"])
        p = _as_input(case["p"], case["form"])
        outcome = ctx.attempt(student_df, f, p, case["k"], case["step"])
        if "value" in outcome:
            outcome["value"] = number(outcome["value"])
        outcome["unchanged"] = _unchanged(case["p"], p)
        results.append(outcome)
    return results


def grad(ctx, params) -> list[dict]:
    student_grad = ctx.namespace["grad"]
    results = []
    for case in params["cases"]:
        f = Smooth.from_params(case["function"])
        p = _as_input(case["p"], case["form"])
        outcome = ctx.attempt(student_grad, f, p, case["step"])
        if "value" in outcome:
            outcome["value"] = to_plain(outcome["value"])
        outcome["unchanged"] = _unchanged(case["p"], p)
        results.append(outcome)
    return results


def descent(ctx, params) -> list[dict]:
    student_descent = ctx.namespace["gradientDescendent"]
    results = []
    for case in params["cases"]:
        f = Bowl.from_params(case["function"])
        p0 = _as_input(case["p0"], case["form"])
        outcome = ctx.attempt(student_descent, f, p0, case["step"])
        if "value" in outcome:
            outcome["value"] = to_plain(outcome["value"])
        outcome["unchanged"] = _unchanged(case["p0"], p0)
        results.append(outcome)
    return results


PROBES = {"gd.df": df, "gd.grad": grad, "gd.descent": descent}
