"""The people around the scores: the roster (`--roster FILE`) and the points a person gives
(`--overrides FILE`). Both are files an instructor keeps, so a regrade applies them again.

Roster: CSV with a header. The key column (the submission's folder or zip name, or the GitHub
username of a classroom repository) is the first of `login`, `folder`, `github`, `github_username`,
`username`, `sis_login_id`, `student`; then `name` (or `first_name` and `last_name`), `student_id`
(or `sis_user_id`, or `id`), `email`, `section`. In a roster made from Canvas's export, `ID` is
Canvas's own user id: kept as `canvas_id`, which the Canvas gradebook writes back. Column names are read without regard to case or spaces;
every other column is kept as it is.

Overrides: CSV (`student,exercise,points,delta,comment,by`) or TOML (`[[override]]` tables with
the same keys). `exercise` is `net` (the exercise's points) or `net.backward` (one check's);
`points` sets them, `delta` adds to the grader's. A row naming an unknown student, exercise or
check is an error naming the file and line.
"""
from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.report import Manual, Person
from grader.spec import ExerciseSpec, SpecError

KEYS = ("login", "folder", "github", "github_username", "username", "sis_login_id", "student")
IDS = ("student_id", "sis_user_id", "id")


def column(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line, row by normalised column name), for a CSV with a header."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as source:
            reader = csv.DictReader(source)
            rows = [(reader.line_num, {column(k): (v or "").strip() for k, v in row.items() if k is not None})
                    for row in reader]
            return rows
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise SpecError(f"{path}: {error} (a CSV file in UTF-8 with a header row)") from None


def read_roster(path: Path) -> dict[str, Person]:
    """The roster's people by their key (login)."""
    rows = read_rows(path)
    names = set().union(*(row.keys() for _, row in rows)) if rows else set()
    key = next((k for k in KEYS if k in names), None)
    if key is None:
        raise SpecError(f"{path}: no key column; name one of {', '.join(KEYS)} (the submission's folder or GitHub username)")
    people: dict[str, Person] = {}
    known = {key, "name", "first_name", "last_name", "email", "section", "sis_login_id", "student", *IDS}
    for line, row in rows:
        if "points possible" in " ".join(row.values()).lower() or row.get("student") == "Student, Test":
            continue                                    # Canvas's export: its points row and its test student
        login = row.get(key, "")
        if not login:
            raise SpecError(f"{path}, line {line}: the {key} column is empty")
        if login in people:
            raise SpecError(f"{path}, line {line}: {login!r} is on the roster twice")
        name = row.get("name") or " ".join(part for part in (row.get("first_name", ""), row.get("last_name", "")) if part) \
            or (row.get("student", "") if key != "student" else "")          # Canvas's export: Student is "Last, First"
        extra = {k: v for k, v in row.items() if k not in known}
        if row.get("sis_user_id") and row.get("id"):
            extra["canvas_id"] = row["id"]                  # Canvas's export: ID is its user id, not the school's
        if key != "sis_login_id" and row.get("sis_login_id"):
            extra["sis_login_id"] = row["sis_login_id"]
        people[login] = Person(login=login, name=name, student_id=next((row[i] for i in IDS if row.get(i)), ""),
                               email=row.get("email", ""), section=row.get("section", ""), extra=extra)
    return people


@dataclass
class Override:
    student: str
    exercise: str
    check: str | None
    mark: Manual


def read_overrides(path: Path, students: set[str] | None, specs: list[ExerciseSpec]) -> list[Override]:
    """The overrides, each checked against the students (None: not known here) and the specs."""
    if path.suffix == ".toml":
        try:
            tables = tomllib.loads(path.read_text(encoding="utf-8")).get("override", [])
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise SpecError(f"{path}: {error}") from None
        if not isinstance(tables, list):
            raise SpecError(f"{path}: overrides are [[override]] tables")
        rows = [(number, {column(k): str(v).strip() for k, v in table.items()}) for number, table in enumerate(tables, 1)]
        where = "override"
    else:
        rows, where = read_rows(path), "line"
    checks = {spec.id: {check.name: check.points for check in spec.checks} for spec in specs}
    found: list[Override] = []
    for number, row in rows:
        at = f"{path}, {where} {number}"
        student, target = row.get("student", ""), row.get("exercise", "")
        if not student or students is not None and student not in students:
            raise SpecError(f"{at}: unknown student {student!r}: not a submission of this class nor on the roster")
        exercise, _, check = target.partition(".")
        if exercise not in checks:
            raise SpecError(f"{at}: unknown exercise {exercise!r}; known: {', '.join(sorted(checks))}")
        if check and check not in checks[exercise]:
            raise SpecError(f"{at}: {exercise} has no check {check!r}; its checks: {', '.join(checks[exercise])}")
        points, delta = row.get("points", ""), row.get("delta", "")
        if bool(points) == bool(delta):
            raise SpecError(f"{at}: give either points (set) or delta (added), not {'both' if points else 'neither'}")
        try:
            value = float(points or delta)
        except ValueError:
            raise SpecError(f"{at}: {points or delta!r} is not a number") from None
        top = checks[exercise][check] if check else sum(checks[exercise].values())
        if points and not 0 <= value <= top:
            raise SpecError(f"{at}: {value:g} points for {target}, which is worth {top:g}")
        if any(o.student == student and o.exercise == exercise and o.check == (check or None) for o in found):
            raise SpecError(f"{at}: a second override of {target} for {student}: keep one (a delta of their sum)")
        found.append(Override(student, exercise, check or None, Manual(
            points=value if points else None, delta=value if delta else None, by=row.get("by", ""),
            comment=row.get("comment", ""), source=at)))
    return found
