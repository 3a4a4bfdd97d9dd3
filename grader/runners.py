"""Where work items run: a local pool of warm workers, or a Dask cluster (grader.cluster).

Both take a job and the staged copy of its submission and return a future of the worker's
RunReply; judging stays in the grading process either way."""
from __future__ import annotations

import shutil
from concurrent.futures import Future
from pathlib import Path

from grader.cgroups import Layout
from grader.pool import WorkerPool
from grader.wire import Job, RunReply


class LocalRunner:
    """Warm workers on this machine; each item gets a fresh private copy of its submission."""

    def __init__(self, workers: int, scratch: Path, cgroups: Layout | None) -> None:
        self.scratch = scratch
        self.pool = WorkerPool(workers, cgroups=cgroups)

    def submit(self, job: Job, staged: Path, name: str) -> Future[RunReply]:
        box = self.scratch / name
        shutil.copytree(staged, box, copy_function=shutil.copyfile)   # contents only: times and modes are not needed
        return self.pool.submit(job.model_copy(update={"box": str(box)}))

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> LocalRunner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
