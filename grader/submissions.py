"""Find submissions and their exercise files; make the private copies the children work in.

A submission is a folder or a .zip. Exercise files are found by name at any depth, with the
course's aliases; the shallowest wins, and a .py before a notebook as deep. A notebook holds an
exercise when it is named for it or a cell is tagged for it (grader.notebooks): the program made
from its cells is written beside it in the private copy, under the exercise's file name. Sources
that are not UTF-8 (Big5/CP950, GBK) are decoded and written to the private copy as UTF-8, with a
warning. Nothing on disk is changed.
"""
from __future__ import annotations

import re
import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from grader.notebooks import Notebook, NotebookError, Program, holds, program, read
from grader.spec import ExerciseSpec

IGNORED_PARTS = {"__MACOSX", "__pycache__", ".git", ".venv", "venv", "node_modules", ".ipynb_checkpoints"}
FALLBACK_ENCODINGS = ("cp950", "big5", "gbk", "gb18030")
MAX_ZIP_BYTES = 200 * 2**20
MAX_FILES = 5000
MAX_NOTEBOOKS = 50
# PEP 263 declarations in the first two lines: the private copy is UTF-8, so they must say so.
CODING_LINE = re.compile(r"^([ \t\f]*#.*?coding[:=][ \t]*)[-\w.]+", re.MULTILINE)


class SubmissionError(Exception):
    """A submission that cannot be read at all (a corrupt zip): reported, the class goes on."""


@dataclass
class Submission:
    student: str
    path: Path
    root: Path                                   # where its files are (an unpacked zip's folder)
    files: dict[str, Path] = field(default_factory=dict)       # exercise id -> file, relative to root
    warnings: list[str] = field(default_factory=list)
    exercise_warnings: dict[str, list[str]] = field(default_factory=dict)
    staged: Path | None = None                   # the UTF-8 copy every private box is copied from
    encoding_notes: dict[str, str] = field(default_factory=dict)   # file -> "was not UTF-8" warning
    only: set[str] | None = None                 # the exercises graded; the other files only sit beside (needs)
    programs: dict[str, Program] = field(default_factory=dict)  # exercise id -> its program made from a notebook

    def shown(self, exercise: str) -> str:
        """The file a student knows the exercise by: the notebook, not the program made from it."""
        made = self.programs.get(exercise)
        return str(made.notebook if made else self.files[exercise])

    def made(self) -> dict[Path, Program]:
        """The programs made from notebooks, by their path in the submission."""
        return {self.files[exercise]: made for exercise, made in self.programs.items()}

    def graded(self, exercise: str) -> bool:
        """Is this exercise graded for this submission (its file found, and not excluded)?"""
        return exercise in self.files and (self.only is None or exercise in self.only)

    def folder(self) -> Path:
        """The staged copy (made by `stage`, before anything reads it)."""
        if self.staged is None:
            raise SubmissionError(f"{self.student}: read before it was staged")
        return self.staged


def is_single(path: Path, specs: list[ExerciseSpec]) -> bool:
    """A path is one submission when it holds an exercise file itself or is a git checkout."""
    if path.is_file():
        return path.suffix == ".zip"
    names = {name for spec in specs for name in spec.files}
    return ((path / ".git").exists() or any((path / name).is_file() for name in names)
            or any(holds_any(notebook, specs) for notebook in sorted(path.glob("*.ipynb"))[:MAX_NOTEBOOKS]))


def holds_any(path: Path, specs: list[ExerciseSpec]) -> bool:
    """Is this notebook a student's (named or tagged for an exercise), not a teacher's notes beside the class?"""
    if not path.is_file() or path.is_symlink():
        return False
    if any(path.stem + ".py" in spec.files for spec in specs):
        return True
    try:
        notebook = read(path, Path(path.name))
    except NotebookError:
        return False
    return any(holds(notebook, spec) for spec in specs)


def list_submissions(path: Path, specs: list[ExerciseSpec], mode: str = "auto") -> list[Path]:
    single = is_single(path, specs) if mode == "auto" else mode == "single"
    if single:
        return [path]
    entries = [entry for entry in sorted(path.iterdir())
               if not entry.name.startswith(".") and entry.name not in IGNORED_PARTS
               and (entry.is_dir() or entry.suffix == ".zip")]
    return entries


