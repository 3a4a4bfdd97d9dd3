"""`grade mutants`: grade the reference's mutants as a class of their own, under several seeds, and
tell the instructor which plausible bugs the checks let through.

Every mutant (grader.mutants) is a submission holding the reference's files with one of them
changed, graded on that exercise only, through the normal engine: sandboxed children forked from
warm workers, the result cache, a Dask cluster when asked. A copy of the reference is graded beside
them, traced: its answers are what "equivalent" is measured against, and the lines each check's
requests ran say which check should have caught a survivor.

A mutant is
- *equivalent* when its answers equal the reference copy's on every request under every seed:
  no check could tell the two apart;
- *unstable* when its score changes with the seed (a lottery the checks must not hold);
- *killed* when it loses points, the same number, under every seed;
- *survived* when it earns full marks under every seed: a bug the checks let through;
- *fair* when it survived and the spec's `[[fair]]` says why such a change is not a bug;
- an *error* when the grader failed on it (reported, never counted as killed).
The mutation score of an exercise is killed / (mutants - equivalent - fair - errors).
"""
from __future__ import annotations

import dataclasses
import math
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, computed_field
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.table import Table
from rich.text import Text

from grader.engine import Grader, Options
from grader.kinds.manual import NOT_MARKED
from grader.mutants import Mutant, make
from grader.report import ExerciseResult, points
from grader.safe_text import one_line
from grader.spec import ExerciseSpec, FairMutant
from grader.submissions import IGNORED_PARTS, Submission, find_files

MutantStatus = Literal["killed", "survived", "unstable", "equivalent", "fair", "error"]
REFERENCE_COPY = "reference-copy"     # the reference's copy in the mutants' class (the engine's own run is "reference")
SLACK = 16                            # a mutant may take this many times the reference's time (then 2 s, then the next power of 2)
Progress = Callable[[int, int, str], None]


class MutantResult(BaseModel):
    name: str = Field(description="The mutant's name: EXERCISE-mNNN.")
    operator: str = Field(description="'mutmut/NAME', 'course/NAME' or 'bug/NAME' (grader.mutants).")
    line: int
    diff: str
    status: MutantStatus
    scores: list[float] = Field(description="The mutant's score under each seed, in the report's order of seeds.")
    lost: list[str] = Field(default_factory=list, description="Checks that lost points under some seed.")
    check: str | None = Field(None, description="The one check whose requests ran the changed line, when only one did: "
                                                "the check that should have caught a survivor.")
    message: str = Field("", description="Why the grader could not grade it (errors), or the first failed check's message.")
    why: str = Field("", description="For a fair survivor: the spec's reason.")


class ExerciseMutation(BaseModel):
    exercise: str
    max_score: float
    mutants: int = Field(description="Mutants made.")
    killed: int
    survived: list[MutantResult] = Field(default_factory=list)
    unstable: list[MutantResult] = Field(default_factory=list)
    equivalent: list[MutantResult] = Field(default_factory=list, description="Likely equivalent: the same answers as the "
                                           "reference's copy to every request (a bug no drawn input reaches is among them).")
    fair: list[MutantResult] = Field(default_factory=list, description="Survivors the spec calls fair, with its reason.")
    errors: list[MutantResult] = Field(default_factory=list)
    killed_by: dict[str, int] = Field(default_factory=dict, description="Check → how many killed mutants lost points on it.")

    @computed_field(description="killed / (mutants - equivalent - fair - errors), in percent; None with nothing to kill.")   # type: ignore[prop-decorator]
    @property
    def score(self) -> float | None:
        judged = self.mutants - len(self.equivalent) - len(self.fair) - len(self.errors)
        return round(100 * self.killed / judged, 2) if judged else None


