"""One Markdown file per student to hand back: the score, then every check with what was
expected, what came and the likely cause.

Student text (a name, a message, a warning) is cleaned of control characters and kept on its
line, so it cannot end a table or a quote and write a heading or a score of its own."""
from __future__ import annotations

from pathlib import Path

from grader.outputs.filenames import file_stems
from grader.report import ClassReport, SubmissionResult, points
from grader.safe_text import one_line

MARK = {"passed": "✅", "failed": "❌", "error": "💥", "timeout": "⏱", "skipped": "➖"}


def markdown(submission: SubmissionResult, seed: int, visible_only: bool = False) -> str:
    person = submission.person
    who = f" ({one_line(person.name)})" if person and person.name else ""
    lines = [f"# Feedback for {one_line(submission.student)}{who}", "",
             f"**Score: {points(submission.score)} / {points(submission.max_score)}** (grader seed {seed})", ""]
    lines += [f"> ⚠ {one_line(warning)}" for warning in submission.warnings]
    for exercise in submission.exercises:
        lines += ["", f"## {one_line(exercise.exercise)}: {points(exercise.score)} / {points(exercise.max_score)}"]
        if exercise.file:
            lines.append(f"File: `{one_line(exercise.file)}`")
        if exercise.status != "graded":
            lines += ["", f"**{exercise.status}**: {one_line(exercise.message)}"]
        lines += [f"> ⚠ {one_line(warning)}" for warning in exercise.warnings]
        hidden = 0
        rows = []
        for check in exercise.checks:
            if visible_only and check.visibility != "visible":
                hidden += 1
                continue
            rows.append(f"| {MARK[check.status]} {cell(check.name)} | {points(check.score)} / {points(check.max_score)} "
                        f"| {cell(check.message) or '—'} |")
        rows += [f"| {cell(label)} | {added:+g} | {cell(why)} |" for label, added, why in exercise.adjustments()]
        if rows:
            lines += ["", "| check | points | what the grader saw |", "|---|---|---|", *rows]
        if hidden:
            lines.append(f"\n{hidden} more check(s) are not shown yet.")
    return "\n".join(lines) + "\n"


def cell(text: str) -> str:
    """Student text in one Markdown table cell."""
    return one_line(text).replace("|", "\\|")


def write(report: ClassReport, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for submission, stem in zip(report.submissions, file_stems(report)):
        path = folder / f"{stem}.md"
        path.write_text(markdown(submission, report.seed), encoding="utf-8")
        written.append(path)
    return written
