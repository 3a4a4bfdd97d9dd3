"""Compare plain values with tolerances: structure first, then numbers.

missing → type → shape → dtype/device → closeness. NaN and infinity never pass. A failure
says what was compared, got vs expected, how many elements differ, the largest absolute and
relative error, and the tolerance used.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Tolerance:
    rtol: float = 1e-6
    atol: float = 1e-9

    def allows(self, got: float, expected: float) -> bool:
        got, expected = finite_or_inf(got), finite_or_inf(expected)
        if not (math.isfinite(got) and math.isfinite(expected)):
            return False
        return abs(got - expected) <= self.atol + self.rtol * abs(expected)

    def __str__(self) -> str:
        return f"rtol={self.rtol:g}, atol={self.atol:g}"


@dataclass(frozen=True)
class Difference:
    """Why two values differ, in words a student can act on; None-like when they agree."""

    message: str


MAX_DIMENSIONS = 32      # deeper lists are not numbers: judging them must not exhaust the stack


def finite_or_inf(value: float) -> float:
    """`value` as a float; an int too large for one becomes ±infinity (float() would raise)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def numbers(value: Any) -> tuple[list[float], list[int], dict] | None:
    """Flat floats and shape of a plain value (number, nested list, tensor dict); None if not numeric.

    Never raises, whatever the value: malformed data (a tensor dict missing its values, a ragged
    or too deeply nested list, a string) is not numeric."""
    return _numbers(value, 0)


def _numbers(value: Any, depth: int) -> tuple[list[float], list[int], dict] | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return [finite_or_inf(value)], [], {}
    if isinstance(value, dict) and "tensor" in value:
        return _tensor(value["tensor"])
    if isinstance(value, list) and depth < MAX_DIMENSIONS:
        flat: list[float] = []
        shapes = []
        for item in value:
            inner = _numbers(item, depth + 1)
            if inner is None:
                return None
            flat += inner[0]
            shapes.append(inner[1])
        if any(shape != shapes[0] for shape in shapes):
            return None
        return flat, [len(value)] + (shapes[0] if shapes else []), {}
    return None


def _tensor(tensor: Any) -> tuple[list[float], list[int], dict] | None:
    """The values and shape of a tensor dict, if they are numbers and agree; its dtype a string."""
    if not isinstance(tensor, dict):
        return None
    values, shape = tensor.get("values"), tensor.get("shape")
    if not isinstance(values, list) or not isinstance(shape, list) or len(shape) > MAX_DIMENSIONS:
        return None
    if not all(type(n) is int and 0 <= n < 2**63 for n in shape) or math.prod(shape) != len(values):
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return None
    if not all(isinstance(tensor.get(key, ""), str) for key in ("kind", "dtype", "device")):
        return None
    return [finite_or_inf(v) for v in values], list(shape), tensor


def fmt(values: Any, limit: int = 6) -> str:
    """Numbers for a message: one as itself, several as a list cut after `limit`. Never raises."""
    if not isinstance(values, (list, tuple)):
        return _short(values)
    shown = ", ".join(_number(v) for v in values[:limit])
    more = f", … ({len(values)} values)" if len(values) > limit else ""
    return f"[{shown}{more}]" if len(values) != 1 else _number(values[0], digits=10)


def _number(value: Any, digits: int = 6) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{finite_or_inf(value):.{digits}g}"
    return _short(value)


def compare(what: str, got: Any, expected: Any, tolerance: Tolerance) -> Difference | None:
    """None when `got` matches `expected` within `tolerance`, else the difference explained."""
    if got is None:
        return Difference(f"{what}: nothing came back (expected {_short(expected)})")
    want = numbers(expected)
    have = numbers(got)
    if want is None:
        if _equal(got, expected):
            return None
        return Difference(f"{what}: expected {_short(expected, 200)}, got {_short(got, 200)}")
    if have is None:
        return Difference(f"{what}: expected numbers {fmt(want[0])}, got {_short(got)}")
    (gv, gshape, _), (ev, eshape, _) = have, want
    squeeze = lambda shape: [n for n in shape if n != 1]  # noqa: E731 - [2] and [2, 1] hold the same numbers
    if len(gv) != len(ev) or (gshape != eshape and squeeze(gshape) != squeeze(eshape)):
        return Difference(f"{what}: expected shape {eshape}, got shape {gshape} ({fmt(gv)})")
    bad = [i for i, (g, e) in enumerate(zip(gv, ev)) if not tolerance.allows(g, e)]
    if not bad:
        return None
    if any(not math.isfinite(gv[i]) for i in bad):
        return Difference(f"{what}: got {fmt(gv)} with NaN or infinity, expected {fmt(ev)}")
    worst_abs = max(abs(gv[i] - ev[i]) for i in bad)
    worst_rel = max(abs(gv[i] - ev[i]) / abs(ev[i]) if ev[i] else math.inf for i in bad)
    return Difference(
        f"{what}: expected {fmt(ev)}, got {fmt(gv)}; {len(bad)} of {len(ev)} differ, "
        f"largest error {worst_abs:.3g} (relative {worst_rel:.3g}), tolerance {tolerance}",
    )


def _equal(got: Any, expected: Any) -> bool:
    try:
        return bool(got == expected)
    except RecursionError:         # plain data nested deeper than the stack: not the expected value
        return False


def _short(value: Any, limit: int = 80) -> str:
    """A description of a plain value for a message, at most about `limit` characters. Never raises."""
    if isinstance(value, dict) and "tensor" in value:
        tensor = numbers(value)
        if tensor is not None:
            return f"a {tensor[2].get('kind', 'tensor')} of shape {tensor[1]}: {fmt(tensor[0])}"
        return "a malformed tensor"
    try:
        text = repr(value)
    except RecursionError:
        text = f"a {type(value).__name__} nested too deeply to show"
    except ValueError:                     # an int of more digits than str() allows, or one inside
        text = (f"an int of {value.bit_length()} bits" if isinstance(value, int)
                else f"a {type(value).__name__} too large to show")
    return text if len(text) < limit else text[:limit - 3] + "..."
