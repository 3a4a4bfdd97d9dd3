"""Course records (grader.course, grader.times, grader.roster, grader.records): due dates, late
penalties and extensions, submission times, the roster and the points a person gives, through
`grade` as an instructor runs it and on plain data."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import ROOT, reference_source, write

from grader.course import LatePolicy, load_course
from grader.roster import read_overrides, read_roster
from grader.spec import SpecError
from grader.times import handed_in

TAIPEI = ZoneInfo("Asia/Taipei")
COURSE = """
timezone = "Asia/Taipei"
extensions = "extensions.csv"

[late]
percent = 10
per = "day"
grace_minutes = 15
cap = 50

[[assignments]]
name = "Week 13"
exercises = ["gd", "hill"]
due = 2026-11-15T23:59:00
last = 2026-11-22T23:59:00

[[assignments]]
name = "Week 14"
exercises = ["net", "net1"]
due = 2026-11-22T23:59:00
late = { percent = 5, per = "hour", cap = 100 }
"""


@pytest.mark.parametrize("hours, penalty", [(0.2, 0), (0.25, 0), (0.3, 10), (24, 10), (24.01, 20), (100, 50)])
def test_a_started_day_counts_after_the_grace_and_the_cap_holds(hours, penalty):
    assert LatePolicy(percent=10, per="day", grace_minutes=15, cap=50).penalty(hours) == penalty


def test_hourly_penalties():
    policy = LatePolicy(percent=5, per="hour")
    assert [policy.penalty(h) for h in (0, 0.5, 1, 1.5, 30)] == [0, 5, 5, 10, 100]
    assert policy.words() == "5% per hour late (a started hour counts)"


def course_folder(tmp_path: Path, course: str = COURSE, extensions: str = "student,assignment,due,days\n") -> Path:
    write(tmp_path, {"course.toml": course, "extensions.csv": extensions})
    return tmp_path / "course.toml"


EXERCISES = {"gd", "hill", "net", "net1"}


def test_extensions_move_the_due_date_and_the_last_date(tmp_path):
    path = course_folder(tmp_path, extensions="student,assignment,due,days\nbob,Week 14,,3\ncarol,,2026-12-01 12:00,\n")
    course = load_course(path, EXERCISES)
    week13, week14 = course.spec.assignments
    assert course.due(week14, "bob")[0] == datetime(2026, 11, 25, 23, 59, tzinfo=TAIPEI)
    assert course.due(week13, "bob") == (datetime(2026, 11, 15, 23, 59, tzinfo=TAIPEI),
                                         datetime(2026, 11, 22, 23, 59, tzinfo=TAIPEI), "")
    due, last, said = course.due(week13, "carol")
    assert due == datetime(2026, 12, 1, 12, 0, tzinfo=TAIPEI) and said == "until 2026-12-01T12:00"
    assert last == datetime(2026, 11, 22, 23, 59, tzinfo=TAIPEI) + (due - datetime(2026, 11, 15, 23, 59, tzinfo=TAIPEI))
    assert course.policy(week14).percent == 5 and course.policy(week13).percent == 10


@pytest.mark.parametrize("course, extensions, message", [
    pytest.param(COURSE.replace('"hill"', '"hil"'), "", r"unknown exercise\(s\) \['hil'\]", id="unknown-exercise"),
    pytest.param(COURSE.replace("Asia/Taipei", "Taipei"), "", "unknown timezone 'Taipei'", id="bad-zone"),
    pytest.param(COURSE.replace('"net", "net1"', '"net", "gd"'), "", r"each exercise may appear once; repeated: \['gd'\]",
                 id="exercise-twice"),
    pytest.param(COURSE.replace("per = \"day\"", "per = \"week\""), "", "late.per", id="bad-unit"),
    pytest.param(COURSE, "student,assignment,due,days\nbob,Week 9,,2\n", r"extensions.csv, line 2: unknown assignment 'Week 9'",
                 id="unknown-assignment"),
    pytest.param(COURSE, "student,assignment,due,days\nbob,,2026-12-01,2\n", "line 2: give either a new due date", id="both"),
    pytest.param(COURSE, "student,assignment,due,days\nbob,,soon,\n", "line 2: .*dates as 2026-12-08 23:59", id="bad-date"),
])
def test_a_wrong_course_file_is_refused_naming_the_file_and_line(tmp_path, course, extensions, message):
    path = course_folder(tmp_path, course, extensions or "student,assignment,due,days\n")
    with pytest.raises(SpecError, match=message):
        load_course(path, EXERCISES)


def test_the_roster_reads_its_columns_by_name_and_keeps_the_rest(tmp_path):
    write(tmp_path, {"roster.csv": "GitHub Username,First Name,Last Name,Student ID,Email,Section,Team\n"
                                   "alice-c,Alice,Chen,B1,alice@x.edu,A,red\nbob,Bob,Lin,B2,,B,blue\n"})
    people = read_roster(tmp_path / "roster.csv")
    assert people["alice-c"].name == "Alice Chen" and people["alice-c"].student_id == "B1"
    assert people["bob"].extra == {"team": "blue"} and people["bob"].section == "B"
    write(tmp_path, {"twice.csv": "login,name\nbob,Bob\nbob,Robert\n", "nokey.csv": "name\nBob\n"})
    with pytest.raises(SpecError, match=r"twice.csv, line 3: 'bob' is on the roster twice"):
        read_roster(tmp_path / "twice.csv")
    with pytest.raises(SpecError, match="no key column"):
        read_roster(tmp_path / "nokey.csv")


@pytest.mark.parametrize("row, message", [
    pytest.param("mallory,gd,1,,,", "line 2: unknown student 'mallory'", id="student"),
    pytest.param("bob,gdd,1,,,", "line 2: unknown exercise 'gdd'", id="exercise"),
    pytest.param("bob,gd.speed,1,,,", "line 2: gd has no check 'speed'", id="check"),
    pytest.param("bob,gd.df,1,1,,", "line 2: give either points", id="both"),
    pytest.param("bob,gd.df,ten,,,", "line 2: 'ten' is not a number", id="number"),
    pytest.param("bob,gd.df,99,,,", "line 2: 99 points for gd.df, which is worth 4", id="too-many"),
])
def test_an_override_naming_what_does_not_exist_is_an_error_naming_the_line(tmp_path, specs, row, message):
    write(tmp_path, {"overrides.csv": "student,exercise,points,delta,comment,by\n" + row + "\n"})
    with pytest.raises(SpecError, match=message):
        read_overrides(tmp_path / "overrides.csv", {"alice", "bob"}, specs)


def test_overrides_in_toml(tmp_path, specs):
    write(tmp_path, {"o.toml": '[[override]]\nstudent = "bob"\nexercise = "net"\ndelta = 1.5\nby = "TA"\n'
                               '[[override]]\nstudent = "bob"\nexercise = "gd.nothing"\npoints = 1\n'})
    with pytest.raises(SpecError, match=r"o.toml, override 2: gd has no check 'nothing'"):
        read_overrides(tmp_path / "o.toml", {"bob"}, specs)


def git(repository: Path, *args: str, when: str = "2026-11-20T10:00:00+08:00") -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_NAME": "s",
           "GIT_AUTHOR_EMAIL": "s@x", "GIT_COMMITTER_NAME": "s", "GIT_COMMITTER_EMAIL": "s@x"}
    subprocess.run(["git", "-C", str(repository), *args], check=True, capture_output=True, env=env)


def test_times_come_from_git_zip_timestamp_file_and_file_time_in_that_order(tmp_path):
    repo = tmp_path / "class" / "ana"
    write(repo, {"gd.py": "x = 1\n", "hill.py": "y = 2\n"})
    git(repo, "init", "-q")
    git(repo, "add", "gd.py")
    git(repo, "commit", "-qm", "gd")
    git(repo, "add", "hill.py")
    git(repo, "commit", "-qm", "hill", when="2026-11-21T09:30:00+08:00")
    (repo / ".git" / "config").write_text("[core]\n\tfsmonitor = touch /tmp/owned-by-fsmonitor\n", encoding="utf-8")
    found = handed_in(repo, ["gd.py", "hill.py"], TAIPEI, alone=False)
    assert found["gd.py"] == (datetime(2026, 11, 20, 10, 0, tzinfo=timezone(timedelta(hours=8))), "git", "")
    assert found["hill.py"][0] == datetime(2026, 11, 21, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    assert not Path("/tmp/owned-by-fsmonitor").exists()
    with zipfile.ZipFile(tmp_path / "class" / "ben.zip", "w") as archive:
        archive.writestr(zipfile.ZipInfo("ben/week3/gd.py", date_time=(2026, 11, 16, 8, 5, 0)), "x = 1\n")
    assert handed_in(tmp_path / "class" / "ben.zip", ["week3/gd.py"], TAIPEI, alone=False)["week3/gd.py"] == (
        datetime(2026, 11, 16, 8, 5, tzinfo=TAIPEI), "zip", "")
    write(tmp_path / "class", {"cai/gd.py": "x = 1\n", "cai.timestamp": "2026-11-16T01:00:00+00:00\n", "dan/gd.py": "x = 1\n"})
    assert handed_in(tmp_path / "class" / "cai", ["gd.py"], TAIPEI, alone=False)["gd.py"][1] == "timestamp file"
    moment, source, warning = handed_in(tmp_path / "class" / "dan", ["gd.py"], TAIPEI, alone=False)["gd.py"]
    assert source == "file time" and "modification time, which copying can change" in warning
    write(tmp_path / "autograder", {"submission/gd.py": "x = 1\n",
                                    "submission_metadata.json": json.dumps({"created_at": "2026-11-15T23:00:00.5+08:00"})})
    assert handed_in(tmp_path / "autograder" / "submission", ["gd.py"], TAIPEI, alone=True)["gd.py"][1] == "gradescope"


def grade_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, cwd=ROOT)


def test_one_run_makes_the_gradebook_and_a_regrade_keeps_every_manual_decision(tmp_path):
    """ana on time; ben two days late; cai late but with an extension; dan after the last date;
    eve handed in nothing; zed is not on the roster. A TA takes a point of ana's and gives dan
    the points of hill by hand."""
    gd, hill = reference_source("gd.py"), reference_source("hill.py")
    klass = tmp_path / "class"
    for student, when in {"ana": "2026-11-15T22:00:00+08:00", "ben": "2026-11-17T12:00:00+08:00",
                          "cai": "2026-11-18T12:00:00+08:00", "dan": "2026-11-23T12:00:00+08:00",
                          "zed": "2026-11-15T20:00:00+08:00"}.items():
        write(klass, {f"{student}/gd.py": gd, f"{student}/hill.py": hill, f"{student}.timestamp": when})
    course = course_folder(tmp_path / "course", extensions="student,assignment,due,days\ncai,Week 13,,3\n")
    write(tmp_path, {"roster.csv": "login,name,student_id,email\nana,Ana,S1,a@x\nben,Ben,S2,b@x\ncai,Cai,S3,c@x\n"
                                   "dan,Dan,S4,d@x\neve,Eve,S5,e@x\n",
                     "overrides.csv": "student,exercise,points,delta,comment,by\nana,gd.descent,,-1,stops too early,TA Lee\n"
                                      "dan,hill,4,,late work accepted by email,Prof. Wu\n"})
    args = [str(klass), "--exercise", "gd", "--exercise", "hill", "--seed", "3", "--cache", str(tmp_path),
            "--course", str(course), "--roster", str(tmp_path / "roster.csv"), "--overrides", str(tmp_path / "overrides.csv"),
            "--json", str(tmp_path / "report.json"), "--feedback", str(tmp_path / "feedback")]
    first = grade_cli(*args, "--csv", str(tmp_path / "canvas.csv"), "--csv-format", "canvas")
    assert first.returncode == 0, first.stderr
    assert "leaves out the submissions the roster does not name, which Canvas could not match: zed" in " ".join(first.stderr.split())
    canvas = (tmp_path / "canvas.csv").read_text(encoding="utf-8-sig").splitlines()
    assert canvas[0] == "Student,ID,SIS User ID,SIS Login ID,Section,Week 13"     # Week 14 was not graded: left out
    assert canvas[1] == "    Points Possible,,,,,13"
    assert "Ben,,S2,ben,,10.4" in canvas and "Eve,,S5,eve,,0" in canvas and not any("zed" in row for row in canvas)
    report = json.loads((tmp_path / "report.json").read_text())
    again = grade_cli(*args)
    assert again.returncode == 0, again.stderr
    regraded = json.loads((tmp_path / "report.json").read_text())
    assert all(e["cached"] for s in regraded["submissions"] for e in s["exercises"] if s["handed_in"])
    scores = {s["student"]: s["score"] for s in report["submissions"]}
    assert scores == {s["student"]: s["score"] for s in regraded["submissions"]}
    assert scores == {"ana": 12, "ben": 10.4, "cai": 13, "dan": 4, "zed": 13, "eve": 0}
    people = {s["student"]: s for s in report["submissions"]}
    assert people["eve"]["handed_in"] is False and people["eve"]["person"]["student_id"] == "S5"
    assert report["not_on_roster"] == ["zed"] and people["zed"]["person"] is None
    ben_gd = next(e for e in people["ben"]["exercises"] if e["exercise"] == "gd")
    assert ben_gd["late"]["penalty"] == 20 and ben_gd["late"]["raw_score"] == 9 and ben_gd["score"] == 7.2
    assert ben_gd["late"]["source"] == "timestamp file" and ben_gd["late"]["hours_late"] == pytest.approx(36.017, abs=1e-3)
    cai_gd = next(e for e in people["cai"]["exercises"] if e["exercise"] == "gd")
    assert cai_gd["late"]["penalty"] == 0 and cai_gd["late"]["extension"] == "3 more days"
    dan_hill = next(e for e in people["dan"]["exercises"] if e["exercise"] == "hill")
    assert dan_hill["late"]["accepted"] is False and dan_hill["late"]["score"] == 0       # after the last date: nothing,
    assert dan_hill["manual"]["by"] == "Prof. Wu" and dan_hill["score"] == 4               # until a person decides otherwise
    ana_gd = next(e for e in people["ana"]["exercises"] if e["exercise"] == "gd")
    descent = next(c for c in ana_gd["checks"] if c["name"] == "descent")
    assert descent["manual"]["by"] == "TA Lee" and descent["score"] == 2 and descent["message"].startswith("marked by TA Lee: stops too early")
    feedback = (tmp_path / "feedback" / "ben.md").read_text(encoding="utf-8")
    assert "# Feedback for ben (Ben)" in feedback and "| late | -1.8 |" in feedback
    no_late = grade_cli(*args[:-4], "--no-late", "--json", str(tmp_path / "plain.json"))
    assert no_late.returncode == 0, no_late.stderr
    assert {s["student"]: s["score"] for s in json.loads((tmp_path / "plain.json").read_text())["submissions"]}["ben"] == 13


def test_an_override_for_an_unknown_student_stops_the_run_before_grading(tmp_path):
    write(tmp_path, {"class/ana/gd.py": reference_source("gd.py"),
                     "overrides.csv": "student,exercise,points,delta,comment,by\nana,gd,9,,,\nanna,gd,9,,,\n"})
    done = grade_cli(str(tmp_path / "class"), "--exercise", "gd", "--overrides", str(tmp_path / "overrides.csv"))
    assert done.returncode == 2
    assert "overrides.csv, line 3: unknown student 'anna'" in " ".join(done.stderr.split())


def test_every_output_that_lists_tests_sums_to_the_score_with_lateness_and_marks(tmp_path, specs):
    """JUnit's cases, Classroom's and Gradescope's tests carry the adjustments (late, marked by hand)."""
    from conftest import grade

    from grader.outputs import classroom, gradescope, junit
    from grader.records import apply

    write(tmp_path / "class", {"ana/gd.py": reference_source("gd.py"), "ana.timestamp": "2026-11-17T12:00:00+08:00",
                               "marks.csv": "student,exercise,points,delta,comment,by\nana,gd,,-1,messy plots,TA\n"})
    report = grade(tmp_path / "class" / "ana", specs, exercises=["gd"])
    marks = read_overrides(tmp_path / "class" / "marks.csv", {"ana"}, specs)
    apply(report, specs, None, marks, load_course(course_folder(tmp_path / "course"), EXERCISES))
    [submission] = report.submissions
    assert submission.score == pytest.approx(9 * 0.8 - 1)
    assert [label for e in submission.exercises for label, _, _ in e.adjustments()] == ["late", "marked by hand"]
    for tests in (classroom.runner_result(report)["tests"], gradescope.results(report)["tests"]):
        assert sum(test["score"] for test in tests) == pytest.approx(submission.score)
    cases = junit.document(report).find("testsuite").findall("testcase")
    assert sum(float(p.get("value")) for case in cases for p in case.find("properties")
               if p.get("name") == "score") == pytest.approx(submission.score)


