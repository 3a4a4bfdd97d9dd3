"""The grading process's side of the warm workers: start them, drive items through them, restart the dead.

A worker is told only where and how to fork (a `Job`, one message on a Unix socket, with the
child's pipe ends); the conversation with the child is the driver's (grader.driver), run here
in the thread that holds the worker. The trusted side never shares memory with a worker and
never unpickles anything from one.
"""
from __future__ import annotations

import os
import queue
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from grader import driver, exercises
from grader.cgroups import Layout, worker_group
from grader.cgroups import remove as remove_group
from grader.gpu import CUDA_ENVIRONMENT
from grader.wire import Exit, RunReply

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
WORKER_COMMAND = (
    "import sys; sys.path.insert(0, sys.argv[1]); from grader.worker import main; raise SystemExit(main())"
)


def threads_per_worker(workers: int) -> int:
    """torch/OpenMP threads a worker's children may use so that workers don't oversubscribe the cores."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


class WorkerDied(Exception):
    pass


def worker_environment(threads: int) -> dict[str, str]:
    """What a worker (or a spawned child) starts with: the few variables it needs, nothing else."""
    kept = ("PATH", "LANG", "LC_ALL", "TZ", "HOME") + CUDA_ENVIRONMENT
    env = {key: value for key, value in os.environ.items() if key in kept}
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[name] = str(threads)
    return env


class Worker:
    """One warm worker process and the socket to it."""

    def __init__(self, threads: int) -> None:
        env = worker_environment(threads)
        self.log = tempfile.TemporaryFile()
        self.socket, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", WORKER_COMMAND, str(PACKAGE_ROOT), str(theirs.fileno())],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, pass_fds=[theirs.fileno()],
            env=env, start_new_session=True,
        )
        theirs.close()
        self.ready = False

    def wait_ready(self) -> None:
        if not self.ready:
            message = self.socket.recv(256)
            if not message.startswith(b'{"ready"'):
                raise WorkerDied(f"worker failed to start: {self.stderr_tail()}")
            self.ready = True

    def run(self, item: driver.Item) -> RunReply:
        """Fork the item's child on this worker and drive it to the end."""
        self.wait_ready()
        started = time.monotonic()
        channels, ends = driver.Channels.pipes(item.job.output_bytes)
        try:
            socket.send_fds(self.socket, [item.job.model_dump_json().encode()], ends)
        except OSError as error:
            channels.close()
            raise WorkerDied(f"the job could not be handed over ({error})") from error
        finally:
            for fd in ends:
                os.close(fd)
        return driver.converse(item, channels, started, exercises.probes(item),
                               lambda: self.end_child(channels, started + item.job.timeout))

    def end_child(self, channels: driver.Channels, deadline: float) -> Exit:
        """Close the request pipe (the child then leaves its loop and exits), drain its output,
        and take the worker's word on how it ended; a child that lingers is stopped."""
        os.close(channels.requests)
        channels.requests = -1
        stop_at = min(deadline, time.monotonic() + 2.0)
        stopped = False
        try:
            while True:
                if not stopped and (time.monotonic() >= stop_at or channels.exceeded):
                    self.socket.send(b"stop")
                    stopped = True
                ready, _, _ = select.select([self.socket.fileno(), *channels.open - {channels.replies}], [], [], 0.2)
                if self.socket.fileno() in ready:
                    message = self.socket.recv(1 << 16)
                    if not message:
                        raise WorkerDied(f"worker exited with {self.process.poll()}: {self.stderr_tail()}")
                    try:
                        channels.pump(time.monotonic() + 0.05)
                    except driver.ChildGone:
                        pass
                    return Exit.model_validate_json(message)
                try:
                    channels.pump(time.monotonic() + 0.05)
                except driver.ChildGone:
                    if not stopped:
                        self.socket.send(b"stop")
                        stopped = True
        except OSError as error:     # the worker's socket broke: the worker is gone, and its child with it
            raise WorkerDied(f"worker socket failed ({error}): {self.stderr_tail()}") from error

    def stderr_tail(self) -> str:
        self.log.seek(0)
        return self.log.read()[-2000:].decode("utf-8", "replace")

    def stop(self) -> None:
        """Ask the worker to finish (its socket closed); `close` then waits for it."""
        try:
            self.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def close(self) -> None:
        self.stop()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.socket.close()
        self.log.close()


SPAWN_COMMAND = (
    "import sys; sys.path.insert(0, sys.argv[1]); from grader.worker import spawned; "
    "spawned(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))"
)


