"""``--check``: BPTT gradients against central finite differences of the loss, in float64.

    ∂L/∂θᵢ ≈ (L(θ − 2ε) − L(θ + 2ε) + 8·(L(θ + ε) − L(θ − ε))) / 12ε,   ε = 1e-3

(the five-point central stencil, error of order ε⁴), for every entry of a parameter, or a
random sample of ``MAX_ENTRIES`` entries of a larger one. The relative error of an entry is
|g − n| / max(|g| + |n|, 1e-6), so that entries near zero are compared absolutely.
With truncation the truncated gradient is not the gradient of L: the full BPTT gradient is
checked, and the truncated one's distance from it is reported as the truncation error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .batch import Batch
from .bptt import backward, forward, loss_only
from .cells.declaration import Cell, Params

EPS = 1e-3
TOLERANCE = 1e-6
MAX_ENTRIES = 200
FLOOR = 1e-6


@dataclass(frozen=True)
class CheckResult:
    checked: dict[str, int]
    total: dict[str, int]
    max_error: dict[str, float]
    truncation_error: dict[str, float] | None

    @property
    def passed(self) -> bool:
        return all(err <= TOLERANCE for err in self.max_error.values())


def relative_error(g: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.abs(g - n) / np.maximum(np.abs(g) + np.abs(n), FLOOR)


def check_gradients(
    cell: Cell, p: Params, batch: Batch, truncate: int | None, rng: np.random.Generator
) -> CheckResult:
    """Compare the full BPTT gradients with finite differences; report truncation apart."""
    fw = forward(cell, p, batch)
    full = backward(cell, p, batch, fw, None).grads

    def loss_at(name: str, idx: tuple[int, ...], delta: float) -> float:
        moved = dict(p)
        moved[name] = p[name].copy()
        moved[name][idx] += delta
        return loss_only(cell, moved, batch)

    checked, total, max_error = {}, {}, {}
    for name, value in p.items():
        indices = list(np.ndindex(value.shape))
        if len(indices) > MAX_ENTRIES:
            picks = rng.choice(len(indices), size=MAX_ENTRIES, replace=False)
            indices = [indices[i] for i in sorted(picks.tolist())]
        errors = []
        for idx in indices:
            far = loss_at(name, idx, -2 * EPS) - loss_at(name, idx, 2 * EPS)
            near = loss_at(name, idx, EPS) - loss_at(name, idx, -EPS)
            numeric = (far + 8 * near) / (12 * EPS)
            errors.append(float(relative_error(full[name][idx], np.asarray(numeric))))
        checked[name], total[name] = len(indices), value.size
        max_error[name] = max(errors)
    truncation = None
    if truncate is not None:
        cut = backward(cell, p, batch, fw, truncate).grads
        truncation = {
            name: float(
                np.linalg.norm(cut[name] - full[name]) / max(np.linalg.norm(full[name]), 1e-300)
            )
            for name in p
        }
    return CheckResult(checked, total, max_error, truncation)
