"""`grade PATH`: grade one submission or a whole class, print the report, write the outputs asked
for. `grade schema` prints the JSON report's schema; `grade starter` and `grade template` write the
students' files; `grade mutants` grades the reference's mutants (grader.mutation); `grade similarity`
compares the class's files (grader.similarity), as `grade PATH --similarity` does after grading.

Exit codes: 0 grading completed (whatever the students scored), 1 a submission scored below
--fail-under, 2 usage error, 3 the grader itself failed somewhere (reported as such, never as a
student's zero)."""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from grader import __version__
from grader.engine import Grader, Options
from grader.exercises import COURSE_FILE, load_specs
from grader.fences import LEVELS, Isolation
from grader.gpu import driver_loaded
from grader.report import ClassReport, Person
from grader.safe_text import one_line
from grader.similarity import DEFAULT_THRESHOLD, SimilarityReport, Texts
from grader.spec import ExerciseSpec, SpecError
from grader.submissions import list_submissions, student_name

if TYPE_CHECKING:
    from grader.course import Course
    from grader.roster import Override

PROJECT = Path(__file__).resolve().parent.parent


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="grade", description="Grade numerical and deep-learning exercises against reference solutions.")
    p.add_argument("path", type=Path, help="a submission (folder with exercise files, git checkout, .zip) or a class folder")
    reading = p.add_mutually_exclusive_group()
    reading.add_argument("--single", action="store_const", const="single", dest="mode", help="PATH is one submission")
    reading.add_argument("--class", action="store_const", const="class", dest="mode", help="each child of PATH is a submission")
    p.add_argument("--json", type=Path, metavar="FILE", help="write the JSON report here (schema: grade schema)")
    p.add_argument("--csv", type=Path, metavar="FILE", help="write the gradebook: a row per student")
    p.add_argument("--csv-format", choices=["plain", "canvas", "moodle"], default="plain",
                   help="the gradebook's format: plain, Canvas's gradebook import, or Moodle's grade import (default plain)")
    p.add_argument("--csv-identifier", choices=["email", "idnumber", "username"],
                   help="Moodle: the user field the gradebook's first column holds (default: email where every student has one)")
    p.add_argument("--roster", type=Path, metavar="FILE",
                   help="CSV of the class (login or folder, name, student_id, email, section): names and ids in every output")
    p.add_argument("--course", type=Path, metavar="FILE",
                   help="due dates, late policy and extensions (default: course.toml in --assignments, when there is one)")
    p.add_argument("--no-late", action="store_true", help="grade without the course file's late penalties")
    p.add_argument("--overrides", type=Path, metavar="FILE",
                   help="points a person gives (CSV or TOML: student, exercise[.check], points or delta, comment, by)")
    p.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML: a testsuite per student")
    p.add_argument("--html", type=Path, metavar="DIR", help="write index.html and a page per student, with plots")
    p.add_argument("--feedback", type=Path, metavar="DIR", help="write one Markdown feedback file per student")
    p.add_argument("--gradescope", type=Path, metavar="FILE", help="write Gradescope's results.json (one submission)")
    p.add_argument("--github", action="store_true",
                   help="write GitHub's step summary and Classroom's `result` output (automatic when GITHUB_ACTIONS=true)")
    p.add_argument("--fail-under", type=float, metavar="PERCENT", help="exit 1 when a submission scores below PERCENT")
    p.add_argument("--seed", type=int, help="seed of the grader's random inputs (default: a new one, shown in the report)")
    p.add_argument("--secret-file", type=Path, metavar="FILE",
                   help="the instructor's secret (default: $NUMGRADER_SECRET): one submission graded alone draws its "
                        "inputs from the seed, its content and this secret, so remembered answers are worth nothing")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="warm worker processes (default: CPU count)")
    p.add_argument("--timeout", type=float, help="seconds per exercise run, overriding the assignments'")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="where exercises marked for a GPU run")
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="run the work on a Dask cluster: tcp://HOST:8786, or local:N for a LocalCluster of N workers")
    p.add_argument("--exercise", action="append", default=[], metavar="ID", help="grade only this exercise (repeatable)")
    caching = p.add_mutually_exclusive_group()
    caching.add_argument("--cache", type=Path, metavar="DIR",
                         help="keep results in DIR/grader-cache.sqlite (default: a hidden file next to PATH)")
    caching.add_argument("--no-cache", action="store_true", help="grade everything again, keep nothing")
    p.add_argument("--reference", type=Path, default=PROJECT / "reference", help="folder of reference solutions")
    p.add_argument("--assignments", type=Path, default=PROJECT / "assignments", help="folder of assignment specs")
    p.add_argument("--require-isolation", choices=LEVELS, default="process", metavar="LEVEL",
                   help=f"refuse to grade below this isolation level ({' < '.join(LEVELS)})")
    p.add_argument("--all-checks", action="store_true",
                   help="show hidden and after-due-date checks when grading one submission (instructors)")
    p.add_argument("--similarity", action="store_true",
                   help="also compare the files: who handed in the reference or --similarity-base's material, who shares "
                        "code (the JSON's similarity block, DIR/similarity.html with --html); no score changes")
    p.add_argument("--similarity-base", type=Path, metavar="DIR",
                   help="the course's own material to compare with too (the teacher's published demos); implies --similarity")
    p.add_argument("--similarity-threshold", type=float, metavar="PERCENT", default=100 * DEFAULT_THRESHOLD,
                   help=f"list overlaps and pairs from this share of a student's code (default {100 * DEFAULT_THRESHOLD:g})")
    p.add_argument("--quiet", action="store_true", help="no progress bar or report on the terminal")
    p.add_argument("--wide", action="store_true", help="the full students × exercises table, however wide the terminal")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.set_defaults(mode="auto")
    return p


