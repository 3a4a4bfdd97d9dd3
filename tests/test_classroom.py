"""The student's side of a classroom: starter files that earn zero without crashing anything, a
template repository whose workflow, run as a GitHub runner would, reports the points, and the
Gradescope scripts in Gradescope's folder layout."""
import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REFERENCE, ROOT, grade, reference_source


def run_grade(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=env)


def test_starter_keeps_signatures_and_earns_zero(tmp_path, specs):
    assert run_grade("starter", str(tmp_path / "starter")).returncode == 0
    starter = tmp_path / "starter"
    assert sorted(p.name for p in starter.iterdir()) == sorted(spec.files[0] for spec in specs)
    gd = (starter / "gd.py").read_text()
    assert "def df(f, p, k, step=0.01):" in gd and "Partial derivative of f" in gd
    assert 'raise NotImplementedError("write df(): see the exercise")' in gd and "p1[k]" not in gd
    light = [spec for spec in specs if not spec.id.startswith("regression")]
    report = grade(starter, light, timeout=20)
    assert not report.errors
    [submission] = report.submissions
    assert submission.score == 0
    messages = " ".join(e.message + " ".join(c.message for c in e.checks) for e in submission.exercises)
    assert "NotImplementedError: write df(): see the exercise" in messages
    assert "NotImplementedError: write the script of net1.py" in messages


def classroom_run(repo: Path, tmp_path: Path) -> dict:
    """The workflow's grading step, as a GitHub runner runs it."""
    summary, output = tmp_path / f"{repo.name}-summary.md", tmp_path / f"{repo.name}-output"
    env = dict(os.environ, GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(output))
    workflow = (repo / ".github" / "workflows" / "classroom.yml").read_text()
    step = next(line.split("run:", 1)[1].strip() for line in workflow.splitlines() if "run: grade " in line)
    assert step.startswith("grade . --github --no-cache")
    done = run_grade(*step.split()[1:], cwd=repo, env=env)
    assert done.returncode == 0, done.stderr
    name, _, value = output.read_text().strip().partition("=")
    assert name == "result" and "## Autograder results" in summary.read_text()
    return json.loads(base64.b64decode(value))


def test_template_workflow_reports_full_points_and_failing_checks(tmp_path):
    template = tmp_path / "template"
    assert run_grade("template", str(template), "--exercise", "net", "--exercise", "net1").returncode == 0
    assert {"README.md", "net.py", "net1.py", ".github", ".gitignore"} <= {p.name for p in template.iterdir()}
    correct, buggy = tmp_path / "correct", tmp_path / "buggy"
    for repo in (correct, buggy):
        shutil.copytree(template, repo)
        for name in ("net.py", "net1.py"):
            shutil.copyfile(REFERENCE / name, repo / name)
    (buggy / "net.py").write_text((REFERENCE / "net.py").read_text().replace("x.g += self.gfx", "x.g = self.gfx"))
    good = classroom_run(correct, tmp_path)
    assert good["status"] == "pass" and sum(t["score"] for t in good["tests"]) == good["max_score"] == 15
    bad = classroom_run(buggy, tmp_path)
    assert bad["status"] == "fail"
    failing = {t["name"] for t in bad["tests"] if t["status"] != "pass"}
    assert "net.backward" in failing


def test_gradescope_scripts_in_gradescopes_layout(tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    shutil.copyfile(REFERENCE / "net.py", root / "submission" / "net.py")
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), GRADE=shutil.which("grade"))
    done = subprocess.run(["bash", str(ROOT / "integrations" / "gradescope" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    net = [t for t in results["tests"] if t["name"].startswith("net.")]
    assert net and all(t["status"] == "passed" for t in net)
    assert {"score", "output", "tests"} <= set(results)


MODULE_WITH_CONSTANTS = '''"""Integrals, with a constant the signature uses, a helper and a demo."""
import math

base = 0.01
step = base / 10
LIMIT = 10 ** 6


def helper(x):
    return 2 * x


def lintegrate(F, r, a, b, dt=step):
    """Line integral of F along r from a to b."""
    total = 0.0
    t = a
    while t < b:
        total += F(r(t)) * dt
        t += dt
    return total


class Meter:
    unit = "m"

    def measure(self, value):
        return value * helper(1)


if __name__ == '__main__':
    print(lintegrate(lambda p: p, lambda t: t, 0, 1))
'''


@pytest.mark.parametrize("name", sorted(p.name for p in REFERENCE.glob("*.py")) + ["constants.py"])
def test_every_starter_imports_cleanly(tmp_path, specs, name):
    from grader.spec import ExerciseSpec
    from grader.starter import strip

    if name == "constants.py":
        source, spec = MODULE_WITH_CONSTANTS, ExerciseSpec(id="constants", files=["constants.py"], kind="module",
                                                          checks=[{"name": "a", "kind": "api", "points": 0}])
    else:
        source, spec = reference_source(name), next(s for s in specs if s.files[0] == name)
    starter = strip(source, spec)
    (tmp_path / name).write_text(starter)
    (tmp_path / "net.py").write_text(strip(reference_source("net.py"), next(s for s in specs if s.id == "net")))
    command = [sys.executable, "-c", f"import runpy; runpy.run_path({str(tmp_path / name)!r}, run_name="
               + ("'starter'" if spec.kind == "module" else "'__main__'") + ")"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    if spec.kind == "module":
        assert done.returncode == 0, done.stderr            # imports without running anything it lacks
    else:
        assert "NotImplementedError: write the script of" in done.stderr, done.stderr
    if name == "constants.py":
        assert "step = base / 10" in starter and "base = 0.01" in starter and "def lintegrate(F, r, a, b, dt=step):" in starter
        assert "def helper(x):" in starter and "class Meter:" in starter and 'unit = "m"' in starter
        assert "total +=" not in starter and "__main__" not in starter and "LIMIT" not in starter
