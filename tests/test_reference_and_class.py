"""`grade reference` earns full marks; the bundled class gets the verdicts an instructor gives."""
import io
import json

import pytest
from conftest import REFERENCE, ROOT, by_student, grade
from rich.console import Console

from grader.report import ClassReport


@pytest.fixture(scope="module")
def reference_report(specs):
    return grade(REFERENCE, specs)


@pytest.fixture(scope="module")
def class_report(specs):
    return grade(ROOT / "examples" / "class", specs)


def test_reference_earns_full_marks_on_every_exercise(reference_report, specs):
    [submission] = reference_report.submissions
    assert [e.exercise for e in submission.exercises] == [spec.id for spec in specs]
    assert not reference_report.errors
    failing = [(e.exercise, c.name, c.message) for e in submission.exercises for c in e.checks if c.status != "passed"
               and c.max_score]
    assert failing == []
    assert submission.score == submission.max_score == sum(spec.max_score for spec in specs)


def test_class_totals(class_report, specs):
    points = {spec.id: spec.max_score for spec in specs}
    totals = {s.student: s.score for s in class_report.submissions}
    assert totals["alice"] == sum(points.values())
    assert totals["erin"] == sum(points[e] for e in ("gd", "net", "net1", "net2"))   # all she handed in, correct
    assert totals["carol"] == sum(points.values()) - 2   # correct variants; only the course's double move differs
    assert totals["dave"] < 10           # hard-coded scripts earn nothing
    assert not class_report.errors


def failed(exercise) -> set[str]:
    return {c.name for c in exercise.checks if c.status != "passed" and c.max_score}


def test_carol_loses_only_the_course_trajectory(class_report):
    carol = by_student(class_report)["carol"]
    lost = {(e, name) for e, result in carol.items() for name in failed(result)}
    assert lost == {("net", "descent_course"), ("net2", "output")}
    assert "moves it once" in next(c.message for c in carol["net2"].checks if c.name == "computed")


def test_bob_typical_bugs_are_named(class_report):
    bob = by_student(class_report)["bob"]
    messages = " ".join(c.message for e in bob.values() for c in e.checks)
    assert "copy p before moving coordinate k" in messages
    assert "is x.g += … replaced by x.g = …" in messages
    assert "x.grad is not cleared between steps" in messages
    assert "that is the gradient of Σx²" in messages
    assert "the bias w[0] never moved" in messages and "central differences of the reference's cross_entropy" in messages
    assert {"autograd0", "autograd1", "autograd2", "torchGd2", "torchGd3"} == {
        e for e, r in bob.items() if r.score == r.max_score}


def test_dave_hard_coding_earns_nothing_on_scripts(class_report):
    dave = by_student(class_report)["dave"]
    for exercise in ("net1", "net2", "autograd0", "autograd1", "autograd2", "autograd2a", "torchGd1", "torchGd2", "torchGd3"):
        assert dave[exercise].score == 0, exercise
    assert dave["gd"].score <= 1


def test_erin_zip_big5_and_alias(class_report):
    erin = by_student(class_report)["erin"]
    assert erin["gd"].file == "week13/gd1.py" and erin["gd"].score == erin["gd"].max_score
    assert any("cp950" in w for w in erin["net1"].warnings)
    assert erin["net1"].score == erin["net1"].max_score


def test_frank_errors_carry_file_and_line(class_report):
    frank = by_student(class_report)["frank"]
    assert frank["gd"].status == "error" and "SyntaxError" in frank["gd"].message and "line 7" in frank["gd"].message
    assert frank["autograd0"].status == "timeout"
    assert frank["torchGd3"].status == "error" and "NameError" in frank["torchGd3"].message
    assert frank["net"].score == frank["net"].max_score
    assert frank["net2"].status == "missing"


def test_grace_mul_bug_named_though_x_times_x_hides_it(class_report):
    grace = by_student(class_report)["grace"]
    backward = next(c for c in grace["net"].checks if c.name == "backward")
    assert backward.status == "failed" and "gfx returns x" in backward.message
    assert grace["net1"].score == grace["net1"].max_score      # her scripts only use x*x
    descent = next(c for c in grace["gd"].checks if c.name == "descent")
    assert "farther from the bottom than it started" in descent.message


def test_json_report_keeps_its_contract(class_report):
    data = json.loads(class_report.model_dump_json())
    assert {"submissions", "seed"} <= set(data)
    submission = data["submissions"][0]
    assert {"student", "score", "max_score", "exercises"} <= set(submission)
    exercise = submission["exercises"][0]
    assert {"exercise", "score", "max_score", "status", "checks"} <= set(exercise)
    assert {"name", "status", "score", "max_score", "message"} <= set(exercise["checks"][0])
    assert ClassReport.model_validate_json(class_report.model_dump_json()) == class_report


def test_report_renders_table_and_feedback(class_report):
    buffer = io.StringIO()
    Console(width=100, file=buffer, force_terminal=False).print(class_report)
    text = buffer.getvalue()
    assert "Scores (seed 1234)" in text
    assert "bob: " in text and "x.grad is not cleared" in text
    assert "alice: " not in text      # full marks: nothing to say
