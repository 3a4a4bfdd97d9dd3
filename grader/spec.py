"""Assignment specs: what each exercise checks, its points, tolerances and limits.

One TOML file per exercise in `assignments/`, validated on load: a bad field is refused with
the file, the field and the bad value. grader.exercises then finds each check's kind and
validates its options.
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

Visibility = Literal["visible", "after_due_date", "hidden"]


class CheckSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Identifier of the check, unique within the exercise.")
    kind: str = Field(description="The check kind: a built-in one (README, 'Check kinds'), one the exercise's "
                                  "own ID.py declares, or 'ID:kind' from another exercise's file.")
    points: float = Field(ge=0, description="Points this check is worth.")
    description: str = Field("", description="What the check looks at, shown to students.")
    rtol: float | None = Field(None, ge=0, description="Relative tolerance (the kind's default when absent).")
    atol: float | None = Field(None, ge=0, description="Absolute tolerance (the kind's default when absent).")
    requires: list[str] = Field(default_factory=list, description="Checks that must pass for this one to earn points.")
    visibility: Visibility = Field("visible", description="Who sees this check's result.")
    options: dict[str, Any] = Field(default_factory=dict, description="The kind's settings, validated by its model.")


class KnownBug(BaseModel):
    """A mistake students make in this exercise, as a change to the reference: `grade mutants`
    grades it beside the operators' mutants, so the checks are shown to catch it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="A short name, shown in reports: 'early stop'.")
    find: str = Field(min_length=1, description="Text of the reference file, copied exactly; every occurrence is replaced.")
    replace: str = Field(description="What students write instead.")
    why: str = Field("", description="Where the bug comes from, for the instructor reading the report.")


class FairMutant(BaseModel):
    """Survivors of `grade mutants` that are fair: changes that do not alter what the exercise asks
    (a label's case, how often a loop reports its progress). They are listed with the reason and
    left out of the mutation score, as equivalent mutants are; a killed mutant stays killed."""

    model_config = ConfigDict(extra="forbid")

    line: str = Field("", description="Text of the reference's line the change is on (part of it): "
                                      "\"print(loop, \"; empty: any line.")
    operator: str = Field("", description="The operator, or the start of its name: 'mutmut/string'; empty: any.")
    why: str = Field(min_length=1, description="Why such a change is not a bug, for the report and README.")

    @model_validator(mode="after")
    def names_something(self) -> FairMutant:
        if not self.line and not self.operator:
            raise ValueError("a fair rule needs a line or an operator (or both): it would make every survivor fair")
        return self


class ExerciseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Exercise id: the stem of the course's file name.")
    title: str = Field("", description="One line shown in reports.")
    files: list[str] = Field(min_length=1, description="Accepted file names, the course's first, then aliases.")
    kind: Literal["module", "script", "deferred"] = Field(
        description="module: imported; script: run as __main__ before the probes; deferred: the probes run it.")
    needs: list[str] = Field(default_factory=list, description="Other exercises whose files must sit beside it (net1 needs net).")
    timeout: float = Field(30, gt=0, le=3600, description="Wall-clock seconds for one submission's run of this exercise.")
    call_timeout: float = Field(10, gt=0, le=3600, description="Seconds for each check's probe.")
    memory_mb: int = Field(4096, ge=1024, description="Address-space cap of the child in MiB (torch needs about 700).")
    device: Literal["cpu", "auto"] = Field("cpu", description="auto: run on CUDA when the grader is given one.")
    checks: list[CheckSpec] = Field(min_length=1)
    bugs: list[KnownBug] = Field(default_factory=list, description="Known student bugs, graded by `grade mutants`.")
    fair: list[FairMutant] = Field(default_factory=list, description="Survivors of `grade mutants` that are not bugs, and why.")
    notebook_skip_tags: list[str] = Field(["skip"], description="Cells of a notebook submission tagged with one of these are "
                                                                "left out of the exercise's program (Colab-only set-up, plots).")
    _kinds: dict[str, Any] = PrivateAttr(default_factory=dict)
    _keys: dict[str, str] = PrivateAttr(default_factory=dict)
    _code: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def kinds(self) -> dict[str, Any]:
        """Check name → its kind (grader.kinds.base.Kind), set by grader.exercises when loaded."""
        return self._kinds

    @property
    def keys(self) -> dict[str, str]:
        """Check name → the name its kind is found by again ("api", "gd:df")."""
        return self._keys

    @property
    def code(self) -> dict[str, str]:
        """Exercise id → source of the instructor's files this exercise's kinds come from."""
        return self._code

    @model_validator(mode="after")
    def consistent(self) -> ExerciseSpec:
        names = [check.name for check in self.checks]
        duplicated = {name for name in names if names.count(name) > 1}
        if duplicated:
            raise ValueError(f"check names must be unique; repeated: {sorted(duplicated)}")
        for check in self.checks:
            unknown = [name for name in check.requires if name not in names]
            if unknown:
                raise ValueError(f"check {check.name!r} requires unknown checks {unknown}; known: {names}")
        return self

    @property
    def max_score(self) -> float:
        return sum(check.points for check in self.checks)

    @property
    def graded_score(self) -> float:
        """The points the grader gives itself: all but those of `manual` checks, which a person gives."""
        return sum(check.points for check in self.checks if check.kind != "manual")


class SpecError(Exception):
    """An assignment spec that cannot be used; the message names the file and the field."""


def load_spec(path: Path) -> ExerciseSpec:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SpecError(f"{path}: {error}") from None
    try:
        spec = ExerciseSpec.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']} (got {problem.get('input')!r})"
            for problem in error.errors()
        )
        raise SpecError(f"{path}: {problems}") from None
    if spec.id != path.stem:
        raise SpecError(f"{path}: id {spec.id!r} must match the file name {path.stem!r}")
    return spec