class MutationReport(BaseModel):
    seeds: list[int]
    seconds: float = 0.0
    graded: int = Field(0, description="Runs of a mutant (or of the reference's copy) under one seed.")
    reused: int = Field(0, description="Of which taken from the result cache.")
    exercises: list[ExerciseMutation] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="Grader errors, and exercises whose reference loses points.")
    notices: list[str] = Field(default_factory=list)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        table = Table(title=f"Mutants of the reference, graded under seeds {', '.join(map(str, self.seeds))}", title_justify="left")
        for column in ("exercise", "mutants", "killed", "survived", "unstable", "equiv.", "fair", "errors", "score"):
            table.add_column(column, justify="left" if column == "exercise" else "right")
        for exercise in self.exercises:
            score = "—" if exercise.score is None else f"{exercise.score:.1f}%"
            style = "green" if (exercise.score or 0) >= 95 and not exercise.unstable else "red"
            table.add_row(exercise.exercise, str(exercise.mutants), str(exercise.killed), str(len(exercise.survived)),
                          str(len(exercise.unstable)), str(len(exercise.equivalent)), str(len(exercise.fair)), str(len(exercise.errors)),
                          Text(score, style=style))
        parts: list = [table]
        for exercise in self.exercises:
            for mutant in exercise.unstable + exercise.survived:
                where = f" (line {mutant.line}" + (f", check {mutant.check!r} runs it)" if mutant.check else ")")
                scores = " / ".join(points(score) for score in mutant.scores)
                parts.append(Text(f"{mutant.status}: {mutant.name} {mutant.operator}{where}: {scores} of {points(exercise.max_score)}",
                                  style="yellow" if mutant.status == "survived" else "red"))
                parts.append(Text("".join(f"    {line}\n" for line in changed_lines(mutant.diff)).rstrip("\n"), style="dim"))
        for error in self.errors:
            parts.append(Text(f"grader error: {one_line(error)}", style="bold red"))
        for notice in self.notices:
            parts.append(Text(f"notice: {one_line(notice)}", style="yellow"))
        yield Group(*parts)


def changed_lines(diff: str) -> list[str]:
    """The diff's - and + lines, without its headers."""
    return [line.rstrip("\n") for line in diff.splitlines() if line[:1] in "-+" and line[:3] not in ("---", "+++")]


