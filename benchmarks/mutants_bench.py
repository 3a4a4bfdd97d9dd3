"""What `grade mutants` costs: a cold run (a fresh cache), then the same run again (everything reused).

Prints, per exercise and in all, the mutants made, the runs graded (mutants × seeds, plus the
reference's copy), the cold run's wall time, mutants and runs per second, and the warm run's time
and its ratio to the cold one.

    python benchmarks/mutants_bench.py                       # every exercise, 3 seeds, CPU-count workers
    python benchmarks/mutants_bench.py --exercise gd --seeds 5
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(cache: Path, out: Path, args: argparse.Namespace) -> tuple[float, dict]:
    command = [sys.executable, "-m", "grader", "mutants", "--quiet", "--seeds", str(args.seeds), "--workers", str(args.workers),
               "--cache", str(cache), "--json", str(out)] + [f"--exercise={exercise}" for exercise in args.exercise]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if done.returncode not in (0, 1):
        sys.exit(f"grade mutants failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, json.loads(out.read_text())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--exercise", action="append", default=[])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--json", type=Path, help="keep the cold run's report here")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="mutants-bench-") as scratch:
        folder = Path(scratch)
        cold, report = run(folder / "cache", folder / "cold.json", args)
        warm, again = run(folder / "cache", folder / "warm.json", args)
        if args.json:
            args.json.write_text((folder / "cold.json").read_text())
    print(f"{'exercise':20} {'mutants':>8} {'score':>7}")
    for exercise in report["exercises"]:
        score = "—" if exercise["score"] is None else f"{exercise['score']:.1f}%"
        print(f"{exercise['exercise']:20} {exercise['mutants']:>8} {score:>7}")
    mutants = sum(exercise["mutants"] for exercise in report["exercises"])
    print(f"\n{mutants} mutants, {report['graded']} runs under {len(report['seeds'])} seeds on {args.workers} workers")
    print(f"cold: {cold:.0f} s ({cold / 60:.1f} min): {mutants / cold:.2f} mutants/s, {report['graded'] / cold:.2f} runs/s")
    print(f"warm: {warm:.1f} s, {again['reused']} of {again['graded']} runs reused: {warm / cold:.3f} of the cold run")


if __name__ == "__main__":
    main()