def cache_file(args: argparse.Namespace) -> Path | None:
    """Where results are kept: beside the graded folder (not inside it: that would change it)."""
    if args.no_cache:
        return None
    if args.cache:
        return args.cache / "grader-cache.sqlite"
    target = args.path.resolve()
    return target.parent / f".{target.name}.grader-cache.sqlite"


def make_classroom_files(what: str, argv: list[str]) -> int:
    """`grade starter OUT` / `grade template OUT`: the students' starting files, or a whole
    GitHub Classroom template repository around them."""
    from grader.starter import write_starter, write_template

    p = argparse.ArgumentParser(prog=f"grade {what}")
    p.add_argument("out", type=Path, help="folder to write (created)")
    p.add_argument("--exercise", action="append", default=[], metavar="ID", help="only this exercise (repeatable)")
    p.add_argument("--reference", type=Path, default=PROJECT / "reference")
    p.add_argument("--assignments", type=Path, default=PROJECT / "assignments")
    if what == "starter":
        p.add_argument("--notebook", action="store_true", help="write Jupyter notebooks (ID.ipynb), one per exercise")
    args = p.parse_args(argv)
    try:
        specs = [s for s in load_specs(args.assignments) if not args.exercise or s.id in args.exercise]
    except SpecError as error:
        Console(stderr=True).print(f"[red]grade: invalid assignment spec: {escape(str(error))}[/red]")
        return 2
    if args.out.exists() and any(args.out.iterdir()):
        Console(stderr=True).print(f"[red]grade: {args.out} is not empty; choose a new folder[/red]")
        return 2
    if what == "template":
        write_template(specs, args.reference, args.out)
    else:
        write_starter(specs, args.reference, args.out, notebook=args.notebook)
    return 0