# --- the run -------------------------------------------------------------------------------------------
def analyse(specs: list[ExerciseSpec], reference: Path, assignments: Path, options: Options, seeds: list[int],
            progress: Progress | None = None) -> MutationReport:
    """Make the mutants of every selected exercise, grade them under each seed, classify them."""
    started = time.monotonic()
    selected = [spec for spec in specs if not options.exercises or spec.id in options.exercises]
    report = MutationReport(seeds=seeds)
    located = Submission(student=REFERENCE_COPY, path=reference, root=reference)
    find_files(located, specs)
    made: dict[str, list[Mutant]] = {}
    for spec in selected:
        if spec.id not in located.files:
            report.errors.append(f"{spec.id}: no reference file ({' / '.join(spec.files)}) in {reference}")
            continue
        made[spec.id] = make(spec, reference / located.files[spec.id], str(assignments / f"{spec.id}.toml"))
    if not made:
        return report
    scratch = Path(tempfile.mkdtemp(prefix="grader-mutants-"))
    try:
        klass = write_class(reference, located, specs, made, scratch / "class")
        only = {REFERENCE_COPY: list(made)} | {m.name: [m.exercise] for mutants in made.values() for m in mutants}
        timed = specs if options.timeout else time_limits(specs, reference, klass, options, list(made), seeds[0], progress)
        graded: dict[int, dict[str, dict[str, ExerciseResult]]] = {}
        for round_, seed in enumerate(seeds, 1):
            run = dataclasses.replace(options, seed=seed, mode="class", only=only, traced={REFERENCE_COPY}, answers=True)
            counted = None if progress is None else _prefixed(progress, f"seed {seed} ({round_}/{len(seeds)})")
            class_report = Grader(timed, reference, run).grade(klass, counted)
            report.errors += [f"seed {seed}: {error}" for error in class_report.errors]
            report.notices += [notice for notice in class_report.notices if notice not in report.notices]
            graded[seed] = {s.student: {e.exercise: e for e in s.exercises} for s in class_report.submissions}
            runs = [e for s in class_report.submissions for e in s.exercises]
            report.graded += len(runs)
            report.reused += sum(e.cached for e in runs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for spec in selected:
        if spec.id in made:
            exercise = classify(spec, made[spec.id], seeds, graded, report.errors)
            report.notices += [f"{assignments / (spec.id + '.toml')}: the [[fair]] rule {rule.model_dump(exclude={'why'})} "
                               "covers no mutant: fix its text (part of the reference's line) or remove it"
                               for rule in spec.fair if not any(fair_by(rule, mutant) for mutant in made[spec.id])]
            if exercise is not None:
                report.exercises.append(exercise)
    report.seconds = round(time.monotonic() - started, 3)
    return report


def time_limits(specs: list[ExerciseSpec], reference: Path, klass: Path, options: Options, exercises: list[str],
                seed: int, progress: Progress | None) -> list[ExerciseSpec]:
    """The specs with each exercise's time limit cut to what its reference needs, with room to spare:
    a mutant that loops for ever (a stopping test turned round) is stopped, and killed, in seconds,
    not after the minute a student gets. The reference copy's time comes from the cache when it has
    it, so a second run draws the same limits and reuses every result."""
    alone = klass.parent / "reference-alone"
    shutil.copytree(klass / REFERENCE_COPY, alone / REFERENCE_COPY)
    run = dataclasses.replace(options, seed=seed, mode="class", exercises=exercises)
    counted = None if progress is None else _prefixed(progress, "timing the reference")
    timing = Grader(specs, reference, run).grade(alone, counted)
    seconds = {result.exercise: result.seconds for submission in timing.submissions for result in submission.exercises}
    limited = []
    for spec in specs:
        if spec.id not in seconds:
            limited.append(spec)
            continue
        limit = min(spec.timeout, float(2 ** math.ceil(math.log2(SLACK * seconds[spec.id] + 2.0))))
        limited.append(spec.model_copy(update={"timeout": limit, "call_timeout": min(spec.call_timeout, limit)}))
    return limited


def _prefixed(progress: Progress, prefix: str) -> Progress:
    return lambda done, total, label: progress(done, total, f"{prefix}: {label}")


def write_class(reference: Path, located: Submission, specs: list[ExerciseSpec], made: dict[str, list[Mutant]],
                klass: Path) -> Path:
    """A folder per mutant holding its exercise's file changed, the reference's files of the
    exercises it needs (net1's net.py) and the reference's data files (anything not Python); and
    the reference's own copy, with every file the mutants' exercises use. A mutant's folder holds
    nothing else, so a change to another exercise's reference leaves its cached results valid."""
    needs = {spec.id: spec.needs for spec in specs}
    data = [path.relative_to(reference) for path in reference.rglob("*")
            if path.is_file() and path.suffix != ".py" and not any(part in IGNORED_PARTS or part.startswith(".")
                                                                  for part in path.relative_to(reference).parts)]

    def fill(folder: Path, exercises: set[str]) -> None:
        for relative in data + [located.files[e] for e in sorted(exercises) if e in located.files]:
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(reference / relative, folder / relative)

    fill(klass / REFERENCE_COPY, set(made) | {need for exercise in made for need in needs[exercise]})
    for exercise, mutants in made.items():
        for mutant in mutants:
            folder = klass / mutant.name
            fill(folder, {exercise, *needs[exercise]})
            (folder / located.files[exercise]).write_text(mutant.source, encoding="utf-8")
    return klass


def classify(spec: ExerciseSpec, mutants: list[Mutant], seeds: list[int],
             graded: dict[int, dict[str, dict[str, ExerciseResult]]], errors: list[str]) -> ExerciseMutation | None:
    """Each mutant's status from its results under every seed, against the reference copy's."""
    copies = [graded[seed].get(REFERENCE_COPY, {}).get(spec.id) for seed in seeds]
    for seed, copy in zip(seeds, copies):
        if copy is None or copy.status != "graded" or copy.score < spec.graded_score:
            why = "it was not graded" if copy is None else f"{points(copy.score)}/{points(spec.graded_score)}: {copy.message or lost_messages(copy)}"
            errors.append(f"{spec.id}: the reference's own copy does not earn full marks under seed {seed} ({why}); "
                          f"its mutants are not classified: fix the reference or the spec first (grade reference)")
            return None
    covering = coverage(spec, [copy for copy in copies if copy is not None])
    exercise = ExerciseMutation(exercise=spec.id, max_score=spec.graded_score, mutants=len(mutants), killed=0)
    for mutant in mutants:
        results = [graded[seed].get(mutant.name, {}).get(spec.id) for seed in seeds]
        result = judge_mutant(spec, mutant, results, copies, covering)
        if result.status == "killed":
            exercise.killed += 1
            for check in result.lost:
                exercise.killed_by[check] = exercise.killed_by.get(check, 0) + 1
        else:
            {"survived": exercise.survived, "unstable": exercise.unstable, "fair": exercise.fair,
             "equivalent": exercise.equivalent, "error": exercise.errors}[result.status].append(result)
    return exercise


def judge_mutant(spec: ExerciseSpec, mutant: Mutant, results: list[ExerciseResult | None],
                 copies: list[ExerciseResult | None], covering: dict[int, list[str]]) -> MutantResult:
    checks = covering.get(mutant.line, [])
    base = MutantResult(name=mutant.name, operator=mutant.operator, line=mutant.line, diff=mutant.diff, status="error",
                        scores=[], check=checks[0] if len(checks) == 1 else None)
    broken = [result for result in results if result is None or grader_failed(result)]
    if broken:
        first = broken[0]
        base.message = "not graded" if first is None else first.message
        return base
    graded = [result for result in results if result is not None]
    base.scores = [result.score for result in graded]
    lost = [check for result in graded for check in result.checks if check.score < check.max_score and check.message != NOT_MARKED]
    base.lost = sorted({check.name for check in lost})
    failed = [check.message for check in lost]
    base.message = failed[0][:500] if failed else next((r.message[:500] for r in graded if r.message), "")
    if all(copy is not None and result.answers == copy.answers for result, copy in zip(graded, copies)):
        base.status = "equivalent"
    elif len(set(base.scores)) > 1:
        base.status = "unstable"
    elif base.scores[0] < spec.graded_score:         # a manual check's points are a person's to give
        base.status = "killed"
    else:
        base.status = "survived"
        rule = next((rule for rule in spec.fair if fair_by(rule, mutant)), None)
        if rule is not None:
            base.status, base.why = "fair", rule.why
    return base


def fair_by(rule: FairMutant, mutant: Mutant) -> bool:
    """Does the rule cover this mutant? Never a known bug of the spec's: those are bugs by definition."""
    return (not mutant.operator.startswith("bug/") and rule.line.strip() in mutant.original
            and mutant.operator.startswith(rule.operator))


def grader_failed(result: ExerciseResult) -> bool:
    """The grader's own failure on this mutant (never counted as a kill)."""
    return result.status == "error" and "not your fault" in result.message


def lost_messages(result: ExerciseResult) -> str:
    return "; ".join(f"{check.name}: {check.message[:200]}" for check in result.checks if check.score < check.max_score)


def coverage(spec: ExerciseSpec, copies: list[ExerciseResult]) -> dict[int, list[str]]:
    """Line → the checks that run it: the lines each check's requests ran in the reference's
    copy, and, for checks that judge what loading the file did (output, api), the lines the load ran."""
    lines: dict[str, set[int]] = {check.name: set() for check in spec.checks}
    for copy in copies:
        ran = copy.coverage or {}
        for check in spec.checks:
            asks = spec.kinds[check.name].asks
            lines[check.name].update(ran.get(check.name if asks else "__load__", []))
    by_line: dict[int, list[str]] = {}
    for check in spec.checks:
        for line in lines[check.name]:
            by_line.setdefault(line, []).append(check.name)
    return by_line
