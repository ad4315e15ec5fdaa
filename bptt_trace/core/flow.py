"""How the gradient flows across time: the blame matrix and the gradient of each loss alone.

For one sentence, with the gradient of each loss Lₛ followed back on its own through the cell:

    ∂Lₛ/∂hₛ   = (ŷₛ − yₛ)·Vᵀ
    ∂Lₛ/∂hₖ₋₁ = (∂Lₛ/∂hₖ ⊙ f′(aₖ))·Wʰᵀ          for k = s … 2 (at most K steps with --truncate)
    blame[s, k] = ‖∂Lₛ/∂hₖ‖₂

These are computed only for traced steps, per sentence, and are the sentence's own losses
(not divided by the number of sentences).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import interrupt
from .batch import Batch
from .bptt import Forward
from .cells.declaration import Cell, Outer, Params, Row, Total
from .model import declared
from .norms import row_norms
from .output import OUTPUT_PARAMS, log_softmax, logits

MAX_LOSSES = 64
"""At most this many losses (the last ones) get a blame row, so long sentences stay cheap."""

HORIZON = 256
"""Each loss, and h_T for the Jacobians, is followed back at most this many steps."""


@dataclass(frozen=True)
class LossFlow:
    """One sentence's losses followed back separately.

    losses: (S,) the time steps s that have a loss
    blame:  (S, T) ‖∂Lₛ/∂hₖ‖, zero for k > s and past the truncation
    grads:  per parameter, (S, *shape): the gradient of each Lₛ alone
    """

    losses: np.ndarray
    blame: np.ndarray
    grads: dict[str, np.ndarray]
    extra: dict[str, np.ndarray]


@interrupt.phased("blame")
def loss_flow(
    cell: Cell,
    p: Params,
    batch: Batch,
    fw: Forward,
    sentence: int,
    truncate: int | None,
    with_grads: bool,
    starts: np.ndarray | None = None,
) -> LossFlow:
    """Follow the gradient of each loss of ``sentence`` back on its own (polling
    ``interrupt`` at every time step). ``starts[s]``, when given, is the first time step loss
    s's flow reaches (the start of its window under --chunks or --tbptt), nondecreasing in s."""
    T = int(batch.mask[sentence].sum())
    q = cell.prepare(p)
    x, state, h, kept = batch.x[sentence], fw.state[sentence], fw.h[sentence], fw.cache[sentence]
    H = h.shape[1]
    steps = np.flatnonzero(batch.out[sentence, : T + 1])[-MAX_LOSSES:]
    K = T if truncate is None else min(truncate, T)
    blame = np.zeros((steps.size, T))
    extra = {cell.extra_blame[1]: np.zeros((steps.size, T))} if cell.extra_blame else {}
    specs = declared(cell)
    grads = {s.name: np.zeros((steps.size, *p[s.name].shape)) for s in specs} if with_grads else {}
    # every loss at once: row r of dh is ∂L_{steps[r]}/∂hₖ as k walks back from T
    do = np.exp(log_softmax(logits(p, h[steps])))
    do[np.arange(steps.size), batch.y[sentence, steps]] -= 1.0  # ∂Lₛ/∂oₛ = ŷₛ − yₛ
    if with_grads:
        for spec in OUTPUT_PARAMS:  # the output contributes once to each loss's gradient
            grads[spec.name][:] = contribution(spec.grad, {"h": h[steps], "do": do})
    start = do @ p["V"].T  # ∂Lₛ/∂hₛ, entering the flow at k = s
    ds = np.zeros((steps.size, state.shape[1]))  # ∂Lₛ/∂sₖ: hₖ in the first H columns
    reach = np.maximum(steps - min(K, HORIZON), 0)  # loss s reaches back to k = reach + 1
    if starts is not None:
        reach = np.maximum(reach, starts[steps] - 1)
    # The losses are in time order, so at each k the rows still flowing are a range: from the
    # first loss with s ≥ k (the others have not entered) to the first one with reach ≥ k
    # (that one and the later ones were cut by the truncation or the horizon).
    ks = np.arange(T, 0, -1)
    entered, cut = np.searchsorted(steps, ks), np.searchsorted(reach, ks)
    for k, first, stop in zip(ks.tolist(), entered.tolist(), cut.tolist(), strict=True):
        interrupt.poll()
        if first < steps.size and steps[first] == k:
            ds[first, :H] = start[first]  # Lₖ enters the flow at hₖ
        if first >= stop:
            continue
        flowing = ds[first:stop]  # ∂Lₛ/∂sₖ of the losses still flowing
        blame[first:stop, k - 1] = row_norms(flowing[:, :H])  # ‖∂Lₛ/∂hₖ‖
        delta = cell.delta(q, flowing, kept[k], state[k])  # backprop into the cell
        values = cell.step_values(q, kept[k], h[k - 1], delta)
        if cell.extra_blame:
            key, name = cell.extra_blame
            extra[name][first:stop, k - 1] = row_norms(values[key])
        if with_grads:
            for spec in cell.params:
                if isinstance(spec.grad, Row):
                    grads[spec.name][first:stop, x[k]] += values[spec.grad.key]
                else:
                    grads[spec.name][first:stop] += contribution(spec.grad, values)
        ds[first:stop] = cell.to_previous(q, delta, kept[k])  # ... and on to sₖ₋₁
    return LossFlow(losses=steps, blame=blame, grads=grads, extra=extra)


def carried(cell: Cell, kept: np.ndarray, T: int) -> np.ndarray:
    """For k = 1 … T, the product ∏ⱼ (carry gate)ⱼ over j = k+1 … T, averaged over the units:
    how much of the state at T the cell path passes back to k without any matrix (∏ fⱼ for the
    LSTM, ∏ zⱼ for the GRU); 1 at k = T."""
    assert cell.carry is not None
    gate = cell.gates(kept[1 : T + 1])[cell.carry]  # (T, H), row j − 1 is time step j
    suffix = np.ones_like(gate)
    suffix[:-1] = np.cumprod(gate[:0:-1], axis=0)[::-1]  # row k − 1: ∏ over j = k+1 … T
    return suffix.mean(axis=1)


def saturation(cell: Cell, kept: np.ndarray, T: int) -> dict[str, list[float]]:
    """For each gate, the share of its values (over time steps and units) below 0.1 and above
    0.9: a saturated gate passes (or blocks) everything and has almost no gradient."""
    return {
        name: [float(np.mean(values < 0.1)), float(np.mean(values > 0.9))]
        for name, values in cell.gates(kept[1 : T + 1]).items()
    }


def contribution(rule: Outer | Total | Row, values: dict[str, np.ndarray]) -> np.ndarray:
    """One time step's contribution by an ``Outer`` or ``Total`` rule, for one or more flows:
    each value is (·) or (n, ·), and an outer product lᵀ·r is (…, len l, len r)."""
    if isinstance(rule, Outer):
        left, right = values[rule.left], values[rule.right]
        return left[..., :, None] * right[..., None, :]
    if isinstance(rule, Total):
        return values[rule.key]
    raise TypeError("a Row contribution goes to the row of the token")


def contribution_norm(rule: Outer | Total | Row, norms: dict[str, np.ndarray]) -> np.ndarray:
    """‖contribution‖ from the norms of the quantities: ‖lᵀ·r‖ = ‖l‖·‖r‖."""
    if isinstance(rule, Outer):
        return norms[rule.left] * norms[rule.right]
    return norms[rule.key]
