"""Grading results: typed outcomes that round-trip through JSON and render themselves.

The JSON contract other tools read: {"submissions": [{"student", "score", "max_score",
"exercises": [{"exercise", "score", "max_score", "status", "checks": [{"name", "status",
"score", "max_score", "message"}]}]}], "seed", ...}.
"""
from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.table import Table
from rich.text import Text

from grader.fences import Isolation
from grader.safe_text import clean, one_line
from grader.similarity import SimilarityReport

CheckStatus = Literal["passed", "failed", "error", "timeout", "skipped"]
ExerciseStatus = Literal["graded", "missing", "error", "timeout"]
TimeSource = Literal["gradescope", "git", "zip", "timestamp file", "file time"]
SCHEMA_VERSION = 1


class Person(BaseModel):
    """A student as the roster (--roster) names them."""

    login: str = Field(description="The roster's key: the submission's folder (or zip) name or GitHub username.")
    name: str = ""
    student_id: str = Field("", description="The school's id (Canvas's SIS User ID).")
    email: str = ""
    section: str = ""
    extra: dict[str, str] = Field(default_factory=dict, description="The roster's other columns, kept as they are.")


class Manual(BaseModel):
    """Points a person gave (--overrides): merged into every output, and marked as theirs."""

    points: float | None = Field(None, description="The points set, replacing the grader's.")
    delta: float | None = Field(None, description="Points added to (or taken from) the grader's.")
    by: str = Field("", description="Who gave them.")
    comment: str = ""
    source: str = Field(description="Where: the overrides file and line.")


class Late(BaseModel):
    """When an exercise was handed in, against its due date, and what that cost."""

    submitted_at: datetime | None = Field(description="The time used, with its zone; None when none was found.")
    source: TimeSource | None = Field(description="Where the time came from (gradescope, git, zip, timestamp file, file time).")
    due: datetime = Field(description="The due date that applied, extension included.")
    extension: str = Field("", description="The extension given, as the extensions file says it.")
    hours_late: float = Field(description="Hours after the due date (0 when on time).")
    penalty: float = Field(description="Percent of the points taken off.")
    accepted: bool = Field(True, description="False after the last accepted date: the exercise earns nothing.")
    raw_score: float = Field(description="The score before the penalty.")
    score: float = Field(description="The score after it (a person's points for the whole exercise may still change it).")
    policy: str = Field(description="The late policy, in words.")


class Series(BaseModel):
    label: str
    x: list[float]
    y: list[float]

    @field_validator("x", "y", mode="before")
    @classmethod
    def nan_from_null(cls, values: object) -> object:
        """JSON has no NaN: a diverged curve's NaN is written as null, and read back as NaN here (else
        the cache could never give that result back, and it would be graded again every run)."""
        return [math.nan if value is None else value for value in values] if isinstance(values, list) else values


class Plot(BaseModel):
    """Numbers worth a picture (a loss curve against the reference's, gradients against finite
    differences); the HTML report draws them."""

    title: str
    x_label: str
    y_label: str
    series: list[Series]
    style: Literal["line", "points"] = "line"
    log_y: bool = False

    @classmethod
    def against_reference(cls, title: str, mine: list[float], theirs: list[float], x_label: str = "step",
                          y_label: str = "loss", log_y: bool = True) -> Plot:
        """The student's curve and the reference's, one point per step."""
        return cls(title=title, x_label=x_label, y_label=y_label, log_y=log_y,
                   series=[Series(label="yours", x=list(range(len(mine))), y=mine),
                           Series(label="reference", x=list(range(len(theirs))), y=theirs)])


class CheckResult(BaseModel):
    name: str
    status: CheckStatus
    score: float
    max_score: float
    message: str = Field("", description="For students: what was expected, what came, the likely cause.")
    visibility: str = "visible"
    plot: Plot | None = None
    manual: Manual | None = Field(None, description="Set when a person gave this check's points (a manual check, an override).")


