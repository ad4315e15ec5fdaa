"""A summary (``trace.summary``) written out from its definition with Python lists and sorted():
the expectation summaries are tested against."""

from __future__ import annotations

import math

import numpy as np


def plain_summary(a: np.ndarray) -> dict:
    """The summary of the module docstring, written out with Python lists and sorted()."""
    flat = [float(v) for v in a.ravel()]
    order = sorted(range(len(flat)), key=lambda i: (-abs(flat[i]), i))[:5]
    if a.ndim == 1:
        largest = [[i, flat[i]] for i in order]
        head, tail = a[:5].tolist(), a[-5:].tolist() if a.shape[0] > 5 else []
    else:
        cols = a.shape[1]
        largest = [[i // cols, i % cols, flat[i]] for i in order]
        head = [row[:5] for row in a[:2].tolist()]
        tail = [row[:5] for row in a[-2:].tolist()] if a.shape[0] > 2 else []
    return {
        "summary": True,
        "shape": list(a.shape),
        "norm": math.sqrt(sum(v * v for v in flat)),
        "min": min(flat, default=0.0),
        "max": max(flat, default=0.0),
        "head": head,
        "tail": tail,
        "largest": largest,
    }
