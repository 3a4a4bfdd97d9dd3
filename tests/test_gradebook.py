"""The gradebook in each format, read back as its consumer reads it: plain with csv, Canvas as its
importer finds the header, the Points Possible row and the students (gradebook_importer.rb), Moodle
as its importer does (BOM removed, fgetcsv, one identifier column, numbers with '.')."""
import csv
import io
from datetime import datetime, timezone

import pytest

from grader.fences import Isolation
from grader.outputs import gradebook
from grader.report import Assignment, ClassReport, ExerciseResult, Late, Person, SubmissionResult

DUE = datetime(2025, 5, 1, tzinfo=timezone.utc)
POINTS = {"net": 10.0, "net1": 5.0, "conv": 5.0}


def exercise(name: str, score: float, late_raw: float | None = None) -> ExerciseResult:
    late = None if late_raw is None else Late(submitted_at=DUE, source="git", due=DUE, hours_late=30, penalty=20,
                                              raw_score=late_raw, score=score, policy="10% a day")
    return ExerciseResult(exercise=name, status="graded", score=score, max_score=POINTS[name], late=late)


def submission(student: str, scores: dict[str, float], person: Person | None = None, handed_in: bool = True,
               late: dict[str, float] | None = None) -> SubmissionResult:
    late = late or {}
    results = [exercise(name, scores.get(name, 0.0), late.get(name)) for name in POINTS]
    if not handed_in:
        results = [e.model_copy(update={"status": "missing", "score": 0.0}) for e in results]
    return SubmissionResult(student=student, path=f"/class/{student}", person=person, handed_in=handed_in,
                            score=sum(e.score for e in results), max_score=sum(POINTS.values()), exercises=results)


def report(*submissions: SubmissionResult, assignments: list[Assignment] | None = None) -> ClassReport:
    return ClassReport(grader_version="test", seed=3, device="cpu", exercises=list(POINTS),
                       isolation=Isolation(level="process", uid=1000, mechanisms={}, limits={}),
                       submissions=list(submissions), assignments=assignments or [])


ANN = Person(login="ann", name="Lee, Ann", student_id="S001", email="ann@uni.edu", section="A",
             extra={"canvas_id": "1001", "idnumber": "A-1"})
MING = Person(login="ming", name="王小明", student_id="S002", email="ming@uni.edu", section="B",
              extra={"canvas_id": "1002", "sis_login_id": "xming"})
BEN = Person(login="ben", name="Ben Okafor", student_id="S003", email="ben@uni.edu", section="A")


@pytest.fixture
def klass():
    """Ann full marks, Ming with thirds and a late exercise, Ben on the roster but absent, and
    a submission the roster does not name."""
    return report(submission("ann", {"net": 10, "net1": 5, "conv": 5}, ANN),
                  submission("ming", {"net": 7.5, "net1": 10 / 3, "conv": 2}, MING, late={"net": 9.375}),
                  submission("ben", {}, BEN, handed_in=False),
                  submission("stray", {"net": 4}))


def rows(path, encoding="utf-8"):
    return list(csv.reader(open(path, encoding=encoding, newline="")))


# plain


def test_plain_keeps_its_columns_without_a_roster(tmp_path):
    gradebook.write(report(submission("ann", {"net": 10, "net1": 2.5})), tmp_path / "g.csv")
    assert (tmp_path / "g.csv").read_bytes().startswith(b"student,")        # no BOM: it is what it was
    assert rows(tmp_path / "g.csv") == [["student", "net", "net1", "conv", "total", "max", "percent"],
                                        ["ann", "10", "2.5", "0", "12.5", "20", "62.5"]]


def test_plain_adds_the_roster_and_the_raw_total(klass, tmp_path):
    assert gradebook.write(klass, tmp_path / "g.csv") == []
    table = rows(tmp_path / "g.csv")
    assert table[0] == ["student", "name", "student_id", "section", "net", "net1", "conv", "total", "max", "percent",
                        "raw_total"]
    assert table[1] == ["ann", "Lee, Ann", "S001", "A", "10", "5", "5", "20", "20", "100.0", "20"]
    assert table[2] == ["ming", "王小明", "S002", "B", "7.5", "3.3333", "2", "12.8333", "20", "64.2", "14.7083"]
    assert table[3] == ["ben", "Ben Okafor", "S003", "A", "0", "0", "0", "0", "20", "0.0", "0"]
    assert table[4] == ["stray", "", "", "", "4", "0", "0", "4", "20", "20.0", "4"]     # every submission, on the roster or not


# Canvas


