"""Similarity as evidence: which students handed in the reference or the course's own material,
and which share code with each other beyond it. It changes no score; a person judges.

Code is compared as copydetect (winnowing, as MOSS does) sees it: comments and whitespace gone,
every identifier a V, F or O and every string an S, so renaming, re-commenting and re-indenting
change nothing, and fingerprints (hashes of k-grams) are a set, so reordered functions match as
well. Each text is lexed once; the code every student was given (the starter) is removed from
every comparison, and for student against student the reference and the base material are
removed too: a pair means code shared beyond the course's own, and two students who both handed
in the reference are listed against the reference, not as a pair.

Boilerplate is removed here, from a fingerprint's hashes, and not with copydetect's own
`boilerplate=` argument: that one (`np.intersect1d(..., assume_unique=True)` on hashes that repeat)
also drops places of a student's repeated code that no boilerplate holds.

Spans are character offsets in the text as `normalise` returns it (newlines as LF, no BOM): a
page that shows them shows that text.

The defaults were measured on tests/test_similarity.py's class: honest solutions of gd (5), net
(4) and hill (4), written independently in different styles, and planted copies (renamed,
reordered, re-commented in Chinese, CRLF), the reference handed in, a course demo handed in with
three functions of the student's own. With k = 30 and every k-gram kept (window 1):

    highest honest score   pair  against the reference  against the demo
    gd                     0.12  0.19                   0.26
    net                    0.21  0.45                   -
    hill                   0.27  0.00                   -
    lowest planted         copies 0.95 (gd), 0.90 (net), 1.00 (hill); the reference 1.00; the demo 0.71

A threshold of 0.6 sits between, at 0.15 from net's honest 0.45 (its API dictates much of the
code: an exercise like it gets honest students near the reference) and 0.11 from the adapted demo.
k = 25 brought net's honest solutions to 0.53 against the reference; k = 40 lost part of a
copy (0.78). Anything listed also needs 80 shared characters of filtered code (about four lines):
honest pairs that reach a fifth of what little remains of a file beyond the course's code share 30
to 60. So a script of a few lines (autograd2a's eight) is hardly ever listed, handed in by two
students or copied from the reference: there, everyone's correct code is the same code.
"""
from __future__ import annotations

import io
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, Field
from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from grader import notebooks, submissions
from grader.safe_text import one_line
from grader.spec import ExerciseSpec

if TYPE_CHECKING:
    from copydetect import CodeFingerprint  # imported where used: it pulls matplotlib, and the report's models must not

DEFAULT_THRESHOLD = 0.6
NOISE = 30          # k: shared runs shorter than this many filtered characters (a line and a half) are never seen
WINDOW = 1          # every k-gram kept: files are small, and the result then does not depend on hash()'s salt
MIN_SHARED = 80     # filtered characters shared at the least (about four lines), so a few lines never flag
MAX_CHARACTERS = 256 * 1024   # a file larger is not compared: lexing costs some 13 µs a character
SHOWN = 10          # pairs per exercise in the terminal (the page shows all)

Span = tuple[int, int]


class Overlap(BaseModel):
    student: str = Field(description="The student, as the caller named them.")
    source: str = Field(description="'reference', or the base file's path (as the caller named it).")
    similarity: float = Field(description="Fraction (0..1) of the student's code, beyond the starter, covered by code "
                                          "shared with the source.")
    tokens: int = Field(description="Shared characters of filtered code (an identifier or a string counts one) "
                                    "on the student's side.")
    spans: list[Span] = Field(default_factory=list, description="The shared parts in the student's text: "
                                                                "[start, end) character offsets of its normalised text.")
    source_spans: list[Span] = Field(default_factory=list, description="The shared parts in the source's text, likewise.")


