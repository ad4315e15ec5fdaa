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
    """The summary of a vector or matrix (see the module docstring)."""
    array = np.asarray(array, dtype=float)
    return summarize_rows(array[None])[0]


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


def summarize_outers(u: np.ndarray, v: np.ndarray) -> list[dict[str, Any]]:
    """``summarize_rows`` of the outer products u[r]ᵀ·v[r], (n, m) and (n, k) to (n, m, k),
    without forming them: O(m + k) a row instead of O(m·k).

    ‖uᵀv‖ = ‖u‖·‖v‖ (equal up to rounding); the extremes are among the four products of the
    extremes of u and v; the edges are products of edges. The largest |uᵢ·vⱼ| are exact,
    ties included: a few large products give a lower bound θ of the LARGEST-th largest, and
    only the rows i with |uᵢ|·max|v| ≥ θ can hold an entry ≥ θ (rounding is monotonic).
    """
    n, m = u.shape
    k = v.shape[1]
    if not (np.isfinite(u).all() and np.isfinite(v).all()):  # no bounds to reason with
        return summarize_rows(u[:, :, None] * v[:, None, :])
    norms = (row_norms(u, pairwise=True) * row_norms(v, pairwise=True)).tolist()
    if m == 0 or k == 0:
        corners = np.zeros((4, n))
    else:
        lo_u, hi_u, lo_v, hi_v = u.min(axis=1), u.max(axis=1), v.min(axis=1), v.max(axis=1)
        corners = np.stack([lo_u * lo_v, lo_u * hi_v, hi_u * lo_v, hi_u * hi_v])
    heads, tails = edges(u[:, :, None] * v[:, None, :EDGE_ENTRIES])  # the edge columns only
    largest = outer_largest(u, v)
    return [
        summary_dict((m, k), *row)
        for row in zip(
            norms,
            corners.min(axis=0).tolist(),
            corners.max(axis=0).tolist(),
            heads,
            tails,
            largest,
            strict=True,
        )
    ]


def outer_largest(u: np.ndarray, v: np.ndarray) -> list[list[list[Any]]]:
    """For each row r, the LARGEST entries of |u[r]ᵀ·v[r]| as [i, j, uᵢ·vⱼ], largest first,
    ties by position (u, v finite).

    The candidates of a row can be all of its m·k products (|u| or |v| flat, as saturated
    states are): rows are taken in groups of at most CHUNK_ENTRIES candidates (or one row),
    so that memory stays O(CHUNK_ENTRIES + m·k) whatever the block of rows.
    """
    n, m = u.shape
    k = v.shape[1]
    need = min(LARGEST, m * k)
    if need == 0:
        return [[] for _ in range(n)]
    au, av = np.abs(u), np.abs(v)
    first = (some_largest(au)[:, :, None] * some_largest(av)[:, None, :]).reshape(n, -1)
    theta = np.partition(first, first.shape[1] - need, axis=1)[:, first.shape[1] - need]
    # θ ≤ the need-th largest |uᵢ·vⱼ|; such an entry has |uᵢ|·max|v| ≥ θ and max|u|·|vⱼ| ≥ θ:
    # only those rows i and columns j are candidates (few, unless both |u| and |v| are flat)
    found: list[list[list[Any]]] = [[] for _ in range(n)]
    for r in np.flatnonzero(theta == 0):  # fewer than `need` products are not 0
        interrupt.poll()
        found[r] = few_nonzero(u[r], v[r], au[r], av[r], need)
    live = np.flatnonzero(theta > 0)
    u, v, au, av, theta = u[live], v[live], au[live], av[live], theta[live]
    candidates = au * av.max(axis=1, keepdims=True) >= theta[:, None]
    columns = av * au.max(axis=1, keepdims=True) >= theta[:, None]
    sizes = np.cumsum(candidates.sum(axis=1) * columns.sum(axis=1))
    start = 0
    while start < live.size:
        interrupt.poll()  # a chunk of CHUNK_ENTRIES candidates: a unit of work
        before = int(sizes[start - 1]) if start else 0
        stop = max(start + 1, int(np.searchsorted(sizes, before + CHUNK_ENTRIES, side="right")))
        rows = slice(start, stop)
        group = largest_of(
            u[rows], v[rows], au[rows], av[rows], candidates[rows], columns[rows], theta[rows]
        )
        for r, entries in zip(live[rows].tolist(), group, strict=True):
            found[r] = entries
        start = stop
    return found


