"""The gradebook: one row per student, as a plain table or as a file Canvas or Moodle imports.

Every score here is final (late penalties and manual points were applied before); this module
only lays them out. A refusal (`ValueError`) comes before the file is opened, so a refused
gradebook leaves no half-written file behind.

**plain** (UTF-8, no BOM): student, then name, student_id, section when any submission has a
roster person, one column per exercise, total, max, percent, and raw_total (the total with each
late exercise's pre-penalty `raw_score` in place of its score) when any exercise carries `late`.
Every submission is a row, on the roster or not.

**canvas**, the file Canvas's Grades > Import reads. What it accepts is read from Canvas's own
importer and exporter (instructure/canvas-lms, app/models/gradebook_importer.rb and
gradebook_exporter.rb, https://github.com/instructure/canvas-lms), with the university guides
that restate it (Ohio State's "Import CSV File for Carmen Grades",
https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades;
VCU's "Gradebook Action Menu", https://ts.vcu.edu/askit/teaching-and-learning/canvas/faculty/grading-faculty/gradebook-action-menu-faculty/):

- The header is taken for one only when its first cell says Student and its second ID, and the
  last student column says Section; with SIS User ID and SIS Login ID between them (the layout
  Canvas exports) the first five columns are the student's and the rest are assignments. So:
  Student, ID, SIS User ID, SIS Login ID, Section, then one column per assignment.
- A student is found by the Canvas user ID first, then the SIS User ID, then the SIS Login ID,
  and last by name (full or "Last, First"); one found by none of these is listed as an unknown
  student. Here ID is the roster's `canvas_id`, SIS User ID its `student_id`, SIS Login ID its
  `sis_login_id` or else its login (so with neither canvas_id nor student_id, the roster's login
  must be the Canvas login). A student with all three empty is refused: a name alone can match
  the wrong person.
- An assignment column is matched by the Canvas id in its trailing "(12345)" (as Canvas exports
  "Week 13 (12345)"), else by its exact title; an unmatched column becomes a new assignment.
  Two columns of one title would land on one assignment, so duplicates are refused.
- Any column whose title contains Current Score, Current Points, Current Grade, Final Score,
  Final Points, Final Grade, Override Score, Override Grade or Override Status (case as written)
  is taken for one of Canvas's read-only totals and silently dropped: such a title is refused.
- A row whose first cell contains "Points Possible" is not a student: Canvas exports it second,
  as "    Points Possible" with the points under each assignment, and on import takes those
  points for the assignments the file creates (an existing assignment keeps its own). It is
  written, with each column's points.
- Numbers may use "." or ","; Canvas exports two decimals and compares at two, and keeps more:
  up to four are written, with ".". A comma in a name is quoted (RFC 4180 quoting).
- Canvas's export is UTF-8 and offers a byte-order mark for Excel, and the importer finds the
  header with "contains Student", so a BOM does not disturb it: written UTF-8 with a BOM, so
  Excel shows a Chinese name as it is and does not garble it when the file is saved again.

**moodle**, for Grades > Import > CSV file. Read from Moodle's importer (moodle/moodle,
grade/import/csv/classes/load_data.php, grade/import/grade_import_form.php, lib/csvlib.class.php,
grade/tests/behat/grade_import.feature, https://github.com/moodle/moodle) and MoodleDocs' "Grade
import" (https://docs.moodle.org/311/en/Grade_import):

- The first row names the columns. One column is chosen as "Map from" and matched ("Map to")
  against a user field: id, username, ID number or email address; every other column is mapped,
  by hand, to a grade item (or a new one) or ignored. Written: the identifier column, named as
  Moodle's own form names the field ("Email address", "ID number", "Username"), then one column
  per grade item. (Moodle's internal user id is not offered: no roster holds it.)
- A row whose user is not found, or whose identifier matches more than one user (an e-mail that
  two accounts share), aborts the whole import, as does a blank identifier; so a student without
  the chosen field is refused here, and two rows with one identifier too. `identifier` picks the
  field: email (the default when every student has one), idnumber (the roster's `idnumber`
  column, else student_id; the default next), or username (the roster's `username` column, else
  its login). Moodle compares e-mail addresses case-sensitively (MoodleDocs, MDL-29315): they are
  written as the roster has them.
- A grade is a number ("." always works; the site's decimal separator too), or "-" or empty for
  no grade; anything else aborts the import. A grade over the item's maximum or under its minimum
  aborts it too (Moodle 4.1+; older sites refuse anything over 100 unless unlimited grades are
  on), so a score over its column's points, or under 0, is refused here.
- The file may be UTF-8 or another encoding chosen in the form; a UTF-8 BOM is removed before
  parsing; fields are read with fgetcsv (double-quote enclosure), the separator is chosen in the
  form (comma by default) and every row must have as many fields as the header. Written: UTF-8
  with a BOM (for Excel, as for Canvas), comma separated.

In both LMS formats a roster student with no submission is a row of zeros, and a submission the
roster does not name cannot be matched: it is left out, and `write` returns who was left out,
for the caller to say so. Columns are `report.assignments` (each the sum of its exercises'
scores) or, with none, one per exercise. An assignment none of whose exercises this run graded
is left out (writing zeros would overwrite its grades); one with only some of them graded is
refused, as its sum would understate it.
"""
from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from pathlib import Path

