"""Where work items run: a local pool of warm workers, or a Dask cluster (grader.cluster).

Both take a job and the staged copy of its submission and return a future of the worker's
RunReply; judging stays in the grading process either way."""
from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import Future
from pathlib import Path

from grader.fences import Plan
from grader.pool import WorkerPool
from grader.wire import Job, RunReply


MEMORY_FOLDER = Path("/dev/shm")
MEMORY_FOLDER_NEEDED = 2 * 2**30


def boxes_root(memory_capped: bool) -> str | None:
    """Where the private copies go. In memory (tmpfs) a copy costs a tenth of one on a journaling
    disk, but files there take RAM: only where each child's memory is capped by a cgroup (which
    counts the files the child writes), and with at most one box per worker at any time. None:
    the system's temporary folder."""
    if not memory_capped or not MEMORY_FOLDER.is_dir() or not os.access(MEMORY_FOLDER, os.W_OK):
        return None
    space = os.statvfs(MEMORY_FOLDER)
    return str(MEMORY_FOLDER) if space.f_bavail * space.f_frsize >= MEMORY_FOLDER_NEEDED else None


class LocalRunner:
    """Warm workers on this machine; each item gets a fresh private copy of its submission."""

    def __init__(self, workers: int, plan: Plan | None = None) -> None:
        plan = plan or Plan()
        self.boxes = Path(tempfile.mkdtemp(prefix="grader-boxes-", dir=boxes_root(plan.cgroups is not None)))
        if plan.drop_to_uid is not None:
            self.boxes.chmod(0o711)   # children dropped to another uid must reach their own box
        self.pool = WorkerPool(workers, cgroups=plan.cgroups)

    def submit(self, job: Job, staged: Path, name: str) -> Future[RunReply]:
        """The box is made when a worker takes the item and removed before it takes the next."""
        box = self.boxes / name
        # Contents only: times and modes are not needed.
        return self.pool.submit(job.model_copy(update={"box": str(box)}),
                                before=lambda: shutil.copytree(staged, box, copy_function=shutil.copyfile),
                                after=lambda: shutil.rmtree(box, ignore_errors=True))

    def close(self) -> None:
        self.pool.close()
        shutil.rmtree(self.boxes, ignore_errors=True)

    def __enter__(self) -> LocalRunner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