class ExerciseResult(BaseModel):
    exercise: str
    status: ExerciseStatus
    score: float
    max_score: float
    file: str | None = Field(None, description="The graded file, relative to the submission.")
    message: str = Field("", description="Why the exercise could not be graded, when it could not.")
    warnings: list[str] = Field(default_factory=list)
    output: str = Field("", description="What the student's code printed (capped), for feedback.")
    seconds: float = Field(0.0, description="Wall time of the child, fences and start-up included.")
    code_seconds: float = Field(0.0, description="Of which running the student's file and the probes' calls into it.")
    cached: bool = Field(False, description="Reused from an earlier run of the same content, spec, reference and seed.")
    checks: list[CheckResult] = Field(default_factory=list)
    answers: str | None = Field(None, description="sha256 of everything the code answered (values, errors, output), "
                                                  "when the run was asked to keep it: two programs with the same digest "
                                                  "gave the same answers to the same requests (grade mutants).")
    coverage: dict[str, list[int]] | None = Field(None, description="Lines of the file each check's requests ran "
                                                                    "('__load__': loading it), for traced runs only.")
    manual: Manual | None = Field(None, description="Set when a person changed the exercise's points (--overrides).")
    late: Late | None = Field(None, description="The due date and what lateness cost, when the course file gives one.")

    def adjustments(self) -> list[tuple[str, float, str]]:
        """What moved the score away from its checks' sum: lateness, then a person's points for
        the whole exercise, each as (label, points added, why); outputs that list checks add these."""
        found = []
        if self.late is not None and abs(self.late.raw_score - self.late.score) > 1e-9:
            found.append(("late", round(self.late.score - self.late.raw_score, 6),
                          f"{self.late.penalty:g}% off: handed in {self.late.hours_late:g} hours after "
                          f"{self.late.due.isoformat(timespec='minutes')} ({self.late.source}; {self.late.policy})"
                          if self.late.accepted else "handed in after the last accepted date: not accepted"))
        before = self.late.score if self.late else round(sum(check.score for check in self.checks), 6)
        if self.manual is not None and abs(self.score - before) > 1e-9:
            said = f": {self.manual.comment}" if self.manual.comment else ""
            found.append(("marked by hand", round(self.score - before, 6), f"marked by {self.manual.by or 'hand'}{said}"))
        return found


class SubmissionResult(BaseModel):
    student: str
    path: str
    person: Person | None = Field(None, description="Who, from the roster (--roster).")
    handed_in: bool = Field(True, description="False for a roster student with no submission (every exercise missing).")
    score: float
    max_score: float
    warnings: list[str] = Field(default_factory=list)
    exercises: list[ExerciseResult]

    @property
    def percent(self) -> float:
        """The score as a percentage of the points (0 where there are none)."""
        return 100 * self.score / self.max_score if self.max_score else 0.0

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.handed_in:
            yield _line(f"{one_line(self.student)}: no submission (on the roster): {points(self.score)} / "
                        f"{points(self.max_score)}", "bold red")
            for exercise in self.exercises:
                if exercise.manual is not None:
                    yield _line(f"  {exercise.exercise}: {points(exercise.score)} marked by {exercise.manual.by or 'hand'}", "yellow")
            return
        yield _line(f"{one_line(self.student)}: {points(self.score)} / {points(self.max_score)}", "bold")
        for warning in self.warnings:
            yield _line(f"  warning: {warning}", "yellow")
        for exercise in self.exercises:
            if exercise.status != "graded":
                yield _line(f"  {exercise.exercise} [{exercise.status}] {exercise.message}",
                           "dim" if exercise.status == "missing" else "red")
            for warning in exercise.warnings:
                yield _line(f"  {exercise.exercise}: warning: {warning}", "yellow")
            for check in exercise.checks:
                if check.status in ("passed",):
                    continue
                yield _line(f"  {exercise.exercise}.{check.name} [{check.status}] "
                           f"{points(check.score)}/{points(check.max_score)}: {check.message}",
                           "red" if check.status in ("failed", "error", "timeout") else "dim")


class Assignment(BaseModel):
    """A group of exercises with one due date: one column in an LMS gradebook."""

    name: str = Field(description="As the LMS names it (Canvas: 'Week 13' or 'Week 13 (12345)' with its id).")
    exercises: list[str]
    due: datetime | None = None


