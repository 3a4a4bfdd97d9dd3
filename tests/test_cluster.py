"""Grading on a real Dask LocalCluster (2 worker processes on 127.0.0.1) gives the same results as
grading locally, also when a worker is killed in the middle of the run."""
import os
import signal
import threading
import time

import pytest
from conftest import by_student, grade, reference_source, write

distributed = pytest.importorskip("distributed")

EXERCISES = ("gd", "net", "net1", "torchGd1", "torchGd3")


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster-class")
    for index in range(8):
        write(folder / f"s{index}", {
            "gd.py": reference_source("gd.py") + f"\n# {index}\n",
            "net.py": reference_source("net.py") if index % 2 else
            reference_source("net.py").replace("x.g += self.gfx", "x.g = self.gfx"),
            "net1.py": reference_source("net1.py"),
            "torchGd1.py": reference_source("torchGd1.py"),
            "torchGd3.py": reference_source("torchGd3.py"),
        })
    return folder


@pytest.fixture(scope="module")
def chosen(specs):
    return [spec for spec in specs if spec.id in EXERCISES]


def verdicts(report):
    return {student: {exercise: (result.status, result.score, [(c.name, c.status, c.message) for c in result.checks])
                      for exercise, result in exercises.items()}
            for student, exercises in by_student(report).items()}


@pytest.fixture(scope="module")
def local_report(classroom, chosen):
    return grade(classroom, chosen, seed=11)


def test_local_cluster_gives_identical_results(classroom, chosen, local_report):
    report = grade(classroom, chosen, seed=11, cluster="local:2")
    assert not report.errors
    assert verdicts(report) == verdicts(local_report)


def test_a_worker_killed_mid_run_changes_nothing(classroom, chosen, local_report):
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        pids = list(client.run(os.getpid).values())
        done = {}
        thread = threading.Thread(target=lambda: done.update(report=grade(
            classroom, chosen, seed=11, cluster=cluster.scheduler_address)))
        thread.start()
        deadline = time.monotonic() + 120
        while not any(client.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.05)               # wait until the workers are busy grading
        time.sleep(0.5)
        assert thread.is_alive(), "the run ended before a worker could be killed"
        os.kill(pids[0], signal.SIGKILL)
        thread.join(timeout=600)
        report = done["report"]
    finally:
        client.close()
        cluster.close()
    assert not report.errors
    assert verdicts(report) == verdicts(local_report)


def test_an_item_that_kills_workers_is_that_submissions_error():
    from grader.cluster import ClusterFuture

    class Dying:
        def result(self):
            raise distributed.KilledWorker("grade-x", "tcp://127.0.0.1:1", 3)

    reply = ClusterFuture(Dying()).result()
    assert reply.worker_error is None and reply.signal == 9 and "died" in reply.stderr
