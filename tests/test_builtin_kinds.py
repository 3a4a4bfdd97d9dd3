"""The TOML-only kinds on exercises the course never had: a micrograd-style Value and the notes'
Net through one `backprop` kind, a training function through `fit`, a hand-written derivative
through `gradient`, the divergence of a random vector field through `call`; each written as an
instructor would, in a spec and a reference file."""
import shutil
from pathlib import Path

import pytest
from conftest import reference_source, write
from test_exercises_as_data import grade

KINDS = Path(__file__).resolve().parent / "kinds"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kinds")
    assignments, reference = tmp / "assignments", tmp / "reference"
    assignments.mkdir()
    reference.mkdir()
    for name in ("value", "trainer", "derivative", "vecops"):
        shutil.copy(KINDS / f"{name}.toml", assignments)
        shutil.copy(KINDS / f"{name}.py", reference)
    shutil.copy(KINDS / "netbp.toml", assignments / "net.toml")
    (reference / "net.py").write_text(reference_source("net.py"))
    value, trainer, derivative, vecops = ((KINDS / f"{name}.py").read_text()
                                          for name in ("value", "trainer", "derivative", "vecops"))
    students = write(tmp / "class", {
        "right/value.py": value, "right/trainer.py": trainer.replace("optimizer.zero_grad()", "model.zero_grad()"),
        "right/derivative.py": "def cubic_prime(x):\n    return [(3 * v - 2) * v + 1 for v in x]\n",
        "right/net.py": reference_source("net.py"),
        "right/vecops.py": "def div(F, p, h=1e-6):\n    return sum((F([*p[:i], p[i] + h, *p[i + 1:]])[i] - F(p)[i]) / h"
                           " for i in range(len(p)))\n",
        "wrong/value.py": value.replace("+=", "="),
        "wrong/trainer.py": trainer.replace("        optimizer.zero_grad()\n", ""),
        "wrong/derivative.py": derivative.replace("- 2 * v", "+ 2 * v"),
        "wrong/net.py": reference_source("net.py").replace("+=", "="),
        "wrong/vecops.py": vecops.replace("F(up)[i] - F(down)[i]", "F(up)[0] - F(down)[0]"),
    })
    return grade(reference, reference=reference, assignments=assignments), grade(students, reference=reference,
                                                                                 assignments=assignments)


def test_the_references_earn_full_marks(graded):
    (done, report), _ = graded
    assert done.returncode == 0, done.stderr[-2000:] + str(report.get("errors"))
    [own] = report["submissions"]
    assert all(e["score"] == e["max_score"] > 0 for e in own["exercises"]), own["exercises"]


def test_right_answers_pass_and_the_usual_bugs_are_caught_and_named(graded):
    _, (done, report) = graded
    assert done.returncode == 0, done.stderr[-2000:]
    by = {s["student"]: {e["exercise"]: e for e in s["exercises"]} for s in report["submissions"]}
    assert all(e["score"] == e["max_score"] for e in by["right"].values()), by["right"]
    wrong = by["wrong"]
    assert all(e["score"] < e["max_score"] for e in wrong.values()), wrong
    said = {exercise: " ".join(c["message"] for c in e["checks"]) for exercise, e in wrong.items()}
    assert "is set (=) where it must be added to (+=)" in said["value"]
    assert wrong["value"]["checks"][0]["score"] == 1          # the forward values are right
    assert "central differences" in said["net"]
    assert "zero_grad" in said["trainer"] or "another path" in said["trainer"]
    assert "the reference's derivative" in said["derivative"]
    assert "div(a test function" in said["vecops"]