def mutants(argv: list[str]) -> int:
    """`grade mutants`: grade the reference's mutants under several seeds; show which bugs the checks miss."""
    from grader.mutation import analyse

    p = argparse.ArgumentParser(prog="grade mutants", description="Grade small changes of each reference file (mutmut's "
                                "operators, the course's usual slips, each spec's [[bugs]]) as a class of their own, and "
                                "list the ones that still earn full marks.")
    p.add_argument("--exercise", action="append", default=[], metavar="ID", help="only this exercise (repeatable)")
    p.add_argument("--seeds", type=int, default=3, metavar="N", help="grade every mutant under seeds 1..N (default 3)")
    p.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    p.add_argument("--html", type=Path, metavar="DIR", help="write DIR/mutants.html, each survivor with its diff")
    p.add_argument("--fail-under", type=float, metavar="PERCENT", help="exit 1 when an exercise's mutation score is below PERCENT")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="warm worker processes (default: CPU count)")
    p.add_argument("--timeout", type=float, help="seconds per run of one mutant, overriding the assignments'")
    p.add_argument("--cluster", metavar="ADDRESS", help="run the work on a Dask cluster (tcp://HOST:8786 or local:N)")
    caching = p.add_mutually_exclusive_group()
    caching.add_argument("--cache", type=Path, metavar="DIR",
                         help="keep results in DIR/grader-cache.sqlite (default: .mutants.grader-cache.sqlite beside --assignments)")
    caching.add_argument("--no-cache", action="store_true", help="grade every mutant again, keep nothing")
    p.add_argument("--reference", type=Path, default=PROJECT / "reference", help="folder of reference solutions")
    p.add_argument("--assignments", type=Path, default=PROJECT / "assignments", help="folder of assignment specs")
    p.add_argument("--quiet", action="store_true", help="no progress bar or table on the terminal")
    args = p.parse_args(argv)
    errors = Console(stderr=True)
    if args.seeds < 1 or args.workers < 1 or (args.timeout is not None and args.timeout <= 0):
        errors.print("[red]grade mutants: --seeds, --workers and --timeout must be positive[/red]")
        return 2
    specs = chosen_specs(args.assignments, args.exercise, errors, "grade mutants")
    if specs is None:
        return 2
    cache = None if args.no_cache else (args.cache / "grader-cache.sqlite" if args.cache
                                        else args.assignments.resolve().parent / ".mutants.grader-cache.sqlite")
    options = Options(workers=args.workers, timeout=args.timeout, device="cpu", exercises=args.exercise, cache=cache,
                      cluster=args.cluster)
    seeds = list(range(1, args.seeds + 1))
    try:
        if args.quiet:
            report = analyse(specs, args.reference, args.assignments, options, seeds)
        else:
            with progress_bar(errors, "grading mutants", "making mutants") as progress:
                report = analyse(specs, args.reference, args.assignments, options, seeds, progress)
    except SpecError as error:
        errors.print(f"[red]grade: invalid assignment spec: {escape(str(error))}[/red]")
        return 2
    if args.quiet:
        for problem in report.errors:
            errors.print(f"grader error: {escape(one_line(problem))}", style="bold red", soft_wrap=True)
    else:
        Console().print(report)
    if args.json:
        args.json.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    if args.html:
        from grader.outputs import mutants_page

        mutants_page.write(report, args.html)
    if report.errors:
        return 3
    if args.fail_under is not None and any(e.score is not None and e.score < args.fail_under for e in report.exercises):
        return 1
    return 0


def chosen_specs(assignments: Path, exercises: list[str], errors: Console, command: str) -> list[ExerciseSpec] | None:
    """The specs, or None once `errors` has said why: a spec that does not load, an --exercise that names none."""
    try:
        specs = load_specs(assignments)
    except SpecError as error:
        errors.print(f"[red]grade: invalid assignment spec: {escape(str(error))}[/red]")
        return None
    unknown = sorted(set(exercises) - {spec.id for spec in specs})
    if unknown:
        errors.print(f"[red]{command}: unknown exercise {unknown}; known: {', '.join(s.id for s in specs)}[/red]")
        return None
    return specs


