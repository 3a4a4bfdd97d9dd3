"""The test functions the judges know everything about: the child is handed only their values
(grader.arguments evaluates them there); derivatives, curvature bounds and minima stay here."""
from __future__ import annotations

import math
from typing import Sequence

from grader.arguments import smooth_value, valley_value


class Smooth:
    """f(p) = Σ aᵢ pᵢ² + b p₀ p₁ + Σ cᵢ sin(pᵢ) + d exp(p₀ / 3), for 2 or 3 coordinates."""

    def __init__(self, a: Sequence[float], b: float, c: Sequence[float], d: float) -> None:
        self.a, self.b, self.c, self.d = list(a), b, list(c), d

    @classmethod
    def from_params(cls, params: dict) -> Smooth:
        return cls(params["a"], params["b"], params["c"], params["d"])

    def __call__(self, p: Sequence[float]) -> float:
        return smooth_value(self.a, self.b, self.c, self.d, p)

    def derivative(self, p: Sequence[float], k: int) -> float:
        value = 2 * self.a[k] * p[k] + self.c[k] * math.cos(p[k])
        if k == 0:
            value += self.b * p[1] + self.d * math.exp(p[0] / 3) / 3
        if k == 1:
            value += self.b * p[0]
        return value

    def curvature_bound(self, p: Sequence[float], k: int, reach: float) -> float:
        """An upper bound of |∂²f/∂pₖ²| within `reach` of p along coordinate k."""
        bound = 2 * abs(self.a[k]) + abs(self.c[k])
        if k == 0:
            bound += abs(self.d) * math.exp((p[0] + reach) / 3) / 9
        return bound

    def quotients(self, p: Sequence[float], k: int, step: float) -> dict[str, float]:
        """The forward, backward and central difference quotients of f at p along k, in float64:
        what an honest df computes (up to rounding)."""
        def moved(by: float) -> list[float]:
            q = [float(v) for v in p]
            q[k] += by
            return q
        here, up, down = self(p), self(moved(step)), self(moved(-step))
        return {"forward": (up - here) / step, "backward": (here - down) / step, "central": (up - down) / (2 * step)}


class Valley:
    """f(p) = Σ aᵢ (pᵢ - mᵢ)² + c Σ sin(pᵢ), convex for |c| < 2 min aᵢ. Its bottom lies beside m,
    where 2aᵢ(pᵢ - mᵢ) + c cos(pᵢ) = 0: found here by Newton's method, nowhere in the child."""

    def __init__(self, a: Sequence[float], m: Sequence[float], c: float) -> None:
        self.a, self.m, self.c = list(a), list(m), c

    @classmethod
    def from_params(cls, params: dict) -> Valley:
        return cls(params["a"], params["m"], params["c"])

    def __call__(self, p: Sequence[float]) -> float:
        return valley_value(self.a, self.m, self.c, p)

    def bottom(self) -> list[float]:
        found = []
        for a, m in zip(self.a, self.m):
            p = m
            for _ in range(50):
                slope = 2 * a * (p - m) + self.c * math.cos(p)
                p -= slope / (2 * a - self.c * math.sin(p))
            found.append(p)
        return found
