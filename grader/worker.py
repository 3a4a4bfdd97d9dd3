"""A warm worker: imports torch once, then forks one sandboxed child per job. Nothing else.

Started by the grading process as `python -I`, it talks to it over one Unix socket (a message
each way per job): a `Job` arrives with the four pipe ends of the child's conversation (requests
in, replies out, stdout, stderr), the worker forks the child with them and answers an `Exit` when
the child is gone. It never reads those pipes, so it never holds a request, an answer, a
reference result or another student's output: every child starts from the same pristine process
(torch imported, nothing else), and nothing a driver has seen can be found in a child's memory.

Fork safety: torch's and OpenMP's thread pools start on first use, so the worker never runs a
tensor operation; CUDA is never initialised here (a forked child could not use it).
"""
from __future__ import annotations

import gc
import json
import os
import select
import signal
import socket
import sys
import time
from pathlib import Path

from grader import fences
from grader.fences import WorkerNamespaces
from grader.wire import Exit, Job

MESSAGE_BYTES = 1 << 20
GROUP = None               # (cgroup layout, name) this worker moved itself into, if any
NAMESPACES = WorkerNamespaces()


def warm_up() -> None:
    """Import what student code and the child's answering use, without starting any thread pool.
    Only child-side modules of the grader: no probe, judge or reference code is ever loaded here."""
    import numpy  # noqa: F401
    import torch  # noqa: F401
    import torch._dynamo  # noqa: F401 - torch.optim imports it on first use: 0.8 s a child otherwise
    import torch.nn  # noqa: F401
    import torch.optim  # noqa: F401
    import torch.optim.optimizer  # noqa: F401

    import grader.child  # noqa: F401
    import grader.gpu  # noqa: F401
    import grader.sandbox  # noqa: F401
    for fence_library in ("landlock", "pyseccomp"):   # loaded before the fences forbid reading them
        try:
            __import__(fence_library)
        except Exception:  # noqa: BLE001 - fences.probe() reports what is missing
            pass
    grader.child.GRADER_MODULES[:] = [name for name in sys.modules if name == "grader" or name.startswith("grader.")]


def run_job(job: Job, fds: list[int], control: socket.socket) -> Exit:
    """Fork the child with its four pipe ends (requests in, replies out, stdout, stderr), then
    wait for it: until it exits, the driver asks to stop it, or its time is up. What it says
    goes straight to the driver; this process never reads a word of it."""
    limit_next_child(job)
    fences.prepare(job.fences)
    started = time.monotonic()
    born_in_namespaces = NAMESPACES.usable(job.fences, gpu=job.device == "cuda")
    if born_in_namespaces:
        NAMESPACES.before_fork()
    worker_pid = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        _child(job, fds, born_in_namespaces, worker_pid)
    if born_in_namespaces:
        NAMESPACES.after_fork()
    for fd in fds:
        os.close(fd)
    return _wait(job, pid, control, started)


def _child(job: Job, fds: list[int], in_namespaces: bool, worker_pid: int) -> None:
    requests_fd, replies_fd, out_w, err_w = fds
    code = 0
    try:
        from grader import child, sandbox

        sandbox.enter(job, out_w, err_w, keep_fds=[1, 2, requests_fd, replies_fd])
        if not _set_up(job, in_namespaces, worker_pid, replies_fd):
            os._exit(70)
        child.serve(job, requests_fd, replies_fd)
    except BaseException:  # noqa: BLE001 - report on stderr, the driver reads it
        import traceback

        traceback.print_exc()
        code = 70
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _set_up(job: Job, in_namespaces: bool, worker_pid: int, replies_fd: int) -> bool:
    """Fences, threads and the GPU share, before any student code. The first reply says how it
    went, always, before student code runs: a failure here is the grader's (or the machine's),
    never the student's."""
    from grader import gpu
    from grader.child import error_info

    error = None
    try:
        fences.apply(job.fences, job.box, worker_pid, in_namespaces, gpu=job.device == "cuda")
        import torch

        torch.set_num_threads(job.threads)
        if job.device == "cuda":
            gpu.claim_share(job.gpu_sharers)
    except BaseException as caught:  # noqa: BLE001
        info = error_info(caught, Path(job.box))
        error = {"type": "GraderError", "message": f"{info.type}: {info.message}"}
    os.write(replies_fd, (json.dumps({"nonce": "setup", "error": error}) + "\n").encode())
    return error is None


def _wait(job: Job, pid: int, control: socket.socket, started: float) -> Exit:
    """Until the child exits: a `stop` from the driver or the deadline kills its whole tree."""
    watch = os.pidfd_open(pid)
    deadline = started + job.timeout
    timed_out = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([watch, control.fileno()], [], [], remaining)
            if watch in ready:
                break
            if control.fileno() in ready:
                message = control.recv(64)
                if not message or message.startswith(b"stop"):
                    break
    finally:
        os.close(watch)
    _kill_group(pid)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return Exit(exit_code=code if code >= 0 else None, signal=-code if code < 0 else None, timed_out=timed_out)


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


def _kill_group(pid: int) -> None:
    """Kill the child and everything still in its process group."""
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


def spawned(job_json: str, requests_fd: int, replies_fd: int) -> None:
    """The spawn path's child (grader.pool.SpawnedWorker): a fresh interpreter, started with the
    ends of its conversation, that imports what a warm worker would and then lives as a forked
    child does: set up, answer requests, exit."""
    warm_up()
    _child(Job.model_validate_json(job_json), [requests_fd, replies_fd, 1, 2], False, os.getpid())


def main() -> int:
    control = socket.socket(fileno=int(sys.argv[2]))
    # Anything printed to fd 1 or 2 (a library's warning) goes to the worker's log, never a channel.
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    warm_up()
    gc.freeze()   # the children's collections then skip (and never copy) the pages torch's objects sit on
    control.send(b'{"ready": true}')
    while True:
        message, fds, _, _ = socket.recv_fds(control, MESSAGE_BYTES, 4)
        if not message:
            break
        if message.startswith(b"stop"):     # late: that child is gone already
            continue
        try:
            if len(fds) != 4:
                raise ValueError(f"expected the child's 4 pipe ends, got {len(fds)}")
            reply = run_job(Job.model_validate_json(message), fds, control)
        except Exception as error:  # noqa: BLE001 - a grader failure, reported as one
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            reply = Exit(worker_error=f"{type(error).__name__}: {error}")
        control.send(reply.model_dump_json().encode())
    if GROUP is not None:
        from grader import cgroups

        cgroups.leave(*GROUP)
    # Tearing down an interpreter that loaded torch takes half a second; there is nothing to keep.
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
