"""A training step under a windowed scheme (``--chunks``, ``--tbptt``), as events.

``--update-every sequence``: the scheme's gradient at the step's parameters (``windowed``'s
``scheme_backward``) takes the place of BPTT's, one update a step (``loop``). ``--update-every
chunk``: an update after each window (``chunked_step``); a traced step first shows the step's
forward pass and the scheme's backward pass at its starting parameters (their whole-step
``gradients`` event: the gradient ``sequence`` would descend by), then each window's
``gradients`` and ``update`` events as it runs, with ``chunk``, ``window`` and the staleness
of the carried state. Nothing of a window is kept once its events are made.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np

from ..config import Config
from ..core import interrupt
from ..core.bptt import Forward
from ..core.cells.declaration import Cell, Params
from ..core.corpus import Corpus, corpus_forward, corpus_loss
from ..core.optimizer import divergence, grad_norm
from ..core.truncation import Scheme, scheme_of
from ..core.windowed import WindowUpdate, scheme_backward, window_updates
from .events import Event, GradientsEvent, ParamsEvent, UpdateEvent
from .summary import Memo
from .traced_step import step_events


def windowed_scheme(config: Config) -> Scheme | None:
    """The run's scheme when it is --chunks or --tbptt (not --truncate, not full BPTT)."""
    scheme = scheme_of(config)
    return scheme if scheme is not None and scheme.kind != "truncate" else None


def chunked(config: Config) -> bool:
    """Whether the run updates after each window."""
    return config.update_every == "chunk" and windowed_scheme(config) is not None


@dataclass(frozen=True)
class ChunkedStep:
    """A step of updates after each window: L at the step's starting parameters (before its
    first update, as every other step's), ‖Σ of the windows' gradients‖, the parameters after
    the last update, how many windows updated, and what diverged, if anything (then ``new``
    is the parameters before that window)."""

    loss: float
    norm: float
    new: Params
    windows: int
    problem: str | None


def chunked_step(
    step: int,
    cell: Cell,
    p: Params,
    corpus: Corpus,
    vocab: list[str],
    config: Config,
    symbols: dict[str, str],
    check: Callable[[int, Cell, Params, Corpus, Config], Event] | None = None,
) -> Generator[Event, None, ChunkedStep]:
    """The windows of one step and their updates, stopped at the first that diverges; when
    the step is traced, its events (``check`` makes the gradient check's, if asked)."""
    scheme = windowed_scheme(config)
    assert scheme is not None
    traced = config.traced(step)
    fw: Forward | None = None
    if traced:
        if step > 1:
            yield ParamsEvent(step=step - 1, params=p)
        fw = corpus_forward(cell, p, corpus)
        interrupt.poll()
        bw = scheme_backward(cell, p, corpus, scheme, fw)
        yield from step_events(step, cell, p, corpus, fw, bw, vocab, config)
        loss = bw.loss  # (every loss lies in one window: their sum at p is L at p)
        del bw
        if check is not None:
            yield check(step, cell, p, corpus, config)
    else:  # L at p, and the states the windows without a loss keep: one forward pass
        fw = corpus_forward(cell, p, corpus)
        loss = corpus_loss(cell, p, corpus, fw)
    windows, new = 0, p
    total = {name: np.zeros_like(value) for name, value in p.items()}
    watch = 0 if traced else None
    memo: Memo | None = {} if traced else None
    updates = window_updates(cell, p, corpus, scheme, config.lr, config.clip, watch, fw)
    fw = None  # (held by the windows while they need it)
    for u in updates:
        problem = window_problem(u, symbols)
        if problem is not None:
            return ChunkedStep(loss, grad_norm(total), new, windows, problem)
        if memo is not None:
            yield from window_events(step, u, config, memo)
            kept = [*u.new.values(), *u.grads.values()]  # the next window's old (θ), and
            memo = {id(a): memo[id(a)] for a in kept if id(a) in memo}  # a zero gradient
        windows, new = windows + 1, u.new
        for name, grad in u.grads.items():
            total[name] += grad
    return ChunkedStep(loss, grad_norm(total), new, windows, None)


def window_problem(u: WindowUpdate, symbols: dict[str, str]) -> str | None:
    """What became NaN or infinite in a window (its loss, its gradient, the updated θ)."""
    where = f"in window {u.index} (time steps {u.window.start} to {u.window.end})"
    if not math.isfinite(u.loss):
        return f"the loss L became {'NaN' if math.isnan(u.loss) else 'infinite'} {where}"
    if not math.isfinite(u.norm):
        found = divergence("the gradient of", u.grads, symbols)
        return f"{found or 'the gradient norm overflowed'} {where}"
    found = divergence("the updated", u.new, symbols)
    return None if found is None else f"{found} {where}"


def window_events(step: int, u: WindowUpdate, config: Config, memo: Memo) -> list[Event]:
    """A window's gradients event and the update after it, their arrays summarised where the
    detail asks (once each: ``memo`` holds those summarised, the window before's new θ among
    them)."""
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
    detail = config.detail
    if detail == "full":
        return [gradients, update]
    return [gradients.compacted(detail, memo), update.compacted(detail, memo)]
