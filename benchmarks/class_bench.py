"""How close grading comes to the cost of the students' own code.

Builds a class of N students from the bundled example class (each file made unique), then in
one run, on the same number of workers:
- warm floor: every student file executed once, each in its own child forked from a worker that
  already imported torch (no probes, no fences): what no grader can beat;
- fresh floor: one new interpreter per student that imports torch and runs that student's files:
  what any process-per-student grader pays at least;
- grade: the full grading of the same class (no cache), then a second run with the cache;
  the warm floor and the grading alternate for --rounds rounds, and the median round is reported;
- with --regression on a machine with an NVIDIA GPU: the floor and the grading again with the
  regression on the GPU, shared by the workers, against the same on the CPU.
Prints the ratios, the per-(student, exercise) overhead beyond the student's code (median, p95)
and the peak memory (PSS) of the grader's own processes and of everything.

    python benchmarks/class_bench.py --students 40            # light class (no regression)
    python benchmarks/class_bench.py --students 20 --regression
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.driver import Item  # noqa: E402
from grader.engine import Grader, Options  # noqa: E402
from grader.exercises import load_specs  # noqa: E402
from grader.gpu import driver_loaded  # noqa: E402
from grader.pool import WorkerPool  # noqa: E402
from grader.submissions import Submission, find_files, stage, unpack  # noqa: E402
from grader.wire import Job  # noqa: E402

EXAMPLES = ROOT / "examples" / "class"
LIGHT = ["alice", "bob", "carol", "dave", "erin.zip", "grace"]   # frank's 30 s endless loop would dominate
REGRESSION = ["alice", "carol"]
ORDER = ["gd", "gd1", "gradient", "net", "net1", "net2", "autograd0", "autograd1", "autograd2", "autograd2a",
         "torchGd1", "torchGd2", "torchGd3", "hill", "linreg", "softmax", "regression1train", "regression2predict"]
RUN_ALL = '''
import os, runpy, sys
for path in {files!r}:
    folder = os.path.dirname(os.path.abspath(path))
    os.chdir(folder)
    sys.path.insert(0, folder)
    try:
        runpy.run_path(path, run_name="__main__")
    except BaseException as error:
        print("error", path, type(error).__name__, file=sys.stderr)
    sys.path.remove(folder)
'''


def build_class(folder: Path, count: int, regression: bool) -> None:
    sources = REGRESSION if regression else LIGHT
    scratch = Path(tempfile.mkdtemp())
    for index in range(count):
        source = EXAMPLES / sources[index % len(sources)]
        if source.suffix == ".zip":
            source = unpack(source, scratch / f"zip-{index}")
        target = folder / f"student{index:03d}"
        shutil.copytree(source, target)
        for path in target.rglob("*.py"):
            if not regression and path.stem.startswith("regression"):
                path.unlink()
                continue
            path.write_bytes(path.read_bytes() + f"\n# student {index}\n".encode())
    shutil.rmtree(scratch)


def student_files(folder: Path, specs) -> tuple[Submission, list[str]]:
    submission = Submission(student=folder.name, path=folder, root=folder)
    find_files(submission, specs)
    files = sorted(submission.files.values(), key=lambda p: ORDER.index(p.stem))
    return submission, [str(p) for p in files]


def boxes(classroom: Path, specs, scratch: Path) -> list[tuple[Path, list[str]]]:
    """Per student: a private UTF-8 copy and its files in course order, with the run-all driver."""
    prepared = []
    for folder in sorted(classroom.iterdir()):
        submission, files = student_files(folder, specs)
        box = scratch / folder.name
        stage(submission, box)
        (box / "_run_all.py").write_text(RUN_ALL.format(files=[str(box / f) for f in files]))
        prepared.append((box, files))
    return prepared


def warm_floor(classroom: Path, specs, workers: int, device: str = "cpu") -> tuple[float, float]:
    scratch = Path(tempfile.mkdtemp())
    prepared = boxes(classroom, specs, scratch)
    started = time.perf_counter()

    def job(box: Path, file: str, files: list[str]) -> Item:
        folders = sorted({str(Path(f).parent) for f in files})
        gpu = device if Path(file).stem.startswith("regression") else "cpu"
        return Item(job=Job(exercise=Path(file).stem, kind="script", box=str(box), file=file, paths=folders, timeout=600,
                            call_timeout=600, memory_mb=8192, output_bytes=2**20, device=gpu, gpu_sharers=workers),
                    calls=[])

    with WorkerPool(workers) as pool:
        futures, predictions = [], []
        for box, files in prepared:
            for file in files:
                if Path(file).stem != "regression2predict":
                    futures.append((box, file, pool.submit(job(box, file, files))))
        replies = []
        for box, file, future in futures:
            replies.append(future.result())
            if Path(file).stem == "regression1train":   # the prediction needs the model it saves
                files = dict(prepared)[box]
                predictions += [pool.submit(job(box, f, files)) for f in files if Path(f).stem == "regression2predict"]
        replies += [future.result() for future in predictions]
    elapsed = time.perf_counter() - started
    shutil.rmtree(scratch)
    failed = [r for r in replies if r.worker_error or r.timed_out]
    assert not failed, failed[:1]
    return elapsed, sum(r.seconds for r in replies)


def fresh_floor(classroom: Path, specs, workers: int) -> float:
    scratch = Path(tempfile.mkdtemp())
    prepared = boxes(classroom, specs, scratch)
    started = time.perf_counter()

    def one(box: Path) -> int:
        command = "import torch, numpy\nexec(open('_run_all.py').read())"
        return subprocess.run([sys.executable, "-c", command], cwd=box, capture_output=True, timeout=600,
                              env=dict(os.environ, OMP_NUM_THREADS=str(max(1, (os.cpu_count() or 1) // workers)))).returncode

    with concurrent.futures.ThreadPoolExecutor(workers) as executor:
        list(executor.map(one, [box for box, _ in prepared]))
    elapsed = time.perf_counter() - started
    shutil.rmtree(scratch)
    return elapsed


class MemorySampler:
    """Peak PSS of this process and its descendants, split into the grader's (this process and
    the warm workers) and everything (the children running student code included)."""

    def __init__(self) -> None:
        self.peak_grader = self.peak_all = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(0.5):   # sparse: the sampling itself must not slow the grading
            parents = {}
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                    except (OSError, ValueError, IndexError):
                        continue
            depth = {me: 0}
            changed = True
            while changed:
                changed = False
                for pid, parent in parents.items():
                    if pid not in depth and parent in depth:
                        depth[pid] = depth[parent] + 1
                        changed = True
            grader = total = 0
            for pid, level in depth.items():
                pss = pss_kib(pid)
                total += pss
                if level <= 1:
                    grader += pss
            self.peak_grader = max(self.peak_grader, grader)
            self.peak_all = max(self.peak_all, total)

    def __enter__(self) -> MemorySampler:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def grade(classroom: Path, specs, workers: int, cache: Path | None, device: str = "cpu"):
    started, cpu = time.perf_counter(), time.process_time()
    with MemorySampler() as memory:
        report = Grader(specs, ROOT / "reference", Options(seed=1, workers=workers, cache=cache, device=device)).grade(classroom)
    memory.parent_cpu = time.process_time() - cpu
    return time.perf_counter() - started, report, memory


def on_the_gpu(classroom: Path, specs, workers: int, graded_cpu: float, report_cpu) -> dict:
    """The regression class again with its exercises on the GPU, shared by the workers."""
    warm, _ = warm_floor(classroom, specs, workers, device="cuda")
    graded, report, _ = grade(classroom, specs, workers, None, device="cuda")
    assert not report.errors, report.errors[:3]

    def training(report) -> float:
        return statistics.median(e.code_seconds for s in report.submissions for e in s.exercises
                                 if e.exercise == "regression1train")

    return {"gpu_warm_floor_s": round(warm, 2), "gpu_grade_s": round(graded, 2),
            "gpu_grade_over_warm": round(graded / warm, 3),
            "gpu_scores_equal_cpu_scores": [s.score for s in report.submissions] == [s.score for s in report_cpu.submissions], "gpu_grade_over_cpu_grade": round(graded / graded_cpu, 3),
            "training_code_s_median_cpu": round(training(report_cpu), 3),
            "training_code_s_median_gpu": round(training(report), 3)}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--regression", action="store_true", help="students with both regression files")
    parser.add_argument("--rounds", type=int, default=5, help="floor and grading measured alternately this often; the median round is reported")
    parser.add_argument("--skip-fresh", action="store_true", help="skip the fresh-interpreter floor (slow)")
    parser.add_argument("--exercise", action="append", default=[], metavar="ID",
                        help="only these exercises (repeatable); the notes' light class: every one but the regression, hill, linreg, softmax")
    args = parser.parse_args()
    specs = load_specs(ROOT / "assignments")
    if not args.regression:
        specs = [spec for spec in specs if not spec.id.startswith("regression")]
    if args.exercise:
        specs = [spec for spec in specs if spec.id in args.exercise]
    work = Path(tempfile.mkdtemp(prefix="class-bench-"))
    classroom = work / "class"
    build_class(classroom, args.students, args.regression)

    # Floor and grading alternate, round after round: on a shared machine the load drifts, and a
    # ratio of two neighbouring measurements is steadier than one of two distant ones.
    rounds = []
    for _ in range(args.rounds):
        warm, warm_child_seconds = warm_floor(classroom, specs, args.workers)
        (work / "cache.sqlite").unlink(missing_ok=True)
        graded, report, memory = grade(classroom, specs, args.workers, work / "cache.sqlite")
        rounds.append((graded / warm, warm, graded, warm_child_seconds, report, memory))
    ratio, warm, graded, warm_child_seconds, report, memory = sorted(rounds, key=lambda r: r[0])[len(rounds) // 2]
    fresh = None if args.skip_fresh else fresh_floor(classroom, specs, args.workers)
    regraded, again, _ = grade(classroom, specs, args.workers, work / "cache.sqlite")
    assert [s.score for s in again.submissions] == [s.score for s in report.submissions]

    items = [e for s in report.submissions for e in s.exercises if e.status != "missing"]
    overhead = [1000 * (e.seconds - e.code_seconds) for e in items]
    result = {
        "students": args.students, "regression": args.regression, "workers": args.workers, "items": len(items),
        "isolation": report.isolation.level,
        "warm_floor_s": round(warm, 2), "fresh_floor_s": fresh and round(fresh, 2), "grade_s": round(graded, 2),
        "regrade_cached_s": round(regraded, 2),
        "grade_over_warm": round(ratio, 3), "grade_over_warm_each_round": [round(r[0], 3) for r in rounds],
        "grade_over_fresh": fresh and round(graded / fresh, 3),
        "regrade_over_grade": round(regraded / graded, 4),
        "children_s_warm": round(warm_child_seconds, 2), "children_s_grade": round(sum(e.seconds for e in items), 2),
        "children_code_s_grade": round(sum(e.code_seconds for e in items), 2),
        "grader_process_cpu_s": round(memory.parent_cpu, 2),
        "overhead_ms_median": round(statistics.median(overhead), 1), "overhead_ms_p95": round(percentile(overhead, 0.95), 1),
        "peak_pss_grader_mib": round(max(r[5].peak_grader for r in rounds) / 1024, 1),
        "peak_pss_all_mib": round(max(r[5].peak_all for r in rounds) / 1024, 1),
    }
    if args.regression and driver_loaded():
        result.update(on_the_gpu(classroom, specs, args.workers, graded, report))
    print(json.dumps(result, indent=2))
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