@contextlib.contextmanager
def progress_bar(errors: Console, title: str, starting: str) -> Iterator[Callable[[int, int, str], None]]:
    """A transient bar on stderr, and the callback the engine reports each item done to."""
    with Progress(TextColumn(title), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=errors, transient=True) as bar:
        task = bar.add_task(starting, total=None)

        def progress(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=escape(one_line(label)))   # a folder name, not markup

        yield progress


def banner(isolation: Isolation) -> str:
    active = [f"{name} ({m.detail.split(':')[0]})" if name in ("landlock", "cgroups") else name
              for name, m in isolation.mechanisms.items() if m.active and name != "process"]
    text = f"isolation: {isolation.level} — {', '.join(active) or 'processes and rlimits only'}"
    process = isolation.mechanisms.get("process")
    if process is not None and process.detail.startswith("spawn"):
        text += f"; children spawned, not forked: {process.detail.split('(', 1)[1].split(')', 1)[0]}"
    gaps = [name for name, m in isolation.mechanisms.items() if not m.active]
    return text + (f"; not in effect: {', '.join(gaps)} (see the JSON report's isolation block)" if gaps else "")


def missing(isolation: Isolation) -> list[str]:
    return [f"{name}: {m.how_to_enable}" for name, m in isolation.mechanisms.items() if not m.active]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["schema"]:
        print(json.dumps(ClassReport.model_json_schema(), indent=2))
        return 0
    if argv[:1] in (["starter"], ["template"]):
        return make_classroom_files(argv[0], argv[1:])
    if argv[:1] == ["mutants"]:
        return mutants(argv[1:])
    if argv[:1] == ["similarity"]:
        return similarity(argv[1:])
    args = parser().parse_args(argv)
    errors = Console(stderr=True)
    if not args.path.exists():
        errors.print(f"[red]grade: {args.path}: no such file or folder[/red]")
        return 2
    if args.workers < 1 or (args.timeout is not None and args.timeout <= 0):
        errors.print("[red]grade: --workers and --timeout must be positive[/red]")
        return 2
    if not similarity_options_valid(args.similarity_base, args.similarity_threshold, errors, "grade"):
        return 2
    specs = chosen_specs(args.assignments, args.exercise, errors, "grade")
    if specs is None:
        return 2
    device = args.device
    if device == "auto":
        device = "cuda" if driver_loaded() else "cpu"
    elif device == "cuda" and not driver_loaded():
        errors.print("[red]grade: --device cuda, but no NVIDIA driver is loaded on this machine[/red]")
        return 2
    paths = list_submissions(args.path, specs, args.mode)      # read once: who may be named, and whether one is graded alone
    try:
        records = course_records(args, specs, paths)
    except SpecError as error:
        errors.print(f"[red]grade: {escape(str(error))}[/red]")
        return 2
    try:
        secret = args.secret_file.read_bytes().strip() if args.secret_file else os.environ.get("NUMGRADER_SECRET", "").encode()
    except OSError as error:
        errors.print(f"[red]grade: --secret-file {args.secret_file}: {error.strerror}[/red]")
        return 2
    options = Options(seed=args.seed, workers=args.workers, timeout=args.timeout, device=device,
                      mode=args.mode, exercises=args.exercise, cache=cache_file(args),
                      cluster=args.cluster, secret=secret)
    try:
        grader = Grader(specs, args.reference, options)
    except SpecError as error:
        errors.print(f"[red]grade: invalid assignment spec: {escape(str(error))}[/red]")
        return 2
    isolation = grader.isolation
    if LEVELS.index(isolation.level) < LEVELS.index(args.require_isolation):
        errors.print(f"[red]grade: isolation here is {isolation.level!r}, below the required {args.require_isolation!r}.[/red]")
        for line in missing(isolation):
            errors.print(f"  {line}")
        return 2
    if not args.quiet:
        errors.print(banner(isolation))
    console = Console()
    texts = None
    if args.quiet:
        report = grader.grade(args.path)
    else:
        with progress_bar(errors, "grading", "starting workers") as progress:
            report = grader.grade(args.path, progress)
    try:
        apply_records(report, specs, records, alone=len(report.submissions) == 1 and paths == [args.path], args=args)
        if args.similarity or args.similarity_base:
            report.similarity, texts = compared(args.path, specs, args)
    except Exception as error:  # noqa: BLE001 - the grades are made: a failure after them must not lose them
        report.errors.append(f"after grading: {type(error).__name__}: {error} (the grades and the outputs are written)")
    if args.quiet:
        for problem in report.errors:     # quiet is no table and no progress, never silence on an error
            errors.print(f"grader error: {escape(one_line(problem))}", style="bold red")
    else:
        if args.wide:
            console = Console(width=max(console.width, report.full_width()))
        console.print(report.student_view() if single_view(args, report) else report)
    try:
        for warning in write_outputs(report, args):
            errors.print(f"[yellow]grade: {escape(warning)}[/yellow]")
        if args.html and report.similarity is not None and texts is not None:
            similarity_page(report.similarity, texts, args.html)
    except ValueError as error:
        errors.print(f"[red]grade: {error}[/red]")
        return 2
    if report.errors:
        return 3
    if args.fail_under is not None and any(
            s.max_score and s.percent < args.fail_under for s in report.submissions):
        return 1
    return 0


