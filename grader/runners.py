"""Where work items run: a local pool of warm workers, or a Dask cluster (grader.cluster).

Both take an item and the staged copy of its submission and return a future of the driver's
RunReply; judging stays in the grading process either way."""
from __future__ import annotations

import functools
import os
import shutil
import tempfile
from concurrent.futures import Future
from pathlib import Path

from grader.driver import Item
from grader.fences import Plan
from grader.pool import WorkerPool
from grader.wire import RunReply

MEMORY_FOLDER = Path("/dev/shm")
MEMORY_FOLDER_NEEDED = 2 * 2**30
BOX_HEADROOM = 256 * 2**20      # free memory kept beside each copy made there


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
    """Warm workers on this machine; each item gets a fresh private copy of its submission.

    Copies go in memory where that is safe (see boxes_root) and to disk when memory is short;
    a box that cannot be removed afterwards is reported in `problems`, never ignored."""

    def __init__(self, workers: int, plan: Plan | None = None) -> None:
        plan = plan or Plan()
        memory = boxes_root(plan.cgroups is not None)
        self.roots = [Path(tempfile.mkdtemp(prefix="grader-boxes-", dir=folder))
                      for folder in ([memory] if memory else []) + [None]]
        for root in self.roots:
            if plan.drop_to_uid is not None:
                root.chmod(0o711)   # children dropped to another uid must reach their own box
        self.problems: list[str] = []
        self.pool = WorkerPool(workers, cgroups=plan.cgroups, spawn=plan.spawn)

    def submit(self, item: Item, staged: Path, name: str) -> Future[RunReply]:
        """The box is made when a worker takes the item and removed before it takes the next."""
        made: list[Path] = []

        def make_box(item: Item) -> Item:
            for root in self.roots:     # memory first where allowed; the disk when memory is full
                box = root / name
                try:
                    if root != self.roots[-1] and shutil.disk_usage(root).free < BOX_HEADROOM + tree_size(staged):
                        continue
                    # Contents only: times and modes are not needed.
                    shutil.copytree(staged, box, copy_function=shutil.copyfile)
                except OSError:
                    if root == self.roots[-1]:
                        raise
                    self.remove(box)
                    continue
                made.append(box)
                return item.model_copy(update={"job": item.job.model_copy(update={"box": str(box)})})
            raise OSError("no folder has room for the private copy")

        def remove_boxes() -> None:
            for box in made:
                self.remove(box)

        return self.pool.submit(item, before=make_box, after=remove_boxes)

    def remove(self, box: Path) -> None:
        failures: list[str] = []
        if box.exists():
            shutil.rmtree(box, onerror=lambda function, path, error: failures.append(f"{path}: {error[1]}"))
        if failures or box.exists():
            self.problems.append(f"a private copy could not be removed ({box}): {'; '.join(failures[:3])}")

    def close(self) -> None:
        self.pool.close()
        for root in self.roots:
            self.remove(root)

    def __enter__(self) -> LocalRunner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@functools.lru_cache(maxsize=4096)
def tree_size(folder: Path) -> int:
    """Bytes below a staged folder (staged once, copied for each of its exercises)."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
