"""Judges are plain functions of plain data: an instructor unit-tests them without workers,
children or a reference run, as here. Load the instructor's file with grader.exercises.declared,
draw the inputs as the engine would, and judge outcomes written by hand."""
import random
from pathlib import Path

import numpy as np
import pytest

from grader.authoring import Smooth
from grader.exercises import declared
from grader.spec import CheckSpec

ASSIGNMENTS = Path(__file__).resolve().parent.parent / "assignments"


def kinds(exercise: str):
    return declared(exercise, (ASSIGNMENTS / f"{exercise}.py").read_text(encoding="utf-8"))


def drawn(kind, check: CheckSpec, seed: int = 3):
    return kind.inputs(check, random.Random(seed))


def test_the_df_judge_accepts_each_difference_quotient_and_names_the_usual_bugs():
    kind, check = kinds("gd")["df"], CheckSpec(name="df", kind="df", points=4, options={"cases": 3})
    params = drawn(kind, check)
    cases = params["cases"]

    def answers(pick) -> list[dict]:
        return [{"value": pick(Smooth.from_params(c["function"]), c), "unchanged": True} for c in cases]

    forward = answers(lambda f, c: f.quotients(c["p"], c["k"], c["step"])["forward"])
    central = answers(lambda f, c: f.quotients(c["p"], c["k"], c["step"])["central"])
    assert kind.judge(check, params, forward, forward).status == "passed"
    assert kind.judge(check, params, central, forward).status == "passed"
    exact = answers(lambda f, c: f.derivative(c["p"], c["k"]))
    verdict = kind.judge(check, params, exact, forward)
    assert verdict.status == "failed" and "not a difference quotient" in verdict.message
    undivided = answers(lambda f, c: f.quotients(c["p"], c["k"], c["step"])["forward"] * c["step"])
    verdict = kind.judge(check, params, undivided, forward)
    assert verdict.fraction == 0 and "forget to divide by step" in verdict.message


def test_a_case_whose_student_call_raised_fails_alone_with_the_error():
    kind, check = kinds("gd")["df"], CheckSpec(name="df", kind="df", points=4, options={"cases": 2})
    params = drawn(kind, check)
    good = [{"value": Smooth.from_params(c["function"]).quotients(c["p"], c["k"], c["step"])["forward"]}
            for c in params["cases"]]
    raised = [{"error": {"type": "ZeroDivisionError", "message": "division by zero", "file": "gd.py", "line": 7}}, good[1]]
    verdict = kind.judge(check, params, raised, good)
    assert verdict.fraction == 0.5 and "ZeroDivisionError" in verdict.message and "gd.py, line 7" in verdict.message


def test_the_least_squares_judge_computes_its_own_truth():
    kind, check = kinds("linreg")["least_squares"], CheckSpec(name="fit", kind="least_squares", points=4)
    params = drawn(kind, check)

    def solved(case: dict) -> list[float]:
        design = np.hstack([np.ones((len(case["X"]), 1)), np.array(case["X"])])
        return list(np.linalg.lstsq(design, np.array(case["y"]), rcond=None)[0])

    right = [{"value": solved(case)} for case in params]
    assert kind.judge(check, params, right, right).status == "passed"
    no_bias = [{"value": [0.0, *solved(case)[1:]]} for case in params]
    verdict = kind.judge(check, params, no_bias, right)
    assert verdict.status == "failed" and "the bias w[0] never moved" in verdict.message


def test_an_outcome_that_does_not_fit_the_probes_model_is_refused():
    kind, check = kinds("gd")["df"], CheckSpec(name="df", kind="df", points=4, options={"cases": 1})
    params = drawn(kind, check)
    with pytest.raises(ValueError):
        kind.judge(check, params, [{"value": 1.0, "surprise": True}], [{"value": 1.0}])


def test_central_differences_come_with_a_bound_that_holds_and_catches_a_wrong_formula():
    import math

    from grader.authoring import central_difference

    def f(p: list[float]) -> float:
        return math.sin(p[0]) * p[1] ** 3 + math.exp(p[0] / 3)

    exact = [math.cos(0.3) * 1.2 ** 3 + math.exp(0.1) / 3, math.sin(0.3) * 3 * 1.2 ** 2]
    for k in range(2):
        estimate, bound = central_difference(f, [0.3, 1.2], k)
        assert abs(estimate - exact[k]) <= bound < 1e-6
        forward = (f([0.3 + 1e-4 * (k == 0), 1.2 + 1e-4 * (k == 1)]) - f([0.3, 1.2])) / 1e-4
        assert abs(forward - estimate) > bound        # a forward difference is not the truth at this bound
