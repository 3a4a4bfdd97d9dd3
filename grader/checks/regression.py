"""Checks of the polynomial regression: a short run of the student's GD from a grader-set
model, the saved checkpoint's predictions, and regression2predict on a grader-made checkpoint."""
from __future__ import annotations

import random
from typing import Any

from grader.checks.base import Kind, Verdict
from grader.checks.common import parse_line
from grader.compare import compare
from grader.report import Plot, Series
from grader.spec import CheckSpec

COURSE_COEFFICIENTS = [0.0, 1.0, 2.0, 3.0]


class RegressionDescent(Kind):
    """GD(inputs, outputs, model, loss_fn, loop_max, learning_rate) fits a grader-chosen cubic
    from a grader-set model; the weights after a short run match the reference's (RMSprop)."""

    probe = "regression.gd"
    rtol = 1e-3
    atol = 1e-3

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        return {"coefficients": [round(rng.uniform(-2, 2), 3) for _ in range(4)],
                "weights": [round(rng.uniform(-0.5, 0.5), 4) for _ in range(3)], "bias": round(rng.uniform(-0.5, 0.5), 4),
                "points": 500, "loops": int(check.options.get("loops", 200)), "lr": 0.01}

    def judge(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Verdict:
        mine = [got["bias"], *got["weights"]]
        theirs = [expected["bias"], *expected["weights"]]
        difference = compare(f"(bias, weights) after {params['loops']} steps towards {params['coefficients']}",
                             mine, theirs, self.tolerance(check))
        if difference is None:
            return Verdict.passed()
        curve = got["curve"]
        hint = ""
        if not curve:
            hint = " — loss_fn was never called"
        elif curve[-1] >= curve[0]:
            hint = " — the loss did not go down: is optimizer.step() called after loss.backward()?"
        elif compare("curve", curve[:5], expected["curve"][:5], self.tolerance(check)) is None:
            hint = " — the first steps agree, then the run drifts: is optimizer.zero_grad() called every loop?"
        else:
            hint = " — the course's GD uses torch.optim.RMSprop(model.parameters(), lr=learning_rate)"
        return Verdict.failed(difference.message + hint)

    def plot(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Plot | None:
        mine, theirs = got["curve"], expected["curve"]
        return Plot.against_reference(f"loss of GD towards {params['coefficients']}", mine, theirs)


class Checkpoint(Kind):
    """model.ckpt, saved by the script and loaded inside the sandbox, predicts x + 2x² + 3x³
    at grader-chosen x within the course's coefficient tolerance (0.01 each), and comes from
    training: an optimizer stepped every parameter of the saved model (at least `min_steps`
    times) while the script ran. Weights typed in and saved earn nothing."""

    probe = "regression.checkpoint"

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        return {"xs": [round(rng.uniform(-3, 3), 3) for _ in range(5)]}

    def judge(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Verdict:
        least = int(check.options.get("min_steps", 100))
        distance = float(check.options.get("min_change", 0.05))
        saves = [saved for saved in got.get("saved", []) if saved.get("file") == "model.ckpt"]
        last = saves[-1] if saves else None     # the model.ckpt that remains is the last one written
        if last is None or last["fewest_steps"] < least or last.get("moved", 0.0) < distance:
            seen = ("no torch.save(model, 'model.ckpt') of a model was seen" if last is None else
                    f"the model saved had been stepped {last['fewest_steps']} times and its weights had moved "
                    f"{last.get('moved', 0.0):.3g} from its first step")
            return Verdict.failed(f"model.ckpt must hold the trained model: {seen}; the course's GD takes "
                                  f"thousands of optimizer steps (at least {least} that change the weights, which "
                                  f"move by at least {distance} from a random start) — call GD(...) on the model, "
                                  "then torch.save(model, 'model.ckpt')")
        coefficient_tolerance = check.atol if check.atol is not None else 0.01
        failures = []
        for x, value in zip(params["xs"], got["predictions"]):
            truth = sum(c * x ** k for k, c in enumerate(COURSE_COEFFICIENTS))
            allowed = coefficient_tolerance * sum(abs(x) ** k for k in range(4))
            if not abs(value - truth) <= allowed:
                failures.append(f"at x={x} the saved model predicts {value:.6g}, the polynomial is {truth:.6g} (± {allowed:.3g})")
        if failures:
            return Verdict.failed("; ".join(failures[:2]) + " — has the model been trained before torch.save(model, 'model.ckpt')?")
        return Verdict.passed()

    def plot(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Plot | None:
        points = sorted(zip(params["xs"], got["predictions"]))
        grid = [-3 + 6 * i / 60 for i in range(61)]
        return Plot(title="your saved model against y = x + 2x² + 3x³", x_label="x", y_label="y",
                    series=[Series(label="y = x + 2x² + 3x³", x=grid, y=[sum(c * x ** k for k, c in enumerate(COURSE_COEFFICIENTS)) for x in grid]),
                            Series(label="model.ckpt predicts", x=[x for x, _ in points], y=[y for _, y in points])])


def prediction(printed: str) -> float | None:
    """The first number after '=' on the last line that mentions "predict" (else the last line)."""
    lines = printed.splitlines()
    found = [line for line in lines if "predict" in line.lower()] or lines[-1:]
    if not found:
        return None
    _, values = parse_line(found[-1].split("=", 1)[-1])
    return values[0] if values else None


class Predict(Kind):
    """regression2predict.py against a checkpoint: the grader's (random weights) or the student's own."""

    probe = "regression.predict"
    rtol = 1e-5
    atol = 1e-4

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        if check.options.get("own"):
            return {"own": True}
        return {"weights": [round(rng.uniform(-3, 3), 4) for _ in range(3)], "bias": round(rng.uniform(-3, 3), 4)}

    def judge(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Verdict:
        if "skipped" in got:
            return Verdict("skipped", 0.0, got["skipped"])
        value = prediction(got["printed"])
        if params.get("own"):
            target = float(check.options.get("expected", 34.0))
            allowed = check.atol if check.atol is not None else 0.05
            if value is not None and abs(value - target) <= allowed:
                return Verdict.passed()
            return Verdict.failed(f"with your model.ckpt the prediction at x=2 is {value}, expected {target} ± {allowed}")
        difference = compare(f"prediction at x=2 of a model with weights {params['weights']} and bias {params['bias']}",
                             value, prediction(expected["printed"]), self.tolerance(check))
        if difference is None:
            return Verdict.passed()
        printed = got["printed"].strip().splitlines()[-1:] or ["nothing"]
        return Verdict.failed(difference.message + f" (printed: {printed[0][:120]!r}) — does the script load "
                              "model.ckpt and feed it the features (x, x², x³) of x = 2?")
