"""Inside the child: load the student's file, run each probe, stream one observation a line.

This module runs in the sandboxed child, next to student code; it holds no expected values.
Each probe call is one captured result (value or error, output, duration), like pytest's
CallInfo. A probe that runs too long is stopped by a timer whose exception derives from
BaseException, so a student's `except Exception:` cannot swallow it.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import runpy
import signal
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from grader.plain import Unconvertible
from grader.wire import ErrorInfo, Job, Observation


class CallTimeout(BaseException):
    """Raised by the grader's timer in a probe that ran past its time."""


class OutputLimit(BaseException):
    """Raised when student code prints far more than any exercise needs (a print in an endless loop)."""


class CappedText(io.TextIOBase):
    """A stdout replacement that keeps the first `limit` characters, drops the rest, and stops
    the code once it has printed `stop_after` characters."""

    stop_after = 64 * 2**20

    def __init__(self, limit: int) -> None:
        self.limit, self.parts, self.size = limit, [], 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self.size < self.limit:
            self.parts.append(text[: self.limit - self.size])
        self.size += len(text)
        if self.size > self.stop_after:
            raise OutputLimit(f"stopped after printing more than {self.stop_after // 2**20} MiB")
        return len(text)

    def getvalue(self) -> str:
        text = "".join(self.parts)
        return text + ("\n[... output truncated ...]\n" if self.size > self.limit else "")


class Context:
    """What a probe gets: the loaded student code and helpers to call it safely."""

    def __init__(self, job: Job, namespace: dict[str, Any], module: ModuleType | None,
                 prepared: dict[str, Any] | None = None) -> None:
        self.job = job
        self.prepared = prepared or {}  # what probes set up before the file ran (see probes.SETUPS)
        self.namespace = namespace      # the module's globals, or the script's after running it
        self.module = module
        self.box = Path(job.box)
        self.file = self.box / job.file

    def attempt(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Call student code; {"value": ...} or {"error": ErrorInfo-as-dict}. Grader timeouts pass through."""
        try:
            return {"value": function(*args, **kwargs)}
        except CallTimeout:
            raise
        except BaseException as error:  # SystemExit and KeyboardInterrupt from student code too
            return {"error": error_info(error, self.box).model_dump()}

    def run_script(self, module_name: str = "__main__") -> dict[str, Any]:
        """Run the student's file again as a script, in a fresh namespace; returns its globals."""
        return runpy.run_path(str(self.file), run_name=module_name)


def error_info(error: BaseException, box: Path) -> ErrorInfo:
    """Describe an exception, pointing at the innermost frame inside the student's files."""
    if isinstance(error, CallTimeout):
        return ErrorInfo(type="Timeout", message=str(error), timeout=True)
    file = line = code = None
    if isinstance(error, SyntaxError) and error.filename:
        file, line, code = error.filename, error.lineno, (error.text or "").strip() or None
    else:
        for frame in traceback.extract_tb(error.__traceback__):
            if _inside(frame.filename, box):
                file, line, code = frame.filename, frame.lineno, frame.line
    if file is not None and _inside(file, box):
        file = str(Path(file).resolve().relative_to(box.resolve()))
    try:
        message = str(error)
    except BaseException:  # a student exception whose __str__ raises
        message = "<unprintable exception>"
    if isinstance(error, SystemExit):
        message = f"the code called sys.exit({message}) while being graded"
    return ErrorInfo(type=type(error).__name__, message=message[:2000], file=file, line=line, code=code)


def _inside(filename: str, box: Path) -> bool:
    try:
        Path(filename).resolve().relative_to(box.resolve())
        return True
    except (ValueError, OSError):
        return False


@contextlib.contextmanager
def time_limit(seconds: float):
    def expire(signum, frame):
        raise CallTimeout(f"stopped after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def captured(limit: int):
    """Send Python-level prints to a capped buffer for the duration of one call."""
    buffer = CappedText(limit)
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = buffer
    try:
        yield buffer
    finally:
        sys.stdout, sys.stderr = saved


class Emitter:
    """Writes observations, one JSON line each, to the result pipe as soon as they exist.

    Streaming keeps what was observed before a student's os._exit() or crash. Each line starts
    with the job's token, so lines that student code writes into the inherited pipe are told apart."""

    def __init__(self, fd: int, token: str) -> None:
        self.stream = os.fdopen(fd, "w", encoding="utf-8", closefd=True)
        self.token = token

    def __call__(self, observation: Observation) -> None:
        self.stream.write(f"{self.token} {observation.model_dump_json()}\n")
        self.stream.flush()


def observe(check: str, phase: str, job: Job, action: Callable[[], Any], limit: float) -> Observation:
    """Run one action under a time limit with output captured; never raises."""
    started = time.perf_counter()
    value, error = None, None
    with captured(job.output_bytes) as output:
        try:
            with time_limit(limit):
                value = action()
        except BaseException as caught:  # noqa: BLE001 - student code may raise anything
            error = caught
    seconds = time.perf_counter() - started
    info = error_info(error, Path(job.box)) if error is not None else None
    try:
        observation = Observation(check=check, phase=phase, value=value, error=info,
                                  output=output.getvalue(), seconds=seconds)
    except ValueError as problem:  # a probe returned something that is not plain data: the grader's bug
        observation = Observation(check=check, phase=phase, output=output.getvalue(), seconds=seconds,
                                  error=ErrorInfo(type="GraderError", message=f"probe value not plain data: {problem}"[:2000]))
    return observation


def load(job: Job) -> tuple[dict[str, Any], ModuleType | None]:
    """Import the student's module (registered under its exercise name) or run the script as __main__."""
    box = Path(job.box)
    path = box / job.file
    os.chdir(path.parent)
    # The project folder (which holds reference/) was on sys.path only to import the grader.
    project = Path(__file__).resolve().parent.parent
    sys.path[:] = [str(path.parent)] + [str(box / extra) for extra in job.paths] + [
        entry for entry in sys.path if entry and Path(entry).resolve() != project]
    sys.argv = [str(path)]
    if job.kind == "script":
        return runpy.run_path(str(path), run_name="__main__"), None
    if job.kind == "deferred":  # the probes run the file themselves, after preparing its folder
        return {}, None
    name = path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return vars(module), module


def run(job: Job, emit: Callable[[Observation], None]) -> None:
    """The child's whole life after the sandbox is set: load, then every probe, streaming results."""
    from grader import probes

    loaded: dict[str, Any] = {}
    prepared = {}
    for call in job.checks:
        if call.probe in probes.SETUPS:
            name, setup = probes.SETUPS[call.probe]
            prepared[name] = setup(call.params)

    def do_load():
        loaded["namespace"], loaded["module"] = load(job)

    phase = "run" if job.kind == "script" else "import"
    observation = observe("__load__", phase, job, do_load, job.timeout)
    emit(observation)
    if observation.error is not None:
        return
    context = Context(job, loaded["namespace"], loaded["module"], prepared)
    for call in job.checks:
        probe = probes.REGISTRY[call.probe]

        def action(probe=probe, params=call.params):
            try:
                return probe(context, params)
            except Unconvertible as error:
                raise TypeError(str(error)) from None

        observation = observe(call.check, "call", job, action, job.call_timeout)
        emit(observation)
