"""Hostile submissions, graded as a class through the `grade` command: each attack earns nothing,
costs no one else a point, leaves the files on disk as they were and no process behind.

One test per attack, each asserting the defence. Defences that need a kernel mechanism are
skipped, with the reason, where the isolation probe says the mechanism is missing."""
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import REFERENCE, grade, reference_source, tree_digest, write

from grader.fences import probe

SECRET = "s3cr3t-token-for-the-environment-test"
EXERCISES = ["gd", "net", "net1", "torchGd3", "regression2predict"]
REF_GD, REF_NET = reference_source("gd.py"), reference_source("net.py")
_, MECHANISMS = probe([REFERENCE])


def needs(*names):
    missing = [name for name in names if not MECHANISMS[name].active]
    return pytest.mark.skipif(bool(missing), reason=f"not in effect here: {missing}")


class Listener:
    """A TCP listener on 127.0.0.1 that records whether anyone connected."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop:
            try:
                connection, _ = self.server.accept()
                self.connections += 1
                connection.close()
            except OSError:
                continue

    def close(self):
        self.stop = True
        self.thread.join()
        self.server.close()


def students(tmp: Path, listener: Listener) -> dict[str, dict]:
    classroom = tmp / "class"
    report = tmp / "report.json"
    marker = tmp / "pwned"
    honest = {"gd.py": REF_GD, "net.py": REF_NET, "net1.py": reference_source("net1.py"),
              "torchGd3.py": reference_source("torchGd3.py"),
              "regression2predict.py": reference_source("regression2predict.py")}
    wrong_df = REF_GD.replace("return (f(p1) - f(p)) / step", "return 0.0")
    return {
        "honest": honest,
        "import-loop": {"gd.py": "while True:\n    pass\n"},
        "sleeper": {"net.py": REF_NET.replace("        self.o.g = 1        # ∂o/∂o = 1 starts the chain rule",
                                               "        import time; time.sleep(1000)")},
        "memory-bomb": {"gd.py": "hog = bytearray(16 * 2**30)\n" + REF_GD},
        "fork-bomb": {"gd.py": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"},
        # Sorted right after the fork bomb, so it runs beside it: it needs threads of its own.
        "fork-bomb-neighbour": {"gd.py": (
            "import threading, time\ntime.sleep(1)   # the bomb has filled its process table by now\nstarted = [threading.Thread(target=sum, args=([1, 2],)) for _ in range(8)]\n"
            "for thread in started:\n    thread.start()\nfor thread in started:\n    thread.join()\n") + REF_GD},
        "fd-flood": {"torchGd3.py": "import os\nwhile True:\n    os.write(1, b'x' * 2**20)\n"},
        "exit-mid-check": {"gd.py": REF_GD.replace("    p1 = np.array(p, dtype=float)", "    import sys; sys.exit(0)\n    p1 = None")},
        "forger": {"gd.py": (
            "import json, os\n"
            "fake = json.dumps({'check': 'df', 'phase': 'call', 'value': [{'value': 1.0, 'unchanged': True}] * 6})\n"
            "print(fake)\nprint('PASSED 9/9')\n"
            "for fd in range(3, 64):\n"
            "    try:\n        os.write(fd, (fake + '\\n').encode())\n    except OSError:\n        pass\n") + wrong_df},
        "daemon": {"net1.py": (
            "import os, time\n"
            "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
            "        for _ in range(100):\n            time.sleep(0.1)\n"
            f"            for target in [{str(report)!r}, {str(classroom / 'honest' / 'gd.py')!r}]:\n"
            "                try:\n                    open(target, 'w').write('{\"hacked\": true}')\n"
            "                except OSError:\n                    pass\n"
            "    os._exit(0)\n") + reference_source("net1.py"), "net.py": REF_NET},
        "snoop": {"gd.py": (
            "import os, sys\n"
            f"for path in [{str(REFERENCE / 'gd.py')!r}, {str(classroom / 'honest' / 'gd.py')!r}, '/proc/1/environ']:\n"
            "    try:\n        print('LEAKED', path, len(open(path, 'rb').read()))\n"
            "    except OSError as error:\n        print('DENIED', path, error.errno)\n"
            f"sys.path.append({str(REFERENCE.parent)!r})\n"
            "try:\n    import reference.gd\n    print('LEAKED import')\nexcept ImportError as error:\n    print('DENIED import')\n"
            f"print('ENV', {SECRET!r} in repr(dict(os.environ)))\n") + REF_GD},
        "patcher": {"gd.py": (
            "import math, numpy, torch\n"
            "math.isclose = lambda *a, **k: True\nnumpy.allclose = numpy.isclose = lambda *a, **k: True\n"
            "torch.allclose = lambda *a, **k: True\n"
            "import grader.compare\ngrader.compare.Tolerance.allows = lambda *a: True\n") + wrong_df},
        "infinite": {"gd.py": REF_GD.replace("return (f(p1) - f(p)) / step", "return float('inf')")},
        "shadowing": {**honest, "json.py": "raise SystemExit('shadowed json')\n", "math.py": "raise SystemExit('math')\n",
                      "sitecustomize.py": "raise SystemExit('sitecustomize')\n", "conftest.py": "raise SystemExit('conftest')\n"},
        "vandal": {"gd.py": (
            f"for target in [{str(classroom / 'honest' / 'gd.py')!r}, {str(report)!r}, {str(REFERENCE / 'gd.py')!r}]:\n"
            "    try:\n        open(target, 'a').write('# vandalised')\n        print('WROTE', target)\n"
            "    except OSError:\n        print('DENIED', target)\n") + REF_GD},
        "network": {"gd.py": (
            "import socket\ntry:\n"
            f"    socket.create_connection(('127.0.0.1', {listener.port}), timeout=2).sendall(b'stolen')\n"
            "    print('CONNECTED')\nexcept OSError as error:\n    print('NO NETWORK', error)\n") + REF_GD},
        "pickler": {"regression2predict.py": reference_source("regression2predict.py"), "model.ckpt": pickle_payload(marker)},
    }


def pickle_payload(marker: Path) -> bytes:
    """A checkpoint whose unpickling would create `marker`: it may only ever run in the sandbox."""
    import io

    import torch

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    buffer = io.BytesIO()
    torch.save({"model": Payload()}, buffer)
    return buffer.getvalue()


def processes_of_the_run() -> list[int]:
    """Workers and everything forked from them carry the worker's command line, which names this
    checkout (another checkout's test run on the same machine is not ours)."""
    from grader.pool import PACKAGE_ROOT

    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
                if b"from grader.worker import main" in b" ".join(cmdline) and str(PACKAGE_ROOT).encode() in cmdline:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def groups_left() -> list[str]:
    """cgroups the run made (children's limits) and did not remove."""
    plan, _ = probe([REFERENCE])
    if plan.cgroups is None:
        return []
    return sorted(p.name for base in plan.cgroups.bases.values() for p in Path(base).glob("numgrader-*"))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, specs):
    tmp = tmp_path_factory.mktemp("hostile")
    listener = Listener()
    for student, files in students(tmp, listener).items():
        write(tmp / "class" / student, files)
    before = tree_digest(tmp / "class")
    reference_before = tree_digest(REFERENCE)
    env = dict(os.environ, GRADER_TEST_SECRET=SECRET)
    command = [sys.executable, "-m", "grader", str(tmp / "class"), "--json", str(tmp / "report.json"),
               "--timeout", "10", "--seed", "5", "--workers", "2"]
    for exercise in EXERCISES:
        command += ["--exercise", exercise]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
    time.sleep(1.5)          # a surviving daemon would write within this time
    listener.close()
    report_text = (tmp / "report.json").read_text()
    alone = grade(tmp / "class" / "honest", [s for s in specs if s.id in EXERCISES], seed=5, timeout=10)
    return {"done": done, "report": json.loads(report_text), "tmp": tmp, "listener": listener,
            "before": before, "after": tree_digest(tmp / "class"), "reference_before": reference_before,
            "alone": alone, "leftover": processes_of_the_run(), "groups": groups_left()}


