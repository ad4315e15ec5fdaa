"""Two JSON values compared entry by entry, for ``--diff``.

Mappings are compared key by key, lists position by position, and so on down to the leaves:
numbers by their difference, everything else (tokens, true and false, null) exactly. A
number's difference is relative to the largest |value| of the array it is an entry of (a list,
nested or not, of numbers only), so that an entry near zero in a large array counts by the
array's scale; a number on its own (in a mixed list such as ``[token, probability]``, or a
field of one number) is its own array. A summary of an array (``{"summary": true, …}``) is
compared as the array it stands for: its entries relative to its largest |value|, max(|min|,
|max|); each of its largest entries with the one at its position on the other side (else the
one of its rank: entries that tie may swap places).

A difference in structure (a key on one side only, lists of other lengths, a token or a type
that differs, NaN or an infinity against anything but itself) is no number: it is described
(``absent``, ``3 entries``, ``'cat'``, ``null``) and counts as a difference at any tolerance.
A difference of finite numbers beyond the largest float is infinite, its relative difference
taken of the values scaled by the array's largest |value|, so that it stays a number (at
most 2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

Path = tuple[str | int, ...]
"""Where an entry is in a field: mapping keys and list positions (from 0), outermost first."""


@dataclass(frozen=True)
class Entry:
    """One entry whose two sides part: numbers beyond the tolerance (``structural`` False,
    the two numbers), or a difference in structure (the two sides described in words)."""

    path: Path
    first: Any
    second: Any
    structural: bool = False


@dataclass
class Found:
    """What comparing two values entry by entry found."""

    tolerance: float
    max_abs: float = 0.0  # infinite only for a difference beyond the largest float
    max_rel: float = 0.0
    first: Entry | None = None  # the first entry (in the order of the JSON) that parts
    structure: Entry | None = None  # the first difference in structure
    numbers: int = 0  # pairs of numbers compared

    def beyond(self, path: Path, first: float, second: float) -> None:
        self.first = self.first or Entry(path, first, second)

    def structural(self, path: Path, first: str, second: str) -> None:
        entry = Entry(path, first, second, structural=True)
        self.first = self.first or entry
        self.structure = self.structure or entry


def compare(x: Any, y: Any, tolerance: float) -> Found:
    """The two values compared entry by entry (see the module's docstring)."""
    found = Found(tolerance)
    walk(x, y, (), None, found)
    return found


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def floats(*values: int | float) -> bool:
    """Whether the numbers are floats' size (an integer past the largest float is compared
    exactly)."""
    try:
        return all(math.isfinite(float(v)) or isinstance(v, float) for v in values)
    except OverflowError:
        return False


def describe(value: Any) -> str:
    """One side of a difference in structure, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, int) and abs(value) >= 10**20:
        return f"an integer of {value.bit_length()} bits"
    if is_number(value):
        return repr(value)
    if isinstance(value, str):
        return repr(value)  # quoted, control characters escaped
    if isinstance(value, dict):
        return "a summary" if value.get("summary") is True else "a mapping"
    if isinstance(value, list):
        rows = [row for row in value if isinstance(row, list)]
        if value and len(rows) == len(value) and len({len(row) for row in rows}) == 1:
            return f"a {len(value)} × {len(rows[0])} matrix"  # (a list of rows, as JSON's)
        return f"{len(value)} {'entry' if len(value) == 1 else 'entries'}"
    return type(value).__name__


ABSENT = "absent"


def walk(x: Any, y: Any, path: Path, scale: float | None, found: Found) -> None:
    """Compare ``x`` and ``y`` at ``path``; ``scale``: the largest |value| of the array they
    are entries of (None: they are not entries of one)."""
    if isinstance(x, list) and isinstance(y, list):
        a, b = array(x), array(y)
        if a is not None and b is not None and a.shape == b.shape:
            arrays(a, b, path, scale, found)
            return
        if len(x) != len(y):
            found.structural(path, describe(x), describe(y))
        inner = largest(scale, a, b) if a is not None or b is not None else scale
        for i, (u, v) in enumerate(zip(x, y, strict=False)):
            walk(u, v, (*path, i), inner, found)
    elif isinstance(x, dict) and isinstance(y, dict):
        mappings(x, y, path, scale, found)
    elif is_number(x) and is_number(y) and floats(x, y):
        arrays(np.asarray([x]), np.asarray([y]), path, scale, found, scalar=True)
    elif type(x) is not type(y) or x != y:
        found.structural(path, describe(x), describe(y))


def mappings(x: dict, y: dict, path: Path, scale: float | None, found: Found) -> None:
    summary = x.get("summary") is True and y.get("summary") is True
    inner = summary_scale(x, y) if summary else None
    for key in dict.fromkeys([*x, *y]):
        here = (*path, key)
        if key not in x or key not in y:
            found.structural(here, *(describe(d[key]) if key in d else ABSENT for d in (x, y)))
        elif summary and key == "largest" and _rows(x[key]) and _rows(y[key]):
            largest_entries(x[key], y[key], here, inner, found)
        else:
            entries_scale = inner if key in ("min", "max", "head", "tail") else None
            walk(x[key], y[key], here, entries_scale, found)


def _rows(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(row, list) and row for row in value)


def largest_entries(x: list, y: list, path: Path, scale: float | None, found: Found) -> None:
    """A summary's largest entries, each ``[position…, value]``: each paired with the entry at
    its position on the other side, else with the entry of its rank (entries that tie, or
    nearly, may swap places or one leave the list), their values compared relative to the
    array's largest |value|."""
    if len(x) != len(y):
        found.structural(path, describe(x), describe(y))
    try:
        places = {tuple(row[:-1]): j for j, row in enumerate(y)}
    except TypeError:  # positions that are not numbers: by rank
        places = {}
    for i, row in enumerate(x):
        try:
            j = places.get(tuple(row[:-1]), i)
        except TypeError:
            j = i
        if j < len(y):
            walk(row[-1], y[j][-1], (*path, i, len(row) - 1), scale, found)


def summary_scale(x: dict, y: dict) -> float | None:
    ends = [v for d in (x, y) for v in (d.get("min"), d.get("max")) if is_number(v)]
    finite = [abs(float(v)) for v in ends if math.isfinite(float(v))]
    return max(finite) if finite else None


def array(value: list) -> np.ndarray | None:
    """``value`` as an array of numbers, or None if it is not one (ragged, or holding
    anything but numbers: a token, null, true or false, a mapping)."""
    try:
        result = np.asarray(value)
    except (ValueError, TypeError, OverflowError):
        return None
    if result.dtype.kind not in "iuf" or _has_bool(value, result.ndim):
        return None
    return result


def _has_bool(value: Any, depth: int) -> bool:
    """NumPy takes true and false among numbers as 1 and 0; here they are not numbers."""
    if depth <= 1:
        return any(isinstance(v, bool) for v in value)
    return any(_has_bool(v, depth - 1) for v in value)


def largest(scale: float | None, *arrays: np.ndarray | None) -> float:
    """The largest finite |value| among ``arrays`` and ``scale``."""
    best = scale or 0.0
    for a in arrays:
        if a is not None and a.size:
            values = np.abs(a[np.isfinite(a)].astype(float))
            best = max(best, float(values.max()) if values.size else 0.0)
    return best


def arrays(
    a: np.ndarray,
    b: np.ndarray,
    path: Path,
    scale: float | None,
    found: Found,
    scalar: bool = False,
) -> None:
    """Two arrays of numbers of one shape (``scalar``: two numbers at ``path`` itself)."""
    if a.size == 0:
        return
    given = a.reshape(-1), b.reshape(-1)  # the numbers as given: integers stay integers
    a, b = a.astype(float), b.astype(float)
    found.numbers += a.size
    whole = np.isfinite(a) & np.isfinite(b)
    odd = ~whole & ~((a == b) | (np.isnan(a) & np.isnan(b)))  # NaN or ±∞ against another
    s = largest(scale, a, b)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        gaps = np.where(whole, np.abs(a - b), 0.0)
        rel = gaps / s if s > 0 else np.zeros_like(gaps)
        over = whole & ~np.isfinite(gaps)
        if over.any():  # beyond the largest float: the scaled values' difference
            rel = np.where(over, np.abs(a / s - b / s), rel)
    found.max_abs = max(found.max_abs, float(gaps.max()))
    found.max_rel = max(found.max_rel, float(rel.max()))
    beyond, strange = np.flatnonzero(rel > found.tolerance), np.flatnonzero(odd)
    firsts = [(int(at[0]), is_odd) for at, is_odd in ((beyond, False), (strange, True)) if at.size]
    for k, is_odd in sorted(firsts):
        index = () if scalar else tuple(int(i) for i in np.unravel_index(k, a.shape))
        u, v = given[0][k].item(), given[1][k].item()
        if is_odd:
            found.structural((*path, *index), describe(u), describe(v))
        else:
            found.beyond((*path, *index), u, v)