from grader.report import ClassReport, Person, SubmissionResult
from grader.safe_text import one_line

FORMATS = ("plain", "canvas", "moodle")
MOODLE_IDENTIFIERS = {"email": "Email address", "idnumber": "ID number", "username": "Username"}
CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_POSSIBLE = "    Points Possible"
# Canvas's importer drops every header containing one of these (a regexp, unanchored): its own totals.
CANVAS_READ_ONLY = ("Current Score", "Current Points", "Current Grade", "Final Score", "Final Points", "Final Grade",
                    "Override Score", "Override Grade", "Override Status")

Row = list[str]


def write(report: ClassReport, path: Path, fmt: str = "plain", identifier: str | None = None) -> list[str]:
    """Write the gradebook in `fmt` (plain, canvas or moodle) to `path`; `identifier` (moodle only)
    names the user field students are matched on. Returns the submissions left out because the
    roster does not name them (LMS formats only; none in plain)."""
    if fmt not in FORMATS:
        raise ValueError(f"gradebook format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if identifier is not None and fmt != "moodle":
        raise ValueError(f"an identifier ({identifier!r}) is for the moodle format only; {fmt} has its own columns")
    if fmt == "plain":
        _save(path, _plain(report), bom=False)
        return []
    rows = [s for s in report.submissions if s.person is not None]
    skipped = [one_line(s.student) for s in report.submissions if s.person is None]
    if not rows:
        raise ValueError(f"a {fmt} gradebook matches students by the roster (--roster), and no submission is on one")
    columns = _columns(report)
    table = _canvas(report, rows, columns) if fmt == "canvas" else _moodle(report, rows, columns, identifier)
    _save(path, table, bom=True)
    return skipped


def _save(path: Path, rows: Iterable[Row], bom: bool) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as sink:
        csv.writer(sink).writerows(rows)


def inert(text: str) -> str:
    """A text cell a spreadsheet shows as text: a folder named `=HYPERLINK(...)` is no formula (OWASP's
    CSV injection advice: a leading quote). Only the plain table: an LMS matches the names as written."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _plain(report: ClassReport) -> list[Row]:
    people = any(s.person is not None for s in report.submissions)
    late = any(e.late is not None for s in report.submissions for e in s.exercises)
    header = ["student", *(["name", "student_id", "section"] if people else []), *report.exercises,
              "total", "max", "percent", *(["raw_total"] if late else [])]
    rows = [header]
    for submission in report.submissions:
        who = one_line(submission.student)
        person = submission.person or Person(login="")
        scores = {e.exercise: e.score for e in submission.exercises}
        row = [inert(who), *([inert(one_line(text)) for text in (person.name, person.student_id, person.section)] if people else []),
               *[_number(scores.get(e, 0.0), who, e) for e in report.exercises],
               _number(submission.score, who, "total"), _number(submission.max_score, who, "max"), f"{submission.percent:.1f}"]
        if late:
            raw = sum(e.late.raw_score if e.late is not None else e.score for e in submission.exercises)
            row.append(_number(raw, who, "raw_total"))
        rows.append(row)
    return rows


def _columns(report: ClassReport) -> list[tuple[str, list[str]]]:
    """The LMS columns: (name, the exercises summed into it)."""
    if not report.assignments:
        columns = [(one_line(e).strip(), [e]) for e in report.exercises]
    else:
        graded = set(report.exercises)
        columns = []
        for assignment in report.assignments:
            done = [e for e in assignment.exercises if e in graded]
            if not done:
                continue
            if len(done) < len(assignment.exercises):
                missing = ", ".join(e for e in assignment.exercises if e not in graded)
                raise ValueError(f"assignment {assignment.name!r} also has {missing}, which this run did not grade: "
                                 f"its column would hold part of its points; grade all of its exercises together")
            columns.append((one_line(assignment.name).strip(), done))
    if not columns:
        raise ValueError("no column to write: no exercise this run graded makes up a whole assignment")
    return columns


def _check_names(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if not name:
            raise ValueError("a gradebook column has an empty name")
        if name in seen:
            raise ValueError(f"two gradebook columns are named {name!r}: the LMS would put both on one grade item")
        seen.add(name)


def _points(report: ClassReport, exercises: list[str]) -> float:
    return sum(max((e.max_score for s in report.submissions for e in s.exercises if e.exercise == exercise), default=0.0)
               for exercise in exercises)


def _score(submission: SubmissionResult, exercises: list[str]) -> float:
    return sum(e.score for e in submission.exercises if e.exercise in exercises)


def _canvas(report: ClassReport, submissions: list[SubmissionResult], columns: list[tuple[str, list[str]]]) -> list[Row]:
    names = [name for name, _ in columns]
    _check_names(CANVAS_STUDENT_COLUMNS + names)
    for name in names:
        for read_only in CANVAS_READ_ONLY:
            if read_only in name:
                raise ValueError(f"Canvas would drop the column {name!r}: it takes any column whose name contains "
                                 f"{read_only!r} for its own read-only total; rename the assignment")
    rows = [CANVAS_STUDENT_COLUMNS + names,
            [CANVAS_POINTS_POSSIBLE, "", "", "", "", *[_number(_points(report, ex), "Points Possible", n) for n, ex in columns]]]
    for submission in submissions:
        person, who = _person(submission)
        ids = [_field(person.extra.get("canvas_id", "")), _field(person.student_id),
               _field(person.extra.get("sis_login_id", "")) or _field(person.login)]
        if not any(ids):
            raise ValueError(f"Canvas cannot tell who {who} is: the roster gives no Canvas ID (canvas_id), "
                             f"SIS User ID (student_id) or SIS Login ID (sis_login_id, login) for them")
        rows.append([_field(person.name) or _field(person.login), *ids, _field(person.section),
                     *[_number(_score(submission, ex), who, name) for name, ex in columns]])
    for position, label in enumerate(CANVAS_STUDENT_COLUMNS[1:4], start=1):
        _unique(rows[2:], position, label, submissions)
    return rows


def _moodle(report: ClassReport, submissions: list[SubmissionResult], columns: list[tuple[str, list[str]]],
            identifier: str | None) -> list[Row]:
    if identifier is None:
        identifier = next((field for field in ("email", "idnumber") if all(_moodle_id(s, field) for s in submissions)),
                          "username")
    if identifier not in MOODLE_IDENTIFIERS:
        raise ValueError(f"the moodle identifier must be one of {', '.join(MOODLE_IDENTIFIERS)}, not {identifier!r}")
    names = [name for name, _ in columns]
    _check_names([MOODLE_IDENTIFIERS[identifier], *names])
    possible = [_points(report, exercises) for _, exercises in columns]
    rows = [[MOODLE_IDENTIFIERS[identifier], *names]]
    for submission in submissions:
        _, who = _person(submission)
        key = _moodle_id(submission, identifier)
        if not key:
            raise ValueError(f"Moodle cannot tell who {who} is: the roster gives no {identifier} for them "
                             f"(choose another identifier, or complete the roster)")
        row = [key]
        for (name, exercises), points in zip(columns, possible):
            score = _number(_score(submission, exercises), who, name)
            # Compared as written, so a sum of thirds a float's breadth over its points still passes.
            if float(score) > float(_number(points, who, name)) or float(score) < 0:
                raise ValueError(f"{who} has {score} in {name!r}, outside 0 to {_number(points, who, name)}: "
                                 f"Moodle refuses a grade outside its item's range and then imports nothing")
            row.append(score)
        rows.append(row)
    _unique(rows[1:], 0, MOODLE_IDENTIFIERS[identifier], submissions)
    return rows


def _moodle_id(submission: SubmissionResult, identifier: str) -> str:
    person = submission.person
    assert person is not None
    extra = person.extra
    value = {"email": person.email, "idnumber": extra.get("idnumber") or person.student_id,
             "username": extra.get("username") or person.login}[identifier]
    return _field(value)


def _person(submission: SubmissionResult) -> tuple[Person, str]:
    """The roster person, and how a message names them."""
    person = submission.person
    assert person is not None
    name = _field(person.name)
    student = one_line(submission.student)
    return person, f"{student!r}" + (f" ({name})" if name and name != student else "")


def _unique(rows: list[Row], position: int, label: str, submissions: list[SubmissionResult]) -> None:
    """Refuse two rows with one identifier: the LMS would give both rows' grades to one student."""
    first: dict[str, int] = {}
    for index, row in enumerate(rows):
        value = row[position]
        if not value:
            continue
        if value in first:
            one, other = (_person(submissions[i])[1] for i in (first[value], index))
            raise ValueError(f"{one} and {other} have the same {label} ({value!r}): the LMS would give both rows to one student")
        first[value] = index


def _field(value: str) -> str:
    return one_line(value).strip()


def _number(value: float, who: str, column: str) -> str:
    """Up to four decimals with '.', never an exponent, never '-0'."""
    if not math.isfinite(value):
        raise ValueError(f"{who}: {column} is {value!r}, not a number (a grader error)")
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
