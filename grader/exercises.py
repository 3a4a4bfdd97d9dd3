"""Exercises as data: each `assignments/ID.toml` with, where TOML is not enough, the instructor's
`assignments/ID.py` of probes and judges (grader.authoring). The engine knows no exercise: it
asks this module which kind judges each check.

A check's `kind` names a built-in kind (grader.kinds.BUILTIN), one its own ID.py declares, or
one another exercise's file declares (`"net:rerun"`). Its options are validated with that
kind's model when the spec loads: an unknown or mistyped option is refused, naming the file,
the check, the option and the value.

The instructor's files run in the grading process only (and in a Dask worker that drives an
item, which receives their source with the item); the child that holds student code never
imports them and cannot read them.
"""
from __future__ import annotations

import hashlib
import sys
import threading
import traceback
import types
from pathlib import Path

from pydantic import ValidationError

from grader import authoring
from grader.driver import Item, Probe
from grader.kinds import BUILTIN
from grader.kinds.base import Kind
from grader.spec import ExerciseSpec, SpecError, load_spec

COURSE_FILE = "course.toml"
_loaded: dict[str, dict[str, Kind]] = {}
_lock = threading.Lock()


def declared(exercise: str, source: str, where: str = "") -> dict[str, Kind]:
    """The kinds an instructor's file declares, by name; executed once per distinct source."""
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    with _lock:
        if digest in _loaded:
            return _loaded[digest]
        where = where or f"assignments/{exercise}.py"
        name = f"numgrader_assignment_{exercise}_{digest[:12]}"
        module = types.ModuleType(name)
        module.__file__ = where
        sys.modules[name] = module
        try:
            with authoring.collecting() as parts:
                exec(compile(source, where, "exec"), module.__dict__)
            kinds = authoring.declared_kinds(parts, where)
        except SyntaxError as error:
            del sys.modules[name]
            raise SpecError(f"{where}, line {error.lineno}: {error.msg} — fix the instructor's test file") from None
        except Exception as error:  # noqa: BLE001 - an instructor's file may raise anything on load
            del sys.modules[name]
            frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == where]
            line = f", line {frames[-1].lineno}" if frames else ""
            raise SpecError(f"{where}{line}: {type(error).__name__}: {error} — fix the instructor's test file") from None
        _loaded[digest] = kinds
        return kinds


def resolve(spec: ExerciseSpec, folder: Path, path: Path) -> None:
    """Find each check's kind, validate its options, and remember the instructor files it needs."""
    sources: dict[str, str] = {}

    def source(exercise: str) -> str | None:
        if exercise not in sources:
            file = folder / f"{exercise}.py"
            try:
                sources[exercise] = file.read_text(encoding="utf-8") if file.is_file() else ""
            except (OSError, UnicodeDecodeError) as error:
                raise SpecError(f"{file}: {error}") from None
        return sources[exercise] or None

    own = source(spec.id)
    own_kinds = declared(spec.id, own, str(folder / f"{spec.id}.py")) if own else {}
    for check in spec.checks:
        where = f"{path}: check {check.name!r}"
        owner, _, name = check.kind.rpartition(":")
        if owner:
            code = source(owner)
            if code is None:
                raise SpecError(f"{where}: kind {check.kind!r} names {folder / (owner + '.py')}, which does not exist")
            kinds = declared(owner, code, str(folder / f"{owner}.py"))
            if name not in kinds:
                raise SpecError(f"{where}: {owner}.py declares no kind {name!r}; it declares {sorted(kinds)}")
            kind, key = kinds[name], check.kind
            spec.code[owner] = code
        elif name in own_kinds:
            kind, key = own_kinds[name], f"{spec.id}:{name}"
            spec.code[spec.id] = own or ""
        elif name in BUILTIN:
            kind, key = BUILTIN[name], name
        else:
            local = f"; {spec.id}.py declares {sorted(own_kinds)}" if own_kinds else ""
            raise SpecError(f"{where}: unknown kind {check.kind!r}; built-in kinds: {', '.join(sorted(BUILTIN))}{local}")
        try:
            kind.Options.model_validate(check.options)
        except ValidationError as error:
            problems = "; ".join(
                f"option {'.'.join(str(part) for part in problem['loc']) or '(all)'}: {problem['msg']} "
                f"(got {problem.get('input')!r})" for problem in error.errors())
            raise SpecError(f"{where} (kind {check.kind!r}): {problems}") from None
        spec.kinds[check.name], spec.keys[check.name] = kind, key


def load_specs(folder: Path) -> list[ExerciseSpec]:
    """Every exercise of `folder`, its kinds resolved and its options validated."""
    paths = sorted(path for path in folder.glob("*.toml") if path.name != COURSE_FILE)   # the course's dates, not an exercise
    if not paths:
        raise SpecError(f"{folder}: no assignment specs (*.toml) found")
    specs = []
    for path in paths:
        spec = load_spec(path)
        resolve(spec, folder, path)
        specs.append(spec)
    return specs


def probes(item: Item) -> dict[str, Probe]:
    """The kinds an item's calls ask with, found again from the item alone (on a Dask worker too)."""
    found: dict[str, Probe] = {}
    for call in item.calls:
        owner, _, name = call.probe.rpartition(":")
        found[call.probe] = declared(owner, item.code[owner])[name] if owner else BUILTIN[name]
    return found
