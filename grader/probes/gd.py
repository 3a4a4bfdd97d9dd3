"""Probes of `gd`: df and grad on random smooth functions, the descent in random valleys.

The child is handed the point (a list or an array) and a test function that only evaluates
(grader.arguments): its derivative and its minimum are known to the judges alone."""
from __future__ import annotations

from typing import Any

from grader.driver import Probe, Session, call, get, make, outcome, ref


def _point(values: list[float], form: str) -> dict:
    return {"kind": "array" if form == "array" else "list", "values": list(values)}


def _each_case(session: Session, params: dict, name: str, function: str, point: str,
               extra: tuple[str, ...], convert: str) -> list[dict]:
    """Call the student's `name`(f, point, *extra) once per case, all in one request; note
    whether the point changed and the values of f each call asked for."""
    steps = [[make("f", dict(case["function"], kind=function, record=f"f{index}")),
              make("p", _point(case[point], case["form"])),
              call(name, ref("f"), ref("p"), *(case[key] for key in extra), convert=convert),
              get("$p")]
             for index, case in enumerate(params["cases"])]
    answers, records = session.cases(steps)
    results = []
    for index, (case, answer) in enumerate(zip(params["cases"], answers)):
        result = outcome(answer, 2)
        done = answer["results"]
        result["unchanged"] = _same(done[3] if len(done) > 3 else None, case[point])
        result["curve"] = records.get(f"f{index}", [])
        result["evaluations"] = records.get(f"f{index}#count", 0)
        results.append(result)
    return results


def _same(after: Any, before: list[float]) -> bool:
    if isinstance(after, dict) and "tensor" in after:
        after = after["tensor"].get("values")
    return isinstance(after, list) and [v for v in after] == list(before)


def df(session: Session, params: dict) -> list[dict]:
    return _each_case(session, params, "df", "smooth", "p", ("k", "step"), "number")


def grad(session: Session, params: dict) -> list[dict]:
    return _each_case(session, params, "grad", "smooth", "p", ("step",), "plain")


def descent(session: Session, params: dict) -> list[dict]:
    return _each_case(session, params, "gradientDescendent", "valley", "p0", ("step",), "plain")


PROBES: dict[str, Probe] = {"gd.df": df, "gd.grad": grad, "gd.descent": descent}
