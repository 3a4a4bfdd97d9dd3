"""Where work items run: a local pool of warm workers, or a Dask cluster (grader.cluster).

Both take a job and the staged copy of its submission and return a future of the worker's
RunReply; judging stays in the grading process either way."""
from __future__ import annotations

import os
import shutil
from concurrent.futures import Future
from pathlib import Path

from grader.cgroups import Layout
from grader.pool import WorkerPool
from grader.wire import Job, RunReply


MEMORY_FOLDER = Path("/dev/shm")
MEMORY_FOLDER_NEEDED = 2 * 2**30


def scratch_root(memory_capped: bool) -> str | None:
    """Where the private copies go. In memory (tmpfs) a copy costs a tenth of one on a journaling
    disk, but files there take RAM: only where each child's memory is capped by a cgroup, which
    counts the files it writes, and the box is removed before its worker's next child starts.
    None: the system's temporary folder."""
    if not memory_capped or not MEMORY_FOLDER.is_dir() or not os.access(MEMORY_FOLDER, os.W_OK):
        return None
    space = os.statvfs(MEMORY_FOLDER)
    return str(MEMORY_FOLDER) if space.f_bavail * space.f_frsize >= MEMORY_FOLDER_NEEDED else None


class LocalRunner:
    """Warm workers on this machine; each item gets a fresh private copy of its submission."""

    def __init__(self, workers: int, scratch: Path, cgroups: Layout | None) -> None:
        self.scratch = scratch
        self.pool = WorkerPool(workers, cgroups=cgroups)

    def submit(self, job: Job, staged: Path, name: str) -> Future[RunReply]:
        box = self.scratch / name
        shutil.copytree(staged, box, copy_function=shutil.copyfile)   # contents only: times and modes are not needed
        return self.pool.submit(job.model_copy(update={"box": str(box)}),
                                after=lambda: shutil.rmtree(box, ignore_errors=True))

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> LocalRunner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