def test_a_manual_check_waits_for_its_marks_and_the_reference_is_not_blamed_for_it(tmp_path):
    import shutil

    assignments = tmp_path / "assignments"
    shutil.copytree(ROOT / "assignments", assignments)
    spec = assignments / "hill.toml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("# --- grade mutants", '[[checks]]\nname = "explain"\nkind = "manual"\npoints = 2\n'
                                 'description = "Why the search stops within one step of the bottom."\n\n# --- grade mutants', 1),
                    encoding="utf-8")
    reference = grade_cli(str(ROOT / "reference"), "--assignments", str(assignments), "--exercise", "hill", "--no-cache",
                          "--json", str(tmp_path / "reference.json"))
    assert reference.returncode == 0, reference.stderr            # its 2 unmarked points are a person's to give
    [hill] = json.loads((tmp_path / "reference.json").read_text())["submissions"][0]["exercises"]
    explain = next(c for c in hill["checks"] if c["name"] == "explain")
    assert (explain["status"], explain["score"], explain["message"]) == ("skipped", 0, "marked by hand: not marked yet")
    write(tmp_path, {"class/ana/hill.py": reference_source("hill.py"), "class/ben/hill.py": reference_source("hill.py"),
                     "marks.toml": '[[override]]\nstudent = "ana"\nexercise = "hill.explain"\npoints = 1.5\n'
                                   'comment = "the stop, not the step"\nby = "TA Lee"\n'})
    done = grade_cli(str(tmp_path / "class"), "--assignments", str(assignments), "--exercise", "hill", "--no-cache",
                     "--overrides", str(tmp_path / "marks.toml"), "--json", str(tmp_path / "class.json"))
    assert done.returncode == 0, done.stderr
    scores = {s["student"]: s["score"] for s in json.loads((tmp_path / "class.json").read_text())["submissions"]}
    assert scores == {"ana": 5.5, "ben": 4}


