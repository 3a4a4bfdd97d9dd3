"""Exercises are data: an instructor adds or swaps an exercise in assignments/ and reference/
alone, the reference defines what is expected, options are validated, and grader errors are
never a student's zero. Everything here runs through `grade`, as an instructor would."""
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import REFERENCE, ROOT, reference_source, write

from grader.exercises import load_specs
from grader.spec import SpecError

CLASS = ROOT / "examples" / "class"
NEW = ("hill", "linreg", "softmax")
VARIANTS = {"correct": CLASS / "carol" / "week16", "buggy": CLASS / "bob"}   # another style; the usual bugs


def grade(path: Path, *args: str, assignments: Path | None = None, reference: Path | None = None,
          seed: int = 5) -> tuple[subprocess.CompletedProcess, dict]:
    out = Path(tempfile.mkdtemp(prefix="grade-report-")) / "report.json"
    command = [sys.executable, "-m", "grader", str(path), "--json", str(out), "--seed", str(seed), "--workers", "2",
               "--quiet", *args]
    if assignments is not None:
        command += ["--assignments", str(assignments)]
    if reference is not None:
        command += ["--reference", str(reference)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    return done, json.loads(out.read_text()) if out.exists() else {}


def scores(report: dict) -> dict[str, dict[str, float]]:
    return {s["student"]: {e["exercise"]: e["score"] for e in s["exercises"]} for s in report["submissions"]}


def course(tmp_path: Path, *exercises: str) -> Path:
    """A copy of some of the course's exercises: their specs and instructor files."""
    folder = tmp_path / "assignments"
    folder.mkdir(exist_ok=True)
    for exercise in exercises:
        for suffix in (".toml", ".py"):
            source = ROOT / "assignments" / f"{exercise}{suffix}"
            if source.exists():
                shutil.copy(source, folder / source.name)
    return folder


# --- three exercises added with no line in grader/ -------------------------------------------------
@pytest.fixture(scope="module")
def new_exercises(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("new")
    assignments = course(tmp, *NEW)
    folders = {}
    for style in ("correct", "buggy"):
        folders[style] = {f"{exercise}.py": (VARIANTS[style] / f"{exercise}.py").read_text() for exercise in NEW}
    write(tmp / "class" / "correct", folders["correct"])
    write(tmp / "class" / "buggy", folders["buggy"])
    reference_run = grade(REFERENCE, "--exercise", "hill", "--exercise", "linreg", "--exercise", "softmax",
                          assignments=assignments)
    class_run = grade(tmp / "class", assignments=assignments)
    return reference_run, class_run


def test_the_new_exercises_reference_earns_full_marks(new_exercises):
    (done, report), _ = new_exercises
    assert done.returncode == 0, done.stderr[-2000:]
    [reference] = report["submissions"]
    assert {e["exercise"]: e["score"] == e["max_score"] > 0 for e in reference["exercises"]} == dict.fromkeys(NEW, True)


def test_a_correct_variant_in_another_style_earns_full_marks_and_a_buggy_one_does_not(new_exercises):
    _, (done, report) = new_exercises
    assert done.returncode == 0, done.stderr[-2000:]
    by = {s["student"]: {e["exercise"]: e for e in s["exercises"]} for s in report["submissions"]}
    for exercise in NEW:
        correct, buggy = by["correct"][exercise], by["buggy"][exercise]
        assert correct["score"] == correct["max_score"], (exercise, correct["checks"])
        assert buggy["status"] == "graded" and 0 <= buggy["score"] < buggy["max_score"], exercise
    messages = {exercise: " ".join(c["message"] for c in by["buggy"][exercise]["checks"]) for exercise in NEW}
    assert "the valley's bottom is at" in messages["hill"]
    assert "central differences of the reference's cross_entropy" in messages["softmax"]
    assert "least-squares weights" in messages["linreg"] and "the bias w[0] never moved" in messages["linreg"]


def test_nothing_in_the_grader_names_an_exercise():
    ids = [path.stem for path in (ROOT / "assignments").glob("*.toml")]
    words = set(ids) | {"gradientDescendent", "gradient_descendent", "hillClimbing", "Net.", "torchGd", "autograd2"}
    for path in (ROOT / "grader").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for word in words:
            if len(word) > 3:
                assert f'"{word}' not in text and f"'{word}" not in text, (path, word)


# --- another term's version of an exercise, in reference/ only ----------------------------------------
AUTOGRAD2_NORM = '''import torch

x = torch.tensor([1.0, 2.0], requires_grad=True)
f = torch.norm(x)
f.backward()
print('f=', f.item())
print('x.grad=', x.grad)
'''

NET1_DESCENT = '''from net import Net

net = Net()
x = net.variable(1)
y = net.variable(3)
o = net.mul(x, y)
net.gradient_descendent()
print('x=', x, 'y=', y, 'o=', o)
'''


@pytest.mark.parametrize("exercise, source, wrong", [
    ("autograd2", AUTOGRAD2_NORM, AUTOGRAD2_NORM.replace("torch.norm(x)", "torch.sum(x * x)")),
    ("net1", NET1_DESCENT, NET1_DESCENT.replace("net.mul(x, y)", "net.add(x, y)")),
])
def test_another_terms_version_grades_as_its_own_reference(tmp_path, exercise, source, wrong):
    reference = write(tmp_path / "reference", {f"{exercise}.py": source, "net.py": reference_source("net.py")})
    done, report = grade(reference, "--exercise", exercise, reference=reference)
    assert done.returncode == 0, done.stderr[-2000:] + str(report.get("errors"))
    [own] = report["submissions"][0]["exercises"]
    assert own["score"] == own["max_score"], own
    students = write(tmp_path / "class", {f"same/{exercise}.py": source, f"wrong/{exercise}.py": wrong,
                                          "same/net.py": reference_source("net.py"), "wrong/net.py": reference_source("net.py")})
    done, report = grade(students, "--exercise", exercise, reference=reference)
    assert done.returncode == 0, done.stderr[-2000:]
    graded = scores(report)
    assert graded["same"][exercise] == own["max_score"]
    assert graded["wrong"][exercise] < own["max_score"]


# --- the reference and the spec must agree -----------------------------------------------------------
def test_grade_reference_exits_non_zero_naming_the_check_the_reference_loses(tmp_path):
    broken = reference_source("softmax.py").replace("grad[label] -= 1.0", "grad[label] -= 0.5")
    reference = write(tmp_path / "reference", {"softmax.py": broken})
    done, report = grade(reference, reference=reference, assignments=course(tmp_path, "softmax"))
    assert done.returncode == 3
    assert any("softmax.backward" in error for error in report["errors"]), report["errors"]
    assert "softmax.backward" in done.stdout + done.stderr


# --- options, kinds and instructor files are checked when the spec loads ------------------------------
def test_a_misspelled_option_is_refused_naming_file_check_option_and_value(tmp_path):
    folder = course(tmp_path, "softmax")
    spec = folder / "softmax.toml"
    spec.write_text(spec.read_text().replace('function = "softmax", cases = 4', 'function = "softmax", casses = 4'))
    with pytest.raises(SpecError) as refused:
        load_specs(folder)
    assert "softmax.toml" in str(refused.value) and "'softmax'" in str(refused.value)
    assert "casses" in str(refused.value) and "4" in str(refused.value)
    done = subprocess.run([sys.executable, "-m", "grader", str(REFERENCE), "--assignments", str(folder)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "casses" in done.stderr


def test_a_mistyped_option_value_is_refused(tmp_path):
    folder = course(tmp_path, "gd")
    spec = folder / "gd.toml"
    spec.write_text(spec.read_text().replace("options = { cases = 1 }", 'options = { cases = "one" }'))
    with pytest.raises(SpecError, match=r"gd.toml: check 'descent'.*option cases.*'one'"):
        load_specs(folder)


def test_an_unknown_kind_names_the_built_in_ones_and_the_files(tmp_path):
    folder = course(tmp_path, "gd")
    spec = folder / "gd.toml"
    spec.write_text(spec.read_text().replace('kind = "grad"', 'kind = "gradd"'))
    with pytest.raises(SpecError, match=r"unknown kind 'gradd'.*call.*gd.py declares"):
        load_specs(folder)


def test_an_instructor_file_that_does_not_load_is_refused_with_its_line(tmp_path):
    folder = course(tmp_path, "linreg")
    code = folder / "linreg.py"
    code.write_text(code.read_text() + "\n\nundefined_name + 1\n")
    with pytest.raises(SpecError, match=r"linreg.py, line \d+: NameError"):
        load_specs(folder)


# --- a judge's bug is the grader's error, never the student's zero -------------------------------------
def test_a_judge_that_raises_is_a_grader_error_and_the_exercise_is_not_graded(tmp_path):
    folder = course(tmp_path, "linreg")
    code = folder / "linreg.py"
    code.write_text(code.read_text().replace("truth = least_squares(case[\"X\"], case[\"y\"])",
                                             "truth = least_squares(case[\"X\"], case[\"wrong key\"])"))
    students = write(tmp_path / "class", {"ann/linreg.py": (VARIANTS["correct"] / "linreg.py").read_text()})
    done, report = grade(students, assignments=folder)
    assert done.returncode == 3
    [exercise] = report["submissions"][0]["exercises"]
    assert exercise["status"] == "error" and "not graded" in exercise["message"]
    assert any("could not be judged" in error and "KeyError" in error for error in report["errors"])


def test_inputs_that_cannot_be_drawn_are_refused_before_any_grading(tmp_path):
    folder = course(tmp_path, "linreg")
    code = folder / "linreg.py"
    code.write_text(code.read_text().replace("    cases = []\n", "    cases = []\n    raise ValueError('no data today')\n", 1))
    done = subprocess.run([sys.executable, "-m", "grader", str(REFERENCE), "--assignments", str(folder)],
                          capture_output=True, text=True, timeout=120)
    said = "".join(done.stderr.split())       # rich wraps long lines, even inside a path
    assert done.returncode == 2
    assert "linreg.py:theinputsoflinreg'scheck'fit'couldnotbedrawn(ValueError:nodatatoday)" in said
