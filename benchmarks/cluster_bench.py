"""The cluster path's overhead per work item against the local pool.

Sends the same small items (one student's net1, run and judged as usual) one at a time through
the local pool and through a Dask LocalCluster of the same size, and prints, per path, the
median and p95 of (round-trip time - the child's own wall time): what the path adds per item.

    python benchmarks/cluster_bench.py --items 100
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.cluster import ClusterRunner  # noqa: E402
from grader.engine import Grader, Options  # noqa: E402
from grader.exercises import load_specs  # noqa: E402
from grader.runners import LocalRunner  # noqa: E402
from grader.submissions import Submission, find_files, stage  # noqa: E402


def overheads(runner, grader: Grader, submission: Submission, spec, count: int) -> list[float]:
    found = []
    for index in range(count + 3):
        item = grader.job(submission, spec)
        started = time.perf_counter()
        reply = runner.submit(item, submission.staged, f"bench-{index}").result()
        if index >= 3:                     # the first items pay for starting workers
            found.append(1000 * (time.perf_counter() - started - reply.seconds))
    return found


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"median_ms": round(statistics.median(ordered), 1), "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    specs = {spec.id: spec for spec in load_specs(ROOT / "assignments")}
    grader = Grader(list(specs.values()), ROOT / "reference", Options(seed=1, workers=args.workers))
    scratch = Path(tempfile.mkdtemp())
    root = ROOT / "examples" / "class" / "alice"
    submission = Submission(student="alice", path=root, root=root)
    find_files(submission, list(specs.values()))
    stage(submission, scratch / "staged-alice")
    with LocalRunner(args.workers, grader.plan) as local:
        local_overheads = overheads(local, grader, submission, specs["net1"], args.items)
    with ClusterRunner(f"local:{args.workers}") as cluster:
        cluster_overheads = overheads(cluster, grader, submission, specs["net1"], args.items)
    shutil.rmtree(scratch, ignore_errors=True)
    local_summary, cluster_summary = summary(local_overheads), summary(cluster_overheads)
    print(json.dumps({"items": args.items, "local_pool": local_summary, "dask_local_cluster": cluster_summary,
                      "cluster_minus_local_median_ms": round(cluster_summary["median_ms"] - local_summary["median_ms"], 1)},
                     indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
