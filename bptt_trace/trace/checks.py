"""The checks that the schema is made of: each takes a value and the sizes V, H, T of its run,
and names what is wrong (None when the value is fine)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

Check = Callable[[Any, dict[str, int]], str | None]
"""A check takes a value and the sizes V, H, T, and names what is wrong (None when fine).
Each also carries ``spec``: its kind and arguments, from which ``json_schema`` writes the same
rules as a JSON Schema."""


def described(check: Check, *spec: Any) -> Check:
    check.spec = spec  # type: ignore[attr-defined]
    return check


MAX_INTEGER = 2**53
"""The largest whole number a trace may hold (JSON's safe integers): counts, steps, indices."""


def _is_number(x: Any) -> bool:
    if isinstance(x, int) and not isinstance(x, bool):
        return abs(x) <= MAX_INTEGER  # a 401-digit integer is no float
    return isinstance(x, float) and math.isfinite(x)


def integer(x: Any, dims: dict[str, int]) -> str | None:
    if not (isinstance(x, int) and not isinstance(x, bool) and x >= 0):
        return "a whole number ≥ 0"
    return None if x <= MAX_INTEGER else f"a whole number ≤ {MAX_INTEGER:,}"


def number(x: Any, dims: dict[str, int]) -> str | None:
    return None if _is_number(x) else "a finite number"


def string(x: Any, dims: dict[str, int]) -> str | None:
    return None if isinstance(x, str) else "a string"


def boolean(x: Any, dims: dict[str, int]) -> str | None:
    return None if isinstance(x, bool) else "true or false"


def obj(x: Any, dims: dict[str, int]) -> str | None:
    return None if isinstance(x, dict) else "an object"


def summary_problem(x: dict[str, Any], shape: list[int | None]) -> str | None:
    """What is wrong with a summary of an array of ``shape`` (None: any size there)."""
    got = x.get("shape")
    if (
        not isinstance(got, list)
        or len(got) != len(shape)
        or any(
            integer(g, {}) is not None or (want is not None and g != want)
            for g, want in zip(got, shape, strict=False)
        )
    ):
        return f"a summary of shape {shape}"
    if not all(_is_number(x.get(key)) for key in ("norm", "min", "max")):
        return "a summary with a finite norm, min and max"
    if x["norm"] < 0 or x["min"] > x["max"]:
        return "a summary whose norm is ≥ 0 and min ≤ max"
    largest = x.get("largest")
    if not isinstance(largest, list) or not all(
        isinstance(entry, list)
        and len(entry) == len(shape) + 1
        and all(integer(i, {}) is None and i < n for i, n in zip(entry, got, strict=False))
        and _is_number(entry[-1])
        for entry in largest
    ):
        return "a summary whose largest entries are [index…, value] lists inside its shape"
    if edges_problem(x, got):
        return (
            "a summary whose head and tail are its first and last entries (5 a row, of 2 rows "
            "of a matrix), each between its min and max"
        )
    if not all(x["min"] <= entry[-1] <= x["max"] for entry in largest):
        return "a summary whose largest entries lie between its min and max"
    return None


def edges_problem(x: dict[str, Any], shape: list[int]) -> bool:
    """Whether a summary's head and tail are not lists of the entries its shape shows: the
    first 5 (and, past 5, the last 5) of a vector; the first 5 of each of the first 2 (and,
    past 2, the last 2) rows of a matrix; each between min and max."""
    matrix, first = len(shape) > 1, shape[0]
    row = min(5, shape[-1])
    if matrix:
        head = [row] * min(2, first)
        tail = [row] * 2 if first > 2 else []
        parts = [x.get("head"), x.get("tail")]
    else:
        head, tail = [min(5, first)], [5] if first > 5 else [0]
        parts = [[x.get("head")], [x.get("tail")]]
    for part, lengths in zip(parts, (head, tail), strict=True):
        if not isinstance(part, list) or len(part) != len(lengths):
            return True
        for values, n in zip(part, lengths, strict=True):
            if not isinstance(values, list) or len(values) != n:
                return True
            if not all(_is_number(v) and x["min"] <= v <= x["max"] for v in values):
                return True
    return False


def size_name(letter: str) -> str:
    """A size's name in a message: V is the vocabulary's size |vocab| (V alone names the
    output matrix), H and T stand for themselves."""
    return "|vocab|" if letter == "V" else letter


def vector(n: str | None) -> Check:
    """A list of finite numbers, of length dims[n] (any length when n is None), or a summary."""

    def check(x: Any, dims: dict[str, int]) -> str | None:
        if isinstance(x, dict) and x.get("summary") is True:
            return summary_problem(x, [dims[n] if n is not None else None])
        size = f"{dims[n]} " if n is not None else ""
        if not isinstance(x, list) or not all(_is_number(v) for v in x):
            return f"a list of {size}finite numbers"
        if n is not None and len(x) != dims[n]:
            return f"a list of {dims[n]} numbers ({size_name(n)}), not {len(x)}"
        return None

    return described(check, "vector", n)


def matrix(rows: str | None, cols: str | None) -> Check:
    """A list of ``rows`` rows, each a list of ``cols`` finite numbers."""
    row_check = vector(cols)

    def check(x: Any, dims: dict[str, int]) -> str | None:
        if isinstance(x, dict) and x.get("summary") is True:
            return summary_problem(x, [dims.get(rows or ""), dims.get(cols or "")])
        shape = f"{size_name(rows) if rows else 'n'}×{size_name(cols) if cols else 'm'}"
        if not isinstance(x, list) or (rows is not None and len(x) != dims[rows]):
            return f"a {shape} matrix (a list of rows)"
        for row in x:
            if row_check(row, dims) is not None:
                return (
                    f"a {shape} matrix whose rows are lists of {dims.get(cols or '', 'm')} numbers"
                )
        return None

    return described(check, "matrix", rows, cols)


def optional(inner: Check) -> Check:
    def check(x: Any, dims: dict[str, int]) -> str | None:
        return None if x is None else inner(x, dims)

    return described(check, "optional", inner)


def list_of(inner: Check) -> Check:
    def check(x: Any, dims: dict[str, int]) -> str | None:
        if not isinstance(x, list):
            return "a list"
        for item in x:
            problem = inner(item, dims)
            if problem is not None:
                return f"a list, each {problem}"
        return None

    return described(check, "list_of", inner)


def params_of(shape: dict[str, Check]) -> Check:
    """An object with every parameter of the model, in their shapes."""

    def check(x: Any, dims: dict[str, int]) -> str | None:
        if not isinstance(x, dict):
            return "an object of the model's parameters"
        unknown = next((name for name in x if name not in shape), None)
        if unknown is not None:
            return f"an object of the model's parameters (it has {unknown[:40]!r}, none of them)"
        for name, inner in shape.items():
            if name not in x:
                return f"an object of the model's parameters (it lacks {name})"
            problem = inner(x[name], dims)
            if problem is not None:
                return f"an object whose {name} is {problem}"
        return None

    return described(check, "params_of", shape)


def pair(x: Any, dims: dict[str, int]) -> str | None:
    ok = isinstance(x, list) and len(x) == 2 and isinstance(x[0], str) and _is_number(x[1])
    return None if ok else "a [token, probability] pair"


for _base in (integer, number, string, boolean, obj, pair):
    described(_base, _base.__name__)
