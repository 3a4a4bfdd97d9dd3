"""Each output read back by a real consumer: csv for the gradebook, an XML parser for JUnit, JSON
for Gradescope and the decoded Classroom result."""
import base64
import csv
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import grade, reference_source, write

from grader.outputs import classroom, feedback, gradebook, gradescope, junit


@pytest.fixture(scope="module")
def report(tmp_path_factory, specs):
    folder = tmp_path_factory.mktemp("outputs-class")
    write(folder / "ann", {"net.py": reference_source("net.py"), "net1.py": reference_source("net1.py")})
    write(folder / "ben", {"net.py": reference_source("net.py").replace("x.g += self.gfx", "x.g = self.gfx")})
    return grade(folder, [spec for spec in specs if spec.id in ("net", "net1")], seed=3)


def test_gradebook_reads_back_with_csv(report, tmp_path):
    gradebook.write(report, tmp_path / "grades.csv")
    rows = list(csv.DictReader(open(tmp_path / "grades.csv", encoding="utf-8")))
    assert list(rows[0]) == ["student", "net", "net1", "total", "max", "percent"]
    ann, ben = rows
    assert (ann["student"], float(ann["total"]), float(ann["max"]), float(ann["percent"])) == ("ann", 15, 15, 100.0)
    assert float(ben["net1"]) == 0 and float(ben["total"]) == float(ben["net"]) < 11


def test_junit_has_the_schemas_required_elements(report, tmp_path):
    junit.write(report, tmp_path / "junit.xml")
    root = ET.parse(tmp_path / "junit.xml").getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["ann", "ben"]
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        assert int(suite.get("errors")) == len(suite.findall("testcase/error"))
        assert all(case.get("name") and case.get("classname") for case in cases)
        for case in cases:
            props = {p.get("name"): float(p.get("value")) for p in case.findall("properties/property")}
            assert set(props) == {"score", "max_score"} or case.get("name") == "missing"
    ben = suites[1]
    failure = ben.find("testcase[@name='backward']/failure")
    assert failure is not None and "x.g += …" in failure.get("message")
    assert ben.find("testcase[@name='missing']/failure") is not None      # no net1.py


def test_gradescope_results_have_the_documented_keys(tmp_path, specs):
    student = write(tmp_path / "one", {"net.py": reference_source("net.py")})
    single = grade(student, [spec for spec in specs if spec.id == "net"], seed=3)
    gradescope.write(single, tmp_path / "results.json")
    data = json.loads((tmp_path / "results.json").read_text())
    assert isinstance(data["score"], float) and data["score"] == 11 and isinstance(data["output"], str)
    for test in data["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed") and test["visibility"] in ("visible", "hidden", "after_due_date")
    assert sum(t["score"] for t in data["tests"]) == data["score"]


def test_gradescope_refuses_a_whole_class(report, tmp_path):
    with pytest.raises(ValueError, match="exactly one submission, the report has 2"):
        gradescope.write(report, tmp_path / "results.json")


