"""The time grader.similarity.compare takes for a class: every exercise of reference/, each student's
file made from the reference (names renamed, top-level definitions reordered, comments and blank
lines varied, and a few statements of their own inserted, as students' own lines break up the
code they share); some hand in the reference as it is, some copy another student (renamed,
reordered, CRLF). Prints the seconds for the class, the pairs compared and each exercise's time,
and whether the planted copies were found.

    python benchmarks/similarity_bench.py --students 200

Then the same class written to disk, one folder per student, timed through `grade similarity DIR`
as an instructor runs it (a fresh process: imports, reading, starters, the report and the page).
"""
from __future__ import annotations

import argparse
import ast
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.exercises import load_specs  # noqa: E402
from grader.similarity import DEFAULT_THRESHOLD, compare, compare_exercise  # noqa: E402
from grader.starter import strip  # noqa: E402

WORDS = ["value", "tmp", "acc", "delta", "point", "step_size", "result", "item", "count", "total", "first", "second"]
COMMENTS = ["# TODO check this", "# 計算梯度", "# from the lecture", "# why does this work?", "# 先算前向", ""]


def renamed(source: str, rng: random.Random) -> str:
    """Parameters and assigned names given other names, consistently."""
    tree = ast.parse(source)
    names = {a.arg for node in ast.walk(tree) if isinstance(node, ast.arguments) for a in node.args if a.arg != "self"}
    names |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    for old in sorted(names):
        source = re.sub(rf"\b{re.escape(old)}\b", f"{rng.choice(WORDS)}_{old}", source)
    return source


def reordered(source: str, rng: random.Random) -> str:
    """Top-level functions and classes shuffled; what comes before the first stays first."""
    tree = ast.parse(source)
    lines = source.splitlines()
    defs = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    if len(defs) < 2:
        return source
    first = min([defs[0].lineno] + [d.lineno for d in defs[0].decorator_list])
    last = max(node.end_lineno or node.lineno for node in defs)
    if any(not isinstance(node, (ast.FunctionDef, ast.ClassDef)) and first <= node.lineno <= last for node in tree.body):
        return source            # something runs between the definitions: keep its place
    chunks = [lines[min([d.lineno] + [x.lineno for x in d.decorator_list]) - 1:d.end_lineno] for d in defs]
    rng.shuffle(chunks)
    middle = [line for chunk in chunks for line in chunk + ["", ""]]
    return "\n".join(lines[:first - 1] + middle + lines[last:]) + "\n"


def own_lines(source: str, rng: random.Random, share: float = 0.5) -> str:
    """A statement of the student's own (a print, a check, a constant) before about `share` of the statements."""
    tree = ast.parse(source)
    lines = source.splitlines()
    inserts: dict[int, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or rng.random() > share:
            continue
        line = lines[node.lineno - 1]
        if len(line) - len(line.lstrip()) != node.col_offset:
            continue                               # on the line of its parent (`if x: return y`)
        indent = " " * node.col_offset
        a, b, c = rng.randint(2, 999), rng.randint(2, 99), rng.random()
        inserts[node.lineno] = indent + rng.choice([f"print('checkpoint', {a}, {c:.3f} * {b})",
                                                    f"assert {a} > {b} - {a}, 'sanity'",
                                                    f"{rng.choice(WORDS)}_{b} = [{a}, {c:.2f}, {b}][{a % 3}]",
                                                    f"{rng.choice(WORDS)} = {a} ** {b % 5} - {c:.4f}"])
    out = []
    for number, line in enumerate(lines, 1):
        if number in inserts:
            out.append(inserts[number])
        out.append(line)
    return "\n".join(out) + "\n"


def commented(source: str, rng: random.Random) -> str:
    out = []
    for line in source.splitlines():
        out.append(line + (f"  {rng.choice(COMMENTS)}" if line.strip() and rng.random() < 0.2 and '"""' not in line else ""))
        if not line.strip() and rng.random() < 0.3:
            out.append("")
    return "\n".join(out) + "\n"


def make_class(reference: dict[str, str], students: int, rng: random.Random) -> tuple[dict[str, dict[str, str]], set]:
    """exercise → student → text, and the planted (exercise, student, copied student or 'reference')."""
    sources: dict[str, dict[str, str]] = {}
    planted: set[tuple[str, str, str]] = set()
    names = [f"s{i:03d}" for i in range(students)]
    for exercise, text in reference.items():
        own = {name: commented(reordered(renamed(own_lines(text, rng), rng), rng), rng) for name in names}
        for name in rng.sample(names, max(1, students // 40)):                  # the reference handed in
            own[name] = renamed(text, rng)
            planted.add((exercise, name, "reference"))
        copiers = rng.sample([n for n in names if (exercise, n, "reference") not in planted], max(2, students // 20))
        for copier, original in zip(copiers[::2], copiers[1::2]):             # one student copies another
            own[copier] = commented(reordered(renamed(own[original], rng), rng), rng).replace("\n", "\r\n")
            planted.add((exercise, copier, original))
        sources[exercise] = own
    return sources, planted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    specs = {spec.id: spec for spec in load_specs(ROOT / "assignments")}
    reference = {path.stem: path.read_text(encoding="utf-8") for path in sorted((ROOT / "reference").glob("*.py"))}
    starter = {x: strip(text, specs[x]) for x, text in reference.items() if x in specs}
    sources, planted = make_class(reference, args.students, rng)

    started = time.perf_counter()
    report = compare(sources, reference, starter, {})
    seconds = time.perf_counter() - started
    pairs = len(sources) * args.students * (args.students - 1) // 2
    print(f"{args.students} students × {len(sources)} exercises: {seconds:.1f} s, {pairs} pairs compared "
          f"({1e6 * seconds / pairs:.0f} µs a pair, lexing included), threshold {DEFAULT_THRESHOLD}")
    found = {(x.exercise, o.student, "reference") for x in report.exercises for o in x.reference}
    found |= {(x.exercise, p.a, p.b) for x in report.exercises for p in x.pairs}
    found |= {(x.exercise, p.b, p.a) for x in report.exercises for p in x.pairs}
    missed = sorted(planted - found)
    extra = {(x.exercise, p.a, p.b) for x in report.exercises for p in x.pairs} - planted
    extra = {(x, a, b) for x, a, b in extra if (x, b, a) not in planted}
    print(f"planted {len(planted)}, missed {len(missed)} {missed[:5]}, unplanted pairs flagged {len(extra)}")
    for exercise, texts in sources.items():
        started = time.perf_counter()
        result = compare_exercise(exercise, texts, reference[exercise], starter.get(exercise), {})
        size = sum(map(len, texts.values())) // len(texts)
        print(f"  {exercise:20} {time.perf_counter() - started:5.2f} s  (files of {size} characters; "
              f"{len(result.reference)} reference, {len(result.pairs)} pairs)")
    with tempfile.TemporaryDirectory(prefix="similarity-bench-") as scratch:
        klass = Path(scratch) / "class"
        for exercise, texts in sources.items():
            for student, text in texts.items():
                (klass / student).mkdir(parents=True, exist_ok=True)
                (klass / student / specs[exercise].files[0]).write_text(text, encoding="utf-8", newline="")
        command = [sys.executable, "-m", "grader", "similarity", str(klass), "--quiet", "--json", f"{scratch}/out.json",
                   "--html", f"{scratch}/html"]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"grade similarity failed ({done.returncode}):\n{done.stderr[-3000:]}")
        page = Path(scratch, "html", "similarity.html").stat().st_size
        print(f"grade similarity on the class on disk: {seconds:.1f} s (the page: {page / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
