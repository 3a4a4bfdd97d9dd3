"""`api`: the functions, classes and methods the exercise names exist, are callable, take the
reference's parameters, and are not the starter's placeholders."""
from __future__ import annotations

import difflib
import random
from typing import Any

from pydantic import Field

from grader.driver import Session
from grader.kinds.base import Kind, Options, Verdict
from grader.spec import CheckSpec


class ApiOptions(Options):
    names: list[str] = Field(min_length=1, description="Names to look for: `f`, `Class`, `Class.method`.")


class Api(Kind):
    """The functions and classes the exercise names exist, are callable, take the right parameters."""

    name = "api"
    Options = ApiOptions

    def names(self, params: Any) -> list[str]:
        return list(params["names"])

    def ask(self, session: Session, params: Any) -> Any:
        """For each required name: is it there, is it callable, which parameters does it take.
        Looked up with the load when the driver could (session.load_records["api"])."""
        found = session.load_records.get("api")
        if isinstance(found, dict) and isinstance(found.get("names"), dict) and set(params["names"]) <= set(found["names"]):
            return found
        return session.answered("api", names=list(params["names"])).results[0]

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        return {"names": list(check.options["names"])}

    def judge(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Verdict:
        problems = []
        defined = got.get("defined", [])
        for name in params["names"]:
            mine, theirs = got["names"].get(name, {}), expected["names"].get(name, {})
            if not mine.get("present"):
                head = name.split(".")[0]
                pool = defined if head == name else []
                close = difflib.get_close_matches(name.split(".")[-1], pool, n=1, cutoff=0.6)
                hint = f" — did you mean {close[0]!r}?" if close else ""
                problems.append(f"{name} is missing{hint}")
            elif not mine.get("callable"):
                problems.append(f"{name} is not callable")
            elif mine.get("stub"):
                problems.append(f"{name} is still the starter's placeholder (raise NotImplementedError)")
            elif theirs.get("parameters") and mine.get("parameters") is not None:
                need = [p for p in theirs["parameters"] if p != "self"]
                have = [p for p in mine["parameters"] if p != "self"]
                if len(have) < len(need) and not any(p in ("args", "kwargs") for p in have):
                    problems.append(f"{name} takes ({', '.join(have)}), expected ({', '.join(need)})")
        if problems:
            found = len(params["names"]) - len(problems)
            return Verdict.failed("; ".join(problems), found / len(params["names"]))
        return Verdict.passed()