Records = tuple["dict[str, Person] | None", "list[Override]", "Course | None"]


def course_records(args: argparse.Namespace, specs: list[ExerciseSpec], paths: list[Path]) -> Records:
    """The roster, overrides and course file, read and checked before anything is graded."""
    from grader.course import load_course
    from grader.roster import read_overrides, read_roster

    roster = read_roster(args.roster) if args.roster else None
    course_file = args.course or (args.assignments / COURSE_FILE)
    if args.course and not args.course.is_file():
        raise SpecError(f"--course {args.course}: no such file")
    # Who may be named: the class and the roster. One student's run (grade . in classroom CI) shares the
    # course's files naming everyone: there, without a roster, a name is not checked.
    students = {student_name(path) for path in paths} | set(roster or {}) if roster or paths != [args.path] else None
    course = load_course(course_file, {spec.id for spec in specs}, students) if course_file.is_file() else None
    overrides = read_overrides(args.overrides, students, specs) if args.overrides else []
    return roster, overrides, course


def apply_records(report: ClassReport, specs: list[ExerciseSpec], records: Records, alone: bool,
                  args: argparse.Namespace) -> None:
    from grader.records import apply

    roster, overrides, course = records
    if roster is not None or overrides or course is not None:
        apply(report, specs, roster, overrides, course, alone, late=not args.no_late)


def similarity_options_valid(base: Path | None, threshold: float, errors: Console, command: str) -> bool:
    if base is not None and not base.is_dir():
        errors.print(f"[red]{command}: --similarity-base {escape(str(base))}: no such folder[/red]")
        return False
    if not 0 < threshold <= 100:
        errors.print(f"[red]{command}: the similarity threshold is a percentage in (0, 100], got {threshold:g}[/red]")
        return False
    if threshold < 1:
        errors.print(f"[yellow]{command}: a similarity threshold of {threshold:g}% lists nearly every pair: "
                     f"it is a percentage (60 for 60%)[/yellow]")
    return True


def compared(path: Path, specs: list[ExerciseSpec], args: argparse.Namespace) -> tuple[SimilarityReport, Texts]:
    """The similarity of the class's files (grader.similarity), exercises as chosen."""
    from grader.similarity import of_class

    chosen = [spec for spec in specs if not args.exercise or spec.id in args.exercise]
    return of_class(path, chosen, args.reference, args.similarity_base, args.mode, args.similarity_threshold / 100)


