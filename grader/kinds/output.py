"""`output`: the lines a script printed match the reference's lines, text normalised and
numbers within tolerance; the reference's run decides what is expected."""
from __future__ import annotations

import bisect
import difflib
import functools
import math
import re
import struct
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from grader.compare import Tolerance
from grader.kinds.base import Kind, Options, ReferenceFailure, Run, Verdict, error_verdict
from grader.spec import CheckSpec

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf")


class OutputOptions(Options):
    pattern: str | None = Field(None, description="A regular expression: only the reference's lines it finds are expected.")
    source: str | None = Field(None, alias="from", description="Compare what another check's re-run printed, not the first run.")
    partial: bool = Field(True, description="Credit by the share of expected lines found (false: all or nothing).")
    note: str = Field("", description="Said to the student with a difference (why the numbers differ from the notes').")


# Where a tensor lives and its precision are not part of what a line says: float64 or CUDA
# variants of a correct script print the same numbers with these annotations.
ANNOTATIONS = re.compile(r",\s*(?:dtype=torch\.\w+|device='[^']*')")


def printed(value: Any) -> str:
    """What a re-run printed, from its probe's value ("" when it holds no printed text)."""
    text = value.get("printed", "") if isinstance(value, dict) else ""
    return text if isinstance(text, str) else ""


def parse_line(line: str) -> tuple[str, list[float]]:
    """A printed line as (text skeleton without numbers or spaces, the numbers in it)."""
    line = ANNOTATIONS.sub("", line)
    found = [float(match) for match in NUMBER.findall(line)]
    skeleton = re.sub(r"\s+", "", NUMBER.sub("#", line)).lower()
    return skeleton, found


def select(lines: list[str], pattern: str | None) -> list[str]:
    lines = [line.rstrip() for line in lines if line.strip()]
    return [line for line in lines if re.search(pattern, line)] if pattern else lines


@functools.lru_cache(maxsize=64)
def expected_lines(printed: str, pattern: str | None) -> tuple[tuple[str, str, tuple[float, ...]], ...]:
    """The reference's lines that carry figures, parsed once per run (every student is held to them):
    a label line without numbers (the notes' own typo 'net.backwward()', say) is held against no one."""
    parsed = ((line, *parse_line(line)) for line in select(printed.splitlines(), pattern))
    return tuple((line, skeleton, tuple(values)) for line, skeleton, values in parsed if values)


def match_lines(student: list[str], expected: tuple[tuple[str, str, tuple[float, ...]], ...],
                tolerance: Tolerance, pattern: str | None = None) -> tuple[int, str | None]:
    """Find the expected lines in order among the student's; (how many found, first miss explained).
    The explanation names only lines the check's pattern keeps."""
    parsed = [parse_line(line) for line in student]
    by_skeleton: dict[str, list[int]] = {}     # only lines of the same text can match: look only at those
    for index, (skeleton, _) in enumerate(parsed):
        by_skeleton.setdefault(skeleton, []).append(index)
    position, found, first_miss = 0, 0, None
    for line, skeleton, values in expected:
        candidates = by_skeleton.get(skeleton, [])
        hit = next((index for index in candidates[bisect.bisect_left(candidates, position):]
                    if len(parsed[index][1]) == len(values)
                    and all(tolerance.allows(g, e) for g, e in zip(parsed[index][1], values))), None)
        if hit is None:
            if first_miss is None:
                first_miss = explain_miss(line, student, [i for i in candidates if i >= position], position, tolerance,
                                          pattern)
            continue
        found += 1
        position = hit + 1
    return found, first_miss


def explain_miss(line: str, student: list[str], similar: list[int], position: int, tolerance: Tolerance,
                 pattern: str | None = None) -> str:
    def kept(text: str) -> bool:
        return pattern is None or re.search(pattern, text) is not None

    similar = [index for index in similar if kept(student[index])]
    if similar:
        return f"expected {line!r}, the closest printed line is {student[similar[0]]!r} (numbers within {tolerance})"
    near = difflib.get_close_matches(line, [text for text in student[position:] if kept(text)], n=1, cutoff=0.3)
    if near:
        return f"expected {line!r}, printed {near[0]!r}"
    return f"expected a line like {line!r}, none printed"


# A number printed from a float32 tensor (`f.item()`) carries float32's rounding: a correct variant
# that sums in another order (`sqrt(sum(x**2))` for `norm(x)`) prints a value a few float32 ulps away.
FLOAT32_ULPS = 4 * 2.0 ** -23


def single(value: float) -> bool:
    """Is this exactly a float32 value (so likely computed in float32), not a float64 one?"""
    try:
        return struct.unpack("f", struct.pack("f", value))[0] == value
    except (OverflowError, struct.error):
        return False


@dataclass(frozen=True)
class PrintedTolerance(Tolerance):
    """The check's tolerance, and for a float32 value expected, four float32 roundings."""

    def allows(self, got: float, expected: float) -> bool:
        if super().allows(got, expected):
            return True
        return single(expected) and math.isfinite(expected) and abs(got - expected) <= FLOAT32_ULPS * abs(expected)

    def __str__(self) -> str:
        return f"{super().__str__()}; a float32 value within four float32 roundings"


class Output(Kind):
    """The script's printed lines match the reference's: text normalised, numbers within tolerance.

    options.pattern selects the lines compared (a regex); options.from compares the printed
    output of another check's re-run instead of the first run."""

    name = "output"
    Options = OutputOptions
    asks = False
    rtol = 1e-9
    atol = 1e-12

    def judge_run(self, check: CheckSpec, params: Any, got: Run, expected: Run) -> Verdict:
        options = self.options(check)
        source = options.source
        mine = got.get(source) if source else got.load
        theirs = expected.get(source) if source else expected.load
        if theirs is None or theirs.error is not None:
            raise ReferenceFailure(f"reference produced no output for {check.name!r}")
        if mine is None:
            return Verdict("error", 0.0, "the program ended before its output could be checked")
        if mine.error is not None:
            return error_verdict(mine)
        printed_mine, printed_theirs = (printed(mine.value) if source else mine.output,
                                        printed(theirs.value) if source else theirs.output)
        pattern = options.pattern
        want = expected_lines(printed_theirs, pattern)
        have = select(printed_mine.splitlines(), None)
        if not want:
            raise ReferenceFailure(f"reference printed no line for {check.name!r} (pattern {pattern!r})")
        tolerance = self.tolerance(check)
        found, miss = match_lines(have, want, PrintedTolerance(tolerance.rtol, tolerance.atol), pattern)
        if found == len(want):
            return Verdict.passed()
        note = f" ({options.note})" if options.note else ""
        return Verdict.failed(f"{found} of {len(want)} expected lines printed; first difference: {miss}{note}",
                              found / len(want) if options.partial else 0.0)
