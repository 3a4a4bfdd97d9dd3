"""The pytest plugin in a student's repository: checks as items, points as properties."""
import subprocess
import sys
import xml.etree.ElementTree as ET

from conftest import reference_source, write


def test_checks_become_pytest_items_with_points(tmp_path):
    repo = write(tmp_path / "repo", {
        "week13/net.py": reference_source("net.py"),
        "week13/net1.py": reference_source("net1.py").replace("net.mul(y, y)", "net.add(y, y)"),
        "pytest.ini": "[pytest]\naddopts = -p grader.pytest_plugin -p no:cacheprovider\n",
    })
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "--junitxml", str(tmp_path / "j.xml"), "--grader-seed", "5"],
                          cwd=repo, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "6 passed" in done.stdout.splitlines()[-1] and "2 failed" in done.stdout.splitlines()[-1]
    assert "net1.computed" in done.stdout and "computes another function than the exercise" in done.stdout
    cases = ET.parse(tmp_path / "j.xml").getroot().iter("testcase")
    points = {case.get("name"): {p.get("name"): float(p.get("value")) for p in case.iter("property")} for case in cases}
    assert points["net.backward"] == {"max_score": 5.0, "score": 5.0}
    assert points["net1.output"] == {"max_score": 2.0, "score": 0.0}
