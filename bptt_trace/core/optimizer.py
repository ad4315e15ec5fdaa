"""The update of gradient descent, θ ← θ − α·s·∂L/∂θ, with clipping and the divergence checks."""

from __future__ import annotations

import math

import numpy as np

from .cells.declaration import Params

SAFE = 1e300
"""While no parameter can exceed this, an update cannot overflow (floats reach 1.8e308)."""


def grad_norm(grads: Params) -> float:
    """The global Euclidean norm of all gradients together (NaN or inf if one is)."""
    return math.sqrt(sum(float(np.dot(g.ravel(), g.ravel())) for g in grads.values()))


def clip_scale(norm: float, clip: float | None) -> float:
    """s = C/‖g‖ when the global norm ‖g‖ is above the clip norm C, else 1."""
    return clip / norm if clip is not None and norm > clip else 1.0


def descend(p: Params, grads: Params, lr: float, scale: float) -> Params:
    """θ − α·s·∂L/∂θ for every parameter."""
    return {name: p[name] - lr * scale * grads[name] for name in p}


def largest_entry(arrays: Params) -> float:
    """The largest absolute value in any of ``arrays`` (0 for empty ones)."""
    return max(float(np.max(np.abs(v), initial=0.0)) for v in arrays.values())


def divergence(what: str, value: Params, symbols: dict[str, str]) -> str | None:
    """What became NaN or infinite first among ``value`` (named by ``symbols``), or None."""
    for name, array in value.items():
        if not np.isfinite(array).all():
            bad = "NaN" if np.isnan(array).any() else "infinite"
            return f"{what} {symbols.get(name, name)} became {bad}"
    return None