# --- what a review found: each a test ---------------------------------------------------------------------------


def test_grade_dot_in_a_students_repository_neither_imports_their_code_nor_trusts_their_times(tmp_path):
    """The git child is isolated (a json.py of the student's is not imported), and a metadata or
    timestamp file inside the submission is the student's, not the platform's."""
    marker = tmp_path / "ran"
    repo = tmp_path / "ana"
    write(repo, {"gd.py": reference_source("gd.py"),
                 "json.py": f"open({str(marker)!r}, 'w').write('student code ran')\n",
                 "submission_metadata.json": '{"created_at": "2020-01-01T00:00:00+00:00"}', ".timestamp": "2020-01-01T00:00"})
    git(repo, "init", "-q")
    git(repo, "add", "gd.py")
    git(repo, "commit", "-qm", "gd", when="2026-11-17T12:00:00+08:00")
    course = course_folder(tmp_path / "course")
    done = subprocess.run([sys.executable, "-m", "grader", ".", "--exercise", "gd", "--no-cache", "--course", str(course),
                           "--json", str(tmp_path / "r.json")], capture_output=True, text=True, cwd=repo)
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    [gd] = json.loads((tmp_path / "r.json").read_text())["submissions"][0]["exercises"]
    assert gd["late"]["source"] == "git" and gd["late"]["penalty"] == 20