def student_name(path: Path) -> str:
    """Who a submission is: a zip's name without .zip, a folder's name (bytes that are not UTF-8 as U+FFFD)."""
    return printable(path.stem if path.suffix == ".zip" else path.resolve().name)


def printable(name: str) -> str:
    """A file name as text every output can hold: the bytes a file system name has that are not
    UTF-8 (Python keeps them as lone surrogates, which no JSON or UTF-8 file can) as U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def opened(path: Path, student: str, into: Path, specs: list[ExerciseSpec]) -> Submission:
    """A submission with its exercise files found, a zip unpacked under `into` first;
    SubmissionError when it cannot be read."""
    root = unpack(path, into) if path.suffix == ".zip" else path
    submission = Submission(student=student, path=path, root=root)
    find_files(submission, specs)
    return submission


def sources(target: Path, specs: list[ExerciseSpec], mode: str, scratch: Path) -> dict[str, dict[str, str]]:
    """Each exercise's source text per student (a notebook's: the program made from it), read as
    grading reads them, zips unpacked under `scratch`; for comparing texts, never for running them.
    A submission that cannot be read is left out; a second one of the same name gets a suffix."""
    found: dict[str, dict[str, str]] = {spec.id: {} for spec in specs}
    taken: set[str] = set()
    for index, path in enumerate(list_submissions(target, specs, mode)):
        name = student = student_name(path)
        copies = 1
        while name in taken:
            copies += 1
            name = f"{student} [{copies}]"
        taken.add(name)
        try:
            submission = opened(path, name, scratch / f"unpacked-{index}", specs)
        except SubmissionError:
            continue
        root = submission.root
        for exercise, file in submission.files.items():
            made = submission.programs.get(exercise)
            try:
                found[exercise][name] = made.student_text() if made else decode((root / file).read_bytes())[0]
            except OSError:
                continue
    return found


def unpack(path: Path, into: Path) -> Path:
    """Extract a zip safely (no absolute paths, no '..', no links, bounded size); returns its root."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > MAX_FILES or sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                raise SubmissionError(f"{path.name}: too large to grade (over {MAX_FILES} files or "
                                      f"{MAX_ZIP_BYTES // 2**20} MiB unpacked)")
            for member in members:
                parts = Path(member.filename.replace("\\", "/")).parts
                if member.filename.startswith("/") or ".." in parts or any(p in IGNORED_PARTS for p in parts):
                    continue
                if stat.S_ISLNK(member.external_attr >> 16):
                    continue
                target = into.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        raise SubmissionError(f"{printable(path.name)}: not a readable zip ({error}); hand it in again") from None
    except (RuntimeError, NotImplementedError):     # zipfile's words for a password or a compression it lacks
        raise SubmissionError(f"{printable(path.name)}: encrypted, or compressed in a way zip tools rarely use; hand it in "
                              "again as a plain zip, without a password") from None
    children = [child for child in into.iterdir()]
    if len(children) == 1 and children[0].is_dir():   # everything wrapped in one top folder
        return children[0]
    return into


