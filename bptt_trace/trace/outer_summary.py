"""Summaries of outer products u[r]ᵀ·v[r] (a contribution such as hₜ₋₁ᵀ·∂L/∂aₜ) without
forming them: the norm, the extremes, the edges and the largest entries, exactly, in O(m + k)
a row instead of O(m·k) (``summary`` for the arrays themselves)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import interrupt
from ..core.batch import CHUNK_ENTRIES
from ..core.norms import row_norms
from .summary import EDGE_ENTRIES, LARGEST, best_per_row, edges, summarize_rows, summary_dict


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
