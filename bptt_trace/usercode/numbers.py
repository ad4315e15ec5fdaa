"""What a user's files hold, as the tool's quantities, and the same quantities of a computed
pass: the gradients by parameter name, and the flows ``dh`` (∂L/∂hₜ) and ``dc`` (∂L/∂cₜ) of
the first sentence, t = 1 … T, when the user gave them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.bptt import Backward
from ..core.cells.lstm import parts
from .mistakes import Result


@dataclass(frozen=True)
class UserNumbers:
    """What the user's files hold, as the tool's quantities: gradients by parameter name,
    ``dh``/``dc`` (T×H) and ``loss`` if given, and the keys given transposed by their shape."""

    grads: dict[str, np.ndarray]
    extras: Mapping[str, Any]
    transposed_keys: tuple[str, ...] = ()
    grads_transposed: bool = False  # the user said every square gradient is stored transposed

    def quantities(self) -> dict[str, np.ndarray]:
        flows = {k: np.asarray(v) for k, v in self.extras.items() if k in ("dh", "dc")}
        return {**self.grads, **flows}


def quantities(
    bw: Backward | Result, cell: str, wanted: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """The gradients, and the flows the user gave (sentence 0's, t = 1 … T)."""
    out = dict(bw.grads)
    if isinstance(bw, Backward):
        H = bw.dh_from_output.shape[2]
        dh = bw.dh_from_output + bw.from_next[..., :H]
        dc = parts(bw.delta, 5)[4] if cell == "lstm" else None
    else:
        dh, dc = bw.dh, bw.dc
    if "dh" in wanted:
        out["dh"] = dh[0, 1:]
    if "dc" in wanted and dc is not None:
        out["dc"] = dc[0, 1:]
    return out
