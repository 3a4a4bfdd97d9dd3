"""Probes every exercise can use: the API present, the gradients a script leaves behind."""
from __future__ import annotations

from typing import Any

from grader.driver import Probe, Session
from grader.wire import Move


def api(session: Session, params: dict) -> Any:
    """For each required name: is it there, is it callable, which parameters does it take."""
    return session.answered("api", names=list(params["names"])).results[0]


class Leaves:
    """The script ran with its variables moved (every torch.tensor(..., requires_grad=True)
    shifted by offsets the student cannot know): their values, and the last gradient autograd
    computed for each. Everything was seen during the load; nothing more is asked."""

    @staticmethod
    def moves(params: dict) -> list[Move]:
        return [Move(kind="shift_tensors", values=params["offsets"])]

    def __call__(self, session: Session, params: dict) -> Any:
        return {"shifted": session.load_records.get("shift_tensors") or {}}


PROBES: dict[str, Probe] = {"api": api, "leaves": Leaves()}