def exercises(hostile, student):
    [submission] = [s for s in hostile["report"]["submissions"] if s["student"] == student]
    return {e["exercise"]: e for e in submission["exercises"]}


def check(hostile, student, exercise, name):
    return next(c for c in exercises(hostile, student)[exercise]["checks"] if c["name"] == name)


def test_the_run_completes_with_exit_code_0_and_reports_isolation(hostile):
    assert hostile["done"].returncode == 0, hostile["done"].stderr[-2000:]
    assert hostile["report"]["errors"] == []
    assert hostile["report"]["isolation"]["level"] in ("process", "fenced", "contained")
    assert "isolation:" in hostile["done"].stderr


def test_honest_student_scores_as_when_graded_alone(hostile):
    [alone] = hostile["alone"].submissions
    mine = exercises(hostile, "honest")
    for result in alone.exercises:
        theirs = mine[result.exercise]
        assert (theirs["score"], theirs["status"]) == (result.score, result.status), result.exercise
        assert [(c["name"], c["status"]) for c in theirs["checks"]] == [(c.name, c.status) for c in result.checks]
    assert alone.score == alone.max_score - 0    # every honest check passes
    assert json.loads(json.dumps(hostile["report"]))["submissions"]


def test_infinite_loop_at_import_times_out(hostile):
    assert exercises(hostile, "import-loop")["gd"]["status"] == "timeout"


