"""`grade mutants`: the reference's mutants are made by mutmut's operators, the course's and the
spec's known bugs, graded through `grade` under several seeds, and sorted into killed, survived,
unstable and equivalent; a survivor names the one check whose requests run its line."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write

from grader.mutants import make
from grader.spec import ExerciseSpec, SpecError

SCALE_SPEC = '''
id = "scale"
files = ["scale.py"]
kind = "module"
timeout = 20

[[checks]]
name = "api"
kind = "api"
points = 0
options = {{ names = ["scale"] }}

[[checks]]
name = "scale"
kind = "call"
points = 2
description = "scale(x) on numbers between 1 and 2."
options = {{ function = "scale", cases = 2, args = [{{ type = "scalar", low = 1, high = 2 }}] }}
{bugs}
'''
SCALE = '''def scale(x, factor=2.0):
    unused = [factor] * 3
    print("scaling", x)
    return factor * x


def helper(y):  # pragma: no mutate block
    return y + 1


if __name__ == "__main__":
    print(scale(3.0))
'''
# The checks draw x from [1, 2]: a scale that clamps at 0 answers exactly as the reference (likely
# equivalent: no input shows it); one that breaks above 1.9 is right or wrong with the draw (unstable
# under seeds 1..3); one off by 1e-10 passes within the tolerance (a survivor). What it prints is
# not graded: the spec calls those survivors fair (a known bug never is, even on that line).
BUGS = '''
[[bugs]]
name = "clamped"
find = "return factor * x"
replace = "return factor * max(x, 0.0)"
why = "negative inputs are never drawn"

[[bugs]]
name = "offset"
find = "return factor * x"
replace = "return factor * x + 1e-10"

[[bugs]]
name = "breaks above 1.9"
find = "return factor * x"
replace = "return factor * x if x < 1.9 else 0.0"

[[bugs]]
name = "silent"
find = 'print("scaling", x)'
replace = "pass"

[[fair]]
line = 'print("scaling"'
why = "what it prints is not graded"
'''


def spec(source: str) -> ExerciseSpec:
    import tomllib

    return ExerciseSpec.model_validate(tomllib.loads(source))


# --- making mutants -----------------------------------------------------------------------------------
def test_mutants_come_from_mutmuts_operators_the_courses_and_the_specs_bugs(tmp_path):
    file = write(tmp_path, {"scale.py": SCALE}) / "scale.py"
    made = make(spec(SCALE_SPEC.format(bugs=BUGS)), file, "assignments/scale.toml")
    operators = {m.operator for m in made}
    assert {"mutmut/number", "mutmut/swap_op", "course/statement_left_out", "course/constant_scaled",
            "course/factor_dropped", "bug/clamped", "bug/breaks above 1.9"} <= operators
    sources = [m.source for m in made]
    assert len(set(sources)) == len(sources) and SCALE not in sources      # each one different, none the reference
    for mutant in made:
        compile(mutant.source, "scale.py", "exec")
        assert mutant.name == f"scale-m{mutant.number:03d}"
        removed = [line for line in mutant.diff.splitlines() if line.startswith("-") and not line.startswith("---")]
        assert removed and removed[0][1:] == SCALE.splitlines()[mutant.line - 1], mutant.diff
    [dropped] = [m for m in made if m.operator == "course/factor_dropped" and "    return x\n" in m.source]
    assert dropped.line == 4


def test_pragma_lines_and_a_modules_main_block_are_left_alone_but_a_scripts_is_not(tmp_path):
    file = write(tmp_path, {"scale.py": SCALE}) / "scale.py"
    module = make(spec(SCALE_SPEC.format(bugs="")), file, "assignments/scale.toml")
    assert {m.line for m in module} <= {1, 2, 3, 4}, sorted({m.line for m in module})
    script = make(spec(SCALE_SPEC.format(bugs="").replace('kind = "module"', 'kind = "script"')), file, "assignments/scale.toml")
    assert {11, 12} <= {m.line for m in script} and 8 not in {m.line for m in script}


def test_a_known_bug_whose_text_is_not_in_the_reference_is_refused_naming_the_spec(tmp_path):
    file = write(tmp_path, {"scale.py": SCALE}) / "scale.py"
    wrong = BUGS.replace('find = "return factor * x"\nreplace = "return factor * max', 'find = "return x * factor"\nreplace = "return factor * max')
    with pytest.raises(SpecError, match=r"assignments/scale.toml: bug 'clamped': 'return x \* factor' does not occur"):
        make(spec(SCALE_SPEC.format(bugs=wrong)), file, "assignments/scale.toml")


def test_the_course_operators_make_the_known_slips_of_the_notes():
    from conftest import REFERENCE, ROOT

    from grader.exercises import load_specs

    specs = {s.id: s for s in load_specs(ROOT / "assignments")}
    net = "\n".join(m.diff for m in make(specs["net"], REFERENCE / "net.py", "assignments/net.toml"))
    assert "-        for gate in reversed(self.gates):\n+        for gate in self.gates:" in net       # backward in forward order
    assert "+        x.g = self.gfx(x.v, y.v) * o.g" in net                                            # = for +=
    torch_gd = "\n".join(m.diff for m in make(specs["torchGd1"], REFERENCE / "torchGd1.py", "assignments/torchGd1.toml"))
    assert "+        if True:" in torch_gd                                                             # the step outside no_grad
    assert "+            pass" in torch_gd                                                             # x.grad.zero_() left out
    gd = "\n".join(m.diff for m in make(specs["gd"], REFERENCE / "gd.py", "assignments/gd.toml"))
    assert "+    return f(p1) - f(p)\n" in gd                                                       # a quotient not divided by h
    assert "+    p = p0\n" in gd or "+    p = (p0)\n" in gd                                           # p0 itself moved


# --- grading them ---------------------------------------------------------------------------------------
def mutants(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    out = tmp_path / "mutants.json"
    command = [sys.executable, "-m", "grader", "mutants", "--assignments", str(tmp_path / "assignments"),
               "--reference", str(tmp_path / "reference"), "--workers", "2", "--cache", str(tmp_path / "cache"),
               "--json", str(out), *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    return done, json.loads(out.read_text()) if out.exists() else {}


@pytest.fixture(scope="module")
def scale_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mutants")
    write(tmp / "assignments", {"scale.toml": SCALE_SPEC.format(bugs=BUGS)})
    write(tmp / "reference", {"scale.py": SCALE})
    first = mutants(tmp, "--html", str(tmp / "html"))
    again = mutants(tmp, "--quiet")
    return tmp, first, again


def test_grade_mutants_sorts_each_mutant_and_shows_the_survivors(scale_run):
    tmp, (done, report), _ = scale_run
    assert done.returncode == 0, done.stderr[-3000:]
    [exercise] = report["exercises"]
    assert exercise["exercise"] == "scale" and report["seeds"] == [1, 2, 3]
    survived = {m["operator"]: m for m in exercise["survived"]}
    assert set(survived) == {"bug/offset", "bug/silent"}, sorted(survived)     # bugs are never fair
    offset = survived["bug/offset"]
    assert offset["scores"] == [2.0, 2.0, 2.0] and "+    return factor * x + 1e-10" in offset["diff"]
    assert offset["check"] == "scale" and offset["line"] == 4      # the only check whose requests run line 4
    assert [m["operator"] for m in exercise["unstable"]] == ["bug/breaks above 1.9"]
    assert len(set(exercise["unstable"][0]["scores"])) > 1
    # `unused = [factor] * 3` changed, or clamped: the same answers to every request
    assert len(exercise["equivalent"]) >= 3 and "bug/clamped" in {m["operator"] for m in exercise["equivalent"]}
    fair = exercise["fair"]
    assert len(fair) >= 3 and {m["why"] for m in fair} == {"what it prints is not graded"}   # a label changed, print(None), left out
    assert {m["line"] for m in fair} == {3} and not any(m["operator"].startswith("bug/") for m in fair)
    assert exercise["mutants"] == (exercise["killed"] + len(exercise["survived"]) + len(exercise["unstable"])
                                   + len(exercise["equivalent"]) + len(exercise["fair"]))
    assert exercise["score"] == round(100 * exercise["killed"] / (exercise["mutants"] - len(exercise["equivalent"]) - len(fair)), 2)
    assert exercise["killed_by"] == {"scale": exercise["killed"]}
    assert "bug/offset" in done.stdout and "survived" in done.stdout    # the terminal table and the survivors
    page = (tmp / "html" / "mutants.html").read_text()
    assert "bug/offset" in page and "+ 1e-10" in page and "<span class='add'>" in page and "what it prints is not graded" in page


def test_a_second_run_reuses_every_result_and_says_the_same(scale_run):
    _, (_, first), (done, again) = scale_run
    assert done.returncode == 0, done.stderr[-3000:]
    assert again["reused"] == again["graded"] > 0
    for key in ("mutants", "killed", "survived", "unstable", "equivalent", "fair"):
        assert again["exercises"][0][key] == first["exercises"][0][key]


def test_a_reference_that_loses_points_is_an_error_not_a_mutation_score(tmp_path):
    write(tmp_path / "assignments", {"scale.toml": SCALE_SPEC.format(bugs="")})
    write(tmp_path / "reference", {"scale.py": SCALE.replace("def scale", "def scaled")})
    done, report = mutants(tmp_path, "--seeds", "1", "--quiet")
    assert done.returncode == 3
    assert report["exercises"] == []
    assert "the reference's own copy does not earn full marks under seed 1" in done.stderr


def test_a_fair_rule_that_names_nothing_is_refused(tmp_path):
    from grader.spec import load_spec

    path = write(tmp_path, {"scale.toml": SCALE_SPEC.format(bugs='[[fair]]\nwhy = "anything goes"\n')}) / "scale.toml"
    with pytest.raises(SpecError, match=r"scale.toml: fair.0: .*a fair rule needs a line or an operator"):
        load_spec(path)


class Echo:
    """A child's pipes that answer every request with a reply claiming thousands of lines ran."""

    def __init__(self) -> None:
        self.nonce = ""

    def send(self, line: bytes) -> None:
        self.nonce = json.loads(line)["nonce"]

    def read_line(self, deadline: float) -> bytes:
        return json.dumps({"nonce": self.nonce, "lines": list(range(1, 100_001))}).encode()


def test_lines_sent_by_a_childs_reply_are_kept_only_when_the_grader_traces_it():
    # A student's code can reach the child's own set of lines (frames) and fill it: the grading
    # process must not keep what an untraced child sends (the red team's memory attack).
    import time

    from grader.driver import Session
    from grader.wire import Job

    job = Job(exercise="hill", kind="module", box="/tmp", file="hill.py", timeout=5, call_timeout=5,
              memory_mb=1024, output_bytes=1000)
    student = Session(job, Echo(), time.monotonic())
    student.ask("steps")
    assert student.lines == set() and student.traced() is None
    copy = Session(job.model_copy(update={"trace": True}), Echo(), time.monotonic())
    copy.ask("steps")
    assert copy.traced() == list(range(1, 100_001))