def test_the_instructors_timestamp_outranks_a_students_commit_and_zip_dates(tmp_path):
    repo = tmp_path / "class" / "ana"
    write(repo, {"gd.py": "x = 1\n"})
    git(repo, "init", "-q")
    git(repo, "add", "gd.py")
    git(repo, "commit", "-qm", "gd", when="1999-01-01T00:00:00+00:00")
    with zipfile.ZipFile(tmp_path / "class" / "ben.zip", "w") as archive:
        archive.writestr(zipfile.ZipInfo("gd.py", date_time=(1980, 1, 1, 0, 0, 0)), "x = 1\n")
        archive.writestr(zipfile.ZipInfo("backup/gd.py", date_time=(2030, 1, 1, 0, 0, 0)), "x = 1\n")
    assert handed_in(tmp_path / "class" / "ben.zip", ["gd.py"], TAIPEI, alone=False)["gd.py"][0].year == 1980
    write(tmp_path / "class", {"ana.timestamp": "2026-11-20T10:00:00+08:00", "ben.timestamp": "2026-11-21T10:00:00+08:00"})
    assert handed_in(repo, ["gd.py"], TAIPEI, alone=False)["gd.py"][1] == "timestamp file"
    assert handed_in(tmp_path / "class" / "ben.zip", ["gd.py"], TAIPEI, alone=False)["gd.py"][1] == "timestamp file"


