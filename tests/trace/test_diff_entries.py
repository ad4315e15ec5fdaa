"""--diff compares nested fields entry by entry: mappings by key, lists by position, tokens
exactly, a number relative to the largest |value| of the array it is in (a number on its own
is its own array). The class of bug: a nested field (``update.new``, ``blame.shares``,
``predictions.top``) that counted as fully different on any change.

The scale each number is compared against is worked out here on its own, from the nested
structure as plain Python (``array_scale``), not by the code under test."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bptt_trace.trace.entries import Entry, compare

NUMBER = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
TOKEN = st.text(max_size=4)


def arrays_of_numbers() -> st.SearchStrategy[list]:
    """A vector or a matrix of numbers as nested lists (a matrix may have no columns)."""
    vector = st.lists(NUMBER, max_size=5)
    matrix = st.integers(1, 4).flatmap(
        lambda cols: st.lists(st.lists(NUMBER, min_size=cols, max_size=cols), max_size=4)
    )
    return vector | matrix


VALUES = st.recursive(
    NUMBER | TOKEN | arrays_of_numbers(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TOKEN, inner, max_size=4),
    max_leaves=16,
)
TOLERANCES = st.sampled_from([1e-12, 1e-9, 1e-6, 1e-3])
SEEDS = st.integers(0, 2**32 - 1)
"""Of the perturbations' δ (drawn by ``random``: drawing each by Hypothesis costs more than the
comparison)."""


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def shape(value: Any) -> tuple[int, ...] | None:
    """The shape of a rectangular nest of lists of numbers; None for anything else."""
    if is_number(value):
        return ()
    if not isinstance(value, list):
        return None
    shapes = {shape(v) for v in value}
    if None in shapes or len(shapes) > 1:
        return None
    return (len(value), *(shapes.pop() if shapes else ()))


def numbers_in(value: Any) -> list[float]:
    if is_number(value):
        return [value]
    return [n for v in value for n in numbers_in(v)] if isinstance(value, list) else []


def at(value: Any, path: tuple) -> Any:
    for step in path:
        value = value[step]
    return value


def array_scale(x: Any, y: Any, path: tuple) -> float:
    """The largest |value|, on both sides, of the outermost array of numbers holding the
    number at ``path`` (the number itself if no list of numbers holds it)."""
    for depth in range(len(path)):
        node = at(x, path[:depth])
        if isinstance(node, list) and shape(node) is not None:
            both = numbers_in(node) + numbers_in(at(y, path[:depth]))
            return max(abs(v) for v in both)
    return max(abs(at(x, path)), abs(at(y, path)))


def leaves(value: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    """(path, leaf) of every number and token, in the order of the JSON."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in leaves(v, (*path, k))]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in leaves(v, (*path, i))]
    return [(path, value)]


def perturbed(value: Any, rng: random.Random, most: float) -> Any:
    """A copy with every number multiplied by 1 + δ, |δ| ≤ ``most``."""
    if isinstance(value, dict):
        return {k: perturbed(v, rng, most) for k, v in value.items()}
    if isinstance(value, list):
        return [perturbed(v, rng, most) for v in value]
    if is_number(value):
        return value * (1 + rng.uniform(-most, most))
    return value


def replaced(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: replaced(v, rest, new) if k == head else v for k, v in value.items()}
    return [replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]


@given(VALUES, TOLERANCES, st.data())
@settings(max_examples=150, deadline=None)
def test_within_a_tenth_of_the_tolerance_is_equal(value, tol, data) -> None:
    copy = perturbed(value, random.Random(data.draw(SEEDS)), tol / 10)
    found = compare(value, copy, tol)
    assert found.first is None and found.structure is None
    assert found.max_rel <= tol


@given(VALUES, TOLERANCES, st.data())
@settings(max_examples=150, deadline=None)
def test_one_entry_ten_tolerances_apart_is_the_first_that_parts(value, tol, data) -> None:
    """Every number moved by at most tol/10 and one entry (a number by 10·tol of its array's
    scale, or a token) further: that entry is the first that parts, and the only one."""
    found_leaves = leaves(value)
    if not found_leaves:
        return  # no entry to change (an empty list or mapping)
    path, leaf = data.draw(st.sampled_from(found_leaves))
    copy = perturbed(value, random.Random(data.draw(SEEDS)), tol / 10)
    if is_number(leaf):
        scale = array_scale(value, value, path)
        new = leaf + 10 * tol * scale if scale > 0 else 1.0
        changed = replaced(copy, path, new)
        found = compare(value, changed, tol)
        assert found.first == Entry(path, leaf, new)
        assert found.structure is None
        assert tol < found.max_rel <= 2
        exact = abs(new - leaf) / array_scale(value, changed, path)
        assert found.max_rel == pytest.approx(exact, rel=1e-6)
    else:
        new = leaf + "x"
        found = compare(value, replaced(copy, path, new), tol)
        assert found.first == found.structure == Entry(path, repr(leaf), repr(new), True)
        assert found.max_rel <= tol


