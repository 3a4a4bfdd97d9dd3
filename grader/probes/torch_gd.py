"""Probes of the torch descent exercises: the student's GD on grader-chosen losses and starts,
and the script run from a start the student cannot know."""
from __future__ import annotations

from grader.driver import Probe, Session, call, get, make, outcome, ref
from grader.wire import Move, Step


def gd_scalar(session: Session, params: dict) -> list[dict]:
    """torchGd1's GD(x, loss_fn, loop_max, learning_rate) on (x - t)² from a grader-chosen x."""
    answers, records = session.cases([
        [make("x", {"kind": "tensor", "values": case["x0"], "requires_grad": True}),
         make("loss", {"kind": "square_loss", "target": case["target"], "record": f"loss{index}"}),
         call("GD", ref("x"), ref("loss"), case["loops"], case["lr"], keep="r", convert="none"),
         Step(get="$r", convert="number", default="x")]          # what GD returned, else x itself
        for index, case in enumerate(params["cases"])])
    results = []
    for index, (case, answer) in enumerate(zip(params["cases"], answers)):
        result = outcome(answer, 3)
        result["curve"] = records.get(f"loss{index}", [])[: case["loops"] + 1]
        results.append(result)
    return results


def gd_list(session: Session, params: dict) -> list[dict]:
    """torchGd2's GD(parameters, loss_fn, loop_max, learning_rate) on Σ wᵢ (pᵢ - tᵢ)²."""
    answers, records = session.cases([
        [make("ps", {"kind": "tensors", "values": case["p0"], "dtype": "float64", "requires_grad": True}),
         make("loss", {"kind": "weighted_squares", "targets": case["targets"], "weights": case["weights"],
                       "record": f"loss{index}"}),
         call("GD", ref("ps"), ref("loss"), case["loops"], case["lr"], convert="none"),
         *(get(f"$ps.{position}", convert="number") for position in range(len(case["p0"])))]
        for index, case in enumerate(params["cases"])])
    results = []
    for index, (case, answer) in enumerate(zip(params["cases"], answers)):
        result = outcome(answer, 2)
        if "value" in result:
            result["value"] = answer["results"][3:]
        result["curve"] = records.get(f"loss{index}", [])[: case["loops"] + 1]
        results.append(result)
    return results


class ShiftedStart:
    """While the script first runs, every torch.tensor(..., requires_grad=True) it makes is shifted
    by a grader-chosen offset: one run serves both the output check and the computed-values check.
    torch.norm's values (the course's loss) are recorded for the report's plot."""

    @staticmethod
    def moves(params: dict) -> list[Move]:
        return [Move(kind="shift_tensors", values=params["offsets"]), Move(kind="record_calls", target="torch.norm")]

    def __call__(self, session: Session, params: dict) -> dict:
        shifted = session.load_records.get("shift_tensors") or {}
        values = shifted.get("values", [])
        return {"shifted": len(values), "values": values, "norms": session.load_records.get("record_calls") or []}


PROBES: dict[str, Probe] = {"torch.gd_scalar": gd_scalar, "torch.gd_list": gd_list, "torch.shifted_start": ShiftedStart()}
