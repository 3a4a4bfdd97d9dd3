"""The instructor's own check of `linreg`: fit(X, y) must reach the least-squares weights, which
the judge computes here from the data it drew (numpy's lstsq), not from any student or reference
run. A worked example of README "Adding an exercise", step 5."""
from __future__ import annotations

import random

import numpy as np
from pydantic import Field

from grader.authoring import (
    Case,
    Options,
    Session,
    Task,
    Verdict,
    call,
    check,
    each_case,
    fmt,
    inputs,
    make,
    numbers,
    outcome,
    probe,
    ref,
)


class Data(Options):
    cases: int = Field(2, ge=1, le=10, description="How many data sets.")
    points: int = Field(30, ge=5, le=1000, description="Rows of X.")
    features: int = Field(2, ge=1, le=5, description="Columns of X.")
    noise: float = Field(0.3, ge=0, description="Standard deviation of the noise added to y.")


class Fitted(Case):
    """What fit(X, y) returned (value), or the error it raised."""


SPREAD = 0.3     # the standard deviation of every column of X


@inputs("least_squares", options=Data)
def draw(options: Data, rng: random.Random) -> list[dict]:
    """Data from a random plane plus noise, y = b + X·w + noise, where X's columns are drawn
    uniformly and then centred, made orthogonal and scaled to the standard deviation SPREAD. The
    loss's curvature is then the same under every seed (2 for the bias, 2·SPREAD² for each
    weight): a descent that converges does so under every seed, and one ten times too slow
    (lr 0.01 for 0.1, a gradient divided by 20h) is ~3% short after 2000 steps under every seed."""
    cases = []
    for _ in range(options.cases):
        w = [rng.uniform(-3, 3) for _ in range(options.features + 1)]
        drawn = np.array([[rng.uniform(-1, 1) for _ in range(options.features)] for _ in range(options.points)])
        columns, _ = np.linalg.qr(drawn - drawn.mean(axis=0))
        X = np.round(columns * SPREAD * np.sqrt(options.points), 6).tolist()
        y = [round(w[0] + sum(a * b for a, b in zip(w[1:], row)) + rng.gauss(0, options.noise), 6) for row in X]
        cases.append({"X": X, "y": y})
    return cases


@probe("least_squares")
def ask(session: Session, params: list[dict]) -> list[Fitted]:
    answers, _ = session.cases([[make("X", {"kind": "array", "values": case["X"]}),
                                 make("y", {"kind": "array", "values": case["y"]}),
                                 call("fit", ref("X"), ref("y"))] for case in params])
    return [Fitted(**outcome(answer, 2)) for answer in answers]


def least_squares(X: list[list[float]], y: list[float]) -> list[float]:
    design = np.hstack([np.ones((len(X), 1)), np.array(X)])
    return [float(v) for v in np.linalg.lstsq(design, np.array(y), rcond=None)[0]]


@check("least_squares", rtol=0, atol=1e-4)
def judge(task: Task, got: list[Fitted], expected: list[Fitted]) -> Verdict:
    def one(case: dict, mine: Fitted, theirs: Fitted) -> str | None:
        truth = least_squares(case["X"], case["y"])
        found = numbers(mine.value)
        if found is None or len(found[0]) != len(truth):
            return f"fit(X, y) should return {len(truth)} weights (the bias w[0], then one per column), returned {mine.value!r}"[:300]
        if all(abs(g - t) <= task.tolerance.atol for g, t in zip(found[0], truth)):
            return None
        hint = ""
        if abs(found[0][0]) < 1e-9 and abs(truth[0]) > 0.1:
            hint = " — the bias w[0] never moved: does the model add it (X @ w[1:] + w[0])?"
        return (f"on {len(case['y'])} points the least-squares weights are {fmt(truth)} (± {task.tolerance.atol:g}); "
                f"fit returned {fmt(found[0])}{hint} — run more steps, or check the gradient's sign")
    return each_case(task.params, got, expected, one)