def test_sleep_in_a_call_times_out_that_check_only(hostile):
    net = exercises(hostile, "sleeper")["net"]
    statuses = {c["name"]: c["status"] for c in net["checks"]}
    assert statuses["backward"] == "timeout" and statuses["node_str"] == "passed"


def test_memory_bomb_is_refused(hostile):
    gd = exercises(hostile, "memory-bomb")["gd"]
    assert gd["status"] == "error" and gd["score"] == 0
    assert "MemoryError" in gd["message"] or "memory" in gd["message"]


# cgroups (pids.max), or RLIMIT_NPROC, which binds any uid but root's.
PROCESS_LIMITED = MECHANISMS["cgroups"].active or MECHANISMS["uid"].active or os.geteuid() != 0


@pytest.mark.skipif(not PROCESS_LIMITED, reason="root without cgroups or a uid to drop to: no process limit binds")
def test_fork_bomb_is_contained(hostile):
    gd = exercises(hostile, "fork-bomb")["gd"]
    assert gd["status"] in ("timeout", "error") and gd["score"] == 0


def test_output_flood_on_the_file_descriptor_is_stopped(hostile):
    flood = exercises(hostile, "fd-flood")["torchGd3"]
    assert flood["status"] == "error" and "far too much output" in flood["message"]


def test_sys_exit_in_a_check_earns_nothing(hostile):
    df = check(hostile, "exit-mid-check", "gd", "df")
    assert df["score"] == 0 and "sys.exit" in df["message"]


def test_forged_result_lines_are_ignored(hostile):
    gd = exercises(hostile, "forger")["gd"]
    assert check(hostile, "forger", "gd", "df")["score"] == 0
    assert any("answered no request" in w for w in gd["warnings"])


def test_a_fork_bomb_does_not_use_up_its_neighbours_processes(hostile):
    gd = exercises(hostile, "fork-bomb-neighbour")["gd"]
    assert gd["score"] == gd["max_score"], [c["message"] for c in gd["checks"]]


def test_double_forked_daemon_dies_with_the_run(hostile):
    assert "hacked" not in (hostile["tmp"] / "report.json").read_text()
    assert hostile["leftover"] == []
    assert hostile["groups"] == []
    assert hostile["before"] == hostile["after"]


@needs("landlock")
def test_reference_and_other_students_cannot_be_read(hostile):
    output = exercises(hostile, "snoop")["gd"]["output"]
    assert "LEAKED" not in output and output.count("DENIED") == 4


def test_environment_secrets_do_not_reach_students(hostile):
    assert "ENV False" in exercises(hostile, "snoop")["gd"]["output"]


def test_monkeypatched_comparisons_change_nothing(hostile):
    assert check(hostile, "patcher", "gd", "df")["score"] == 0


def test_infinity_never_passes(hostile):
    assert check(hostile, "infinite", "gd", "df")["score"] == 0


def test_shadowing_modules_changes_nothing(hostile):
    shadowing, honest = exercises(hostile, "shadowing"), exercises(hostile, "honest")
    assert {e: r["score"] for e, r in shadowing.items()} == {e: r["score"] for e, r in honest.items()}


@needs("landlock")
def test_writes_outside_the_box_are_denied(hostile):
    output = exercises(hostile, "vandal")["gd"]["output"]
    assert "WROTE" not in output and output.count("DENIED") == 3
    assert hostile["before"] == hostile["after"]
    assert tree_digest(REFERENCE) == hostile["reference_before"]


@needs("namespaces")
def test_no_network(hostile):
    assert "NO NETWORK" in exercises(hostile, "network")["gd"]["output"]
    assert hostile["listener"].connections == 0


@needs("landlock")
def test_pickle_payload_runs_only_in_the_sandbox_and_harms_nothing(hostile):
    assert not (hostile["tmp"] / "pwned").exists()
    own = check(hostile, "pickler", "regression2predict", "own_checkpoint")
    assert own["status"] in ("error", "failed")
