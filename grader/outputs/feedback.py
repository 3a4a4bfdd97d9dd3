"""One Markdown file per student to hand back: the score, then every check with what was
expected, what came and the likely cause."""
from __future__ import annotations

import re
from pathlib import Path

from grader.report import ClassReport, SubmissionResult, points

MARK = {"passed": "✅", "failed": "❌", "error": "💥", "timeout": "⏱", "skipped": "➖"}


def markdown(submission: SubmissionResult, seed: int, visible_only: bool = False) -> str:
    lines = [f"# Feedback for {submission.student}", "",
             f"**Score: {points(submission.score)} / {points(submission.max_score)}** (grader seed {seed})", ""]
    lines += [f"> ⚠ {warning}" for warning in submission.warnings]
    for exercise in submission.exercises:
        lines += ["", f"## {exercise.exercise}: {points(exercise.score)} / {points(exercise.max_score)}"]
        if exercise.file:
            lines.append(f"File: `{exercise.file}`")
        if exercise.status != "graded":
            lines += ["", f"**{exercise.status}**: {exercise.message}"]
        lines += [f"> ⚠ {warning}" for warning in exercise.warnings]
        hidden = 0
        rows = []
        for check in exercise.checks:
            if visible_only and check.visibility != "visible":
                hidden += 1
                continue
            message = check.message.replace("|", "\\|").replace("\n", " ") or "—"
            rows.append(f"| {MARK[check.status]} {check.name} | {points(check.score)} / {points(check.max_score)} | {message} |")
        if rows:
            lines += ["", "| check | points | what the grader saw |", "|---|---|---|", *rows]
        if hidden:
            lines.append(f"\n{hidden} more check(s) are not shown yet.")
    return "\n".join(lines) + "\n"


def write(report: ClassReport, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for submission in report.submissions:
        path = folder / f"{safe_name(submission.student)}.md"
        path.write_text(markdown(submission, report.seed), encoding="utf-8")
        written.append(path)
    return written


def safe_name(student: str) -> str:
    return re.sub(r"[^\w.-]+", "_", student).strip("._") or "student"
