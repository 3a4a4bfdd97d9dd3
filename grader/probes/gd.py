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


class Recorded:
    """A test function that remembers what it returned (the descent's path, for the report's plot)."""

    LIMIT = 20_000

    def __init__(self, function) -> None:
        self.function, self.values = function, []

    def __call__(self, p) -> float:
        value = self.function(p)
        if len(self.values) < self.LIMIT:
            self.values.append(value)
        return value

    def curve(self, points: int = 400) -> list[float]:
        step = max(1, len(self.values) // points)
        return self.values[::step]


def _each_case(ctx, params, name: str, function, point: str, extra: tuple[str, ...], convert) -> list[dict]:
    """Call the student's `name`(f, point, *extra) once per case; note whether the point changed."""
    student = ctx.namespace[name]
    results = []
    for case in params["cases"]:
        p = _as_input(case[point], case["form"])
        f = Recorded(function(case["function"]))
        outcome = ctx.attempt(student, f, p, *(case[key] for key in extra))
        if "value" in outcome:
            outcome["value"] = convert(outcome["value"])
        outcome["unchanged"] = _unchanged(case[point], p)
        outcome["curve"] = f.curve()
        results.append(outcome)
    return results


def df(ctx, params) -> list[dict]:
    return _each_case(ctx, params, "df", Smooth.from_params, "p", ("k", "step"), number)


def grad(ctx, params) -> list[dict]:
    return _each_case(ctx, params, "grad", Smooth.from_params, "p", ("step",), to_plain)


def descent(ctx, params) -> list[dict]:
    return _each_case(ctx, params, "gradientDescendent", Bowl.from_params, "p0", ("step",), to_plain)


PROBES = {"gd.df": df, "gd.grad": grad, "gd.descent": descent}