def find_files(submission: Submission, specs: list[ExerciseSpec]) -> None:
    """Locate each exercise's file at any depth; the shallowest candidate wins, with a warning.
    A notebook that holds the exercise is a candidate too, after a .py file as deep."""
    candidates: dict[str, list[tuple[Path, Notebook | None]]] = {spec.id: [] for spec in specs}
    names = {name: spec.id for spec in specs for name in spec.files}
    notebooks: list[Notebook] = []
    count = 0
    for path in sorted(submission.root.rglob("*")):
        if path.suffix not in (".py", ".ipynb"):
            continue
        relative = path.relative_to(submission.root)
        if any(part in IGNORED_PARTS or part.startswith(".") for part in relative.parts[:-1]) or path.is_symlink() \
                or not path.is_file():
            continue
        if printable(str(relative)) != str(relative):
            submission.warnings.append(f"{printable(str(relative))}: its name is not UTF-8 text, so it was not read; "
                                       "rename it (or its folder) with plain letters")
            continue
        count += 1
        if count > MAX_FILES:
            submission.warnings.append(f"more than {MAX_FILES} Python files and notebooks: the rest were not searched")
            break
        if path.suffix == ".ipynb":
            if len(notebooks) == MAX_NOTEBOOKS:
                submission.warnings.append(f"more than {MAX_NOTEBOOKS} notebooks: {relative} and the rest were not read")
                continue
            try:
                notebooks.append(read(path, relative))
            except NotebookError as error:
                submission.warnings.append(str(error))
            continue
        exercise = names.get(path.name)
        if exercise:
            candidates[exercise].append((relative, None))
    shadowed: dict[str, list[Path]] = {}
    for notebook in notebooks:
        for spec in specs:
            if holds(notebook, spec):
                own = notebook.path.stem + ".py"               # gradient.ipynb makes gradient.py, as an alias is imported
                target = notebook.path.parent / (own if own in spec.files else spec.files[0])
                if (target, None) in candidates[spec.id]:
                    shadowed.setdefault(spec.id, []).append(notebook.path)      # the .py beside it is graded
                elif (submission.root / target).exists() or (submission.root / target).is_symlink():
                    submission.exercise_warnings.setdefault(spec.id, []).append(
                        f"{notebook.path} holds {spec.id}, but {target} is already there: the notebook was not graded for it")
                else:
                    candidates[spec.id].append((target, notebook))

    def rank(spec: ExerciseSpec, candidate: tuple[Path, Notebook | None]) -> tuple:
        path, notebook = candidate
        named = notebook is None or notebook.path.stem + ".py" in spec.files     # not only tagged: its name's alias ranks it
        alias = spec.files.index(path.name) if named else len(spec.files)
        return len(path.parts), notebook is not None, alias, str(notebook.path if notebook else path)

    for spec in specs:
        found = sorted(candidates[spec.id], key=lambda candidate: rank(spec, candidate))
        if not found:
            continue
        path, chosen = found[0]
        submission.files[spec.id] = path
        if chosen is not None:
            made = program(chosen, spec, needed(spec, specs), {other.id for other in specs})
            submission.programs[spec.id] = made
            submission.exercise_warnings.setdefault(spec.id, []).extend(made.warnings)
        if len(found) > 1 or spec.id in shadowed:
            others = ", ".join([str(nb.path if nb else p) for p, nb in found[1:]] + [str(p) for p in shadowed.get(spec.id, [])])
            submission.exercise_warnings.setdefault(spec.id, []).append(
                f"several files for {spec.id}: graded {submission.shown(spec.id)}, ignored {others}")


def needed(spec: ExerciseSpec, specs: list[ExerciseSpec]) -> set[str]:
    """The exercises this one builds on, and those they build on."""
    by_id = {other.id: other for other in specs}
    found: set[str] = set()
    todo = list(spec.needs)
    while todo:
        exercise = todo.pop()
        if exercise not in found and exercise in by_id:
            found.add(exercise)
            todo += by_id[exercise].needs
    return found


def decode(data: bytes) -> tuple[str, str | None]:
    """Source text and, when it was not UTF-8, the encoding used (for a warning)."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    declared = re.search(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", b"\n".join(data.splitlines()[:2]), re.MULTILINE)
    for encoding in ([declared.group(1).decode("ascii")] if declared else []) + list(FALLBACK_ENCODINGS):
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", "replace"), "utf-8 with undecodable bytes replaced"


def stage(submission: Submission, into: Path) -> None:
    """Copy the submission's files once into `into`, Python sources re-encoded as UTF-8, and
    note the files that were not UTF-8. Every (submission, exercise) box is copied from here."""
    notes = submission.encoding_notes
    for source in submission.root.rglob("*"):
        relative = source.relative_to(submission.root)
        if any(part in IGNORED_PARTS for part in relative.parts) or source.is_symlink() or not source.is_file():
            continue
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix == ".py":
            text, encoding = decode(source.read_bytes())
            if encoding:
                notes[str(relative)] = (f"{relative} is not UTF-8; it was read as {encoding}. "
                                        "Save your files as UTF-8 so every tool can read them.")
            target.write_text(CODING_LINE.sub(r"\g<1>utf-8", text, count=2), encoding="utf-8")
        else:
            shutil.copyfile(source, target)
    for exercise, made in submission.programs.items():
        (into / submission.files[exercise]).write_text(CODING_LINE.sub(r"\g<1>utf-8", made.text, count=2), encoding="utf-8")
    submission.staged = into
