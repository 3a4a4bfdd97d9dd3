"""The course file (`assignments/course.toml`): each group of exercises with its due date, late
policy and last accepted date; the extensions file beside it; and what lateness costs.

    timezone = "Asia/Taipei"
    extensions = "extensions.csv"        # optional, relative to this file

    [late]                                # the course's policy; an assignment may change any part
    percent = 10                          # taken off per day (or hour) late, started ones counted
    per = "day"                           # or "hour"
    grace_minutes = 15
    cap = 50                              # never more than this percent

    [[assignments]]
    name = "Week 13"                      # the LMS's name for it (Canvas: "Week 13 (12345)" with its id)
    exercises = ["ex1", "ex2", "ex3"]     # exercise ids
    due = 2026-12-06T23:59:00             # local time in `timezone`, or with its own offset
    last = 2026-12-13T23:59:00            # nothing is accepted after it (optional)

The extensions file is CSV with a header: `student` (the roster's login: folder or GitHub name),
`assignment` (its name; empty: every one), and `due` (a new due date) or `days` (days added).
"""
from __future__ import annotations

import csv
import math
import tomllib
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from grader.spec import SpecError


class LatePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    percent: float = Field(0, ge=0, le=100, description="Percent of the points taken off per day (or hour) late.")
    per: Literal["day", "hour"] = Field("day", description="The unit; a started one counts whole.")
    grace_minutes: float = Field(0, ge=0, description="Minutes after the due date that cost nothing.")
    cap: float = Field(100, ge=0, le=100, description="Never more than this percent taken off.")

    def words(self) -> str:
        if not self.percent:
            return "no penalty for lateness"
        grace = f", {self.grace_minutes:g} minutes' grace" if self.grace_minutes else ""
        cap = f", at most {self.cap:g}%" if self.cap < 100 else ""
        return f"{self.percent:g}% per {self.per} late (a started {self.per} counts){grace}{cap}"

    def penalty(self, hours: float) -> float:
        """Percent taken off for handing in `hours` after the due date."""
        if hours * 60 <= self.grace_minutes:
            return 0.0
        units = math.ceil(hours / (24 if self.per == "day" else 1) - 1e-9)
        return min(self.cap, self.percent * units)


class AssignmentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="The LMS's name for it: one gradebook column.")
    exercises: list[str] = Field(min_length=1, description="Exercise ids graded under this due date.")
    due: datetime = Field(description="Due date: local time in the course's timezone, or with an offset.")
    last: datetime | None = Field(None, description="Last accepted date: after it the exercises earn nothing.")
    late: dict[str, object] = Field(default_factory=dict, description="Changes to the course's late policy for this one.")

    @field_validator("due", "last", mode="before")
    @classmethod
    def a_time(cls, value: object) -> object:
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime(value.year, value.month, value.day, 23, 59, 59)     # a date alone: its end
        return value


class CourseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: str = Field("UTC", description="IANA zone the dates without an offset are in, e.g. 'Asia/Taipei'.")
    extensions: str | None = Field(None, description="The extensions CSV, relative to the course file.")
    late: LatePolicy = Field(default_factory=LatePolicy)
    assignments: list[AssignmentSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def consistent(self) -> CourseFile:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {self.timezone!r}: use an IANA name such as 'Asia/Taipei' or 'UTC'") from None
        names = [a.name for a in self.assignments]
        exercises = [e for a in self.assignments for e in a.exercises]
        for what, items in (("assignment name", names), ("exercise", exercises)):
            twice = sorted({item for item in items if items.count(item) > 1})
            if twice:
                raise ValueError(f"each {what} may appear once; repeated: {twice}")
        return self


class Extension(BaseModel):
    student: str
    assignment: str = Field("", description="Its name; empty: every assignment.")
    due: datetime | None = None
    days: float | None = None
    source: str = Field(description="The file and line, for messages.")

    def words(self) -> str:
        return f"until {self.due.isoformat(timespec='minutes')}" if self.due else f"{self.days:g} more days"


class Course:
    """The course file read and checked against the exercises, with its extensions."""

    def __init__(self, spec: CourseFile, zone: tzinfo, extensions: list[Extension], path: Path) -> None:
        self.spec, self.zone, self.extensions, self.path = spec, zone, extensions, path

    def assignment(self, exercise: str) -> AssignmentSpec | None:
        return next((a for a in self.spec.assignments if exercise in a.exercises), None)

    def policy(self, assignment: AssignmentSpec) -> LatePolicy:
        return LatePolicy.model_validate(self.spec.late.model_dump() | assignment.late)

    def aware(self, moment: datetime) -> datetime:
        return moment if moment.tzinfo else moment.replace(tzinfo=self.zone)

    def due(self, assignment: AssignmentSpec, student: str) -> tuple[datetime, datetime | None, str]:
        """(due date, last accepted date, the extension in words) for this student."""
        due, last = self.aware(assignment.due), self.aware(assignment.last) if assignment.last else None
        given = [e for e in self.extensions if e.student == student and e.assignment in ("", assignment.name)]
        if not given:
            return due, last, ""
        extension = next((e for e in given if e.assignment), given[0])      # one for this assignment wins
        moved = self.aware(extension.due) if extension.due else due + timedelta(days=extension.days or 0)
        if last is not None:
            last = max(last, last + (moved - due))                           # an extension moves the last date too
        return moved, last, extension.words()


def load_course(path: Path, exercises: set[str], students: set[str] | None = None) -> Course:
    """The course file and its extensions; SpecError naming the file (and line) when wrong.
    `students`: who may have an extension (the class's submissions and the roster), when known."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        spec = CourseFile.model_validate(data)
        for assignment in spec.assignments:
            LatePolicy.model_validate(spec.late.model_dump() | assignment.late)
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(f"{path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: not valid TOML ({error})") from None
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(all)'}: {e['msg']}" for e in error.errors())
        raise SpecError(f"{path}: {problems}") from None
    unknown = sorted({e for a in spec.assignments for e in a.exercises} - exercises)
    if unknown:
        raise SpecError(f"{path}: unknown exercise(s) {unknown}; known: {', '.join(sorted(exercises))}")
    zone = ZoneInfo(spec.timezone)
    extensions = read_extensions(path.parent / spec.extensions, {a.name for a in spec.assignments}, students) \
        if spec.extensions else []
    return Course(spec, zone, extensions, path)


def read_extensions(path: Path, assignments: set[str], students: set[str] | None = None) -> list[Extension]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as source:
            rows = list(csv.DictReader(source))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise SpecError(f"{path}: {error}") from None
    found: list[Extension] = []
    for number, row in enumerate(rows, start=2):
        where = f"{path}, line {number}"
        student, assignment = (row.get("student") or "").strip(), (row.get("assignment") or "").strip()
        due, days = (row.get("due") or "").strip(), (row.get("days") or "").strip()
        if not student:
            raise SpecError(f"{where}: no student (the columns are student, assignment, due or days)")
        if students is not None and student not in students:     # a misspelt name would leave the real student penalised
            raise SpecError(f"{where}: unknown student {student!r}: not a submission of this class nor on the roster")
        if any(e.student == student and e.assignment == assignment for e in found):
            raise SpecError(f"{where}: a second extension for {student} ({assignment or 'every assignment'}): keep one")
        if assignment and assignment not in assignments:
            raise SpecError(f"{where}: unknown assignment {assignment!r}; the course file has {sorted(assignments)}")
        if bool(due) == bool(days):
            raise SpecError(f"{where}: give either a new due date (due) or extra days (days), not {'both' if due else 'neither'}")
        try:
            found.append(Extension(student=student, assignment=assignment, source=where,
                                   due=datetime.fromisoformat(due) if due else None, days=float(days) if days else None))
        except ValueError as error:
            raise SpecError(f"{where}: {error} (dates as 2026-12-08 23:59, days as a number)") from None
    return found