@given(VALUES)
@settings(max_examples=100, deadline=None)
def test_a_value_and_itself_are_equal_at_any_tolerance(value) -> None:
    found = compare(value, value, 0.0)
    assert found.first is None and found.max_abs == 0.0 and found.max_rel == 0.0


# -- differences in structure: described in words, a difference at any tolerance ------------

SUMMARY = {"summary": True, "shape": [2, 3], "norm": 1.0, "min": -0.5, "max": 0.5}


@pytest.mark.parametrize(
    ("x", "y", "path", "first", "second"),
    [
        ({"W": [1.0], "V": [2.0]}, {"W": [1.0]}, ("V",), "1 entry", "absent"),
        ({"W": [1.0]}, {"W": [1.0], "b": 0.5}, ("b",), "absent", "0.5"),
        ({"W": [1.0, 2.0, 3.0]}, {"W": [1.0, 2.0]}, ("W",), "3 entries", "2 entries"),
        ([["cat", 0.5]], [["dog", 0.5]], (0, 0), "'cat'", "'dog'"),
        ({"h": [0.25, math.nan]}, {"h": [0.25, 1.0]}, ("h", 1), "NaN", "1.0"),
        ({"h": [math.inf]}, {"h": [1e308]}, ("h", 0), "Infinity", "1e+308"),
        ({"dh": None}, {"dh": [0.1, 0.2]}, ("dh",), "null", "2 entries"),
        ({"cut": False}, {"cut": True}, ("cut",), "false", "true"),
        ([True, 1], [1, 1], (0,), "true", "1"),
        ({"W": SUMMARY}, {"W": [[0.5] * 3] * 2}, ("W",), "a summary", "a 2 × 3 matrix"),
        ({"W": [[0.5] * 4] * 4}, {}, ("W",), "a 4 × 4 matrix", "absent"),  # (rows: 4 entries)
        (
            {"W": [[0.5] * 4] * 4},
            {"W": [[0.5] * 4] * 3},
            ("W",),
            "a 4 × 4 matrix",
            "a 3 × 4 matrix",
        ),
        ({"x": [[1.0], [2.0, 3.0]]}, {"x": [1.0]}, ("x",), "2 entries", "1 entry"),
        ({"t": "3"}, {"t": 3}, ("t",), "'3'", "3"),
        ([2**2000], [2**2000 + 1], (0,), "an integer of 2001 bits", "an integer of 2001 bits"),
    ],
)
def test_a_difference_in_structure_is_named_in_words(x, y, path, first, second) -> None:
    found = compare(x, y, 10.0)  # a tolerance no difference in numbers reaches
    expected = Entry(path, first, second, structural=True)
    assert found.first == found.structure == expected
    assert math.isfinite(found.max_abs) and math.isfinite(found.max_rel)


def test_equal_nan_and_infinities_are_equal() -> None:
    assert (
        compare([math.nan, math.inf, -math.inf], [math.nan, math.inf, -math.inf], 0.0).first is None
    )


def test_a_summary_compares_its_entries_by_its_largest_value() -> None:
    """Its entries relative to max(|min|, |max|); its largest entries paired by position, else
    by rank: entries that tie may swap places."""
    a = {**SUMMARY, "head": [[2e-9, 1e-9]], "largest": [[0, 1, 0.5], [1, 2, -0.5]]}
    near = {**a, "head": [[2e-9, 1e-9 + 1e-12]]}  # 2e-12 of the array's largest |value|, 0.5
    assert compare(a, near, 1e-9).first is None
    swapped = {**a, "largest": [[1, 2, -0.5], [0, 1, 0.5 - 1e-12]]}
    assert compare(a, swapped, 1e-9).first is None
    elsewhere = {**a, "largest": [[0, 1, 0.5], [1, 0, -0.4]]}
    found = compare(a, elsewhere, 1e-9)
    assert found.first == Entry(("largest", 1, 2), -0.5, -0.4) and found.structure is None
    assert found.max_rel == pytest.approx(0.1 / 0.5)
