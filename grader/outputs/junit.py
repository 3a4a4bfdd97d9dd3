"""JUnit XML: a testsuite per student, a testcase per check, failures carrying the student-facing
message and points as properties, so any CI shows the grading natively. Every attribute and text
is cleaned (`clean`) as the last step, so the file is well-formed whatever a student printed."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from grader.report import ClassReport
from grader.safe_text import clean


def document(report: ClassReport) -> ET.Element:
    suites = ET.Element("testsuites", name="numgrader", time=f"{report.seconds:.3f}")
    for submission in report.submissions:
        cases = [(exercise, check) for exercise in submission.exercises for check in exercise.checks]
        missing = [e for e in submission.exercises if not e.checks]
        adjusted = [(exercise, *change) for exercise in submission.exercises for change in exercise.adjustments()]
        suite = ET.SubElement(suites, "testsuite", name=submission.student,
                              tests=str(len(cases) + len(missing) + len(adjusted)),
                              failures=str(sum(c.status == "failed" for _, c in cases) + len(missing)
                                           + sum(added < 0 for _, _, added, _ in adjusted)),
                              errors=str(sum(c.status in ("error", "timeout") for _, c in cases)),
                              skipped=str(sum(c.status == "skipped" for _, c in cases)),
                              time=f"{sum(e.seconds for e in submission.exercises):.3f}")
        properties = ET.SubElement(suite, "properties")
        for name, value in (("score", submission.score), ("max_score", submission.max_score), ("seed", report.seed)):
            ET.SubElement(properties, "property", name=name, value=f"{value:g}" if isinstance(value, float) else str(value))
        for exercise, check in cases:
            case = ET.SubElement(suite, "testcase", classname=f"{submission.student}.{exercise.exercise}",
                                 name=check.name, time=f"{exercise.seconds / max(1, len(exercise.checks)):.3f}")
            points = ET.SubElement(case, "properties")
            ET.SubElement(points, "property", name="score", value=f"{check.score:g}")
            ET.SubElement(points, "property", name="max_score", value=f"{check.max_score:g}")
            if check.status == "failed":
                ET.SubElement(case, "failure", message=check.message[:500], type="failed").text = check.message
            elif check.status in ("error", "timeout"):
                ET.SubElement(case, "error", message=check.message[:500], type=check.status).text = check.message
            elif check.status == "skipped":
                ET.SubElement(case, "skipped", message=check.message[:500])
        for exercise, label, added, why in adjusted:     # lateness, a person's points: cases too, summing to the score
            case = ET.SubElement(suite, "testcase", classname=f"{submission.student}.{exercise.exercise}", name=label, time="0")
            points = ET.SubElement(case, "properties")
            ET.SubElement(points, "property", name="score", value=f"{added:g}")
            ET.SubElement(points, "property", name="max_score", value="0")
            if added < 0:
                ET.SubElement(case, "failure", message=why[:500], type=label).text = why
        for exercise in missing:        # missing file: one failing case, so the gap is visible
            case = ET.SubElement(suite, "testcase", classname=f"{submission.student}.{exercise.exercise}",
                                 name=exercise.status, time="0")
            ET.SubElement(case, "failure", message=exercise.message[:500], type=exercise.status).text = exercise.message
    for element in suites.iter():       # XML 1.0 has no escape for most control characters
        element.attrib = {key: clean(value) for key, value in element.attrib.items()}
        element.text = None if element.text is None else clean(element.text)
    return suites


def write(report: ClassReport, path: Path) -> None:
    tree = ET.ElementTree(document(report))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