def similarity_page(report: SimilarityReport, texts: Texts, out: Path) -> None:
    from grader.outputs import similarity_page as page

    page.write(report, texts.students, texts.reference, texts.base, out)


def similarity(argv: list[str]) -> int:
    """`grade similarity DIR`: compare a class's files without grading them."""
    p = argparse.ArgumentParser(prog="grade similarity", description="Compare every pair of submissions per exercise "
                                "(winnowing fingerprints, as MOSS does; comments, layout and names do not matter), and each "
                                "with the reference and the course's material. Evidence for a person: no score changes.")
    p.add_argument("path", type=Path, help="a class folder (each child folder or .zip is one student)")
    p.add_argument("--similarity-base", "--base", type=Path, metavar="DIR", dest="similarity_base",
                   help="the course's own material to compare with too (the teacher's published demos)")
    p.add_argument("--similarity-threshold", "--threshold", type=float, metavar="PERCENT", dest="similarity_threshold",
                   default=100 * DEFAULT_THRESHOLD, help=f"list from this share of a student's code (default {100 * DEFAULT_THRESHOLD:g})")
    p.add_argument("--exercise", action="append", default=[], metavar="ID", help="only this exercise (repeatable)")
    p.add_argument("--json", type=Path, metavar="FILE", help="write the similarity report as JSON")
    p.add_argument("--html", type=Path, metavar="DIR", help="write DIR/similarity.html: each pair side by side")
    p.add_argument("--reference", type=Path, default=PROJECT / "reference", help="folder of reference solutions")
    p.add_argument("--assignments", type=Path, default=PROJECT / "assignments", help="folder of assignment specs")
    p.add_argument("--quiet", action="store_true", help="nothing on the terminal")
    p.set_defaults(mode="class")
    args = p.parse_args(argv)
    errors = Console(stderr=True)
    if not args.path.is_dir():
        errors.print(f"[red]grade similarity: {args.path}: no such folder[/red]")
        return 2
    if not similarity_options_valid(args.similarity_base, args.similarity_threshold, errors, "grade similarity"):
        return 2
    specs = chosen_specs(args.assignments, args.exercise, errors, "grade similarity")
    if specs is None:
        return 2
    report, texts = compared(args.path, specs, args)
    if not args.quiet:
        Console().print(report)
    if args.json:
        args.json.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    if args.html:
        similarity_page(report, texts, args.html)
    return 0


def single_view(args: argparse.Namespace, report: ClassReport) -> bool:
    """One submission graded (a student's `grade .`, classroom CI): show what students may see."""
    return len(report.submissions) == 1 and not args.all_checks


def write_outputs(report: ClassReport, args: argparse.Namespace) -> list[str]:
    """Every output asked for; returns what the instructor should hear of them."""
    from grader.outputs import classroom, feedback, gradebook, gradescope, junit

    said: list[str] = []
    for file in (args.gradescope, args.json, args.csv, args.junit):
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)      # --json out/report.json: its folder made, as --html's is
    if args.gradescope:
        gradescope.write(report, args.gradescope)     # first: it refuses a class (a usage error)
    if args.json:
        args.json.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    if args.csv:
        if args.csv_identifier and args.csv_format != "moodle":
            raise ValueError("--csv-identifier chooses Moodle's identifier column: use it with --csv-format moodle")
        left_out = gradebook.write(report, args.csv, args.csv_format, args.csv_identifier)
        if left_out:
            said.append(f"{args.csv} ({args.csv_format}) leaves out the submissions the roster does not name, which "
                        f"{args.csv_format.capitalize()} could not match: {', '.join(left_out)}")
    if args.html:
        from grader.outputs import html

        html.write(report, args.html)
    if args.junit:
        junit.write(report, args.junit)
    student = report.student_view() if single_view(args, report) else report
    if args.feedback:
        feedback.write(student, args.feedback)
    if args.github or os.environ.get("GITHUB_ACTIONS") == "true":
        classroom.write(student)
    return said
