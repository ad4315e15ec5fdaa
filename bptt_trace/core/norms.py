"""Euclidean norms that neither overflow nor underflow while the norm itself is a float.

``sqrt(Σ x²)`` overflows once entries pass 1e154 and underflows below 1e-154, although the
norm is then a perfectly good float; scaled by the largest |x| first it is not. The plain sum
is kept wherever it is safe, so that ordinary numbers stay bit for bit what they were.
"""

from __future__ import annotations

import numpy as np

SAFE_LOW, SAFE_HIGH = 1e-150, 1e150
"""Between these the plain √(Σ x²) neither underflows nor overflows (for up to 1e8 entries)."""


def row_norms(rows: np.ndarray, pairwise: bool = False) -> np.ndarray:
    """‖row‖₂ of each row of an (n, d) array.

    The plain sum is √(einsum of x·x), or with ``pairwise`` that of ``np.linalg.norm(axis=1)``
    (pairwise summation; the two can differ in the last bit, and each caller keeps its own).
    """
    rows = np.asarray(rows, dtype=float)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        if pairwise:
            plain = np.linalg.norm(rows, axis=1)
        else:
            plain = np.sqrt(np.einsum("ij,ij->i", rows, rows))
        unsafe = ~((plain > SAFE_LOW) & (plain < SAFE_HIGH)) & np.isfinite(rows).all(axis=1)
        if unsafe.any():
            block = rows[unsafe]
            top = np.abs(block).max(axis=1, initial=0.0)
            scale = np.where(top > 0, top, 1.0)[:, None]
            scaled = block / scale
            plain[unsafe] = top * np.sqrt(np.einsum("ij,ij->i", scaled, scaled))
    return plain


def norm(array: np.ndarray) -> float:
    """‖array‖ (Frobenius for a matrix), as a Python float; inf only when it exceeds the floats."""
    return float(row_norms(np.asarray(array, dtype=float).reshape(1, -1))[0])
