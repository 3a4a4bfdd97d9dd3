"""Argument generators of the TOML-only kinds: what a check hands the student's function, drawn
from the run's seed. Each draws a plain value (what the judges see) and its description (what
the child builds: a list, a numpy array, a tensor, or a test function that only evaluates).

    args = [{ type = "vector", size = 5, low = -3, high = 3, form = "array" }, { type = "scalar" }]
"""
from __future__ import annotations

import random
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from grader.driver import make, ref
from grader.wire import Step

Form = Literal["list", "array", "tensor"]
Dtype = Literal["float32", "float64"]


class Generator(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def draw(self, rng: random.Random) -> Any:
        """The plain value the judges see."""
        raise NotImplementedError

    def describe(self, value: Any) -> Any:
        """What the child is handed for `value`: a plain number, or a {"make": ...} description."""
        return value


def _numbers(rng: random.Random, shape: list[int], low: float, high: float, digits: int) -> Any:
    if not shape:
        return round(rng.uniform(low, high), digits)
    return [_numbers(rng, shape[1:], low, high, digits) for _ in range(shape[0])]


class Scalar(Generator):
    type: Literal["scalar"]
    low: float = -2.0
    high: float = 2.0
    digits: int = Field(6, ge=0, le=15, description="Rounded to this many decimals (what the child gets exactly).")

    def draw(self, rng: random.Random) -> Any:
        return round(rng.uniform(self.low, self.high), self.digits)


class Integer(Generator):
    type: Literal["integer"]
    low: int = 0
    high: int = 9

    def draw(self, rng: random.Random) -> Any:
        return rng.randint(self.low, self.high)


class Array(Generator):
    """A vector (`size`), a matrix or any tensor (`shape`) of uniform numbers."""

    type: Literal["vector", "matrix", "tensor"]
    size: int | None = Field(None, ge=1, le=10_000)
    shape: list[int] | None = Field(None, min_length=1, max_length=4)
    low: float = -2.0
    high: float = 2.0
    digits: int = Field(6, ge=0, le=15)
    form: Form = "list"
    dtype: Dtype = "float64"
    requires_grad: bool = False

    def dims(self) -> list[int]:
        if self.shape is not None:
            return self.shape
        if self.size is not None:
            return [self.size]
        raise ValueError(f"a {self.type} needs `size` or `shape`")

    def draw(self, rng: random.Random) -> Any:
        return _numbers(rng, self.dims(), self.low, self.high, self.digits)

    def describe(self, value: Any) -> Any:
        if self.form == "tensor":
            return {"make": {"kind": "tensor", "values": value, "dtype": self.dtype, "requires_grad": self.requires_grad}}
        return {"make": {"kind": self.form, "values": value}}


class Function(Generator):
    """A smooth test function of a point, Σ aᵢpᵢ² + b p₀p₁ + Σ cᵢ sin pᵢ + d e^{p₀/3} ("smooth"),
    or a convex valley Σ aᵢ(pᵢ-mᵢ)² + c Σ sin pᵢ with its bottom beside m ("valley"). The
    child gets a callable that only evaluates; derivatives and the bottom stay with the judge."""

    type: Literal["smooth", "valley"]
    dims: int = Field(2, ge=2, le=3)

    def draw(self, rng: random.Random) -> Any:
        if self.type == "smooth":
            return {"a": [rng.uniform(0.3, 2.0) for _ in range(self.dims)], "b": rng.uniform(-1, 1),
                    "c": [rng.choice([-1, 1]) * rng.uniform(0.5, 1.0) for _ in range(self.dims)],
                    "d": rng.uniform(-0.5, 0.5)}
        return {"a": [rng.uniform(0.6, 1.5) for _ in range(self.dims)],
                "m": [round(rng.uniform(-2, 2), 6) for _ in range(self.dims)],
                "c": round(rng.choice([-1, 1]) * rng.uniform(0.1, 0.2), 6)}

    def describe(self, value: Any) -> Any:
        return {"make": dict(value, kind=self.type)}


class VectorField(Generator):
    """A vector field of `dims` components, each a smooth function of the point (as above): the
    child gets a callable returning a list; its derivatives stay with the judge."""

    type: Literal["field"]
    dims: int = Field(3, ge=2, le=3)

    def draw(self, rng: random.Random) -> Any:
        return {"components": [Function(type="smooth", dims=self.dims).draw(rng) for _ in range(self.dims)]}

    def describe(self, value: Any) -> Any:
        return {"make": dict(value, kind="field")}


class Start(Generator):
    """A starting point near (`near` names the valley argument) but away from a valley's bottom.
    Which side of the bottom it starts on is fixed by the case's index (case i starts below in
    coordinate k when bit k of i is set): the seed moves the distances, never the sides."""

    type: Literal["start"]
    near: int = Field(0, ge=0, description="Index of the valley argument the start belongs to.")
    distance: tuple[float, float] = (1.0, 2.0)
    form: Form = "list"

    def draw(self, rng: random.Random, index: int = 0) -> Any:
        return {"offsets": [rng.uniform(*self.distance) * (-1 if (index >> k) & 1 else 1) for k in range(3)]}

    def describe(self, value: Any) -> Any:
        if self.form == "tensor":
            return {"make": {"kind": "tensor", "values": value, "dtype": "float64"}}
        return {"make": {"kind": self.form, "values": value}}


class Literal_(Generator):
    type: Literal["value"]
    value: JsonValue


Argument = Annotated[Union[Scalar, Integer, Array, Function, VectorField, Start, Literal_], Field(discriminator="type")]


def draw_case(args: list[Argument], rng: random.Random, index: int = 0) -> list[Any]:
    """Case `index`'s plain argument values. A start point is placed beside its valley's centre."""
    values: list[Any] = []
    for generator in args:
        if isinstance(generator, Literal_):
            values.append(generator.value)
        elif isinstance(generator, Start):
            centre = values[generator.near]["m"] if generator.near < len(values) and isinstance(values[generator.near], dict) else [0.0, 0.0]
            offsets = generator.draw(rng, index)["offsets"]
            values.append([round(m + o, 6) for m, o in zip(centre, offsets)])
        else:
            values.append(generator.draw(rng))
    return values


def handed(args: list[Argument], values: list[Any], prefix: str) -> tuple[list[Step], list[Any]]:
    """The case's arguments as the child is handed them: steps that make the values built there
    (kept as prefix0, prefix1, …), and the call's arguments (a reference to each made value, the
    plain ones as they are)."""
    steps: list[Step] = []
    plain: list[Any] = []
    for index, (generator, value) in enumerate(zip(args, values)):
        description = generator.describe(value)
        if isinstance(description, dict) and "make" in description:
            steps.append(make(f"{prefix}{index}", description["make"]))
            plain.append(ref(f"{prefix}{index}"))
        else:
            plain.append(description)
    return steps, plain