class Pair(BaseModel):
    a: str = Field(description="One student (a < b).")
    b: str = Field(description="The other student.")
    similarity: float = Field(description="max(a_in_b, b_in_a): what the threshold is applied to, so a file copied "
                                          "whole into a longer one counts as the copy it is.")
    a_in_b: float = Field(description="Fraction of a's code (beyond the starter, the reference and the base) "
                                      "covered by code shared with b.")
    b_in_a: float = Field(description="Fraction of b's code covered by code shared with a.")
    tokens: int = Field(description="Shared characters of filtered code, the smaller of the two sides.")
    spans_a: list[Span] = Field(default_factory=list, description="The shared parts in a's normalised text.")
    spans_b: list[Span] = Field(default_factory=list, description="The shared parts in b's normalised text.")


class ExerciseSimilarity(BaseModel):
    exercise: str = Field(description="The exercise id.")
    compared: int = Field(description="Submissions that had this exercise's file.")
    reference: list[Overlap] = Field(default_factory=list, description="Students whose file overlaps the reference "
                                                                       "above the threshold, most similar first.")
    base: list[Overlap] = Field(default_factory=list, description="Likewise for the course's base material, "
                                                                  "one entry per student and file.")
    pairs: list[Pair] = Field(default_factory=list, description="Pairs above the threshold, most similar first.")
    clusters: list[list[str]] = Field(default_factory=list, description="Groups of 3 or more students joined by "
                                                                        "flagged pairs, largest first.")
    reference_shares: dict[str, float] = Field(default_factory=dict, description=(
        "Every compared student's share of code (beyond the starter) that the reference holds too, listed or not."))
    too_large: list[str] = Field(default_factory=list, description=f"Students whose file is over {MAX_CHARACTERS} "
                                                                   "characters: not compared (a course file is a few thousand).")


class SimilarityReport(BaseModel):
    threshold: float = Field(description="Similarity from which an overlap or a pair is listed.")
    k: int = Field(description="Noise threshold: the k-gram length, in filtered characters.")
    window: int = Field(description="Winnowing window, in k-grams.")
    min_shared: int = Field(description="Shared filtered characters needed, besides the threshold.")
    exercises: list[ExerciseSimilarity] = Field(description="One per exercise compared, in the caller's order.")
    seconds: float = Field(0.0, description="Wall time of the comparison, lexing included.")

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        percent = _percent(self.threshold)
        yield Text(f"Similarity from {percent} (evidence for a person to judge; it changes no score)", style="bold")
        quiet = []
        for x in self.exercises:
            if not (x.reference or x.base or x.pairs or x.too_large):
                quiet.append(f"{one_line(x.exercise)} ({x.compared})")
                continue
            yield Text(f"{one_line(x.exercise)}: {x.compared} compared", style="bold")
            if x.reference:
                yield _names("  reference: ", x.reference)
            for source in dict.fromkeys(o.source for o in x.base):
                yield _names(f"  {one_line(source)}: ", [o for o in x.base if o.source == source])
            for pair in x.pairs[:SHOWN]:
                a, b = one_line(pair.a), one_line(pair.b)
                yield Text(f"  {a} ↔ {b} {_percent(pair.similarity)} ({a} in {b} {_percent(pair.a_in_b)}, "
                           f"{b} in {a} {_percent(pair.b_in_a)}, {pair.tokens} shared)", style="yellow")
            if len(x.pairs) > SHOWN:
                yield Text(f"  +{len(x.pairs) - SHOWN} more pairs (all of them: --html DIR or --json FILE)", style="dim")
            for cluster in x.clusters:
                yield Text(f"  cluster of {len(cluster)}: " + ", ".join(one_line(name) for name in cluster), style="red")
            if x.too_large:
                yield Text(f"  not compared, over {MAX_CHARACTERS} characters: " + ", ".join(map(one_line, x.too_large)), style="dim")
        if quiet:
            yield Text(f"nothing above {percent} in: " + ", ".join(quiet), style="dim")


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.0f}%"


def _names(label: str, overlaps: list[Overlap]) -> Text:
    return Text(label + ", ".join(f"{one_line(o.student)} {_percent(o.similarity)}" for o in overlaps), style="yellow")


