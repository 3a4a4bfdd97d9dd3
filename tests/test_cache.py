"""Incremental regrade: an unchanged class is reused from the SQLite cache, a changed student is
regraded alone, and a corrupted or locked cache is reported and bypassed, never fatal."""
import math
import sqlite3

import pytest
from conftest import grade, reference_source, write

REF_GD = reference_source("gd.py")


@pytest.fixture
def classroom(tmp_path):
    write(tmp_path / "class" / "ann", {"gd.py": REF_GD})
    write(tmp_path / "class" / "ben", {"gd.py": REF_GD.replace("return (f(p1) - f(p)) / step", "return 0.0")})
    return tmp_path / "class"


@pytest.fixture
def gd_only(specs):
    return [spec for spec in specs if spec.id == "gd"]


def scores(report):
    return {s.student: [(e.exercise, e.score, e.status, [c.message for c in e.checks]) for e in s.exercises]
            for s in report.submissions}


def cached(report):
    return {s.student: all(e.cached for e in s.exercises) for s in report.submissions}


def test_unchanged_class_is_reused_and_a_changed_student_regraded_alone(classroom, gd_only, tmp_path):
    cache = tmp_path / "cache.sqlite"
    first = grade(classroom, gd_only, cache=cache)
    assert cached(first) == {"ann": False, "ben": False}
    second = grade(classroom, gd_only, cache=cache)
    assert cached(second) == {"ann": True, "ben": True}
    assert scores(second) == scores(first)
    (classroom / "ben" / "gd.py").write_text(REF_GD + "\n# fixed by ben\n")
    third = grade(classroom, gd_only, cache=cache)
    assert cached(third) == {"ann": True, "ben": False}
    assert third.submissions[1].score == third.submissions[1].max_score


def test_another_seed_is_graded_again(classroom, gd_only, tmp_path):
    cache = tmp_path / "cache.sqlite"
    grade(classroom, gd_only, cache=cache, seed=1)
    assert cached(grade(classroom, gd_only, cache=cache, seed=2)) == {"ann": False, "ben": False}


def test_corrupted_cache_is_reported_and_bypassed(classroom, gd_only, tmp_path):
    cache = tmp_path / "cache.sqlite"
    cache.write_bytes(b"this is not a database" * 100)
    report = grade(classroom, gd_only, cache=cache)
    assert any("cannot be" in notice and str(cache) in notice for notice in report.notices)
    assert report.submissions[0].score == report.submissions[0].max_score
    assert not report.errors


def test_locked_cache_is_reported_and_bypassed(classroom, gd_only, tmp_path):
    cache = tmp_path / "cache.sqlite"
    grade(classroom, gd_only, cache=cache, seed=1)
    holder = sqlite3.connect(cache)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        report = grade(classroom, gd_only, cache=cache, seed=2)
    finally:
        holder.rollback()
        holder.close()
    assert any("cannot be" in notice for notice in report.notices)
    assert [s.score for s in report.submissions] == [9, 0]      # ben: df returns 0; the api alone earns nothing


def test_results_of_other_grader_code_are_not_reused(classroom, gd_only, tmp_path, monkeypatch):
    from grader import engine

    cache = tmp_path / "cache.sqlite"
    grade(classroom, gd_only, cache=cache)
    monkeypatch.setattr(engine, "grader_fingerprint", lambda: "0.1.0+patched-probes")
    assert cached(grade(classroom, gd_only, cache=cache)) == {"ann": False, "ben": False}


def test_results_judged_by_another_version_of_the_instructors_file_are_not_reused(classroom, tmp_path):
    import shutil

    from conftest import ROOT

    from grader.exercises import load_specs

    assignments = tmp_path / "assignments"
    assignments.mkdir()
    for name in ("gd.toml", "gd.py"):
        shutil.copy(ROOT / "assignments" / name, assignments / name)
    cache = tmp_path / "cache.sqlite"
    grade(classroom, load_specs(assignments), cache=cache)
    assert cached(grade(classroom, load_specs(assignments), cache=cache)) == {"ann": True, "ben": True}
    code = assignments / "gd.py"
    code.write_text(code.read_text() + "\n# the instructor changed a judge\n")
    assert cached(grade(classroom, load_specs(assignments), cache=cache)) == {"ann": False, "ben": False}


def test_a_result_whose_plot_is_not_finite_is_reused_too(tmp_path, gd_only):
    # A descent that diverges (a sum where the quotient's difference belongs) leaves inf in its plot;
    # JSON writes it as null: read back, it must still be a result, not something to grade again.
    diverging = REF_GD.replace("return (f(p1) - f(p)) / step", "return (f(p1) + f(p)) / step")
    write(tmp_path / "class" / "cid", {"gd.py": diverging})
    cache = tmp_path / "cache.sqlite"
    first = grade(tmp_path / "class", gd_only, cache=cache)
    plots = [check.plot for e in first.submissions[0].exercises for check in e.checks if check.plot is not None]
    assert any(not math.isfinite(value) for plot in plots for series in plot.series for value in series.y)
    again = grade(tmp_path / "class", gd_only, cache=cache)
    assert cached(again) == {"cid": True}
    assert scores(again) == scores(first)
