"""Probes every exercise can use: the API present, the gradients a script leaves behind."""
from __future__ import annotations

from typing import Any

from grader.driver import Session, StudentError
from grader.wire import Move


def api(session: Session, params: dict) -> Any:
    """For each required name: is it there, is it callable, which parameters does it take."""
    reply = session.ask("api", names=list(params["names"]))
    if reply.error is not None:
        raise StudentError(reply.error)
    return reply.results[0]


class Leaves:
    """The script ran with its variables moved (every torch.tensor(..., requires_grad=True)
    shifted by offsets the student cannot know) and autograd's calls counted; then the leaf
    tensors it left, their .grad, and its other small tensors (torch.autograd.grad results)."""

    @staticmethod
    def moves(params: dict) -> list[Move]:
        return [Move(kind="shift_tensors", values=params["offsets"]), Move(kind="autograd_calls")]

    def __call__(self, session: Session, params: dict) -> Any:
        reply = session.ask("leaves")
        if reply.error is not None:
            raise StudentError(reply.error)
        found = dict(reply.results[0])
        found["shifted"] = session.load_records.get("shift_tensors", {})
        found["autograd_calls"] = (session.load_records.get("autograd_calls") or {}).get("calls", 0)
        return found


PROBES = {"api": api, "leaves": Leaves()}
