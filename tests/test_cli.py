"""`grade .` in a student's folder, as classroom CI runs it: report on screen, JSON on disk, exit 0."""
import json
import subprocess
import sys

from conftest import reference_source, write


def test_grade_single_submission_writes_json_and_exits_0(tmp_path):
    student = write(tmp_path / "repo", {"net.py": reference_source("net.py"),
                                        "net1.py": reference_source("net1.py").replace("net.mul(y, y)", "net.add(y, y)")})
    done = subprocess.run([sys.executable, "-m", "grader", ".", "--json", str(tmp_path / "out.json"),
                           "--exercise", "net", "--exercise", "net1", "--seed", "7", "--workers", "1"],
                          cwd=student, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["seed"] == 7
    [submission] = report["submissions"]
    assert submission["student"] == "repo"
    scores = {e["exercise"]: (e["score"], e["max_score"]) for e in submission["exercises"]}
    assert scores["net"] == (11, 11)
    assert scores["net1"] == (0, 4)                   # y + y instead of y * y: wrong figures
    assert "Scores (seed 7)" in done.stdout
