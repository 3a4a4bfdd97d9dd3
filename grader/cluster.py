"""Grade on a Dask cluster: the same work items, run by the same warm sandboxed runner on each
Dask worker, the judging kept where `grade` runs.

Submissions travel as content (a zip of the staged copy, with its SHA-256), so workers need no
shared filesystem; the reference is scattered once. Only the item's JSON and these bytes go out,
only the worker's reply JSON comes back: student code never runs in a Dask worker process
itself, only in the sandboxed children of the worker's own warm worker. An item whose worker
dies is retried elsewhere; one that keeps killing workers is reported as that submission's error.

    grade submissions/ --cluster tcp://scheduler:8786      # dask scheduler / dask worker ... --nthreads 1
    grade submissions/ --cluster local:2                   # a LocalCluster on this machine
"""
from __future__ import annotations

import hashlib
import io
import os
import secrets
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path

from grader.driver import Item
from grader.wire import RunReply

RETRIES = 2


def pack(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


# --- on a Dask worker ----------------------------------------------------------------------------
_local = threading.local()
_lock = threading.Lock()


def _worker_side():
    """This Dask worker process's warm worker and fence plan, made on first use."""
    with _lock:
        if not hasattr(_local, "pool"):
            from grader.fences import probe
            from grader.pool import WorkerPool

            plan, _ = probe([])
            _local.plan = plan
            _local.pool = WorkerPool(1, cgroups=plan.cgroups, spawn=plan.spawn)
        return _local.pool, _local.plan


def run_item(item_json: str, content: bytes, digest: str) -> str:
    """Drive one work item on this Dask worker (its warm worker forks the child; this process
    asks the requests, never beside student code); returns the RunReply as JSON."""
    if hashlib.sha256(content).hexdigest() != digest:
        return RunReply(worker_error="submission content arrived damaged (hash mismatch)").model_dump_json()
    pool, plan = _worker_side()
    box = Path(tempfile.mkdtemp(prefix="grader-item-"))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            archive.extractall(box)      # made by pack() in the grading process: trusted
        if plan.drop_to_uid is not None:
            os.chmod(box, 0o711)
        item = Item.model_validate_json(item_json)
        job = item.job.model_copy(update={"box": str(box), "fences": plan})
        return pool.submit(item.model_copy(update={"job": job})).result().model_dump_json()
    finally:
        shutil.rmtree(box, ignore_errors=True)


# --- in the grading process ----------------------------------------------------------------------
class ClusterFuture:
    """A Dask future whose result is a validated RunReply; a worker lost too often becomes the
    submission's error (killed), never the class's."""

    def __init__(self, future) -> None:
        self.future = future

    def result(self) -> RunReply:
        from distributed import KilledWorker

        try:
            return RunReply.model_validate_json(self.future.result())
        except KilledWorker:
            return RunReply(signal=9, stderr=f"the grading workers running this item died {RETRIES + 1} times: "
                                             "it was stopped as a crash of the submission")


class ClusterRunner:
    def __init__(self, address: str, gpu: bool = False) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise SystemExit("grade: --cluster needs Dask's distributed: pip install 'numgrader[cluster]'") from None
        self.cluster = None
        if address.startswith("local:"):
            # Every local worker may run CUDA items: they share this machine's GPU (see grader.gpu).
            self.cluster = LocalCluster(n_workers=int(address.split(":", 1)[1]), threads_per_worker=1, processes=True,
                                        host="127.0.0.1", dashboard_address=None,
                                        resources={"GPU": 1} if gpu else None)
            self.client = Client(self.cluster)
        else:
            self.client = Client(address, timeout="30s")
        self.packed: dict[Path, tuple[object, str]] = {}

    def content(self, staged: Path) -> tuple[object, str]:
        """The staged copy as zip bytes and hash, once per submission; the reference is scattered."""
        if staged not in self.packed:
            data = pack(staged)
            digest = hashlib.sha256(data).hexdigest()
            if staged.name == "staged-reference":
                data = self.client.scatter(data, broadcast=True)
            self.packed[staged] = (data, digest)
        return self.packed[staged]

    def submit(self, item: Item, staged: Path, name: str) -> ClusterFuture:
        data, digest = self.content(staged)
        resources = {"GPU": 1} if item.job.device == "cuda" else None
        future = self.client.submit(run_item, item.model_dump_json(), data, digest, key=f"grade-{name}-{secrets.token_hex(4)}",
                                    retries=RETRIES, pure=False, resources=resources)
        return ClusterFuture(future)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> ClusterRunner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
