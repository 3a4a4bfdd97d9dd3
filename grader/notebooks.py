"""Jupyter and Colab notebooks as submissions: each exercise's program made from a notebook's
code cells, and a map from that program's lines back to the cells, so feedback says "cell 4,
line 2" where the student can find it.

Read with nbformat (any version it reads, Colab's downloads included); outputs stored in the
notebook are never read. Which cells make exercise X's program:
- a notebook named for X (`gd.ipynb`, with the spec's aliases) holds X;
- a cell tagged `exercise:X` (a code or Markdown cell, such as the exercise's heading) starts X's
  section, which runs to the next cell tagged for an exercise; one notebook may hold several;
- the cells before the first section are setup, shared by every exercise of the notebook;
- X's program is the setup and X's sections, code cells only, in the notebook's order, without the
  cells tagged `skip` (or a tag the spec names). The sections of an exercise X needs (net1 builds
  on net) become `from net import *`, as net1.py imports net.py, and so does `%run net.ipynb`.
IPython magics and shell lines (`%matplotlib inline`, `!pip install torch`) are not Python: each
such line where a statement begins becomes `pass`, with a warning naming the cell, and a cell of
another language (`%%bash`, `%%writefile`) is left out; so are Colab's own lines (`drive.mount`).
A cell that compiles as it is stays as written, but for those. What Jupyter allows and a file
does not is mended: `from __future__` imports move to the top, and `display()` prints.

The notebook is data read by the trusted side, like a .py file's text: nothing in it runs here.
"""
from __future__ import annotations

import json
import re
import warnings
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.spec import ExerciseSpec
from grader.wire import ErrorInfo, Observation

MAX_NOTEBOOK_BYTES = 20 * 2**20
# A cell is compiled here (in the grading process, which has no memory limit) only up to this
# size, to tell valid Python from magics; compiling costs some 600 bytes of memory a character.
MAX_COMPILED_CELL = 64 * 1024
NOTES_PER_CELL = 3                   # warnings about one cell's lines; the rest are counted
NOTES_PER_PROGRAM = 12               # warnings about one program's cells; the rest are counted
EXERCISE_TAG = "exercise:"
# Cell magics whose body is Python that IPython runs as written: the body is kept.
PYTHON_CELL_MAGICS = {"%%time", "%%timeit", "%%capture", "%%prun"}
# Each pattern is matched at the start of one line with its indentation removed; none can backtrack
# over a long line more than once (a student's line of 100,000 spaces is read in linear time).
ASSIGNED_SHELL = re.compile(r"[\w.,\[\] \t]+?=[ \t]*[%!][ \t]*\w")      # `files = !ls`, `t = %timeit f()`
HELP = re.compile(r"\?*[\w.]+\?{1,2}[ \t]*$")                              # `torch.zeros?`: IPython's help
# Lines that exist for Colab alone (its Drive, its upload box): left out, so a Colab download grades as it is.
COLAB_ONLY = re.compile(r"(?:from|import)[ \t]+google\.colab\b|drive\.mount\(|files\.(?:upload|download)\(")
RUN_NOTEBOOK = re.compile(r"%run[ \t]+(?:-i[ \t]+)?['\"]?([\w.-]+)\.(?:ipynb|py)['\"]?[ \t]*$")
FUTURE = re.compile(r"from[ \t]+__future__[ \t]+import\b")
# IPython's display() outside IPython: what a notebook shows as text, printed (the program's first line).
PRELUDE = "def display(*objects, **options): print(*(repr(o) for o in objects), sep='\\n')  # IPython's, as text"


class NotebookError(Exception):
    """A notebook that cannot be read: reported as a warning of the submission, the rest goes on."""


@dataclass
class Cell:
    number: int                 # 1-based, counting every cell (Markdown too), as a student counts them
    kind: str                   # "code", "markdown", "raw"
    source: str
    tags: list[str]

    def exercises(self) -> list[str]:
        """The exercises its tags name (`exercise:gd`; the prefix in any case)."""
        return [tag[len(EXERCISE_TAG):].strip() for tag in self.tags if tag.lower().startswith(EXERCISE_TAG)]


