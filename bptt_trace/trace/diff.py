"""Two traces compared event by event: the config and vocabulary first, then every quantity
(an event type's field, e.g. ``backward.dh``) with its largest difference and the first event,
time step and entry where the two part beyond a relative tolerance.

Events are paired by their type and their place among the events of that type (the n-th
``backward`` of one with the n-th of the other). Each field is compared entry by entry
(``entries``): mappings by key, lists by position, tokens exactly, a number relative to the
largest |value| of the array it is in. A difference in structure (a key on one side only, a
list of another length, a token, NaN against a number) is described in words and is a
difference at any tolerance. So is any difference in the fields that say which event it is
(``PLACES``: its step, sentence, t, window): chunk 2 against chunk 1 is another window, not a
number 1 apart, and no number of them is counted.

Every number of the result is finite or null: a difference beyond the largest float (1.7e308
against −1.7e308) is null with ``beyond_floats``, its relative difference taken of the scaled
values, so it stays a number (at most 2). The places (``line``, ``step``, ``sentence``, ``t``)
are the first trace's line number and the event's own fields; ``entry`` is the path in the
field (keys, and positions from 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..core import interrupt
from .config_defaults import effective
from .entries import ABSENT, Entry, Found, compare, describe
from .events import Event


@dataclass
class Quantity:
    """One field of one event type across the paired events."""

    name: str
    max_abs: float = 0.0
    max_rel: float = 0.0
    first: dict[str, Any] | None = None  # where the two first part: line, step, …, the entry
    structure: dict[str, Any] | None = None  # the first difference in structure
    numbers: int = 0  # pairs of numbers compared

    def add(self, found: Found, place: dict[str, Any]) -> None:
        """What one pair of events' field gave."""
        self.max_abs, self.max_rel = (
            max(self.max_abs, found.max_abs),
            max(self.max_rel, found.max_rel),
        )
        self.numbers += found.numbers
        if self.first is None and found.first is not None:
            self.first = {**place, **entry_json(found.first)}
        if self.structure is None and found.structure is not None:
            self.structure = {**place, **entry_json(found.structure)}

    def to_json(self) -> dict[str, Any]:
        """Finite numbers or null: a null difference is one ``beyond_floats``."""
        finite = math.isfinite(self.max_abs)
        data: dict[str, Any] = {
            "quantity": self.name,
            "max_abs": self.max_abs if finite else None,
            "max_rel": self.max_rel,
            "numbers": self.numbers,
        }
        if not finite:
            data["beyond_floats"] = True
        data["first"], data["structure"] = self.first, self.structure
        return data


def entry_json(entry: Entry) -> dict[str, Any]:
    """An entry that parts: its path, and its two numbers, or (``structure``) its two sides in
    words."""
    data: dict[str, Any] = {"entry": list(entry.path), "in_first": entry.first}
    data["in_second"] = entry.second
    if entry.structural:
        data["structure"] = True
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
    config_a, config_b = effective(first_a["config"]), effective(first_b["config"])  # defaults
    keys = dict.fromkeys([*config_a, *config_b])
    result.config = {
        k: (config_a.get(k), config_b.get(k)) for k in keys if config_a.get(k) != config_b.get(k)
    }
    if first_a["vocab"] != first_b["vocab"]:
        result.vocab = (first_a["vocab"], first_b["vocab"])
    by_kind_a, by_kind_b = grouped(a), grouped(b)
    for kind in dict.fromkeys([*by_kind_a, *by_kind_b]):
        left, right = by_kind_a.get(kind, []), by_kind_b.get(kind, [])
        if len(left) != len(right):
            result.unpaired[kind] = (len(left), len(right))
        for (index, x), (_, y) in zip(left, right, strict=False):
            interrupt.poll()  # a pair of events: a unit of work
            if kind != "run":
                compare_event(kind, index, x, y, tolerance, result.quantities)
    return result


def grouped(events: list[Event]) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """(line number, JSON form) of each event, by type, in order."""
    out: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, event in enumerate(events, start=1):
        out.setdefault(event.kind, []).append((number, event.to_json("full")))
    return out


PLACES = ("step", "sentence", "t", "chunk", "window")
"""The fields that say which event it is and where: compared exactly, as structure."""


def compare_event(kind: str, line: int, x: dict, y: dict, tol: float, out: dict) -> None:
    place = {"line": line, **{k: x[k] for k in ("step", "sentence", "t") if k in x}}
    for name in dict.fromkeys([*x, *y]):
        if name == "event":
            continue
        q = out.setdefault(f"{kind}.{name}", Quantity(f"{kind}.{name}"))
        if name not in x or name not in y:
            found = Found(tol)
            found.structural((), *(worded(e[name]) if name in e else ABSENT for e in (x, y)))
        elif name in PLACES:
            found = Found(tol)
            if x[name] != y[name]:
                found.structural((), worded(x[name]), worded(y[name]))
        else:
            found = compare(x[name], y[name], tol)
        q.add(found, place)


def worded(value: Any) -> str:
    """One side of a difference in structure in words; a place's list of time steps (a
    window's [start, first loss, end]) as it is."""
    if isinstance(value, list) and len(value) <= 3 and all(type(v) is int for v in value):
        return f"[{', '.join(str(v) for v in value)}]"
    return describe(value)