def normalise(text: str) -> str:
    """The text spans refer to: CRLF and CR as LF, a leading byte-order mark dropped."""
    return text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")


@dataclass(frozen=True)
class _Winnowed:
    """What `compare_files` reads of a CodeFingerprint, with some hashes taken out. No offsets:
    its slices then stay in filtered code, which `_Document.spans` maps (copydetect's own map is
    off for class names and after leading blank lines)."""

    k: int
    filtered_code: str
    hashes: set[int]
    hash_idx: dict[int, list[int]]
    token_coverage: float
    most: int                          # places of the hash found in most places
    offsets: np.ndarray = field(default_factory=lambda: np.array([]))

    def ceiling(self, common: int) -> int:
        """The most filtered characters this can share with a text it has `common` hashes in
        common with, known without comparing: each place of a common hash covers k at most."""
        return self.k * self.most * common


@dataclass(frozen=True)
class _Document:
    text: str
    fingerprint: CodeFingerprint
    starts: np.ndarray                 # where each filtered character begins in `text`
    ends: np.ndarray                   # and where it ends

    @classmethod
    def of(cls, text: str, k: int, window: int) -> _Document:
        from copydetect import CodeFingerprint

        text = normalise(text)
        fingerprint = CodeFingerprint("submission.py", k, window, fp=io.StringIO(text), language="python")
        starts, ends = _origins(fingerprint.filtered_code, fingerprint.offsets, text)
        return cls(text, fingerprint, starts, ends)

    def without(self, boilerplate: set[int]) -> _Winnowed:
        from copydetect.utils import get_token_coverage

        kept = {h: places for h, places in self.fingerprint.hash_idx.items() if h not in boilerplate}
        coverage = get_token_coverage(kept, self.fingerprint.k, len(self.fingerprint.filtered_code))
        return _Winnowed(self.fingerprint.k, self.fingerprint.filtered_code, set(kept), kept, float(coverage),
                         max(map(len, kept.values()), default=0))

    def spans(self, slices: np.ndarray) -> list[Span]:
        """Slices of filtered code ([starts], [ends)) as merged [start, end) spans of the text."""
        found = sorted((int(self.starts[s]), int(self.ends[e - 1])) for s, e in zip(*slices) if e > s)
        merged: list[Span] = []
        for start, end in found:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged


