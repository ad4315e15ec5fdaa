"""Summaries of large arrays, so that traces and tables stay bounded at any size.

Past a display size (``VECTOR_MAX`` entries for a vector, ``MATRIX_MAX`` entries or
``ROWS_MAX`` rows for a matrix) an array is written and shown as a summary:

    {"summary": true, "shape": [rows, cols], "norm": ‖A‖ (Frobenius), "min": …, "max": …,
     "head": the first 5 entries of the first 2 rows (a vector: its first 5 entries),
     "tail": the same of the last 2 rows (the last 5 entries),
     "largest": the 5 entries of largest |value| as [index…, value]}

``--detail full`` writes every array whole; ``--detail summary`` summarises every matrix and
every vector longer than ``SHORT``; ``auto`` (the default) summarises past the display size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import interrupt
from ..core.batch import CHUNK_ENTRIES
from ..core.norms import row_norms

VECTOR_MAX = 64
MATRIX_MAX = 1024
ROWS_MAX = 64
SHORT = 8
EDGE_ROWS = 2
EDGE_ENTRIES = 5
LARGEST = 5

DETAILS = ("auto", "full", "summary")


def is_summary(value: Any) -> bool:
    return isinstance(value, dict) and value.get("summary") is True


def too_large(array: np.ndarray, detail: str) -> bool:
    """Whether ``array`` is summarised at this detail."""
    if detail == "full" or array.ndim == 0:
        return False
    if detail == "summary":
        return array.ndim > 1 or array.size > SHORT
    if array.ndim == 1:
        return array.size > VECTOR_MAX
    return array.size > MATRIX_MAX or array.shape[0] > ROWS_MAX


def top_indices(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest of ``values`` (1-D), largest first, ties by position."""
    return top_indices_rows(np.asarray(values)[None], k)[0]


def top_indices_rows(values: np.ndarray, k: int) -> np.ndarray:
    """For each row of ``values`` (n, d): the indices of its k largest entries, largest first,
    ties by position; shape (n, min(k, d)).

    A partition finds each row's k-th largest value; every entry at least as large is a
    candidate (so ties at the k-th place are all in), and the few candidates are sorted.
    """
    n, d = values.shape
    k = min(k, d)
    if k == 0 or n == 0:
        return np.zeros((n, k), dtype=np.intp)
    kth = np.partition(values, d - k, axis=1)[:, d - k]  # each row's k-th largest
    rows, cols = np.nonzero(values >= kth[:, None])  # the candidates, ties included
    if np.bincount(rows, minlength=n).min() < k:  # NaN in a row: no threshold to compare with
        return np.argsort(-values, axis=1, kind="stable")[:, :k]
    return cols[best_per_row(rows, cols, values[rows, cols], n, k)]


def best_per_row(
    rows: np.ndarray, positions: np.ndarray, values: np.ndarray, n: int, k: int
) -> np.ndarray:
    """Candidates given as (row, position, value), at least k in each of n rows: for each row
    the indices (into the candidates) of its k largest values, largest first, ties by
    position; shape (n, k)."""
    order = np.lexsort((positions, -values, rows))  # by row, then value down, then position
    counts = np.bincount(rows, minlength=n)
    starts = np.cumsum(counts) - counts
    return order[starts[:, None] + np.arange(k)]


def summarize(array: np.ndarray) -> dict[str, Any]:
    """The summary of a vector or matrix (see the module docstring): ``summarize_rows`` of
    one, with fewer steps (each of its steps costs as much for one array as for many)."""
    array = np.asarray(array, dtype=float)
    flat = array.ravel()
    if flat.size == 0 or not np.isfinite(flat).all():  # (NaN: no threshold to compare with)
        return summarize_rows(array[None])[0]
    magnitude = np.abs(flat)
    k = min(LARGEST, flat.size)
    kth = np.partition(magnitude, flat.size - k)[flat.size - k]  # the k-th largest
    candidates = np.flatnonzero(magnitude >= kth)  # ties at the k-th place all in, in order
    top = candidates[np.argsort(-magnitude[candidates], kind="stable")[:k]]
    values = flat[top].tolist()
    if array.ndim > 1:  # [row, col, value]
        row, col = (part.tolist() for part in divmod(top, array.shape[1]))
        entries = list(map(list, zip(row, col, values, strict=True)))
    else:  # [index, value]
        entries = list(map(list, zip(top.tolist(), values, strict=True)))
    heads, tails = edges(array[None])
    norm = float(row_norms(flat[None])[0])
    return summary_dict(
        array.shape, norm, float(flat.min()), float(flat.max()), heads[0], tails[0], entries
    )


