"""The fences a child puts up around itself right after the fork, before student code runs.

Each child gets its own session and process group (so the whole tree can be killed), a
cleared environment, stdin from /dev/null, stdout/stderr into the worker's capped pipes,
and rlimits on address space, CPU time, file size, open files and core dumps.
"""
from __future__ import annotations

import os
import resource

from grader.gpu import CUDA_ENVIRONMENT
from grader.wire import Job

# Variables a child keeps; everything else (tokens, secrets, paths) is dropped.
KEPT_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "TZ")
FILE_SIZE_LIMIT = 64 * 2**20


def child_environment(job: Job, threads: int) -> dict[str, str]:
    env = {key: os.environ[key] for key in KEPT_ENVIRONMENT if key in os.environ}
    env.update(
        HOME=job.box,
        TMPDIR=job.box,
        PYTHONIOENCODING="utf-8",
        PYTHONDONTWRITEBYTECODE="1",
        OMP_NUM_THREADS=str(threads),
        MKL_NUM_THREADS=str(threads),
        OPENBLAS_NUM_THREADS=str(threads),
        # Course-era code saves and loads whole models (torch.save(model)); torch >= 2.6 refuses
        # those by default. This only ever runs inside the sandbox.
        TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD="1",
        MPLBACKEND="Agg",
    )
    if job.device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
    else:
        env.update({key: os.environ[key] for key in CUDA_ENVIRONMENT if key in os.environ})
    return env


def enter(job: Job, stdout_fd: int, stderr_fd: int, keep_fds: list[int]) -> None:
    """Called in the freshly forked child: isolate, then return to run the probes."""
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(stdout_fd, 1)
    os.dup2(stderr_fd, 2)
    _close_all_but(keep_fds)
    environment = child_environment(job, job.threads)   # read what is kept before clearing
    os.environ.clear()
    os.environ.update(environment)
    os.umask(0o077)
    seconds = int(job.timeout) + 2
    limits = {
        resource.RLIMIT_CPU: (seconds, seconds + 1),
        resource.RLIMIT_FSIZE: (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT),
        resource.RLIMIT_NOFILE: (256, 256),
        resource.RLIMIT_CORE: (0, 0),
    }
    if job.device == "cpu":  # a CUDA context reserves far more address space than it uses
        memory = job.memory_mb * 2**20
        limits[resource.RLIMIT_AS] = (memory, memory)
    for kind, (soft, hard) in limits.items():
        current_soft, current_hard = resource.getrlimit(kind)
        if current_hard != resource.RLIM_INFINITY:
            hard = min(hard, current_hard)
            soft = min(soft, hard)
        resource.setrlimit(kind, (soft, hard))


def _close_all_but(keep: list[int]) -> None:
    start = 3
    for fd in sorted(keep):
        if fd > start:
            os.closerange(start, fd)
        start = max(start, fd + 1)
    os.closerange(start, 4096)
