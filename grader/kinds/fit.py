"""`fit`: the student's training function trains a torch model the grader made (a linear layer on
polynomial features, started at grader-drawn parameters) on a grader-drawn polynomial, then the
trained model is evaluated at grader-chosen inputs and compared with the reference's model,
trained the same way from the same start (or, with `truth = "target"`, with the polynomial).

    options = { function = "train", arguments = ["inputs", "outputs", "model", "loss", "loops", "lr"],
                powers = [1, 2, 3], loops = 200, lr = 0.01 }
"""
from __future__ import annotations

import random
from typing import Any, Literal

from pydantic import Field

from grader.compare import compare, fmt, numbers
from grader.driver import Session, StudentError, call, make, ref
from grader.kinds.base import Kind, Options, ReferenceFailure, Verdict
from grader.report import Plot
from grader.spec import CheckSpec

Role = Literal["inputs", "outputs", "model", "loss", "loops", "lr"]


class FitOptions(Options):
    function: str = Field(pattern=r"^[A-Za-z_]\w*$", description="The student's training function.")
    arguments: list[Role] = Field(min_length=1, description="Its parameters, in order, by role.")
    powers: list[int] = Field([1], min_length=1, description="Features of x: x**p for each p (a linear layer on them).")
    points: int = Field(200, ge=2, le=100_000, description="Training points, evenly spread over `domain`.")
    domain: tuple[float, float] = (-3.0, 3.0)
    coefficients: tuple[float, float] = Field((-2.0, 2.0), description="Range of the target polynomial's coefficients.")
    loops: int = Field(100, ge=1, le=100_000)
    lr: float = Field(0.01, gt=0)
    truth: Literal["reference", "target"] = "reference"
    tests: int = Field(5, ge=1, le=100, description="Inputs the trained model is evaluated at.")


def features(xs: list[float], powers: list[int]) -> list[list[float]]:
    return [[x ** p for p in powers] for x in xs]


def polynomial(coefficients: list[float], powers: list[int], x: float) -> float:
    return coefficients[0] + sum(c * x ** p for c, p in zip(coefficients[1:], powers))


class Fit(Kind):
    name = "fit"
    Options = FitOptions
    rtol = 1e-3
    atol = 1e-3

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        options = self.options(check)
        low, high = options.domain
        return {"coefficients": [round(rng.uniform(*options.coefficients), 3) for _ in range(len(options.powers) + 1)],
                "weights": [round(rng.uniform(-0.5, 0.5), 4) for _ in options.powers], "bias": round(rng.uniform(-0.5, 0.5), 4),
                "tests": [round(rng.uniform(low, high), 3) for _ in range(options.tests)],
                "options": options.model_dump(mode="json")}

    def ask(self, session: Session, params: Any) -> Any:
        options = FitOptions.model_validate(params["options"])
        low, high = options.domain
        xs = [low + (high - low) * i / (options.points - 1) for i in range(options.points)]
        ys = [polynomial(params["coefficients"], options.powers, x) for x in xs]
        roles = {"inputs": ref("inputs"), "outputs": ref("outputs"), "model": ref("model"), "loss": ref("loss"),
                 "loops": options.loops, "lr": options.lr}
        reply = session.answered("steps", steps=[
            make("inputs", {"kind": "tensor", "values": features(xs, options.powers)}),
            make("outputs", {"kind": "tensor", "values": ys}),
            make("model", {"kind": "linear_model", "weight": [list(params["weights"])], "bias": [params["bias"]]}),
            make("loss", {"kind": "mse", "record": "loss"}),
            call(options.function, *(roles[role] for role in options.arguments), convert="none"),
            make("tests", {"kind": "tensor", "values": features(params["tests"], options.powers)}),
            call("$model", ref("tests"), keep="predicted", convert="none"),
            call("$predicted.reshape", -1)])
        found = numbers(reply.results[-1])
        if found is None or len(found[0]) != len(params["tests"]):
            raise StudentError.of("TypeError", "the model, after training, no longer gives one prediction per input")
        return {"predictions": found[0], "curve": (reply.records.get("loss") or [])[: options.loops + 1]}

    def judge(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Verdict:
        options = self.options(check)
        if options.truth == "target":
            truth = [polynomial(params["coefficients"], options.powers, x) for x in params["tests"]]
            label = f"the target polynomial {params['coefficients']}"
        else:
            truth = expected["predictions"]
            if not truth:
                raise ReferenceFailure(f"the reference's trained model predicted nothing for {check.name!r}")
            label = "the reference's model, trained the same way from the same start"
        difference = compare(f"predictions at x={fmt(params['tests'])} after {options.function} trained the grader's model",
                             got["predictions"], truth, self.tolerance(check))
        if difference is None:
            return Verdict.passed()
        curve, reference = got["curve"], expected["curve"]
        if not curve:
            hint = " — the loss function it was handed was never called"
        elif curve[-1] >= curve[0]:
            hint = " — the loss did not go down: is optimizer.step() called after loss.backward()?"
        elif compare("curve", curve[:5], reference[:5], self.tolerance(check)) is None:
            hint = " — the first steps agree, then the run drifts: is optimizer.zero_grad() called every loop?"
        else:
            hint = " — the loss falls along another path than the reference's: another optimizer or learning rate?"
        return Verdict.failed(f"{difference.message} (compared with {label}){hint}")

    def plot(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Plot | None:
        return Plot.against_reference(f"loss while {self.options(check).function} trains", got["curve"], expected["curve"])