class SpawnedWorker:
    """The spawn path (grader.fences.spawn_required): no warm process to fork from; each item's
    child is a fresh interpreter that imports torch itself. Same conversation, same driver."""

    def __init__(self, threads: int) -> None:
        self.env = worker_environment(threads)

    def run(self, item: driver.Item) -> RunReply:
        started = time.monotonic()
        channels, ends = driver.Channels.pipes(item.job.output_bytes)
        requests_r, replies_w, out_w, err_w = ends
        try:
            child = subprocess.Popen(
                [sys.executable, "-I", "-c", SPAWN_COMMAND, str(PACKAGE_ROOT), item.job.model_dump_json(),
                 str(requests_r), str(replies_w)],
                stdin=subprocess.DEVNULL, stdout=out_w, stderr=err_w, pass_fds=(requests_r, replies_w), env=self.env)
        except OSError:
            channels.close()
            raise
        finally:
            for fd in ends:
                os.close(fd)
        return driver.converse(item, channels, started, exercises.probes(item),
                               lambda: self.end_child(child, channels, started + item.job.timeout))

    @staticmethod
    def end_child(child: subprocess.Popen, channels: driver.Channels, deadline: float) -> Exit:
        """As Worker.end_child, with the child our own: close its requests, drain, stop it if it lingers."""
        os.close(channels.requests)
        channels.requests = -1
        stop_at = min(deadline, time.monotonic() + 2.0)
        while child.poll() is None and time.monotonic() < stop_at and not channels.exceeded:
            try:
                channels.pump(time.monotonic() + 0.05)
            except driver.ChildGone:
                time.sleep(0.01)
        for kill in (lambda: os.killpg(child.pid, signal.SIGKILL), child.kill):   # its session (it made one), then it
            try:
                kill()
            except (ProcessLookupError, PermissionError):
                pass
        code = child.wait()
        return Exit(exit_code=code if code >= 0 else None, signal=-code if code < 0 else None,
                    timed_out=time.monotonic() >= deadline)

    def wait_ready(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


class WorkerPool:
    """N warm workers; `submit(item)` returns a Future of the driver's RunReply."""

    def __init__(self, workers: int, threads: int | None = None, cgroups: Layout | None = None,
                 spawn: bool = False) -> None:
        self.size = max(1, workers)
        self.spawn = spawn         # the spawn path: fresh interpreters instead of warm workers
        self.cgroups = cgroups     # where workers make their groups: removed here if a worker could not
        self.threads = threads or threads_per_worker(self.size)
        self.idle: queue.Queue[Worker | SpawnedWorker] = queue.Queue()
        self.all: list[Worker | SpawnedWorker] = []
        self.lock = threading.Lock()
        for _ in range(self.size):
            self.idle.put(self._start())
        self.executor = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="grader-worker")

    def _start(self) -> Worker | SpawnedWorker:
        worker = SpawnedWorker(self.threads) if self.spawn else Worker(self.threads)
        with self.lock:
            self.all.append(worker)
        return worker

    def submit(self, item: driver.Item, before: Callable[[driver.Item], driver.Item] | None = None,
               after: Callable[[], None] | None = None) -> Future[RunReply]:
        """Drive `item` on the next idle worker. `before` runs once that worker is taken (making the
        box, say) and returns the item to run; `after` once the child is gone, before the worker
        takes its next item."""
        job = item.job.model_copy(update={"threads": self.threads})
        return self.executor.submit(self._run, item.model_copy(update={"job": job}), before, after)

    def _run(self, item: driver.Item, before: Callable[[driver.Item], driver.Item] | None,
             after: Callable[[], None] | None) -> RunReply:
        worker = self.idle.get()
        try:
            try:
                if before is not None:
                    item = before(item)
            except OSError as error:   # the box could not be made: a full disk is the grader's problem
                reply = RunReply(worker_error=f"the private copy could not be made: {error}")
            else:
                reply = worker.run(item)
        except WorkerDied as error:
            worker.close()
            worker = self._start()
            reply = RunReply(worker_error=f"grader worker died while running this item: {error}")
        except Exception as error:  # noqa: BLE001 - the grader's own bug: this item's grader error
            reply = RunReply(worker_error=f"{type(error).__name__} while driving this item: {error}")
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
                if self.cgroups is not None and isinstance(worker, Worker):
                    remove_group(self.cgroups, worker_group(worker.process.pid), wait=2.0)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