@dataclass
class Notebook:
    path: Path                  # relative to the submission
    cells: list[Cell]

    def tagged(self) -> set[str]:
        """The exercises its cells are tagged for, in lower case."""
        return {exercise.lower() for cell in self.cells for exercise in cell.exercises()}


@dataclass
class Program:
    """One exercise's program made from a notebook, and where each of its lines came from."""

    notebook: Path
    text: str
    origins: list[tuple[int, int] | None]          # per program line (0-based): (cell number, line in cell)
    warnings: list[str] = field(default_factory=list)

    def student_text(self) -> str:
        """The program as the student wrote it: without the grader's first line."""
        return self.text.replace(PRELUDE + "\n", "", 1)

    def locate(self, line: int) -> tuple[int, int] | None:
        """The (cell, line in cell) of a 1-based line of the program; a line between cells (an
        error at the end of a cell, such as an unclosed bracket) is the last line before it."""
        for origin in reversed(self.origins[:max(0, min(line, len(self.origins)))]):
            if origin is not None:
                return origin
        return None


def read(path: Path, relative: Path) -> Notebook:
    """The cells of a notebook file; NotebookError, saying what to do, when it cannot be read."""
    import nbformat
    from nbformat.reader import NotJSONError
    from nbformat.reader import reads as parsed  # no schema validation: only cells, sources and tags are read

    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(f"{relative} is {size // 2**20} MiB, over {MAX_NOTEBOOK_BYTES // 2**20} MiB: "
                                "clear its outputs (Edit > Clear all outputs) and hand it in again")
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # nbformat warns of missing cell ids and the like: not the student's concern
            node = parsed(text)
            major = int(node.get("nbformat", 4))
            if major != 4:
                node = nbformat.convert(node, 4)
    except NotebookError:
        raise
    except UnicodeDecodeError:
        raise NotebookError(f"{relative} is not UTF-8 text, so it is not a notebook Jupyter wrote: "
                            "save it again from Jupyter or Colab (File > Download > .ipynb)") from None
    except (json.JSONDecodeError, NotJSONError, RecursionError):
        raise NotebookError(f"{relative} is not valid JSON: download it again from "
                            "Jupyter or Colab (File > Download > .ipynb)") from None
    except Exception as error:  # noqa: BLE001 - nbformat and its validator raise many kinds on malformed files
        raise NotebookError(f"{relative} could not be read as a notebook ({type(error).__name__}: {str(error)[:200]}): "
                            "download it again from Jupyter or Colab (File > Download > .ipynb)") from None
    cells = []
    try:
        for number, cell in enumerate(node.get("cells", []), start=1):
            source = cell.get("source", "")
            source = "".join(map(str, source)) if isinstance(source, list) else str(source)
            tags = (cell.get("metadata") or {}).get("tags") or []
            cells.append(Cell(number=number, kind=str(cell.get("cell_type", "")), source=unicode(source),
                              tags=[unicode(tag).strip() for tag in tags if isinstance(tag, str)]))
    except (AttributeError, TypeError) as error:
        raise NotebookError(f"{relative}: its cells are not what Jupyter writes ({error}): "
                            "download it again from Jupyter or Colab (File > Download > .ipynb)") from None
    return Notebook(path=relative, cells=cells)