def _origins(filtered: str, offsets: np.ndarray, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end in `text` of each character of copydetect's filtered code.

    copydetect's offsets hold one row [position in filtered code, characters removed before it]
    per token it shortened or dropped: a name or string shortened to one letter sits at that
    position; dropped whitespace or comments follow the character at that position. Two faults
    are mended: a class name's row holds its own length - 1 in place of the running count, and the
    lexer drops leading blank lines before counting."""
    n = len(filtered)
    rows = np.asarray(offsets, dtype=int).reshape(-1, 2)[1:]      # row 0 is a fixed [0, 0]
    if len(rows) == 0:
        rows = np.array([[n, 0]])                                 # nothing removed
    positions, removed = rows[:, 0], rows[:, 1].copy()
    first = np.r_[True, positions[1:] != positions[:-1]]          # the earliest row at its position
    letter = np.array([filtered[p] if 0 <= p < n else "" for p in positions])
    for i in reversed(np.flatnonzero(first[:-1] & (letter[:-1] == "O")).tolist()):
        removed[i] = removed[i + 1] - rows[i, 1]                  # the next row's count, less the name's
    lead = len(text) - len(text.lstrip("\n"))
    index = np.arange(n)
    row = np.clip(np.searchsorted(positions, index, side="left"), 0, len(rows) - 1)
    starts = index + removed[row] + lead
    widths = np.ones(n, dtype=int)
    shortened = np.flatnonzero(first[:-1] & np.isin(letter[:-1], list("VFOSP")))
    widths[positions[shortened]] = removed[shortened + 1] - removed[shortened] + 1
    return np.minimum(starts, len(text)), np.minimum(starts + widths, len(text))   # the lexer adds a last newline


def _compare(mine: _Winnowed, theirs: _Winnowed) -> tuple[float, float, int, int, np.ndarray, np.ndarray]:
    """(my share, their share, my shared characters, theirs, my slices, theirs)."""
    if not mine.hashes & theirs.hashes:
        return 0.0, 0.0, 0, 0, np.zeros((2, 0), dtype=int), np.zeros((2, 0), dtype=int)
    from copydetect import compare_files

    _, (share, their_share), (slices, their_slices) = compare_files(mine, theirs)
    return (float(share), float(their_share), int(np.sum(slices[1] - slices[0])),
            int(np.sum(their_slices[1] - their_slices[0])), slices, their_slices)


def _clusters(pairs: Iterable[Pair]) -> list[list[str]]:
    """Connected groups of 3 or more students, largest first."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for pair in pairs:
        parent[root(pair.a)] = root(pair.b)
    groups: dict[str, list[str]] = {}
    for name in sorted(parent):
        groups.setdefault(root(name), []).append(name)
    return sorted((group for group in groups.values() if len(group) >= 3), key=lambda group: (-len(group), group))


def compare_exercise(exercise: str, sources: dict[str, str], reference: str | None, starter: str | None,
                     base: dict[str, str], threshold: float = DEFAULT_THRESHOLD, k: int = NOISE,
                     window: int = WINDOW, min_shared: int = MIN_SHARED) -> ExerciseSimilarity:
    """One exercise: every student against the reference and each base file (the starter
    removed), and every pair of students (the starter, the reference and the base removed)."""
    read: dict[str, _Document] = {}                 # each distinct text lexed once

    def document(text: str) -> _Document:
        if text not in read:
            read[text] = _Document.of(text, k, window)
        return read[text]

    too_large = sorted(name for name, text in sources.items() if len(text) > MAX_CHARACTERS)
    students = {name: document(text) for name, text in sorted(sources.items()) if name not in too_large}
    given = document(starter).fingerprint.hashes if starter else set()
    result = ExerciseSimilarity(exercise=exercise, compared=len(students), too_large=too_large)
    course = [("reference", document(reference), result.reference)] if reference is not None else []
    course += [(path, document(text), result.base) for path, text in base.items()]
    owned = given.union(*(d.fingerprint.hashes for _, d, _ in course))
    alone = {name: d.without(given) for name, d in students.items()}
    for source, source_document, found in course:
        theirs = source_document.without(given)
        for name, mine in alone.items():
            if source != "reference" and mine.ceiling(len(mine.hashes & theirs.hashes)) < max(
                    min_shared, threshold * mine.token_coverage):
                continue                           # (the reference's share is kept for everyone: no shortcut there)
            share, _, tokens, _, slices, their_slices = _compare(mine, theirs)
            if source == "reference":
                result.reference_shares[name] = round(share, 4)
            if share >= threshold and tokens >= min_shared:
                found.append(Overlap(student=name, source=source, similarity=share, tokens=tokens,
                                     spans=students[name].spans(slices), source_spans=source_document.spans(their_slices)))
    beyond = {name: d.without(owned) for name, d in students.items()}
    names = list(beyond)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            common = len(beyond[a].hashes & beyond[b].hashes)
            ceiling_a, ceiling_b = beyond[a].ceiling(common), beyond[b].ceiling(common)
            if min(ceiling_a, ceiling_b) < min_shared or (ceiling_a < threshold * beyond[a].token_coverage
                                                          and ceiling_b < threshold * beyond[b].token_coverage):
                continue
            a_in_b, b_in_a, tokens_a, tokens_b, slices_a, slices_b = _compare(beyond[a], beyond[b])
            if max(a_in_b, b_in_a) >= threshold and min(tokens_a, tokens_b) >= min_shared:
                result.pairs.append(Pair(a=a, b=b, similarity=max(a_in_b, b_in_a), a_in_b=a_in_b, b_in_a=b_in_a,
                                         tokens=min(tokens_a, tokens_b), spans_a=students[a].spans(slices_a),
                                         spans_b=students[b].spans(slices_b)))
    result.reference.sort(key=lambda o: (-o.similarity, o.student))
    result.base.sort(key=lambda o: (o.source, -o.similarity, o.student))
    result.pairs.sort(key=lambda p: (-p.similarity, p.a, p.b))
    result.clusters = _clusters(result.pairs)
    return result


def compare(sources: dict[str, dict[str, str]], reference: dict[str, str], starter: dict[str, str],
            base: dict[str, dict[str, str]], threshold: float = DEFAULT_THRESHOLD, k: int = NOISE,
            window: int = WINDOW, min_shared: int = MIN_SHARED) -> SimilarityReport:
    """Every exercise of `sources` (exercise → student → text), in its order. `reference`,
    `starter` and `base` are keyed by exercise; `base[exercise]` maps a path (as the report names
    it) to a text of the course's material that goes with that exercise: the caller decides which
    (pass the same dict for every exercise to compare all of it with all). All in one process:
    copydetect hashes with Python's salted `hash()`."""
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    started = time.perf_counter()
    exercises = [compare_exercise(exercise, texts, reference.get(exercise), starter.get(exercise),
                                  base.get(exercise, {}), threshold, k, window, min_shared)
                 for exercise, texts in sources.items()]
    return SimilarityReport(threshold=threshold, k=k, window=window, min_shared=min_shared, exercises=exercises,
                            seconds=time.perf_counter() - started)


def material(folder: Path, specs: list[ExerciseSpec]) -> dict[str, dict[str, str]]:
    """The course's own material to compare with (--similarity-base): a file named for an exercise
    goes with that exercise, every other .py or notebook with every exercise. By path in `folder`."""
    names = {name: spec.id for spec in specs for name in spec.files}
    stems = {Path(name).stem: spec.id for spec in specs for name in spec.files}
    found: dict[str, dict[str, str]] = {spec.id: {} for spec in specs}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.suffix not in (".py", ".ipynb") or not path.is_file() or path.is_symlink() or any(
                part.startswith(".") or part in submissions.IGNORED_PARTS for part in relative.parts):
            continue
        if path.stat().st_size > MAX_CHARACTERS * 4:         # characters take at most four bytes
            continue
        try:
            if path.suffix == ".py":
                text = submissions.decode(path.read_bytes())[0]
            else:
                book = notebooks.read(path, relative)
                text = "\n".join(cell.source for cell in book.cells if cell.kind == "code")
        except (OSError, notebooks.NotebookError):
            continue
        exercise = names.get(path.name) if path.suffix == ".py" else stems.get(path.stem)
        for spec in specs:
            if exercise in (None, spec.id):
                found[spec.id][str(relative)] = text
    return found


@dataclass
class Texts:
    """What a report's spans refer to, for the side-by-side page: by exercise, then student or path."""

    students: dict[str, dict[str, str]]
    reference: dict[str, str]
    base: dict[str, dict[str, str]]


def of_class(target: Path, specs: list[ExerciseSpec], reference: Path, base: Path | None, mode: str = "auto",
             threshold: float = DEFAULT_THRESHOLD) -> tuple[SimilarityReport, Texts]:
    """Compare a class's files: read as grading reads them, with the reference, each exercise's
    starter (made from the reference) and the base material. Returns the report and the texts
    its spans refer to (for the side-by-side page)."""
    from grader.starter import strip

    with tempfile.TemporaryDirectory(prefix="grader-similarity-") as scratch:
        texts = submissions.sources(target, specs, mode, Path(scratch))
    given = {spec.id: (reference / spec.files[0]).read_text(encoding="utf-8") for spec in specs
             if (reference / spec.files[0]).is_file()}
    starters = {spec.id: strip(given[spec.id], spec) for spec in specs if spec.id in given}
    course = material(base, specs) if base else {}
    report = compare({spec.id: texts[spec.id] for spec in specs}, given, starters, course, threshold)
    return report, Texts(students=texts, reference=given, base=course)