def test_hours_late_are_real_hours_across_a_daylight_saving_change(tmp_path, specs):
    from conftest import grade

    from grader.records import apply

    write(tmp_path, {"class/ana/hill.py": reference_source("hill.py"), "class/ana.timestamp": "2026-11-02T00:30:00"})
    course = course_folder(tmp_path / "course", COURSE.replace("Asia/Taipei", "America/New_York")
                           .replace("2026-11-15T23:59:00", "2026-11-01T00:30:00"))
    report = grade(tmp_path / "class", specs, exercises=["hill"])
    apply(report, specs, None, [], load_course(course, EXERCISES))
    [hill] = report.submissions[0].exercises
    assert hill.late.hours_late == 25 and hill.late.penalty == 20        # 25 hours: a second day started


def test_no_late_keeps_the_assignments_columns_and_a_wrong_extension_is_refused(tmp_path, specs):
    from grader.fences import Isolation
    from grader.records import apply
    from grader.report import ClassReport

    report = ClassReport(grader_version="0", seed=1, device="cpu", exercises=["gd", "hill"], submissions=[],
                         isolation=Isolation(level="process", uid=1000, mechanisms={}, limits={}))
    apply(report, specs, None, [], load_course(course_folder(tmp_path), EXERCISES), late=False)
    assert [a.name for a in report.assignments] == ["Week 13", "Week 14"]
    for rows, message in (("bobb,,,2\n", "line 2: unknown student 'bobb'"), ("bob,,,2\nbob,,,3\n", "line 3: a second extension")):
        with pytest.raises(SpecError, match=message):
            load_course(course_folder(tmp_path, extensions="student,assignment,due,days\n" + rows), EXERCISES, {"bob"})