def unicode(text: str) -> str:
    """The text with JSON's lone surrogates (valid "\\ud800" escapes) made U+FFFD: files are UTF-8."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def holds(notebook: Notebook, spec: ExerciseSpec) -> bool:
    """Does this notebook hold the exercise: named for it, or a cell tagged for it?"""
    stems = {Path(name).stem for name in spec.files}
    return notebook.path.stem in stems or spec.id.lower() in notebook.tagged()


def program(notebook: Notebook, spec: ExerciseSpec, needed: set[str], known: set[str]) -> Program:
    """The exercise's program: setup cells and its sections; the sections of an exercise it needs
    (`needed`) become `from net import *`, as net1.py imports net.py: that exercise's own program
    is written beside this one, and a check of net1 looks at net's classes in the module net.
    `known`: every exercise id, so that a tag naming none is said, and a tag's case forgiven."""
    by_lower = {exercise.lower(): exercise for exercise in known}
    lines: list[str] = [PRELUDE]
    origins: list[tuple[int, int] | None] = [None]
    futures: list[tuple[str, tuple[int, int]]] = []
    notes: list[str] = []
    section: str | None = None                      # None: the setup before the first section
    imported: set[str] = set()
    skip = {tag.lower() for tag in spec.notebook_skip_tags} | {"skip"}

    def add(text: str, origin: tuple[int, int] | None) -> None:
        lines.append(text)
        origins.append(origin)

    for cell in notebook.cells:
        tagged = cell.exercises()
        if tagged:
            section = by_lower.get(tagged[0].lower(), tagged[0])
            if section not in known:
                notes.append(f"cell {cell.number} is tagged {EXERCISE_TAG + tagged[0]!r}, which names no exercise "
                             f"({', '.join(sorted(known))}): the cells of its section were left out")
        if section in needed and section != spec.id:
            if section not in imported:
                imported.add(section)
                add(f"from {section} import *  # the cells of {section}, made into {section}.py beside this", (cell.number, 1))
            continue
        if cell.kind != "code" or section not in (None, spec.id) or skip & {tag.lower() for tag in cell.tags}:
            continue
        source, cell_notes = python_of(cell, known)
        notes += cell_notes
        if source is None:
            continue
        for number, line in enumerate(source.split("\n"), start=1):
            if FUTURE.match(line):             # legal only at a file's top: moved there, as each cell is a top in Jupyter
                futures.append((line, (cell.number, number)))
                line = "pass"
            add(line, (cell.number, number))
        add("", None)                                # cells apart, as Jupyter runs them
    if any("not Python: it was left out" in note for note in notes):
        notes.append("the grader installs nothing and shows no plots: such lines are not needed for grading")
    if len(notes) > NOTES_PER_PROGRAM:
        notes[NOTES_PER_PROGRAM:] = [f"and {len(notes) - NOTES_PER_PROGRAM} more warnings of the same kind"]
    lines[:0] = [line for line, _ in futures]
    origins[:0] = [origin for _, origin in futures]
    return Program(notebook=notebook.path, text="\n".join(lines) + "\n", origins=origins, warnings=notes)


def statement_starts(lines: list[str]) -> list[bool]:
    """For each line, does a statement begin on it: not inside a string, brackets or a line
    continued by a backslash? (Python's own tokenizer stops at the first `!`, so it cannot tell.)
    One pass over the characters: a student's hostile cell costs linear time."""
    starts = []
    depth, quote, continued = 0, "", False
    for line in lines:
        starts.append(depth == 0 and not quote and not continued)
        continued, at = False, 0
        while at < len(line):
            char = line[at]
            if quote:
                if char == "\\":
                    at += 2
                    continue
                if line.startswith(quote, at):
                    at, quote = at + len(quote), ""
                    continue
            elif char == "#":
                break
            elif char in "\"'":
                quote = line[at:at + 3] if line[at:at + 3] in ('"""', "'''") else char
                at += len(quote)
                continue
            elif char in "([{":
                depth += 1
            elif char in ")]}":
                depth = max(0, depth - 1)
            elif char == "\\" and at == len(line) - 1:
                continued = True
            at += 1
        if len(quote) == 1 and not line.endswith("\\"):
            quote = ""                               # a one-line string ends with its line
    return starts


