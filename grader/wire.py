"""The plain data that crosses the trust boundary, parsed with pydantic on arrival.

Three conversations, each one JSON line a message, no pickle anywhere:
- grading side → warm worker: a `Job` (where the box is, the limits, the fences), with the
  child's four pipe ends passed alongside; the worker answers an `Exit` when the child is gone.
  The worker never sees a request, an answer or a reference result.
- grading side (the trusted driver) ↔ child: one `Request` at a time (call this with these plain
  arguments; run this script with these values moved), one `Reply` each, carrying the request's
  nonce. Student code only ever answers the request in front of it.
- the driver's account of a whole child to the judges: a `RunReply` holding one `Observation`
  per check, built on the trusted side from the replies.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationInfo, field_validator

from grader.fences import Plan

Phase = Literal["import", "run", "call"]
MAX_REPLY_BYTES = 8 * 2**20      # one answer larger than this is refused, not parsed
MAX_MESSAGE = 2000               # characters of a student exception's message kept
MAX_CODE = 300                   # characters of the student's source line kept


class ErrorInfo(BaseModel):
    """An exception raised by student code, located in the student's file where possible."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="Exception class name, e.g. 'ZeroDivisionError'.")
    message: str = Field(description="str() of the exception, truncated.")
    file: str | None = Field(None, description="Student file (relative to the submission) of the innermost student frame.")
    line: int | None = Field(None, description="Line number in that file (in its cell, for a notebook).")
    cell: int | None = Field(None, description="For a notebook: its cell, counted from 1 at the top (set by the trusted side).")
    code: str | None = Field(None, description="The source line, for the feedback.")
    timeout: bool = Field(False, description="True when the grader stopped a call that ran too long.")

    @field_validator("message", "code", mode="after")
    @classmethod
    def bounded(cls, text: str | None, info: ValidationInfo) -> str | None:
        """A student's line of code or message may be megabytes long: shown in every check's
        message and every output, it is cut here, on the trusted side, whatever the child sent."""
        limit = MAX_CODE if info.field_name == "code" else MAX_MESSAGE
        return text if text is None or len(text) <= limit else text[:limit] + " …"


class Observation(BaseModel):
    """What one probe saw: a plain value, or the error student code raised. One check, one object."""

    model_config = ConfigDict(extra="forbid")

    check: str = Field(description="Name of the check, '__load__' for importing/running the file, or "
                                   "'__setup__' for the sandbox's set-up before it.")
    phase: Phase
    value: JsonValue = Field(None, description="Plain data the probe made of the child's answers.")
    error: ErrorInfo | None = None
    output: str = Field("", description="What student code printed while answering this check (capped).")
    seconds: float = Field(0.0, ge=0)
    lines: list[int] | None = Field(None, description="Lines of the exercise file its requests ran, when the job traced them.")


# --- grading side → worker -------------------------------------------------------------------
class Job(BaseModel):
    """What a warm worker needs to fork one child: where, with which limits and fences. Nothing
    about what the child will be asked, nothing it should answer."""

    model_config = ConfigDict(extra="forbid")

    exercise: str
    kind: Literal["module", "script", "deferred"]
    box: str = Field(description="Private folder holding this submission's copy; the child's only writable place.")
    file: str = Field(description="The exercise file, relative to box.")
    paths: list[str] = Field(default_factory=list, description="Folders (relative to box) put on sys.path after the file's own.")
    timeout: float = Field(gt=0, description="Wall-clock seconds for the whole child.")
    call_timeout: float = Field(gt=0, description="Seconds for one check's requests together.")
    memory_mb: int = Field(gt=0, description="Address-space limit of the child.")
    output_bytes: int = Field(gt=0, description="Captured output kept per request and per stream.")
    threads: int = Field(1, ge=1, description="torch/OpenMP threads the child may use.")
    device: Literal["cpu", "cuda"] = "cpu"
    gpu_sharers: int = Field(1, ge=1, description="How many children may use the GPU at once; each gets its share of its memory.")
    fences: Plan = Field(default_factory=Plan, description="Kernel fences the child puts up before student code runs.")
    trace: bool = Field(False, description="Record the lines of the exercise file each request runs: the reference's "
                                           "copy in `grade mutants`, never a student's (tracing slows loops).")


class Exit(BaseModel):
    """The worker's word on a child it forked: how it ended."""

    model_config = ConfigDict(extra="forbid")

    exit_code: int | None = Field(None, description="Exit status, or None when killed by a signal.")
    signal: int | None = None
    timed_out: bool = False
    worker_error: str | None = None


# --- driver ↔ child ----------------------------------------------------------------------------
class Step(BaseModel):
    """One thing to do in the child. Exactly one of `make`, `call`, `get`.

    Targets: `$name.attr` starts at an object kept by an earlier step, `!torch.save` at a module
    the grader names, anything else in the student's namespace; a number in a path indexes.
    Arguments are plain JSON, `{"$": name}` for a kept object, or `{"make": {...}}`."""

    model_config = ConfigDict(extra="forbid")

    make: dict[str, JsonValue] | None = Field(None, description="Build a value from a plain description (grader.arguments).")
    call: str | None = None
    get: str | None = None
    args: list[JsonValue] = Field(default_factory=list)
    kwargs: dict[str, JsonValue] = Field(default_factory=dict)
    keep: str | None = Field(None, description="Keep the result under this name for later steps.")
    convert: Literal["plain", "number", "str", "none"] = Field("plain", description="How the result comes back.")
    default: str | None = Field(None, description="A kept name whose value stands in when the result is None.")


class Move(BaseModel):
    """A change made while a script runs: values the student cannot know, calls recorded."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["shift_tensors", "arguments", "record_calls", "training"]
    target: str = ""
    values: list[JsonValue] = Field(default_factory=list)
    attributes: list[str] = Field(default_factory=list)


class FileOp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    op: Literal["exists", "rename", "copy"]
    path: str
    to: str = ""


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nonce: str = Field(description="Echoed by the reply: an answer written before the request existed cannot match.")
    op: Literal["load", "run", "steps", "cases", "api", "files"]
    timeout: float = Field(gt=0)
    steps: list[Step] = Field(default_factory=list)
    cases: list[list[Step]] = Field(default_factory=list, description="Independent lists of steps: an error "
                                    "in one is that case's answer, the next case still runs (one request, many cases).")
    moves: list[Move] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)
    files: list[FileOp] = Field(default_factory=list)


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="constants")

    nonce: str
    results: list[Any] = Field(default_factory=list, description="One per step done (or per file op); parsed from JSON.")
    error: ErrorInfo | None = None
    records: dict[str, Any] = Field(default_factory=dict, description="What moves and recording callables saw; parsed from JSON.")
    output: str = ""
    seconds: float = Field(0.0, ge=0)
    lines: list[int] = Field(default_factory=list, description="Lines of the exercise file run, when the job traces them.")


# --- driver → judges --------------------------------------------------------------------------
class RunReply(BaseModel):
    """The trusted driver's account of one child: how it ended, what it printed, what each check saw."""

    model_config = ConfigDict(extra="forbid")

    exit_code: int | None = Field(None, description="Exit status, or None when killed by a signal.")
    signal: int | None = None
    timed_out: bool = False
    output_exceeded: bool = False
    stdout: str = ""
    stderr: str = ""
    observations: dict[str, Observation] = Field(default_factory=dict)
    rejected: int = Field(0, description="Lines on the answer pipe that answered no request.")
    seconds: float = 0.0
    worker_error: str | None = Field(None, description="A failure of the grader's own machinery, never the student's.")
