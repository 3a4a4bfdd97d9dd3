"""Course records: a graded class turned into the grades that reach the gradebook. After the
grader's run (and the cache's: nothing here is cached, so a regrade applies it all again):

1. the roster names each submission's person; a roster student with no submission is a row of
   zeros, handed_in false; a submission the roster does not name is listed (never dropped);
2. the overrides of a check set or move its points (a manual check's, say), marked as a person's;
3. each exercise in one of the course file's assignments is weighed against its due date, the
   student's extension and the late policy (grader.course), at the time it was handed in
   (grader.times): the score after the penalty is the score, the raw one kept beside it;
4. the overrides of a whole exercise set or move its points last: a person's decision about
   the grade (late work accepted by email) is not penalised again.
"""
from __future__ import annotations

from datetime import timezone
from pathlib import Path

from grader.course import Course
from grader.report import Assignment, CheckResult, ClassReport, ExerciseResult, Late, Manual, Person, SubmissionResult
from grader.roster import Override
from grader.spec import ExerciseSpec
from grader.times import handed_in


def apply(report: ClassReport, specs: list[ExerciseSpec], roster: dict[str, Person] | None = None,
          overrides: list[Override] | None = None, course: Course | None = None, alone: bool = False,
          late: bool = True) -> None:
    """Everything above, in place, in that order; the totals summed again."""
    if roster is not None:
        name(report, specs, roster, alone)
    for override in overrides or []:
        if override.check is not None:
            mark(report, override)
    if course is not None:
        report.assignments = [Assignment(name=a.name, exercises=a.exercises, due=course.aware(a.due))
                              for a in course.spec.assignments]
        outside = [e for e in report.exercises if course.assignment(e) is None]
        if outside and course.spec.assignments:
            report.notices.append(f"in no assignment of {course.path.name}, so without a due date or a column in an LMS "
                                  f"gradebook: {', '.join(outside)}")
        for submission in report.submissions:
            if submission.handed_in and late:
                weigh(submission, course, alone)
    for override in overrides or []:
        if override.check is None:
            mark(report, override)
    for submission in report.submissions:
        submission.score = round(sum(e.score for e in submission.exercises), 6)


def classroom_clone(folder: str, roster: dict[str, Person]) -> Person | None:
    """GitHub Classroom clones a student's repository as ASSIGNMENT-USERNAME: the one roster login it ends with."""
    found = [person for login, person in roster.items() if folder.endswith("-" + login)]
    return found[0] if len(found) == 1 else None


def name(report: ClassReport, specs: list[ExerciseSpec], roster: dict[str, Person], alone: bool) -> None:
    graded = {spec.id: spec for spec in specs if spec.id in report.exercises}
    for submission in report.submissions:
        submission.person = roster.get(submission.student) or classroom_clone(submission.student, roster)
        if submission.person is None:
            report.not_on_roster.append(submission.student)
    if report.not_on_roster:
        report.notices.append(f"not on the roster, so without a name or id in the gradebook: {', '.join(report.not_on_roster)}")
    if alone:
        return                                       # one student's run (Gradescope, grade .): not the class's gradebook
    present = {submission.person.login for submission in report.submissions if submission.person}
    for login, person in roster.items():
        if login not in present:
            report.submissions.append(SubmissionResult(
                student=login, path="", person=person, handed_in=False, score=0.0,
                max_score=sum(spec.max_score for spec in graded.values()), warnings=["no submission found"],
                exercises=[ExerciseResult(exercise=spec.id, status="missing", score=0.0, max_score=spec.max_score,
                                          message="no submission") for spec in graded.values()]))


def mark(report: ClassReport, override: Override) -> None:
    found = next((s for s in report.submissions if s.student == override.student
                  or (s.person is not None and s.person.login == override.student)), None)
    result = next((e for e in found.exercises if e.exercise == override.exercise), None) if found else None
    if result is None:
        report.notices.append(f"{override.mark.source}: {override.student} has no result for {override.exercise} "
                              "in this run (not graded with --exercise?): the override was not applied")
        return
    if override.check is None:
        result.score = round(moved(result.score, override.mark, result.max_score), 6)
        result.manual = override.mark
        return
    check = next((c for c in result.checks if c.name == override.check), None)
    if check is None:
        report.notices.append(f"{override.mark.source}: {override.student}'s {override.exercise} has no result for "
                              f"{override.check} (it was {result.status}): give the exercise's points instead")
        return
    set_check(check, override.mark)
    result.score = round(sum(c.score for c in result.checks), 6)


def moved(score: float, mark: Manual, top: float) -> float:
    return mark.points if mark.points is not None else min(top, max(0.0, score + (mark.delta or 0.0)))


def set_check(check: CheckResult, mark: Manual) -> None:
    check.score = round(moved(check.score, mark, check.max_score), 6)
    check.status = "passed" if check.score >= check.max_score else "failed"
    check.manual = mark
    said = f": {mark.comment}" if mark.comment else ""
    check.message = f"marked by {mark.by or 'hand'}{said}" + (f" (the grader said: {check.message})" if check.message
                                                              and not check.message.startswith("marked by hand") else "")


def weigh(submission: SubmissionResult, course: Course, alone: bool) -> None:
    """Each exercise of the submission against its assignment's due date."""
    due_now = [e for e in submission.exercises if e.status != "missing" and e.file and course.assignment(e.exercise)]
    if not due_now:
        return
    times = handed_in(Path(submission.path), sorted({e.file for e in due_now if e.file}), course.zone, alone)
    for result in due_now:
        assignment = course.assignment(result.exercise)
        assert assignment is not None and result.file is not None
        moment, source, warning = times[result.file]
        if warning:
            result.warnings.append(warning)
        if moment is None:
            continue
        due, last, extension = course.due(assignment, submission.person.login if submission.person else submission.student)
        policy = course.policy(assignment)
        # In UTC: two times of one zone are subtracted and compared on the wall clock, a DST change's hour lost
        at = moment.astimezone(timezone.utc)
        hours = max(0.0, (at - due.astimezone(timezone.utc)).total_seconds() / 3600)
        accepted = last is None or at <= last.astimezone(timezone.utc)
        penalty = policy.penalty(hours) if accepted else 100.0
        after = round(result.score * (1 - penalty / 100), 6)
        result.late = Late(submitted_at=moment, source=source, due=due, extension=extension, hours_late=round(hours, 3),
                           penalty=penalty, accepted=accepted, raw_score=result.score, score=after, policy=policy.words())
        result.score = after
        if not accepted and last is not None:
            result.warnings.append(f"handed in {moment.isoformat(timespec='minutes')} ({source}), after the last accepted "
                                   f"date {last.isoformat(timespec='minutes')}: not accepted, no points")
        elif penalty:
            result.warnings.append(f"handed in {hours:.1f} hours after the due date {due.isoformat(timespec='minutes')} "
                                   f"({source}): {penalty:g}% off ({policy.words()})")
