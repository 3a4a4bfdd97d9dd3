"""Smooth test functions shared by the probes (which hand them to student code) and the judges
(which know their exact derivatives). Pure Python: nothing here is secret or imports torch."""
from __future__ import annotations

import math
from typing import Sequence


class Smooth:
    """f(p) = Σ aᵢ pᵢ² + b p₀ p₁ + Σ cᵢ sin(pᵢ) + d exp(p₀ / 3), for 2 or 3 coordinates."""

    def __init__(self, a: Sequence[float], b: float, c: Sequence[float], d: float) -> None:
        self.a, self.b, self.c, self.d = list(a), b, list(c), d

    @classmethod
    def from_params(cls, params: dict) -> Smooth:
        return cls(params["a"], params["b"], params["c"], params["d"])

    def __call__(self, p) -> float:
        value = self.b * p[0] * p[1] + self.d * math.exp(p[0] / 3)
        for i, (a, c) in enumerate(zip(self.a, self.c)):
            value += a * p[i] * p[i] + c * math.sin(p[i])
        return value

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


class Bowl:
    """f(p) = Σ aᵢ (pᵢ - mᵢ)²: a convex bowl whose bottom m the descent should find."""

    def __init__(self, a: Sequence[float], m: Sequence[float]) -> None:
        self.a, self.m = list(a), list(m)

    @classmethod
    def from_params(cls, params: dict) -> Bowl:
        return cls(params["a"], params["m"])

    def __call__(self, p) -> float:
        return sum(a * (p[i] - m) ** 2 for i, (a, m) in enumerate(zip(self.a, self.m)))
