"""A warm worker: imports torch once, then forks one sandboxed child per job.

Started by the grading process as `python -I -m grader.worker`; reads one `Job` a line on
stdin and answers one `RunReply` a line on stdout. It holds no reference results and no
other student's data: a job carries only the probes' inputs and one submission's folder.

Fork safety: torch's and OpenMP's thread pools start on first use, so the worker never runs a
tensor operation; CUDA is never initialised here (a forked child could not use it).
"""
from __future__ import annotations

import gc
import os
import select
import signal
import sys
import time
from pathlib import Path

from grader import fences
from grader.fences import WorkerNamespaces
from grader.wire import Job, RunReply

STREAM_LIMIT = 64 * 2**20  # past this much output the child is stopped, not just truncated
GROUP = None               # (cgroup layout, name) this worker moved itself into, if any
NAMESPACES = WorkerNamespaces()


def warm_up() -> None:
    """Import what student code and probes use, without starting any thread pool."""
    import numpy  # noqa: F401
    import torch  # noqa: F401
    import torch.nn  # noqa: F401
    import torch._dynamo  # noqa: F401 - torch.optim imports it on first use: 0.8 s a child otherwise
    import torch.optim  # noqa: F401

    import grader.harness  # noqa: F401
    for fence_library in ("landlock", "pyseccomp"):   # loaded before the fences forbid reading them
        try:
            __import__(fence_library)
        except Exception:  # noqa: BLE001 - fences.probe() reports what is missing
            pass
    import grader.probes  # noqa: F401


def run_job(job: Job) -> RunReply:
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    res_r, res_w = os.pipe()
    limit_next_child(job)
    fences.prepare(job.fences)
    started = time.monotonic()
    born_in_namespaces = NAMESPACES.usable(job.fences, gpu=job.device == "cuda")
    if born_in_namespaces:
        NAMESPACES.before_fork()
    worker_pid = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        _child(job, out_w, err_w, res_w, born_in_namespaces, worker_pid)
    if born_in_namespaces:
        NAMESPACES.after_fork()
    for fd in (out_w, err_w, res_w):
        os.close(fd)
    reply = _collect(job, pid, {out_r: "stdout", err_r: "stderr", res_r: "result"}, started)
    reply.seconds = time.monotonic() - started
    return reply


def _child(job: Job, out_w: int, err_w: int, res_w: int, in_namespaces: bool, worker_pid: int) -> None:
    code = 0
    try:
        from grader import harness, sandbox

        sandbox.enter(job, out_w, err_w, keep_fds=[1, 2, res_w])
        emit = harness.Emitter(res_w, job.token)
        if not _set_up(job, in_namespaces, worker_pid, emit):
            os._exit(70)
        harness.run(job, emit)
    except BaseException:  # noqa: BLE001 - report on stderr, the worker reads it
        import traceback

        traceback.print_exc()
        code = 70
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _set_up(job: Job, in_namespaces: bool, worker_pid: int, emit) -> bool:
    """Fences, threads and the GPU share, before any student code. The `__setup__` observation
    says how it went, always, before student code runs: a failure here is the grader's (or the
    machine's), never the student's, and the first word on a check being final, student code
    cannot claim one afterwards."""
    from grader import gpu
    from grader.harness import error_info
    from grader.wire import ErrorInfo, Observation

    try:
        fences.apply(job.fences, job.box, worker_pid, in_namespaces, gpu=job.device == "cuda")
        import torch

        torch.set_num_threads(job.threads)
        if job.device == "cuda":
            gpu.claim_share(job.gpu_sharers)
    except BaseException as error:  # noqa: BLE001
        info = error_info(error, Path(job.box))
        emit(Observation(check="__setup__", phase="run", error=ErrorInfo(type="GraderError", message=f"{info.type}: {info.message}")))
        return False
    emit(Observation(check="__setup__", phase="run"))
    return True


def _collect(job: Job, pid: int, streams: dict[int, str], started: float) -> RunReply:
    buffers = {name: bytearray() for name in streams.values()}
    sizes = {name: 0 for name in streams.values()}
    keep = {"stdout": job.output_bytes, "stderr": job.output_bytes, "result": STREAM_LIMIT}
    deadline = started + job.timeout
    timed_out = exceeded = False
    open_fds = set(streams)
    while open_fds:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        ready, _, _ = select.select(list(open_fds), [], [], min(remaining, 1.0))
        for fd in ready:
            chunk = os.read(fd, 65536)
            name = streams[fd]
            if not chunk:
                open_fds.discard(fd)
                continue
            room = keep[name] - len(buffers[name])
            if room > 0:
                buffers[name] += chunk[:room]
            sizes[name] += len(chunk)
            if sizes[name] > STREAM_LIMIT:
                exceeded = True
        if exceeded:
            break
    _kill_group(pid)
    _, status = os.waitpid(pid, 0)
    for fd in streams:
        os.close(fd)
    exit_code = os.waitstatus_to_exitcode(status)
    lines = buffers["result"].decode("utf-8", "replace").splitlines()
    return RunReply(
        exit_code=exit_code if exit_code >= 0 else None,
        signal=-exit_code if exit_code < 0 else None,
        timed_out=timed_out,
        output_exceeded=exceeded,
        stdout=_text(buffers["stdout"], sizes["stdout"]),
        stderr=_text(buffers["stderr"], sizes["stderr"]),
        lines=lines,
    )


def limit_next_child(job: Job) -> None:
    """Put the worker in its own cgroup (once), and size the group's memory for this child."""
    layout = job.fences.cgroups
    if layout is None:
        return
    from grader import cgroups
    from grader.fences import PROCESS_LIMIT

    global GROUP
    if GROUP is None:
        GROUP = (layout, cgroups.worker_group(os.getpid()))
        cgroups.join(layout, GROUP[1], PROCESS_LIMIT + 64, cgroups.unlimited(layout))
    cgroups.clear(layout, GROUP[1])
    cgroups.set_memory_limit(layout, GROUP[1], job.memory_mb * 2**20)


def _text(data: bytearray, size: int) -> str:
    text = data.decode("utf-8", "replace")
    return text + (f"\n[... {size - len(data)} more bytes not kept ...]\n" if size > len(data) else "")


def _kill_group(pid: int) -> None:
    """Kill the child and everything still in its process group."""
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


def main() -> int:
    channel_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
    channel_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    # Anything else printed to fd 1 (a library's warning) must not corrupt the channel.
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    warm_up()
    gc.freeze()   # the children's collections then skip (and never copy) the pages torch's objects sit on
    channel_out.write('{"ready": true}\n')
    channel_out.flush()
    for line in channel_in:
        try:
            reply = run_job(Job.model_validate_json(line))
        except Exception as error:  # noqa: BLE001 - a grader failure, reported as one
            reply = RunReply(worker_error=f"{type(error).__name__}: {error}")
        channel_out.write(reply.model_dump_json() + "\n")
        channel_out.flush()
    if GROUP is not None:
        from grader import cgroups

        cgroups.leave(*GROUP)
    channel_out.flush()
    # Tearing down an interpreter that loaded torch takes half a second; there is nothing to keep.
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
