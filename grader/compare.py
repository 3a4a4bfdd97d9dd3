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
        return math.isfinite(got) and abs(got - expected) <= self.atol + self.rtol * abs(expected)

    def __str__(self) -> str:
        return f"rtol={self.rtol:g}, atol={self.atol:g}"


@dataclass(frozen=True)
class Difference:
    """Why two values differ, in words a student can act on; None-like when they agree."""

    message: str
    got: list[float] | None = None
    expected: list[float] | None = None


def numbers(value: Any) -> tuple[list[float], list[int], dict] | None:
    """Flat floats and shape of a plain value (number, nested list, tensor dict); None if not numeric."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return [float(value)], [], {}
    if isinstance(value, dict) and "tensor" in value:
        tensor = value["tensor"]
        return [float(v) for v in tensor["values"]], list(tensor["shape"]), tensor
    if isinstance(value, list):
        flat: list[float] = []
        shapes = []
        for item in value:
            inner = numbers(item)
            if inner is None:
                return None
            flat += inner[0]
            shapes.append(inner[1])
        if any(shape != shapes[0] for shape in shapes):
            return None
        return flat, [len(value)] + (shapes[0] if shapes else []), {}
    return None


def fmt(values: list[float], limit: int = 6) -> str:
    shown = ", ".join(f"{v:.6g}" for v in values[:limit])
    more = f", … ({len(values)} values)" if len(values) > limit else ""
    return f"[{shown}{more}]" if len(values) != 1 else f"{values[0]:.10g}"


def compare(what: str, got: Any, expected: Any, tolerance: Tolerance, check_dtype: bool = False) -> Difference | None:
    """None when `got` matches `expected` within `tolerance`, else the difference explained."""
    if got is None:
        return Difference(f"{what}: nothing came back (expected {_short(expected)})")
    want = numbers(expected)
    have = numbers(got)
    if want is None:
        return None if got == expected else Difference(f"{what}: expected {expected!r}, got {got!r}")
    if have is None:
        return Difference(f"{what}: expected numbers {fmt(want[0])}, got {_short(got)}")
    (gv, gshape, gmeta), (ev, eshape, emeta) = have, want
    squeeze = lambda shape: [n for n in shape if n != 1]  # noqa: E731 - [2] and [2, 1] hold the same numbers
    if gshape != eshape and not (squeeze(gshape) == squeeze(eshape) and len(gv) == len(ev)):
        return Difference(f"{what}: expected shape {eshape}, got shape {gshape} ({fmt(gv)})")
    if check_dtype and gmeta and emeta and gmeta.get("dtype") != emeta.get("dtype"):
        return Difference(f"{what}: expected dtype {emeta.get('dtype')}, got {gmeta.get('dtype')}")
    bad = [i for i, (g, e) in enumerate(zip(gv, ev)) if not tolerance.allows(g, e)]
    if not bad:
        return None
    if any(not math.isfinite(gv[i]) for i in bad):
        return Difference(f"{what}: got {fmt(gv)} with NaN or infinity, expected {fmt(ev)}", gv, ev)
    worst_abs = max(abs(gv[i] - ev[i]) for i in bad)
    worst_rel = max(abs(gv[i] - ev[i]) / abs(ev[i]) if ev[i] else math.inf for i in bad)
    return Difference(
        f"{what}: expected {fmt(ev)}, got {fmt(gv)}; {len(bad)} of {len(ev)} differ, "
        f"largest error {worst_abs:.3g} (relative {worst_rel:.3g}), tolerance {tolerance}",
        gv, ev,
    )


def _short(value: Any) -> str:
    if isinstance(value, dict) and "tensor" in value:
        tensor = value["tensor"]
        return f"a {tensor.get('kind', 'tensor')} of shape {tensor.get('shape')}: {fmt([float(v) for v in tensor.get('values', [])])}"
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."
