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

import math
from typing import Any

import numpy as np

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
    k = min(k, values.size)
    if values.size <= 4096:  # a stable sort
        return np.argsort(-values, kind="stable")[:k]
    top = np.argpartition(-values, k - 1)[:k]  # a partition first, then the few sorted
    return top[np.lexsort((top, -values[top]))]


def summarize(array: np.ndarray) -> dict[str, Any]:
    """The summary of a vector or matrix (see the module docstring)."""
    array = np.asarray(array, dtype=float)
    flat = array.ravel()
    top = top_indices(np.abs(flat), LARGEST)
    values = flat[top].tolist()
    if array.ndim == 1:
        largest = [[int(i), v] for i, v in zip(top.tolist(), values, strict=True)]
    else:
        cols = array.shape[1]
        largest = [[i // cols, i % cols, v] for i, v in zip(top.tolist(), values, strict=True)]
    if array.ndim > 1:  # the first EDGE_ENTRIES entries of the first and last EDGE_ROWS rows
        head = array[:EDGE_ROWS, :EDGE_ENTRIES].tolist()
        tail = array[-EDGE_ROWS:, :EDGE_ENTRIES].tolist() if array.shape[0] > EDGE_ROWS else []
    else:
        head = array[:EDGE_ENTRIES].tolist()
        tail = array[-EDGE_ENTRIES:].tolist() if array.shape[0] > EDGE_ENTRIES else []
    return {
        "summary": True,
        "shape": list(array.shape),
        "norm": math.sqrt(float(np.dot(flat, flat))),
        "min": float(flat.min()) if flat.size else 0.0,
        "max": float(flat.max()) if flat.size else 0.0,
        "head": head,
        "tail": tail,
        "largest": largest,
    }


def compact(value: Any, detail: str) -> Any:
    """``value`` with every array that is too large at ``detail`` replaced by its summary."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and too_large(value, detail):
        return summarize(value)
    if isinstance(value, dict) and not is_summary(value):
        return {key: compact(item, detail) for key, item in value.items()}
    return value