def canvas_reads(path):
    """What Canvas's importer makes of the file: the header test (first cell contains Student,
    second ID, the fifth Section, with SIS User ID and SIS Login ID between), the assignment
    columns after the five student ones, the Points Possible row, and the students by ID."""
    table = rows(path, encoding="utf-8")                  # Canvas reads UTF-8; the BOM stays in the first cell
    header = table[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1] and "Section" in header[4]
    assert header[2:4] == ["SIS User ID", "SIS Login ID"]
    assignments = header[5:]
    points = next(row for row in table[1:] if "Points Possible" in row[0])
    students = {row[1] or row[2] or row[3]: dict(zip(assignments, map(float, row[5:])))
                for row in table[1:] if "Points Possible" not in row[0]}
    return dict(zip(assignments, map(float, points[5:]))), students


def test_canvas_file_is_what_canvas_exports_and_imports(klass, tmp_path):
    skipped = gradebook.write(klass, tmp_path / "c.csv", "canvas")
    assert skipped == ["stray"]
    raw = (tmp_path / "c.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfStudent,ID,SIS User ID,SIS Login ID,Section,net,net1,conv\r\n")
    assert raw.decode("utf-8-sig").splitlines() == [
        "Student,ID,SIS User ID,SIS Login ID,Section,net,net1,conv",
        "    Points Possible,,,,,10,5,5",
        '"Lee, Ann",1001,S001,ann,A,10,5,5',
        "王小明,1002,S002,xming,B,7.5,3.3333,2",
        "Ben Okafor,,S003,ben,A,0,0,0",
    ]
    points, students = canvas_reads(tmp_path / "c.csv")
    assert points == {"net": 10, "net1": 5, "conv": 5}
    assert students == {"1001": {"net": 10, "net1": 5, "conv": 5}, "1002": {"net": 7.5, "net1": 3.3333, "conv": 2},
                        "S003": {"net": 0, "net1": 0, "conv": 0}}


def test_canvas_columns_are_the_assignments(klass, tmp_path):
    klass.assignments = [Assignment(name="Week 13 (12345)", exercises=["net", "net1"], due=DUE),
                         Assignment(name="Week 14", exercises=["conv"]),
                         Assignment(name="Week 15", exercises=["rnn"]),         # not graded in this run: left alone
                         Assignment(name="Week 16", exercises=[])]
    gradebook.write(klass, tmp_path / "c.csv", "canvas")
    points, students = canvas_reads(tmp_path / "c.csv")
    assert points == {"Week 13 (12345)": 15, "Week 14": 5}
    assert students["1002"] == {"Week 13 (12345)": 10.8333, "Week 14": 2}


def test_canvas_refuses_a_student_it_cannot_find(tmp_path):
    nobody = Person(login="", name="Chen, Yu")
    with pytest.raises(ValueError, match=r"Canvas cannot tell who 'yu' \(Chen, Yu\) is: the roster gives no Canvas ID"):
        gradebook.write(report(submission("yu", {}, nobody)), tmp_path / "c.csv", "canvas")
    assert not (tmp_path / "c.csv").exists()                                 # refused before the file is opened


@pytest.mark.parametrize("names, message", [
    pytest.param(["Final Grade project", "Week 2"], "Canvas would drop the column 'Final Grade project'", id="read-only"),
    pytest.param(["Week 1", "Week 1"], "two gradebook columns are named 'Week 1'", id="duplicate"),
    pytest.param(["Section", "Week 2"], "two gradebook columns are named 'Section'", id="a-student-column"),
])
def test_canvas_refuses_columns_it_would_misread(klass, tmp_path, names, message):
    klass.assignments = [Assignment(name=names[0], exercises=["net", "net1"]), Assignment(name=names[1], exercises=["conv"])]
    with pytest.raises(ValueError, match=message):
        gradebook.write(klass, tmp_path / "c.csv", "canvas")


def test_a_partly_graded_assignment_is_refused(klass, tmp_path):
    klass.assignments = [Assignment(name="Week 13", exercises=["net", "rnn"])]
    with pytest.raises(ValueError, match="assignment 'Week 13' also has rnn, which this run did not grade"):
        gradebook.write(klass, tmp_path / "c.csv", "canvas")


def test_two_rows_for_one_student_are_refused(tmp_path):
    twin = ANN.model_copy(update={"login": "ann2"})
    klass = report(submission("ann", {}, ANN), submission("ann-again", {}, twin))
    with pytest.raises(ValueError, match=r"'ann' \(Lee, Ann\) and 'ann-again' \(Lee, Ann\) have the same ID \('1001'\)"):
        gradebook.write(klass, tmp_path / "c.csv", "canvas")
    with pytest.raises(ValueError, match=r"have the same Email address \('ann@uni.edu'\)"):
        gradebook.write(klass, tmp_path / "m.csv", "moodle")


# Moodle


def moodle_reads(path):
    """Moodle's csv_import_reader: BOM removed, fgetcsv with '"', every row as long as the header;
    then the mapped identifier column and numeric grades (unformat_float takes '.')."""
    text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    table = [row for row in csv.reader(io.StringIO(text)) if row]
    assert all(len(row) == len(table[0]) for row in table)
    return table[0], {row[0]: [float(value) for value in row[1:]] for row in table[1:]}