def python_of(cell: Cell, known: Collection[str] = ()) -> tuple[str | None, list[str]]:
    """The cell as Python (None: left out), with warnings of the lines that are not Python.
    Only lines where a statement begins can be magics: a `%d` inside a string stays as it is."""
    source = cell.source.replace("\r\n", "\n").replace("\r", "\n")
    lines = source.split("\n")
    compiles = False
    if len(source) <= MAX_COMPILED_CELL:
        try:
            compile(source, f"cell {cell.number}", "exec", dont_inherit=True)
            compiles = True                         # valid Python: only Colab's own lines are left out
        except Exception:  # noqa: BLE001 - SyntaxError, or RecursionError/MemoryError of a hostile cell: not this process's end
            pass
    first = next((line.strip() for line in lines if line.strip()), "")
    if not compiles and first.startswith("%%"):
        magic = first.split()[0]
        if magic not in PYTHON_CELL_MAGICS:
            return None, [f"cell {cell.number} is a {magic[:40]!r} cell, not Python: it was left out"]
        lines[next(i for i, line in enumerate(lines) if line.strip())] = ""
    notes, dropped, colab = [], 0, 0
    for index, (line, start) in enumerate(zip(lines, statement_starts(lines))):
        code = line.lstrip(" \t")
        indent = line[:len(line) - len(code)]
        if not start:
            continue
        if COLAB_ONLY.match(code):
            colab += 1
            lines[index] = indent + "pass"
            continue
        if compiles:
            continue
        run = RUN_NOTEBOOK.match(code)
        if run and run.group(1) in known:          # %run net.ipynb: net's names here, as from its program
            lines[index] = f"{indent}from {run.group(1)} import *"
            continue
        assigned = ASSIGNED_SHELL.match(code)
        shell = code.startswith("!") or bool(assigned) and "!" in code.split("=", 1)[1][:3]
        if not (code.startswith("%") or shell or assigned or HELP.match(code)):
            continue
        dropped += 1
        if dropped <= NOTES_PER_CELL:
            notes.append(f"cell {cell.number}, line {index + 1}: {code.strip()[:80]!r} is "
                         f"{'a shell command' if shell else 'an IPython magic'}, not Python: it was left out")
        lines[index] = indent + "pass"
    if dropped > NOTES_PER_CELL:
        notes.append(f"cell {cell.number}: {dropped - NOTES_PER_CELL} more lines that are not Python were left out")
    if colab:
        notes.append(f"cell {cell.number}: {colab} line(s) for Colab alone (google.colab, drive.mount, files.upload) "
                     "were left out: the grader reads no Drive; put the data the exercise needs beside the notebook")
    return "\n".join(lines), notes


def in_cells(observations: dict[str, Observation], programs: dict[Path, Program]) -> dict[str, Observation]:
    """The observations with each error that points into a program made from a notebook pointed at
    the notebook's cell instead: the load's or a check's error, and the errors of single cases that
    a probe keeps in its value (`programs`: by the program's path in the submission)."""
    if not programs:
        return observations
    by_file = {str(path): made for path, made in programs.items()}

    def moved(error: dict[str, Any]) -> dict[str, Any]:
        file = error.get("file")
        made = by_file.get(file) if isinstance(file, str) else None
        if made is None:
            return error
        origin = made.locate(error["line"]) if isinstance(error.get("line"), int) else None
        cell, line = origin if origin else (None, None)
        # A SyntaxError's own text ends "(gd.py, line 41)": the program's name, which the student never saw.
        message = re.sub(rf" \({re.escape(Path(error['file']).name)}, line \d+\)$", "", str(error.get("message", "")))
        return {**error, "file": str(made.notebook), "cell": cell, "line": line, "message": message}

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if {"type", "message", "file", "line"} <= value.keys():
                return moved(value)
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    changed = {}
    for name, observation in observations.items():
        error = observation.error
        changed[name] = observation.model_copy(update={
            "error": ErrorInfo.model_validate(moved(error.model_dump())) if error is not None else None,
            "value": walk(observation.value)})
    return changed