def test_classroom_output_decodes_to_the_runner_format(report, tmp_path):
    environ = {"GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "GITHUB_OUTPUT": str(tmp_path / "output")}
    classroom.write(report, environ)
    name, _, value = (tmp_path / "output").read_text().strip().partition("=")
    result = json.loads(base64.b64decode(value))
    assert name == "result" and result["version"] == 1 and result["status"] == "fail"
    assert result["max_score"] == 30
    assert {"name", "status", "score", "message"} <= set(result["tests"][0])
    assert sum(t["score"] for t in result["tests"]) == sum(s.score for s in report.submissions)
    assert "| **ann** | **total** | **15 / 15** |" in (tmp_path / "summary.md").read_text()


def test_feedback_one_markdown_file_per_student(report, tmp_path):
    paths = feedback.write(report, tmp_path / "feedback")
    assert [p.name for p in paths] == ["ann.md", "ben.md"]
    text = paths[1].read_text()
    assert "**Score: " in text and "❌ backward" in text and "x.g += …" in text


def test_cli_writes_every_output_schema_and_fail_under(tmp_path):
    student = write(tmp_path / "repo", {"net.py": reference_source("net.py").replace("x.g += self.gfx", "x.g = self.gfx")})
    command = [sys.executable, "-m", "grader", str(student), "--exercise", "net", "--workers", "1", "--no-cache",
               "--csv", str(tmp_path / "g.csv"), "--junit", str(tmp_path / "j.xml"), "--gradescope", str(tmp_path / "r.json"),
               "--feedback", str(tmp_path / "fb"), "--fail-under", "90", "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr                 # below --fail-under
    assert all((tmp_path / name).exists() for name in ("g.csv", "j.xml", "r.json", "fb/repo.md"))
    schema = json.loads(subprocess.run([sys.executable, "-m", "grader", "schema"], capture_output=True,
                                       text=True, timeout=60).stdout)
    assert "submissions" in schema["properties"] and "CheckResult" in schema["$defs"]


def test_students_see_visible_checks_only_with_a_count(tmp_path):
    spec_dir = tmp_path / "assignments"
    spec_dir.mkdir()
    from conftest import ROOT

    text = (ROOT / "assignments" / "net.toml").read_text()
    text = text.replace('name = "backward"\nkind = "graphs"', 'name = "backward"\nvisibility = "hidden"\nkind = "graphs"')
    assert 'visibility = "hidden"' in text
    (spec_dir / "net.toml").write_text(text)
    (spec_dir / "net.py").write_text((ROOT / "assignments" / "net.py").read_text())
    student = write(tmp_path / "repo", {"net.py": reference_source("net.py").replace("x.g += self.gfx", "x.g = self.gfx")})
    base = [sys.executable, "-m", "grader", str(student), "--assignments", str(spec_dir), "--workers", "1", "--no-cache",
            "--seed", "2", "--gradescope", str(tmp_path / "r.json")]
    shown = subprocess.run(base + ["--feedback", str(tmp_path / "fb")], capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0, shown.stderr
    assert "net.backward [" not in shown.stdout and "1 more check(s) are not shown yet" in shown.stdout
    assert "| ❌ backward" not in (tmp_path / "fb" / "repo.md").read_text()
    gradescope_tests = json.loads((tmp_path / "r.json").read_text())["tests"]
    assert {"name": "net.backward", "visibility": "hidden"}.items() <= next(
        t for t in gradescope_tests if t["name"] == "net.backward").items()
    instructor = subprocess.run(base + ["--all-checks"], capture_output=True, text=True, timeout=300)
    assert "net.backward [failed]" in instructor.stdout


def test_html_class_page_opens_with_the_heatmap(report, tmp_path):
    import re

    from grader.outputs import html

    broken = report.model_copy(deep=True)
    broken.submissions[0].exercises[0].status = "timeout"
    index = html.write(broken, tmp_path / "site").read_text(encoding="utf-8")
    assert index.index("<table class='sortable' id='students'>") < index.index("id='histogram'")
    rows = re.findall(r"<tr><td><a href='students/[^']+'>(\w+)</a></td>(.*?)</tr>", index)
    cells = {student: re.findall(r"<td class='cell[^']*'[^>]*data-value='([-\d.]+)'", row) for student, row in rows}
    assert set(cells) == {"ann", "ben"} and all(len(found) == 2 for found in cells.values())
    ann, ben = dict(rows)["ann"], dict(rows)["ben"]
    assert "class='cell broken'" in ann and "timeout" in ann                  # an error is marked, not coloured
    assert "class='cell missing'" in ben and 0 < float(cells["ben"][0]) < 1    # ben: net partly, net1 not handed in
    assert re.search(r"background:hsl\(\d+, 65%, \d+%\)", ben)
