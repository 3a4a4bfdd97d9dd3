"""GitHub Actions and GitHub Classroom: a Markdown table in the step summary, and a step output
`result` holding base64 JSON in the classroom runner format (version, status, max_score, tests[]
with name, status, score, message) that Classroom's grading reporter reads."""
from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from pathlib import Path

from grader.outputs.feedback import cell
from grader.report import ClassReport, points
from grader.safe_text import clean_strings


def runner_result(report: ClassReport) -> dict:
    tests = []
    for submission in report.submissions:
        prefix = f"{submission.student}/" if len(report.submissions) > 1 else ""
        for exercise in submission.exercises:
            if not exercise.checks:
                tests.append({"name": f"{prefix}{exercise.exercise}", "status": "fail", "score": 0,
                              "max_score": exercise.max_score, "message": exercise.message})
            for check in exercise.checks:
                tests.append({"name": f"{prefix}{exercise.exercise}.{check.name}" + (" (marked by hand)" if check.manual else ""),
                              "status": {"passed": "pass", "skipped": "pass"}.get(check.status, "fail")
                              if check.status != "error" else "error",
                              "score": check.score, "max_score": check.max_score, "message": check.message,
                              "visibility": check.visibility})
            for label, added, why in exercise.adjustments():
                tests.append({"name": f"{prefix}{exercise.exercise}: {label}", "status": "pass" if added >= 0 else "fail",
                              "score": added, "max_score": 0, "message": why})
    status = "error" if report.errors else ("pass" if all(t["status"] == "pass" for t in tests) else "fail")
    return clean_strings({"version": 1, "status": status, "max_score": sum(s.max_score for s in report.submissions),
                          "tests": tests})


def summary_table(report: ClassReport) -> str:
    lines = ["## Autograder results", "", "| student | exercise | score |", "|---|---|---|"]
    for submission in report.submissions:
        for exercise in submission.exercises:
            lines.append(f"| {cell(submission.student)} | {cell(exercise.exercise)} | "
                         f"{points(exercise.score)} / {points(exercise.max_score)} |")
        lines.append(f"| **{cell(submission.student)}** | **total** | **{points(submission.score)} / {points(submission.max_score)}** |")
    return "\n".join(lines) + "\n"


def write(report: ClassReport, environ: Mapping[str, str] | None = None) -> None:
    """Append the summary to $GITHUB_STEP_SUMMARY and `result=…` to $GITHUB_OUTPUT, where set."""
    if environ is None:
        environ = os.environ
    encoded = base64.b64encode(json.dumps(runner_result(report)).encode()).decode()
    if environ.get("GITHUB_STEP_SUMMARY"):
        with open(Path(environ["GITHUB_STEP_SUMMARY"]), "a", encoding="utf-8") as sink:
            sink.write(summary_table(report))
    if environ.get("GITHUB_OUTPUT"):
        with open(Path(environ["GITHUB_OUTPUT"]), "a", encoding="utf-8") as sink:
            sink.write(f"result={encoded}\n")
