"""The trusted side of one child: decide what to ask, ask it, keep the answers.

For each (submission, exercise) the driver hands a warm worker the child's pipe ends, then
talks to the child itself: load the file (with the moves some probes need), then each check's
probe asks its requests, one at a time, and turns the plain answers into that check's
`Observation`. The probes run here, in the grading process (or the Dask worker that drives the
item), never beside student code: the child learns a request only when it is asked, answers
only that request, and can change nothing but its own answers. Numbers are bounded where they
enter, answers are size-capped, and every wait has a deadline.
"""
from __future__ import annotations

import math
import os
import secrets
import select
import time
from typing import Any, Callable, Protocol

from pydantic import BaseModel, ConfigDict, JsonValue, ValidationError

from grader.wire import MAX_REPLY_BYTES, ErrorInfo, Exit, FileOp, Job, Move, Observation, Reply, Request, RunReply, Step

STREAM_LIMIT = 64 * 2**20   # past this much output on fd 1 and 2 the child is stopped, not just truncated
GRACE = 2.0                 # seconds a reply may come after the child's own timer should have fired
LARGEST = 1e300             # numbers beyond this (and huge ints) enter the trusted side as ±inf
NO_ANSWER = "no answer in time"


class Call(BaseModel):
    """One check's probe, by its kind's name ("api", or "ID:kind" for one an assignments/ID.py
    declares), with the inputs the grading process chose for it."""

    model_config = ConfigDict(extra="forbid")

    check: str
    probe: str
    params: JsonValue = None


class Item(BaseModel):
    """A work item: the job a worker forks for, what the driver will ask the child, and the
    source of the instructor's files whose kinds it asks with (a Dask worker has no other copy)."""

    model_config = ConfigDict(extra="forbid")

    job: Job
    calls: list[Call]
    code: dict[str, str] = {}


class ChildGone(Exception):
    """The child ended, stopped answering or flooded its output: no further request can be asked."""


class CheckTimeout(Exception):
    """A check's requests used up its time."""


class StudentError(Exception):
    """A request whose student code raised: the whole check fails with that error."""

    def __init__(self, info: ErrorInfo) -> None:
        super().__init__(info.message)
        self.info = info

    @classmethod
    def of(cls, kind: str, message: str) -> StudentError:
        return cls(ErrorInfo(type=kind, message=message))


