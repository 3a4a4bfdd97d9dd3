"""Gradescope's results.json for one submission: score, tests[] (name, score, max_score, status,
output, visibility) and a top-level output."""
from __future__ import annotations

import json
from pathlib import Path

from grader.report import ClassReport, points
from grader.safe_text import clean_strings

VISIBILITY = {"visible": "visible", "after_due_date": "after_due_date", "hidden": "hidden"}


def results(report: ClassReport) -> dict:
    if len(report.submissions) != 1:
        raise ValueError(f"--gradescope needs exactly one submission, the report has {len(report.submissions)}")
    [submission] = report.submissions
    tests = []
    for exercise in submission.exercises:
        if not exercise.checks:
            tests.append({"name": f"{exercise.exercise}: {exercise.status}", "score": 0.0,
                          "max_score": exercise.max_score, "status": "failed", "output": exercise.message,
                          "visibility": "visible"})
        for check in exercise.checks:
            tests.append({"name": f"{exercise.exercise}.{check.name}" + (" (marked by hand)" if check.manual else ""),
                          "score": check.score, "max_score": check.max_score,
                          "status": "passed" if check.status == "passed" else "failed",
                          "output": check.message or "passed", "visibility": VISIBILITY[check.visibility]})
        for label, added, why in exercise.adjustments():     # a person's points, lateness: the tests sum to the score
            tests.append({"name": f"{exercise.exercise}: {label}", "score": added, "max_score": 0.0,
                          "status": "passed" if added >= 0 else "failed", "output": why, "visibility": "visible"})
    summary = f"Score {points(submission.score)} / {points(submission.max_score)} (grader seed {report.seed})."
    warnings = submission.warnings + [w for e in submission.exercises for w in e.warnings]
    return clean_strings({"score": submission.score, "output": "\n".join([summary, *warnings]), "tests": tests,
                          "visibility": "visible", "stdout_visibility": "hidden"})


def write(report: ClassReport, path: Path) -> None:
    path.write_text(json.dumps(results(report), indent=2), encoding="utf-8")