def few_nonzero(
    u: np.ndarray, v: np.ndarray, au: np.ndarray, av: np.ndarray, need: int
) -> list[list[Any]]:
    """``outer_largest`` of one row whose products are 0 but for fewer than ``need``: those,
    largest first, then the first zeros by position. A product that is not 0 has its factors
    among the LARGEST largest of |u| and of |v| (else LARGEST² products as large would be
    too), so only those are multiplied: O(m + k), however flat or small u and v are."""
    k = v.size
    rows = np.argpartition(-au, LARGEST - 1)[:LARGEST] if au.size > LARGEST else np.arange(au.size)
    cols = np.argpartition(-av, LARGEST - 1)[:LARGEST] if av.size > LARGEST else np.arange(k)
    i, j = (a.ravel() for a in np.meshgrid(rows, cols, indexing="ij"))
    size = au[i] * av[j]  # |uᵢ·vⱼ|, bit for bit as in largest_of
    i, j, size = i[size > 0], j[size > 0], size[size > 0]
    order = np.lexsort((i * k + j, -size))
    picked = [(int(a), int(b)) for a, b in zip(i[order], j[order], strict=True)]
    taken = {a * k + b for a, b in picked}
    position = 0
    while len(picked) < need:  # the zeros, by position
        if position not in taken:
            picked.append(divmod(position, k))
        position += 1
    return [[a, b, float(u[a] * v[b])] for a, b in picked]


def largest_of(
    u: np.ndarray,
    v: np.ndarray,
    au: np.ndarray,
    av: np.ndarray,
    candidates: np.ndarray,
    columns: np.ndarray,
    theta: np.ndarray,
) -> list[list[list[Any]]]:
    """``outer_largest`` of a group of rows, from their candidate rows i and columns j (each
    (n, ·) masks) and thresholds θ: every pair (i, j) of a row's candidates, kept where
    |uᵢ·vⱼ| ≥ θ."""
    n, k = u.shape[0], v.shape[1]
    need = min(LARGEST, u.shape[1] * k)
    r, i = np.nonzero(candidates)  # candidate (row, i), by row
    rc, jc = np.nonzero(columns)  # candidate (row, j), by row
    per_row = np.bincount(rc, minlength=n)
    reps = per_row[r]  # each candidate i pairs with its row's candidate columns
    ends = np.cumsum(reps)
    within = np.arange(int(ends[-1]) if ends.size else 0) - np.repeat(ends - reps, reps)
    rows, i = np.repeat(r, reps), np.repeat(i, reps)
    j = jc[np.repeat((np.cumsum(per_row) - per_row)[r], reps) + within]
    block = au[rows, i] * av[rows, j]  # |uᵢ|·|vⱼ| = |uᵢ·vⱼ|, bit for bit
    keep = block >= theta[rows]
    rows, i, j, block = rows[keep], i[keep], j[keep], block[keep]
    pick = best_per_row(rows, i * k + j, block, n, need)
    rows, i, j = rows[pick], i[pick], j[pick]
    values = (u[rows, i] * v[rows, j]).tolist()
    return [
        [[a, b, x] for a, b, x in zip(ii, jj, xx, strict=True)]
        for ii, jj, xx in zip(i.tolist(), j.tolist(), values, strict=True)
    ]


def some_largest(values: np.ndarray) -> np.ndarray:
    """LARGEST of the largest entries of each row (in no order, ties broken anyhow)."""
    if values.shape[1] <= LARGEST:
        return values
    return -np.partition(-values, LARGEST - 1, axis=1)[:, :LARGEST]


def compact(value: Any, detail: str) -> Any:
    """``value`` with every array that is too large at ``detail`` replaced by its summary."""
    if is_summary(value):  # summarised already
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and too_large(value, detail):
        return summarize(value)
    if isinstance(value, dict):
        return {key: compact(item, detail) for key, item in value.items()}
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
