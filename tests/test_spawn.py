"""The spawn path, forced here with NUMGRADER_SPAWN=1 (off Linux it is the only path): a fresh
interpreter per (submission, exercise), isolation `process`, said so in the banner and the JSON
report, the same verdicts as the fork path, and `--require-isolation` still refusing below."""
import json
import os
import subprocess
import sys

import pytest
from conftest import REFERENCE, reference_source, write

EXERCISES = ["gd", "net1", "autograd0"]


@pytest.fixture(scope="module")
def spawned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("spawn")
    write(tmp / "class" / "honest", {"gd.py": reference_source("gd.py"), "net.py": reference_source("net.py"),
                                     "net1.py": reference_source("net1.py"), "autograd0.py": reference_source("autograd0.py")})
    write(tmp / "class" / "wrong", {"gd.py": reference_source("gd.py").replace("return (f(p1) - f(p)) / step", "return 0.0")})
    write(tmp / "class" / "loop", {"autograd0.py": "while True:\n    pass\n"})
    env = dict(os.environ, NUMGRADER_SPAWN="1")
    command = [sys.executable, "-m", "grader", str(tmp / "class"), "--json", str(tmp / "report.json"), "--seed", "3",
               "--timeout", "20", "--no-cache", "--reference", str(REFERENCE)]
    for exercise in EXERCISES:
        command += ["--exercise", exercise]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    refused = subprocess.run(command + ["--require-isolation", "fenced"], capture_output=True, text=True, timeout=120, env=env)
    return done, json.loads((tmp / "report.json").read_text()), refused


def test_the_spawn_path_says_so(spawned):
    done, report, _ = spawned
    assert done.returncode == 0, done.stderr[-2000:]
    assert report["isolation"]["level"] == "process" and report["errors"] == []
    assert report["isolation"]["mechanisms"]["process"]["detail"].startswith("spawn (NUMGRADER_SPAWN=1)")
    assert "children spawned, not forked" in done.stderr


def test_the_spawn_path_grades_like_the_fork_path(spawned):
    _, report, _ = spawned
    scores = {s["student"]: {e["exercise"]: (e["score"], e["max_score"], e["status"]) for e in s["exercises"]
                             if e["status"] != "missing"} for s in report["submissions"]}
    assert all(score == top for score, top, _ in scores["honest"].values()) and len(scores["honest"]) == 3
    assert scores["wrong"]["gd"][0] < scores["wrong"]["gd"][1]
    assert scores["loop"]["autograd0"][2] == "timeout"


def test_require_isolation_still_refuses_below_the_level_asked(spawned):
    _, _, refused = spawned
    assert refused.returncode == 2 and "below the required 'fenced'" in refused.stderr
