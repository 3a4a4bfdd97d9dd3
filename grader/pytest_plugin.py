"""pytest plugin: each check of each exercise present in a student's repository becomes a test
item with its points, graded through the same sandbox as `grade .`.

    pytest -p grader.pytest_plugin            # or, in pytest.ini: addopts = -p grader.pytest_plugin

The first item to run grades the whole repository once; every item then reports its check:
passed, failed with the student-facing message, or skipped. Points are the items'
user_properties (score, max_score), which `--junitxml` writes as properties.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.cli import PROJECT
from grader.engine import Grader, Options
from grader.exercises import load_specs
from grader.report import ClassReport
from grader.spec import ExerciseSpec

SPECS = load_specs(PROJECT / "assignments")
BY_FILE_NAME = {name: spec for spec in SPECS for name in spec.files}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("numgrader")
    group.addoption("--grader-seed", type=int, default=None, help="seed of the grader's random inputs")
    group.addoption("--grader-workers", type=int, default=1, help="warm workers for the grading run")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ExerciseFile | None:
    spec = BY_FILE_NAME.get(file_path.name)
    if spec is None or PROJECT in file_path.resolve().parents:
        return None       # not an exercise, or the grader's own reference/ and examples
    return ExerciseFile.from_parent(parent, path=file_path, spec=spec)


class ExerciseFile(pytest.File):
    def __init__(self, *, spec: ExerciseSpec, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec

    def collect(self) -> Iterator[CheckItem]:
        for check in self.spec.checks:
            yield CheckItem.from_parent(self, name=f"{self.spec.id}.{check.name}", spec=self.spec, check=check.name)


class CheckFailed(Exception):
    """A check the student's code did not pass; its message is the report."""


class CheckItem(pytest.Item):
    def __init__(self, *, spec: ExerciseSpec, check: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.spec, self.check = spec, check
        points = next(c.points for c in spec.checks if c.name == check)
        self.user_properties.append(("max_score", points))

    def runtest(self) -> None:
        report = graded(self.config)
        [submission] = report.submissions
        exercise = next(e for e in submission.exercises if e.exercise == self.spec.id)
        if exercise.file and Path(self.path).resolve() != (Path(submission.path).resolve() / exercise.file).resolve():
            pytest.skip(f"{exercise.file} is the file graded for {self.spec.id}")
        result = next((c for c in exercise.checks if c.name == self.check), None)
        if result is None:
            self.user_properties.append(("score", 0))
            raise CheckFailed(f"{exercise.status}: {exercise.message}")
        self.user_properties.append(("score", result.score))
        if result.status == "skipped":
            pytest.skip(result.message)
        if result.status != "passed":
            raise CheckFailed(f"[{result.status}] {result.score:g}/{result.max_score:g} points: {result.message}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, None, str]:
        return self.path, None, f"{self.spec.id}.{self.check}"


_GRADED = pytest.StashKey[ClassReport]()


def graded(config: pytest.Config) -> ClassReport:
    """Grade the repository once per session, as `grade .` would (the exercises present only)."""
    if _GRADED not in config.stash:
        root = Path(config.rootpath)
        options = Options(seed=config.getoption("--grader-seed"), workers=config.getoption("--grader-workers"),
                          mode="single")
        config.stash[_GRADED] = Grader(SPECS, PROJECT / "reference", options).grade(root)
    return config.stash[_GRADED]