def test_moodle_file_maps_from_email_by_default(klass, tmp_path):
    assert gradebook.write(klass, tmp_path / "m.csv", "moodle") == ["stray"]
    raw = (tmp_path / "m.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfEmail address,net,net1,conv\r\n")
    header, grades = moodle_reads(tmp_path / "m.csv")
    assert header == ["Email address", "net", "net1", "conv"]
    assert grades == {"ann@uni.edu": [10, 5, 5], "ming@uni.edu": [7.5, 3.3333, 2], "ben@uni.edu": [0, 0, 0]}


@pytest.mark.parametrize("identifier, column, keys", [
    pytest.param("idnumber", "ID number", ["A-1", "S002", "S003"], id="idnumber"),
    pytest.param("username", "Username", ["ann", "ming", "ben"], id="username"),
])
def test_moodle_identifier_chooses_the_user_field(klass, tmp_path, identifier, column, keys):
    gradebook.write(klass, tmp_path / "m.csv", "moodle", identifier=identifier)
    header, grades = moodle_reads(tmp_path / "m.csv")
    assert header[0] == column and list(grades) == keys


def test_moodle_falls_back_to_idnumber_when_an_email_is_missing(tmp_path):
    no_mail = BEN.model_copy(update={"email": ""})
    gradebook.write(report(submission("ann", {}, ANN), submission("ben", {}, no_mail)), tmp_path / "m.csv", "moodle")
    header, grades = moodle_reads(tmp_path / "m.csv")
    assert header[0] == "ID number" and list(grades) == ["A-1", "S003"]


def test_moodle_refuses_a_student_without_the_chosen_field(tmp_path):
    no_mail = BEN.model_copy(update={"email": ""})
    klass = report(submission("ann", {}, ANN), submission("ben", {}, no_mail))
    with pytest.raises(ValueError, match=r"Moodle cannot tell who 'ben' \(Ben Okafor\) is: the roster gives no email for them"):
        gradebook.write(klass, tmp_path / "m.csv", "moodle", identifier="email")


def test_moodle_refuses_an_unknown_identifier(klass, tmp_path):
    with pytest.raises(ValueError, match="must be one of email, idnumber, username, not 'firstname'"):
        gradebook.write(klass, tmp_path / "m.csv", "moodle", identifier="firstname")


def test_moodle_refuses_a_grade_over_the_points(tmp_path):
    bonus = report(submission("ann", {"net": 11.5}, ANN))
    with pytest.raises(ValueError, match=r"'ann' \(Lee, Ann\) has 11.5 in 'net', outside 0 to 10: Moodle refuses"):
        gradebook.write(bonus, tmp_path / "m.csv", "moodle")
    gradebook.write(bonus, tmp_path / "c.csv", "canvas")                     # Canvas takes extra credit
    noise = report(submission("ann", {"net": 10 + 1e-12, "net1": -1e-12}, ANN))   # a float's breadth off: as written, in range
    gradebook.write(noise, tmp_path / "m.csv", "moodle")
    assert moodle_reads(tmp_path / "m.csv")[1] == {"ann@uni.edu": [10, 0, 0]}


# Both


@pytest.mark.parametrize("fmt", ["canvas", "moodle"])
def test_an_lms_gradebook_needs_a_roster(tmp_path, fmt):
    with pytest.raises(ValueError, match=f"a {fmt} gradebook matches students by the roster"):
        gradebook.write(report(submission("ann", {})), tmp_path / "g.csv", fmt)


def test_unknown_format_and_stray_identifier_are_refused(klass, tmp_path):
    with pytest.raises(ValueError, match="must be one of plain, canvas, moodle, not 'blackboard'"):
        gradebook.write(klass, tmp_path / "g.csv", "blackboard")
    with pytest.raises(ValueError, match=r"an identifier \('email'\) is for the moodle format only"):
        gradebook.write(klass, tmp_path / "g.csv", "canvas", identifier="email")


def test_numbers_are_plain_decimals(tmp_path):
    big = report(submission("ann", {"net": float("-1e-9")}, ANN))
    big.submissions[0].score = 1234567.0
    gradebook.write(big, tmp_path / "g.csv")
    assert rows(tmp_path / "g.csv")[1][4:8] == ["0", "0", "0", "1234567"]    # never "-0", never "1.23457e+06"
    big.submissions[0].exercises[0].score = float("nan")
    with pytest.raises(ValueError, match=r"'ann' \(Lee, Ann\): net is nan, not a number"):
        gradebook.write(big, tmp_path / "c.csv", "canvas")


def test_a_plain_cell_that_would_be_a_formula_is_text():
    from grader.outputs.gradebook import inert

    assert [inert(t) for t in ("=HYPERLINK(\"x\")", "+1", "-2", "@a", "alice", "")] == [
        "'=HYPERLINK(\"x\")", "'+1", "'-2", "'@a", "alice", ""]