def summarize_rows(block: np.ndarray) -> list[dict[str, Any]]:
    """``[summarize(row) for row in block]`` for a block of n vectors (n, d) or matrices
    (n, r, c), computed for all rows at once (a unit of work: it polls ``interrupt``)."""
    interrupt.poll()
    block = np.asarray(block, dtype=float)
    n = block.shape[0]
    flat = block.reshape(n, -1)
    top = top_indices_rows(np.abs(flat), LARGEST)
    k = top.shape[1]
    values = np.take_along_axis(flat, top, axis=1).ravel().tolist()
    if block.ndim > 2:  # [row, col, value] within each matrix
        cols = block.shape[2]
        row, col = (part.tolist() for part in divmod(top.ravel(), cols))
        entries = list(map(list, zip(row, col, values, strict=True)))
    else:  # [index, value]
        entries = list(map(list, zip(top.ravel().tolist(), values, strict=True)))
    norms = row_norms(flat).tolist()  # √Σx², scaled where it would overflow
    empty = flat.shape[1] == 0
    mins = [0.0] * n if empty else flat.min(axis=1).tolist()
    maxs = [0.0] * n if empty else flat.max(axis=1).tolist()
    heads, tails = edges(block)
    shape = block.shape[1:]
    return [
        summary_dict(shape, norm, low, high, head, tail, entries[r * k : (r + 1) * k])
        for r, (norm, low, high, head, tail) in enumerate(
            zip(norms, mins, maxs, heads, tails, strict=True)
        )
    ]


def edges(block: np.ndarray) -> tuple[list[Any], list[Any]]:
    """Each row's head and tail: the first and last EDGE_ENTRIES entries of a vector, or the
    first EDGE_ENTRIES entries of the first and last EDGE_ROWS rows of a matrix."""
    n, first = block.shape[0], block.shape[1]
    if block.ndim > 2:
        head = block[:, :EDGE_ROWS, :EDGE_ENTRIES].tolist()
        tail = block[:, -EDGE_ROWS:, :EDGE_ENTRIES].tolist() if first > EDGE_ROWS else None
    else:
        head = block[:, :EDGE_ENTRIES].tolist()
        tail = block[:, -EDGE_ENTRIES:].tolist() if first > EDGE_ENTRIES else None
    return head, tail if tail is not None else [[] for _ in range(n)]


def summary_dict(
    shape: tuple[int, ...],
    norm: float,
    low: float,
    high: float,
    head: list[Any],
    tail: list[Any],
    largest: list[list[Any]],
) -> dict[str, Any]:
    return {
        "summary": True,
        "shape": list(shape),
        "norm": norm,
        "min": low,
        "max": high,
        "head": head,
        "tail": tail,
        "largest": largest,
    }


Memo = dict[int, tuple[np.ndarray, dict[str, Any]]]
"""Summaries already made, by the id of their array (the array kept, so that the id stays its
own): the same array in two events (a window's gradient and the update it is applied by, one
window's new parameters and the next one's old) is summarised once."""


def compact(value: Any, detail: str, memo: Memo | None = None) -> Any:
    """``value`` with every array that is too large at ``detail`` replaced by its summary
    (taken from ``memo`` when that array has one, and kept there)."""
    if is_summary(value):  # summarised already
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and too_large(value, detail):
        if memo is None:
            return summarize(value)
        held = memo.get(id(value))
        if held is None or held[0] is not value:
            held = memo[id(value)] = (value, summarize(value))
        return held[1]
    if isinstance(value, dict):
        return {key: compact(item, detail, memo) for key, item in value.items()}
    return value


TRACE_SENTENCES = 8
"""At --detail auto or summary a traced step follows the first 8 sentences in full."""


def traced_sentences(B: int, detail: str) -> int:
    """How many of B sentences a traced step follows in full: all, or the first
    TRACE_SENTENCES."""
    return B if detail == "full" else min(B, TRACE_SENTENCES)


ROWS_AT_ONCE = 256
"""At most this many time steps are summarised at once (and at most CHUNK_ENTRIES entries)."""


def time_blocks(n: int, row_entries: int) -> list[slice]:
    """range(n) in slices of at most ROWS_AT_ONCE rows and CHUNK_ENTRIES entries."""
    size = max(1, min(ROWS_AT_ONCE, CHUNK_ENTRIES // max(row_entries, 1)))
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]