def bounded(value: Any, depth: int = 0) -> Any:
    """Plain data with every number a float or a modest int: 10**400 becomes inf, not an OverflowError
    in a judge. Too deep a nesting becomes None."""
    if depth > 40:
        return None
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value if abs(value) <= 2**53 else (math.inf if value > 0 else -math.inf)
    if isinstance(value, float):
        return value if not math.isfinite(value) or abs(value) <= LARGEST else math.copysign(math.inf, value)
    if isinstance(value, list):
        return [bounded(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {str(key): bounded(item, depth + 1) for key, item in value.items()}
    return None


class Channels:
    """The driver's ends of the child's pipes, read with deadlines; output capped as it comes."""

    def __init__(self, requests: int, replies: int, stdout: int, stderr: int, keep: int) -> None:
        self.requests, self.replies = requests, replies
        self.streams = {stdout: bytearray(), stderr: bytearray()}
        self.names = {stdout: "stdout", stderr: "stderr"}
        self.sizes = {stdout: 0, stderr: 0}
        self.open = {replies, stdout, stderr}
        self.keep = keep
        self.pending = bytearray()
        self.exceeded = False

    @classmethod
    def pipes(cls, keep: int) -> tuple[Channels, list[int]]:
        """Four fresh pipes: the driver's ends as Channels, and the child's ends (requests in,
        replies out, stdout, stderr), which the caller hands over and then closes."""
        requests_r, requests_w = os.pipe()
        replies_r, replies_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        return cls(requests_w, replies_r, out_r, err_r, keep), [requests_r, replies_w, out_w, err_w]

    def send(self, line: bytes) -> None:
        try:
            os.write(self.requests, line)
        except OSError as error:     # the child is gone: its end of the pipe is closed
            raise ChildGone(f"the child stopped reading requests ({error.strerror})") from None

    def read_line(self, deadline: float) -> bytes:
        """The next line from the reply pipe, draining stdout and stderr meanwhile."""
        while True:
            cut = self.pending.find(b"\n")
            if cut >= 0:
                line = bytes(self.pending[:cut])
                del self.pending[: cut + 1]
                return line
            if len(self.pending) > MAX_REPLY_BYTES:
                raise ChildGone(f"an answer larger than {MAX_REPLY_BYTES // 2**20} MiB")
            if self.replies not in self.open:
                raise ChildGone("the child closed its answer pipe")
            self.pump(deadline, until_reply=True)

    def pump(self, deadline: float, until_reply: bool = False) -> None:
        """Read what is ready (waiting at most until `deadline`); with `until_reply`, return once
        the reply pipe gave something."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChildGone(NO_ANSWER)
            watched = [fd for fd in self.open if fd != self.replies or until_reply]
            if not watched:
                return
            ready, _, _ = select.select(watched, [], [], min(remaining, 1.0))
            for fd in ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    self.open.discard(fd)
                elif fd == self.replies:
                    self.pending += chunk
                else:
                    buffer = self.streams[fd]
                    buffer += chunk[: max(0, self.keep - len(buffer))]
                    self.sizes[fd] += len(chunk)
                    if sum(self.sizes.values()) > STREAM_LIMIT:
                        self.exceeded = True
                        raise ChildGone("the program printed far too much output")
            if until_reply and self.replies in ready:
                return
            if not ready and not until_reply:
                return

    def text(self, name: str) -> str:
        fd = next(fd for fd, n in self.names.items() if n == name)
        data, size = self.streams[fd], self.sizes[fd]
        text = data.decode("utf-8", "replace")
        return text + (f"\n[... {size - len(data)} more bytes not kept ...]\n" if size > len(data) else "")

    def close(self) -> None:
        for fd in {self.requests, self.replies, *self.streams}:
            try:
                os.close(fd)
            except OSError:
                pass


class Session:
    """The conversation with one child, as the probes see it."""

    def __init__(self, job: Job, channels: Channels, started: float) -> None:
        self.job, self.channels = job, channels
        self.deadline = started + job.timeout
        self.check_deadline = self.deadline
        self.load_records: dict[str, Any] = {}
        self.outputs: list[str] = []
        self.seconds = 0.0
        self.rejected = 0
        self.memory: dict[str, Any] = {}     # what a probe wants to remember between checks
        self.lines: set[int] = set()        # lines of the exercise file this check's requests ran (traced jobs)

    def begin_check(self) -> None:
        self.check_deadline = min(self.deadline, time.monotonic() + self.job.call_timeout)
        self.outputs, self.seconds, self.lines = [], 0.0, set()

    def traced(self) -> list[int] | None:
        return sorted(self.lines) if self.job.trace else None

    def ask(self, op: str, steps: list[Step] | None = None, moves: list[Move] | None = None,
            names: list[str] | None = None, files: list[FileOp] | None = None,
            cases: list[list[Step]] | None = None) -> Reply:
        remaining = self.check_deadline - time.monotonic()
        if remaining <= 0:
            raise CheckTimeout()
        request = Request(nonce=secrets.token_hex(8), op=op, timeout=remaining, steps=steps or [],
                          moves=moves or [], names=names or [], files=files or [], cases=cases or [])
        self.channels.send(request.model_dump_json().encode() + b"\n")
        wait_until = min(self.deadline, time.monotonic() + remaining + GRACE)
        while True:
            line = self.channels.read_line(wait_until)
            try:
                reply = Reply.model_validate_json(line)
            except ValidationError:
                self.rejected += 1
                continue
            if not (reply.nonce.isascii() and secrets.compare_digest(reply.nonce, request.nonce)):
                self.rejected += 1          # written by student code, not in answer to this request
                continue
            reply.results = bounded(reply.results)
            reply.records = bounded(reply.records)
            self.outputs.append(reply.output)
            self.seconds += reply.seconds
            if self.job.trace:           # only a traced child's (the reference's copy's): others' are ignored
                self.lines.update(reply.lines)
            return reply

    def answered(self, op: str, **fields: Any) -> Reply:
        """A request whose student error fails the whole check."""
        reply = self.ask(op, **fields)
        if reply.error is not None:
            raise StudentError(reply.error)
        return reply

    def cases(self, cases: list[list[Step]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Many independent cases in one request: per case {"results": [...], "error": dict|None},
        and the request's records. A timeout or an error of the whole request fails the check."""
        reply = self.answered("cases", cases=cases)
        answers: list[dict[str, Any]] = [answer if isinstance(answer, dict) else {"results": [], "error": None}
                                          for answer in reply.results]
        if len(answers) != len(cases):
            raise StudentError.of("MalformedAnswer", f"{len(answers)} answers to {len(cases)} cases")
        return answers, reply.records

    def values(self, *steps: Step) -> list[Any]:
        """The steps' results; a student error fails the whole check."""
        return self.answered("steps", steps=list(steps)).results

    def output(self) -> str:
        return "".join(self.outputs)[: self.job.output_bytes]


# --- building steps ---------------------------------------------------------------------------
def make(name: str, description: dict[str, Any]) -> Step:
    return Step(make=description, keep=name, convert="none")


def call(target: str, *args: Any, keep: str | None = None, convert: str = "plain",
         default: str | None = None, **kwargs: Any) -> Step:
    return Step(call=target, args=list(args), kwargs=kwargs, keep=keep, convert=convert, default=default)


def get(target: str, convert: str = "plain") -> Step:
    return Step(get=target, convert=convert)


def ref(name: str) -> dict[str, str]:
    return {"$": name}


def outcome(answer: dict[str, Any], index: int) -> dict[str, Any]:
    """{"value": result `index`} or {"error": ErrorInfo-as-dict}, as the judges read one case of a
    `cases` reply."""
    if answer.get("error") is not None:
        return {"error": ErrorInfo.model_validate(answer["error"]).model_dump()}
    return {"value": answer["results"][index]}


class Probe(Protocol):
    """What the driver needs of a check kind: what to move while the file loads, which names to
    look up with it, and what to ask."""

    def moves(self, params: Any) -> list[Move]: ...

    def names(self, params: Any) -> list[str]: ...

    def ask(self, session: Session, params: Any) -> Any: ...


def drive(item: Item, channels: Channels, started: float, probes: dict[str, Probe]) -> tuple[dict[str, Observation], int]:
    """Run the item's conversation: set-up word, load, each check. Returns the observations and
    how many lines answered no request."""
    job = item.job
    session = Session(job, channels, started)
    observations: dict[str, Observation] = {}
    try:
        setup = Reply.model_validate_json(channels.read_line(session.deadline))
    except (ChildGone, ValidationError) as error:
        return observations, 0 if isinstance(error, ChildGone) else 1
    observations["__setup__"] = Observation(check="__setup__", phase="run", error=setup.error)
    if setup.error is not None:
        return observations, 0
    moves: dict[str, Move] = {}      # one of each kind: two probes asking for the same move share it
    names: list[str] = []            # looked up with the load (the api's)
    for call_ in item.calls:
        for move in probes[call_.probe].moves(call_.params):
            moves.setdefault(move.kind, move)
        names += [name for name in probes[call_.probe].names(call_.params) if name not in names]
    phase = "run" if job.kind == "script" else "import"
    session.check_deadline = session.deadline - 0.5     # the child's own timer speaks first
    try:
        load = session.ask("load", moves=list(moves.values()), names=names)
    except (ChildGone, CheckTimeout):
        return observations, session.rejected
    observations["__load__"] = Observation(check="__load__", phase=phase, error=load.error, output=load.output,
                                           seconds=load.seconds, lines=session.traced())
    session.load_records = load.records
    if load.error is not None:
        return observations, session.rejected
    for call_ in item.calls:
        session.begin_check()
        value, failed = None, None
        try:
            value = probes[call_.probe].ask(session, call_.params)
        except StudentError as failure:
            failed = failure.info
        except CheckTimeout:
            failed = ErrorInfo(type="Timeout", message=f"stopped after {job.call_timeout:g} s", timeout=True)
        except ChildGone as gone:       # this check's answer never came: say why, ask nothing more
            late = str(gone) == NO_ANSWER
            observations[call_.check] = Observation(check=call_.check, phase="call", output=session.output(), error=ErrorInfo(
                type="Timeout" if late else "ChildGone", timeout=late,
                message=f"no answer within {job.call_timeout:g} s" if late else f"the program stopped answering: {gone}"))
            break
        except (KeyError, TypeError, IndexError, ValueError, AttributeError) as problem:
            # The probe read the child's answers and they were not what any honest code returns
            # (the same probe read the reference's answers: a probe's own bug fails there, as a
            # grader error). The student's check fails; no grader error to hide a zero behind.
            failed = ErrorInfo(type="MalformedAnswer", message=(
                f"the answers to the grader's requests could not be read ({type(problem).__name__}: {problem}); "
                "did the code replace the objects it was handed, or Python's built-ins?")[:2000])
        try:
            observations[call_.check] = Observation(check=call_.check, phase="call", value=bounded(value), error=failed,
                                                    output=session.output(), seconds=session.seconds, lines=session.traced())
        except ValidationError as problem:   # a probe made something that is not plain data: the grader's bug
            observations[call_.check] = Observation(check=call_.check, phase="call", error=ErrorInfo(
                type="GraderError", message=f"probe value not plain data: {problem}"[:2000]))
    return observations, session.rejected


def converse(item: Item, channels: Channels, started: float, probes: dict[str, Probe],
             end_child: Callable[[], Exit]) -> RunReply:
    """Drive the child whose pipes `channels` holds, then end it (`end_child`: however the
    caller's kind of child ends), whatever happened; the driver's account of it all."""
    try:
        try:
            observations, rejected = drive(item, channels, started, probes)
        finally:     # whatever happened, the child is ended and the word on how it ended taken
            exit_ = end_child()
        if time.monotonic() >= started + item.job.timeout and not exit_.timed_out:
            exit_.timed_out = not all(call_.check in observations for call_ in item.calls)
        return RunReply(exit_code=exit_.exit_code, signal=exit_.signal, timed_out=exit_.timed_out,
                        output_exceeded=channels.exceeded, stdout=channels.text("stdout"), stderr=channels.text("stderr"),
                        observations=observations, rejected=rejected, seconds=time.monotonic() - started,
                        worker_error=exit_.worker_error)
    finally:
        channels.close()
