"""The plain data that crosses the trust boundary, parsed with pydantic on arrival.

A child process running student code sends one `Observation` a line; the warm worker that
forked it answers the grading process with one `RunReply`. Nothing else crosses: no pickle,
and the child's stdout is never parsed for results.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from grader.fences import Plan

Phase = Literal["import", "run", "call"]


class ErrorInfo(BaseModel):
    """An exception raised by student code, located in the student's file where possible."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="Exception class name, e.g. 'ZeroDivisionError'.")
    message: str = Field(description="str() of the exception, truncated.")
    file: str | None = Field(None, description="Student file (relative to the submission) of the innermost student frame.")
    line: int | None = Field(None, description="Line number in that file.")
    code: str | None = Field(None, description="The source line, for the feedback.")
    timeout: bool = Field(False, description="True when the grader stopped a call that ran too long.")


class Observation(BaseModel):
    """What one probe saw: a plain value, or the error student code raised. One call, one object."""

    model_config = ConfigDict(extra="forbid")

    check: str = Field(description="Name of the check, '__load__' for importing/running the file, or "
                                   "'__setup__' for the sandbox's set-up before it.")
    phase: Phase
    value: JsonValue = Field(None, description="Plain data returned by the probe (numbers, lists, strings, dicts).")
    error: ErrorInfo | None = None
    output: str = Field("", description="What student code printed during this probe (capped).")
    seconds: float = Field(0.0, ge=0)


class Job(BaseModel):
    """One (submission, exercise) to run in a fresh child: everything the probes need, nothing more."""

    model_config = ConfigDict(extra="forbid")

    exercise: str
    kind: Literal["module", "script", "deferred"]
    box: str = Field(description="Private folder holding this submission's copy; the child's only writable place.")
    file: str = Field(description="The exercise file, relative to box.")
    paths: list[str] = Field(default_factory=list, description="Folders (relative to box) put on sys.path after the file's own.")
    checks: list[ProbeCall] = Field(default_factory=list)
    timeout: float = Field(gt=0, description="Wall-clock seconds for the whole child.")
    call_timeout: float = Field(gt=0, description="Seconds for one check's probe.")
    memory_mb: int = Field(gt=0, description="Address-space limit of the child.")
    output_bytes: int = Field(gt=0, description="Captured stdout/stderr kept per stream.")
    threads: int = Field(1, ge=1, description="torch/OpenMP threads the child may use.")
    device: Literal["cpu", "cuda"] = "cpu"
    gpu_sharers: int = Field(1, ge=1, description="How many children may use the GPU at once; each gets its share of its memory.")
    token: str = Field("", description="Prefix of every genuine result line; lines without it were not the harness's.")
    fences: Plan = Field(default_factory=Plan, description="Kernel fences the child puts up before student code runs.")


class ProbeCall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    check: str
    probe: str = Field(description="Name of the probe function in grader.probes.")
    params: JsonValue = None


class RunReply(BaseModel):
    """The worker's account of one child: how it ended, what it printed, the observations it sent."""

    model_config = ConfigDict(extra="forbid")

    exit_code: int | None = Field(None, description="Exit status, or None when killed by a signal.")
    signal: int | None = None
    timed_out: bool = False
    output_exceeded: bool = False
    stdout: str = ""
    stderr: str = ""
    lines: list[str] = Field(default_factory=list, description="Raw observation lines, validated by the parent.")
    seconds: float = 0.0
    worker_error: str | None = Field(None, description="A failure of the grader's own worker, never the student's.")


Job.model_rebuild()