def test_a_canvas_export_is_a_roster_and_classroom_clones_find_their_student(tmp_path, specs):
    from grader.fences import Isolation
    from grader.records import apply
    from grader.report import ClassReport, SubmissionResult

    write(tmp_path, {"canvas.csv": "Student,ID,SIS User ID,SIS Login ID,Section,Week 13 (77)\n"
                                   "    Points Possible,,,,,13\n\"Chen, Ana\",501,B1,ana,A,\n\"Student, Test\",9,,,A,\n"})
    people = read_roster(tmp_path / "canvas.csv")
    assert list(people) == ["ana"] and people["ana"].name == "Chen, Ana" and people["ana"].student_id == "B1"
    assert people["ana"].extra["canvas_id"] == "501"
    report = ClassReport(grader_version="0", seed=1, device="cpu", exercises=["gd"], isolation=Isolation(level="process", uid=1000, mechanisms={}, limits={}),
                         submissions=[SubmissionResult(student="hw1-ana", path="", score=0, max_score=9, exercises=[])])
    apply(report, specs, people)
    assert report.submissions[0].person.login == "ana" and report.not_on_roster == []


def test_a_course_file_in_the_assignments_folder_is_read_as_the_course_not_as_an_exercise(tmp_path):
    import shutil

    assignments = tmp_path / "assignments"
    shutil.copytree(ROOT / "assignments", assignments)
    course_folder(assignments)
    write(tmp_path, {"class/ana/hill.py": reference_source("hill.py"), "class/ana.timestamp": "2026-11-17T12:00:00+08:00"})
    done = grade_cli(str(tmp_path / "class"), "--assignments", str(assignments), "--exercise", "hill", "--no-cache",
                     "--json", str(tmp_path / "r.json"))
    assert done.returncode == 0, done.stderr
    [hill] = json.loads((tmp_path / "r.json").read_text())["submissions"][0]["exercises"]
    assert hill["late"]["penalty"] == 20 and hill["score"] == 3.2