class ClassReport(BaseModel):
    schema_version: int = SCHEMA_VERSION
    grader_version: str
    seed: int
    inputs: str = Field("seed", description="What the grader's inputs were drawn from: 'seed' (the run's seed, one set "
                                            "for the class) or 'seed, content and secret' (one submission graded alone: "
                                            "an HMAC of the seed and its files under the instructor's secret).")
    device: str
    exercises: list[str] = Field(description="Exercise ids graded, in report order.")
    isolation: Isolation
    seconds: float = 0.0
    submissions: list[SubmissionResult]
    errors: list[str] = Field(default_factory=list, description="Grader errors (never a student's fault).")
    notices: list[str] = Field(default_factory=list, description="Things the instructor should know (an unusable cache).")
    not_on_roster: list[str] = Field(default_factory=list, description="Submissions the roster does not name (--roster).")
    assignments: list[Assignment] = Field(default_factory=list, description="The course file's groups of exercises, "
                                                                              "one gradebook column each (Canvas, Moodle).")
    similarity: SimilarityReport | None = Field(None, description="With --similarity: who handed in the reference or the "
                                                                  "course's material, and who shares code (no score changes).")

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(options.max_width)
        yield Group(*[submission for submission in self.submissions
                      if submission.score < submission.max_score or submission.warnings])
        if self.similarity is not None:
            yield self.similarity
        for error in self.errors:
            yield _line(f"grader error: {error}", "bold red")
        for notice in self.notices:
            yield _line(f"note: {notice}", "yellow")

    def student_view(self) -> ClassReport:
        """What a student running `grade .` may see: visible checks only, with a count of the rest
        (as Gradescope has it: `after_due_date` and `hidden` checks are the instructor's)."""
        view = self.model_copy(deep=True)
        for submission in view.submissions:
            for exercise in submission.exercises:
                shown = [check for check in exercise.checks if check.visibility == "visible"]
                hidden = len(exercise.checks) - len(shown)
                if hidden:
                    exercise.checks = shown
                    exercise.warnings.append(f"{hidden} more check(s) are not shown yet")
        return view

    def table(self, width: int) -> Table:
        """Students × exercises where that fits the width; else turned on its side where that fits;
        else one line per student: total, percent and the exercises that lost most, with where to
        see the rest (a table whose every column is squeezed to "4…" helps no one)."""
        # Rows by position, not by name (two submissions may share one); Text, never str, in cells
        # and headers, since rich reads "[...]" in a str as markup.
        names = [Text(one_line(s.student)) for s in self.submissions]
        cells = [{e.exercise: _cell(e) for e in s.exercises} for s in self.submissions]
        totals = [Text(f"{points(s.score)}/{points(s.max_score)}", style="bold") for s in self.submissions]
        table = Table(title=f"Scores (seed {self.seed})")
        across = self.full_width()
        sideways = 12 + sum(max(len(name), 7) + 3 for name in names)
        if across <= width:
            table.add_column("student", style="bold")
            for exercise in self.exercises:
                table.add_column(Text(one_line(exercise)), justify="right")
            table.add_column("total", justify="right")
            for name, row, total in zip(names, cells, totals):
                table.add_row(name, *[row.get(e, _cell(None)) for e in self.exercises], total)
        elif sideways <= width:
            table.add_column("exercise", style="bold")
            for name in names:
                table.add_column(name, justify="right")
            for exercise in self.exercises:
                table.add_row(Text(one_line(exercise)), *[row.get(exercise, _cell(None)) for row in cells])
            table.add_row("total", *totals)
        else:
            return self.compact(names, totals)
        return table

    def compact(self, names: list[Text], totals: list[Text]) -> Table:
        table = Table(title=f"Scores (seed {self.seed})",
                      caption=f"{len(self.exercises)} exercises: the full table with --wide, --html DIR or --csv FILE")
        table.add_column("student", style="bold")
        table.add_column("total", justify="right")
        table.add_column("%", justify="right")
        table.add_column("lost most")
        for name, total, submission in zip(names, totals, self.submissions):
            percent = f"{submission.percent:.0f}" if submission.max_score else "—"
            lost = sorted((e for e in submission.exercises if e.score < e.max_score and e.status != "missing"),
                          key=lambda e: (e.score / e.max_score if e.max_score else 1.0, -e.max_score))
            missing = sum(1 for e in submission.exercises if e.status == "missing")
            parts = [f"{one_line(e.exercise)} {_cell(e).plain}" for e in lost[:3]]
            parts += [f"+{len(lost) - 3} more"] if len(lost) > 3 else []
            parts += [f"{missing} missing"] if missing else []
            table.add_row(name, total, percent, Text(" · ".join(parts)))
        return table

    def full_width(self) -> int:
        """Columns the full students × exercises table needs (for --wide)."""
        widest_name = max([len(one_line(s.student)) for s in self.submissions] + [7])
        return widest_name + 4 + sum(max(len(e), 7) + 3 for e in self.exercises) + 10


def _line(text: str, style: str) -> Text:
    """A line of the terminal report, which may hold student text: cleaned of escapes, never read
    as markup, and its further lines indented so they cannot pass for a report line of their own."""
    return Text(clean(text).replace("\n", "\n    "), style=style)


def points(value: float) -> str:
    return f"{round(value, 2):g}"


def _cell(result: ExerciseResult | None) -> Text:
    if result is None or (result.status == "missing" and result.manual is None):     # a person's points show, file or not
        return Text("—", style="dim")
    if result.status in ("error", "timeout"):
        return Text(result.status, style="red")
    style = "green" if result.score == result.max_score else "yellow" if result.score else "red"
    return Text(f"{points(result.score)}/{points(result.max_score)}", style=style)
