"""Central differences with their own error bounds, for judges that compute a truth themselves.

The central difference at h and at 2h differ by about three times the truncation error of the
one at h (both are O(h²)); combined, (4·D(h) − D(2h)) / 3 is O(h⁴). Rounding adds about
4ε|f|/h. The bound returned is ten times both: generous to every honest method, far below any
wrong formula."""
from __future__ import annotations

from typing import Callable, Sequence

EPSILON = 2.2e-16


def richardson(up: float, down: float, up2: float, down2: float, h: float) -> tuple[float, float]:
    """(estimate, error bound) from f(x+h), f(x−h), f(x+2h), f(x−2h)."""
    near = (up - down) / (2 * h)
    far = (up2 - down2) / (4 * h)
    rounding = 4 * EPSILON * (max(abs(up), abs(down)) + 1) / h
    return (4 * near - far) / 3, 10 * (abs(near - far) / 3 + rounding)


def central_difference(f: Callable[[list[float]], float], p: Sequence[float], k: int,
                       h: float = 1e-4) -> tuple[float, float]:
    """∂f/∂p_k at p, and how far that estimate may be from the exact derivative."""
    def at(by: float) -> float:
        moved = [float(v) for v in p]
        moved[k] += by
        return f(moved)
    return richardson(at(h), at(-h), at(2 * h), at(-2 * h), h)
