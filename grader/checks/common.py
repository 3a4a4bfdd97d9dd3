"""Check kinds every exercise can use: the API, printed output, gradients left by a script."""
from __future__ import annotations

import bisect
import difflib
import functools
import math
import random
import re
from typing import Any

from grader.checks.base import Kind, ReferenceFailure, Run, Verdict, error_verdict
from grader.compare import Tolerance, compare, fmt, numbers
from grader.spec import CheckSpec

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf")


class Api(Kind):
    """The functions and classes the exercise names exist, are callable, take the right parameters."""

    probe = "api"

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        return {"names": list(check.options["names"])}

    def judge(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Verdict:
        problems = []
        defined = got.get("defined", [])
        for name in params["names"]:
            mine, theirs = got["names"].get(name, {}), expected["names"].get(name, {})
            if not mine.get("present"):
                head = name.split(".")[0]
                pool = defined if head == name else []
                close = difflib.get_close_matches(name.split(".")[-1], pool, n=1, cutoff=0.6)
                hint = f" — did you mean {close[0]!r}?" if close else ""
                problems.append(f"{name} is missing{hint}")
            elif not mine.get("callable"):
                problems.append(f"{name} is not callable")
            elif mine.get("stub"):
                problems.append(f"{name} is still the starter's placeholder (raise NotImplementedError)")
            elif theirs.get("parameters") and mine.get("parameters") is not None:
                need = [p for p in theirs["parameters"] if p != "self"]
                have = [p for p in mine["parameters"] if p != "self"]
                if len(have) < len(need) and not any(p in ("args", "kwargs") for p in have):
                    problems.append(f"{name} takes ({', '.join(have)}), expected ({', '.join(need)})")
        if problems:
            found = len(params["names"]) - len(problems)
            return Verdict.failed("; ".join(problems), found / len(params["names"]))
        return Verdict.passed()


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


class Output(Kind):
    """The script's printed lines match the reference's: text normalised, numbers within tolerance.

    options.pattern selects the lines compared (a regex); options.rerun compares the printed
    output of another check's re-run instead of the first run."""

    rtol = 1e-9
    atol = 1e-12

    def judge_run(self, check: CheckSpec, params: Any, got: Run, expected: Run) -> Verdict:
        source = check.options.get("from")
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
        pattern = check.options.get("pattern")
        want = expected_lines(printed_theirs, pattern)
        have = select(printed_mine.splitlines(), None)
        if not want:
            raise ReferenceFailure(f"reference printed no line for {check.name!r} (pattern {pattern!r})")
        found, miss = match_lines(have, want, self.tolerance(check), pattern)
        if found == len(want):
            return Verdict.passed()
        note = f" ({check.options['note']})" if check.options.get("note") else ""
        return Verdict.failed(f"{found} of {len(want)} expected lines printed; first difference: {miss}{note}",
                              found / len(want) if check.options.get("partial", True) else 0.0)


class Leaves(Kind):
    """The script, run with its variables moved to values the student cannot know (every
    torch.tensor(..., requires_grad=True) shifted), has autograd compute the true gradient of the
    exercise's function there (backward() or autograd.grad: a hook on each variable sees it); a
    gradient typed in or assigned to .grad by hand is not autograd's.

    options.function: "sumsq" (f = Σxᵢ²) or "norm" (f = √Σxᵢ²), over all leaf values in order."""

    probe = "leaves"
    rtol = 1e-5
    atol = 1e-6

    def inputs(self, check: CheckSpec, rng: random.Random) -> Any:
        return {"offsets": [round(rng.choice([-1, 1]) * rng.uniform(0.2, 0.9), 3) for _ in range(3)]}

    def judge(self, check: CheckSpec, params: Any, got: Any, expected: Any) -> Verdict:
        mine, theirs = got.get("shifted") or {}, expected.get("shifted") or {}
        created = mine.get("values") or []
        if not created:
            return Verdict.failed("the script makes no variable that requires a gradient: create it with "
                                  "torch.tensor(..., requires_grad=True)")
        values, sizes = [], []
        for tensor in created:
            flat = numbers(tensor)
            if flat is None:
                return Verdict.failed("a variable of the script could not be read as numbers")
            values += flat[0]
            sizes.append(len(flat[0]))
        want_values = [v for tensor in theirs.get("values") or [] for v in (numbers(tensor) or ([],))[0]]
        tolerance = self.tolerance(check)
        if compare("inputs", sorted(values), sorted(want_values), tolerance):
            return Verdict.failed(f"the variables hold {fmt(values)}, the exercise asks for {fmt(want_values)} "
                                  "(the grader moved the script's starting values)")
        function = check.options["function"]
        norm = math.sqrt(sum(v * v for v in values))
        truth = [2 * v for v in values] if function == "sumsq" else [v / norm for v in values]
        computed = mine.get("autograd_grads") or []
        if not any(g is not None for g in computed):
            return Verdict.failed("autograd computed no gradient for the script's variables: call f.backward() "
                                  "(then x.grad holds it) or torch.autograd.grad(f, ...); a gradient typed in or "
                                  "assigned to .grad by hand is not the exercise")
        grads = []
        for size, gradient in zip(sizes, computed):
            flat = numbers(gradient) if gradient is not None else None
            grads += flat[0] if flat is not None and len(flat[0]) == size else [math.nan] * size
        difference = compare("gradient autograd computed", grads, truth, tolerance)
        if difference is None:
            return Verdict.passed()
        hint = ""
        if function == "norm" and compare("g", grads, [2 * v for v in values], tolerance) is None:
            hint = " — that is the gradient of Σx², not of the norm √Σx² (torch.norm)"
        return Verdict.failed(difference.message + hint)
