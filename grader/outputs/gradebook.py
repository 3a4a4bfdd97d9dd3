"""The gradebook: one row per student (student, one column per exercise, total, max, percent),
ready to import into Canvas or Moodle."""
from __future__ import annotations

import csv
from pathlib import Path

from grader.report import ClassReport
from grader.safe_text import one_line


def write(report: ClassReport, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as sink:
        table = csv.writer(sink)
        table.writerow(["student", *report.exercises, "total", "max", "percent"])
        for submission in report.submissions:
            scores = {e.exercise: e.score for e in submission.exercises}
            percent = submission.percent
            table.writerow([one_line(submission.student), *[_number(scores.get(e, 0.0)) for e in report.exercises],
                            _number(submission.score), _number(submission.max_score), f"{percent:.1f}"])


def _number(value: float) -> str:
    return f"{round(value, 4):g}"
