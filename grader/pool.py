"""The grading process's side of the warm workers: start them, hand out jobs, restart the dead.

A job is sent as one JSON line to an idle worker, which answers one JSON line: the trusted
side never shares memory with a worker and never unpickles anything from one.
"""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from grader.cgroups import Layout, worker_group
from grader.cgroups import remove as remove_group
from grader.gpu import CUDA_ENVIRONMENT
from grader.wire import Job, RunReply

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
WORKER_COMMAND = (
    "import sys; sys.path.insert(0, sys.argv[1]); from grader.worker import main; raise SystemExit(main())"
)


def threads_per_worker(workers: int) -> int:
    """torch/OpenMP threads a worker's children may use so that workers don't oversubscribe the cores."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


class WorkerDied(Exception):
    pass


class Worker:
    """One warm `python -I -m grader.worker` process."""

    def __init__(self, threads: int) -> None:
        kept = ("PATH", "LANG", "LC_ALL", "TZ", "HOME") + CUDA_ENVIRONMENT
        env = {key: value for key, value in os.environ.items() if key in kept}
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[name] = str(threads)
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", WORKER_COMMAND, str(PACKAGE_ROOT)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
            env=env, text=True, encoding="utf-8", start_new_session=True,
        )
        self.ready = False

    def wait_ready(self) -> None:
        if not self.ready:
            line = self.process.stdout.readline()
            if not line.startswith('{"ready"'):
                raise WorkerDied(f"worker failed to start: {self.stderr_tail()}")
            self.ready = True

    def run(self, job: Job) -> RunReply:
        self.wait_ready()
        try:
            self.process.stdin.write(job.model_dump_json() + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except (BrokenPipeError, OSError) as error:
            raise WorkerDied(str(error)) from error
        if not line:
            raise WorkerDied(f"worker exited with {self.process.poll()}: {self.stderr_tail()}")
        return RunReply.model_validate_json(line)

    def stderr_tail(self) -> str:
        self.log.seek(0)
        return self.log.read()[-2000:].decode("utf-8", "replace")

    def stop(self) -> None:
        """Ask the worker to finish (end of its input); `close` then waits for it."""
        try:
            self.process.stdin.close()
        except OSError:
            pass

    def close(self) -> None:
        self.stop()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class WorkerPool:
    """N warm workers; `submit(job)` returns a Future of the worker's RunReply."""

    def __init__(self, workers: int, threads: int | None = None, cgroups: Layout | None = None) -> None:
        self.size = max(1, workers)
        self.cgroups = cgroups     # where workers make their groups: removed here if a worker could not
        self.threads = threads or threads_per_worker(self.size)
        self.idle: queue.Queue[Worker] = queue.Queue()
        self.all: list[Worker] = []
        self.lock = threading.Lock()
        for _ in range(self.size):
            self.idle.put(self._start())
        self.executor = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="grader-worker")

    def _start(self) -> Worker:
        worker = Worker(self.threads)
        with self.lock:
            self.all.append(worker)
        return worker

    def submit(self, job: Job, before: Callable[[], None] | None = None,
               after: Callable[[], None] | None = None) -> Future[RunReply]:
        """Run `job` on the next idle worker. `before` runs once that worker is taken (making the
        box, say), `after` once the child is gone, before the worker takes its next job."""
        job = job.model_copy(update={"threads": self.threads})
        return self.executor.submit(self._run, job, before, after)

    def _run(self, job: Job, before: Callable[[], None] | None, after: Callable[[], None] | None) -> RunReply:
        worker = self.idle.get()
        try:
            if before is not None:
                before()
            reply = worker.run(job)
        except OSError as error:   # the box could not be made: a full disk is the grader's problem
            reply = RunReply(worker_error=f"the private copy could not be made: {error}")
        except WorkerDied as error:
            worker.close()
            worker = self._start()
            reply = RunReply(worker_error=f"grader worker died while running this job: {error}")
        finally:
            try:
                if after is not None:
                    after()
            finally:
                self.idle.put(worker)
        return reply

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        with self.lock:
            for worker in self.all:      # all at once: each takes a moment to leave
                worker.stop()
            for worker in self.all:
                worker.close()
                if self.cgroups is not None:
                    remove_group(self.cgroups, worker_group(worker.process.pid), wait=2.0)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
