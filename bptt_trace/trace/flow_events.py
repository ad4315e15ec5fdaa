"""The gradient-flow events of one sentence in a traced step: the blame matrix with the norm of
each time step's contribution to each gradient, the gradient of each loss alone, and the
Jacobian norms."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..core.batch import Batch
from ..core.bptt import Backward, Forward
from ..core.cells.declaration import Cell, Params
from ..core.flow import HORIZON, carried, contribution_norm, loss_flow, saturation
from ..core.jacobians import diagnose
from ..core.model import declared
from ..core.norms import row_norms
from .events import BlameEvent, Event, GatesEvent, JacobiansEvent, LossGradientsEvent

PER_LOSS_MAX = 20_000
"""Per-loss gradients are traced while (number of losses) × (parameters) stays below this."""


def flow_events(
    step: int,
    s: int,
    cell: Cell,
    p: Params,
    batch: Batch,
    fw: Forward,
    bw: Backward,
    truncate: int | None,
    recurrent_spectrum: tuple[float, float] | None,
    starts: np.ndarray | None = None,
) -> Iterator[Event]:
    """The blame matrix, each time step's contribution in norm, per-loss gradients; and the
    Jacobian norms when the sentence is diagnosed (``recurrent_spectrum`` given, else None)."""
    T = int(batch.mask[s].sum())
    n_losses = int(batch.out[s].sum())
    per_loss = n_losses > 1 and n_losses * sum(v.size for v in p.values()) <= PER_LOSS_MAX
    flow = loss_flow(cell, p, batch, fw, s, truncate, with_grads=per_loss, starts=starts)
    h, now = fw.h[s], slice(1, T + 1)
    values = cell.step_values(cell.prepare(p), fw.cache[s, now], h[:T], bw.delta[s, now])
    norms = {key: row_norms(value, pairwise=True) for key, value in values.items()}
    norms |= {"h": row_norms(h[now], pairwise=True), "do": bw.do_norm[s, now]}  # t = 1 … T
    # ‖contribution of time step t‖; e.g. ‖hₜ₋₁ᵀ·∂L/∂aₜ‖ = ‖hₜ₋₁‖·‖∂L/∂aₜ‖
    shares = {spec.name: contribution_norm(spec.grad, norms) for spec in declared(cell)}
    losses = flow.losses.tolist()
    yield BlameEvent(
        step=step,
        sentence=s,
        horizon=HORIZON,
        losses=losses,
        matrix=flow.blame,
        extra=flow.extra,
        shares=shares,
    )
    if cell.carry is not None:
        yield GatesEvent(
            step=step,
            sentence=s,
            carry=cell.carry,
            products=carried(cell, fw.cache[s], T),
            saturation=saturation(cell, fw.cache[s], T),
        )
    if per_loss:
        yield LossGradientsEvent(step=step, sentence=s, losses=losses, grads=flow.grads)
    if recurrent_spectrum is None:
        return
    d = diagnose(cell, p, fw.state[s], fw.cache[s], T, recurrent_spectrum, batch.x[s])
    yield JacobiansEvent(
        step=step,
        sentence=s,
        first=d.first,
        norms=d.jacobian_norms,
        sigma_max=d.sigma_max,
        spectral_radius=d.spectral_radius,
        verdict=d.verdict,
        end_to_end=d.end_to_end,
        rate=d.rate,
        cause=d.cause,
    )


def diagnosed_sentences(lengths: list[int]) -> set[int]:
    """The sentences whose Jacobian norms a traced step shows: the first, and the longest (the
    first of the longest), where a gradient has the farthest to go, when that is another.

    Each costs O(T·H³) for a small state, else sweeps of O(T·H²) (``jacobians.diagnose``),
    the most of any part of a trace, so it is not done for every sentence.
    """
    return {0, lengths.index(max(lengths))} if lengths else set()
