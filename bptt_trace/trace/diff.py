"""Two traces compared event by event: the config and vocabulary first, then every quantity
(an event type's field, e.g. ``backward.dh``) with its largest difference and the first event
and time step where the two part beyond a relative tolerance.

Events are paired by their type and their place among the events of that type (the n-th
``backward`` of one with the n-th of the other). A number's difference is relative to the
larger |value| of the pair's field; summaries compare their norm, min and max.

Every number of the result is finite or null: a field that is not numbers of one shape on both
sides (a string, another shape) and differs is ``incomparable`` (its differences null, not
infinite), and a difference beyond the largest float (1.7e308 against −1.7e308) is null
with ``beyond_floats``; the relative difference is then taken of the scaled values, so it stays
a number (at most 2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .events import Event


@dataclass
class Quantity:
    """One field of one event type across the paired events."""

    name: str
    max_abs: float = 0.0
    max_rel: float = 0.0
    first: dict[str, Any] | None = None  # where the two first part: index, step, sentence, t
    incomparable: bool = False  # not numbers of one shape on both sides, and not equal

    def to_json(self) -> dict[str, Any]:
        """Finite numbers or null: null differences say why (``incomparable``, or a
        difference ``beyond_floats``)."""
        data: dict[str, Any] = {"quantity": self.name}
        if self.incomparable:
            data.update(max_abs=None, max_rel=None, incomparable=True)
        else:
            finite = math.isfinite(self.max_abs)
            data.update(max_abs=self.max_abs if finite else None, max_rel=self.max_rel)
            if not finite:
                data["beyond_floats"] = True
        data["first"] = self.first
        return data


@dataclass
class TraceDiff:
    tolerance: float
    config: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    vocab: tuple[list[str], list[str]] | None = None
    quantities: dict[str, Quantity] = field(default_factory=dict)
    unpaired: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def equal(self) -> bool:
        parted = any(q.first is not None for q in self.quantities.values())
        return not (self.config or self.vocab or self.unpaired or parted)

    def to_json(self) -> dict[str, Any]:
        return {
            "equal": self.equal,
            "tolerance": self.tolerance,
            "config": {k: list(v) for k, v in self.config.items()},
            "vocab": None if self.vocab is None else list(self.vocab),
            "quantities": [q.to_json() for q in self.quantities.values()],
            "unpaired": {k: list(v) for k, v in self.unpaired.items()},
        }


def diff_traces(a: list[Event], b: list[Event], tolerance: float) -> TraceDiff:
    result = TraceDiff(tolerance)
    first_a, first_b = a[0].to_json("full"), b[0].to_json("full")
    keys = dict.fromkeys([*first_a["config"], *first_b["config"]])
    result.config = {
        k: (first_a["config"].get(k), first_b["config"].get(k))
        for k in keys
        if first_a["config"].get(k) != first_b["config"].get(k)
    }
    if first_a["vocab"] != first_b["vocab"]:
        result.vocab = (first_a["vocab"], first_b["vocab"])
    by_kind_a, by_kind_b = grouped(a), grouped(b)
    for kind in dict.fromkeys([*by_kind_a, *by_kind_b]):
        left, right = by_kind_a.get(kind, []), by_kind_b.get(kind, [])
        if len(left) != len(right):
            result.unpaired[kind] = (len(left), len(right))
        for (index, x), (_, y) in zip(left, right, strict=False):
            if kind != "run":
                compare_event(kind, index, x, y, tolerance, result.quantities)
    return result


def grouped(events: list[Event]) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """(line number, JSON form) of each event, by type, in order."""
    out: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, event in enumerate(events, start=1):
        out.setdefault(event.kind, []).append((number, event.to_json("full")))
    return out


def compare_event(kind: str, line: int, x: dict, y: dict, tol: float, out: dict) -> None:
    place = {k: x[k] for k in ("step", "sentence", "t") if k in x}
    for name in dict.fromkeys([*x, *y]):
        if name == "event":
            continue
        q = out.setdefault(f"{kind}.{name}", Quantity(f"{kind}.{name}"))
        found = difference(x.get(name), y.get(name))
        if found is None:
            q.incomparable = True
            rel = math.inf
        else:
            abs_diff, rel = found
            q.max_abs, q.max_rel = max(q.max_abs, abs_diff), max(q.max_rel, rel)
        if rel > tol and q.first is None:
            q.first = {"line": line, **place}


def numbers(value: Any) -> np.ndarray | None:
    """The numbers of a field (a summary: its norm, min, max), None if it is not numeric or
    holds nulls."""
    if isinstance(value, dict) and value.get("summary") is True:
        value = [value["norm"], value["min"], value["max"]]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(array).any() else array  # nulls among them: compared as they are


def difference(x: Any, y: Any) -> tuple[float, float] | None:
    """(largest absolute, relative) difference; None for fields that are not numbers of one
    shape on both sides and are not equal (they differ fully). The absolute difference is
    infinite only when it is beyond the largest float; the relative one is always finite."""
    a, b = numbers(x), numbers(y)
    if a is None or b is None or a.shape != b.shape:
        return (0.0, 0.0) if x == y else None
    if a.size == 0:
        return 0.0, 0.0
    with np.errstate(over="ignore"):
        diff = float(np.abs(a - b).max())
    if diff == 0.0:
        return 0.0, 0.0
    scale = max(float(np.abs(a).max()), float(np.abs(b).max()))
    if math.isfinite(diff):
        return diff, diff / scale
    return diff, float(np.abs(a / scale - b / scale).max())
