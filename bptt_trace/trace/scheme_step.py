"""A training step under a windowed scheme (``--chunks``, ``--tbptt``), as events.

``--update-every sequence``: the scheme's gradient at the step's parameters (``windowed``'s
``scheme_backward``) takes the place of BPTT's, one update a step. ``--update-every chunk``:
an update after each window (``window_updates``); a traced step shows the step's forward pass
and the scheme's backward pass at its starting parameters (their whole-step ``gradients``
event: the gradient ``sequence`` would descend by), then each window's ``gradients`` and
``update`` events, with ``chunk``, ``window`` and the staleness of the carried state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..config import Config
from ..core.cells.declaration import Cell, Params
from ..core.corpus import Corpus
from ..core.optimizer import divergence, grad_norm
from ..core.truncation import Scheme, scheme_of
from ..core.windowed import WindowUpdate, window_updates
from .events import Event, GradientsEvent, UpdateEvent


def windowed_scheme(config: Config) -> Scheme | None:
    """The run's scheme when it is --chunks or --tbptt (not --truncate, not full BPTT)."""
    scheme = scheme_of(config)
    return scheme if scheme is not None and scheme.kind != "truncate" else None


def chunked(config: Config) -> bool:
    """Whether the run updates after each window."""
    return config.update_every == "chunk" and windowed_scheme(config) is not None


@dataclass
class ChunkedStep:
    """A step of updates after each window: Σ of the windows' losses as they ran, ‖Σ of
    their gradients‖, the parameters after the last update, and what diverged, if anything."""

    updates: list[WindowUpdate] = field(default_factory=list)
    loss: float = 0.0
    norm: float = 0.0
    new: Params = field(default_factory=dict)
    problem: str | None = None


def chunked_step(
    cell: Cell,
    p: Params,
    corpus: Corpus,
    config: Config,
    symbols: dict[str, str],
    traced: bool,
) -> ChunkedStep:
    """The windows of one step and their updates, stopped at the first that diverges."""
    scheme = windowed_scheme(config)
    assert scheme is not None
    step = ChunkedStep(new=p)
    total = {name: np.zeros_like(value) for name, value in p.items()}
    for update in window_updates(
        cell, p, corpus, scheme, config.lr, config.clip, watch=0 if traced else None
    ):
        where = (
            f"in window {update.index} (time steps {update.window.start} to {update.window.end})"
        )
        if not math.isfinite(update.loss):
            step.problem = (
                f"the loss L became {'NaN' if math.isnan(update.loss) else 'infinite'} {where}"
            )
        elif not math.isfinite(update.norm):
            step.problem = (
                divergence("the gradient of", update.grads, symbols)
                or "the gradient norm overflowed"
            ) + f" {where}"
        else:
            bad = divergence("the updated", update.new, symbols)
            step.problem = None if bad is None else f"{bad} {where}"
        if step.problem is not None:
            return step
        step.updates.append(update)
        step.loss += update.loss
        for name, grad in update.grads.items():
            total[name] += grad
        step.new = update.new
    step.norm = grad_norm(total)
    return step


def window_events(step: int, chunks: ChunkedStep, config: Config) -> list[Event]:
    """Each window's gradients event and the update after it."""
    events: list[Event] = []
    for u in chunks.updates:
        w = u.window
        gradients = GradientsEvent(
            step=step,
            loss=u.loss,
            grads=u.grads,
            chunk=u.index,
            window=[w.start, w.first_loss, w.end],
            carried_state=u.carried,
            carried_state_now=u.carried_now,
        )
        applied = u.grads if u.scale == 1.0 else {n: u.scale * g for n, g in u.grads.items()}
        update = UpdateEvent(
            step=step,
            lr=config.lr,
            grad_norm=u.norm,
            scale=u.scale,
            old=u.old,
            applied=applied,
            new=u.new,
            chunk=u.index,
        )
        events.append(gradients if config.detail == "full" else gradients.compacted(config.detail))
        events.append(update)
    return events
