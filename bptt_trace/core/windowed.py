"""The windowed schemes (``--chunks``, ``--tbptt``) as training runs them.

At fixed parameters (``scheme_backward``): the scheme's ``Backward``, its per-time-step
arrays summed over the windows, so that the tables' rows add up to the scheme's gradient.

As training (``window_updates``): an SGD update after each window; the next window runs with
the updated parameters from the state carried in as a constant, which the window before
computed with the old ones. That staleness is measured on one sentence: the carried state
beside the same state recomputed from h₀ with the parameters the window runs with.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from . import interrupt
from .bptt import Backward, Forward
from .cells.declaration import Cell, Params
from .corpus import Corpus, corpus_backward, corpus_forward
from .optimizer import clip_scale, descend, grad_norm
from .output import dims
from .truncation import Scheme, Window, corpus_length, run_window, windows
from .window_sweep import windows_backward

PER_TIME_STEP = ("dh_from_output", "from_next", "delta", "do_norm")


def scheme_backward(
    cell: Cell, p: Params, corpus: Corpus, scheme: Scheme, fw: Forward, record: bool = True
) -> Backward:
    """The scheme's L, gradient and per-time-step arrays at FIXED parameters p, each window
    from the state of ``fw`` (the forward pass at p) at its start − 1, all of a bucket's
    windows in one sweep back (``window_sweep``). A time step in several windows (``--tbptt``
    with K2 > K1) gets the sum of their flows; ``cut`` is all False (the flows stop at window
    starts, which the scheme's windows say)."""
    B, axis = corpus.size, corpus_length(corpus)
    sentence_loss = np.zeros(B)
    grads: dict[str, np.ndarray] = {}
    arrays: dict[str, list[np.ndarray]] = {key: [] for key in (*PER_TIME_STEP, "cut")}
    for i, (batch, members) in enumerate(zip(corpus.batches, corpus.members, strict=True)):
        part = windows_backward(
            cell,
            p,
            batch,
            Forward(fw.state.parts[i], fw.cache.parts[i], fw.hidden),
            scheme,
            axis,
            B,
            record,
        )
        sentence_loss[members] = part.sentence_loss
        for key in arrays:
            arrays[key].append(getattr(part, key))
        for name, grad in part.grads.items():
            grads[name] = grad if name not in grads else grads[name] + grad
    return Backward(
        loss=float(sentence_loss.sum() * (1.0 / B)),
        sentence_loss=sentence_loss,
        grads=grads,
        **{key: corpus.by_sentence(parts) for key, parts in arrays.items()},  # type: ignore[arg-type]
    )


def scheme_gradients(
    cell: Cell, p: Params, corpus: Corpus, scheme: Scheme, fw: Forward | None = None
) -> dict[str, np.ndarray]:
    """The scheme's gradient at FIXED parameters p, summed over its windows (what
    ``--update-every sequence`` descends by), with the usual mean over sentences. For
    ``truncate`` it is today's truncated gradient (``bptt.truncated_bptt``); the others' is
    ``scheme_backward``'s, the one the traced step shows. ``fw``: the corpus's
    forward pass at p, when the caller has it."""
    fw = fw if fw is not None else corpus_forward(cell, p, corpus)
    if scheme.kind == "truncate":
        return corpus_backward(cell, p, corpus, fw, scheme.k1, record=False).grads
    return scheme_backward(cell, p, corpus, scheme, fw, record=False).grads


@dataclass(frozen=True)
class WindowUpdate:
    """One window and the update after it: θ_new = θ_old − α·scale·grads.

    carried / carried_now: the watched sentence's hidden state at start − 1 as carried into
    the window (computed by the windows before, with older parameters) and recomputed from
    h₀ with ``old`` (the parameters the window runs with); None when that sentence has ended
    before start − 1. Equal for the first window (h₀ = 0) and when nothing has been updated.
    """

    index: int
    window: Window
    loss: float
    grads: Params
    norm: float
    scale: float
    old: Params
    new: Params
    carried: np.ndarray | None
    carried_now: np.ndarray | None


def window_updates(
    cell: Cell,
    p: Params,
    corpus: Corpus,
    scheme: Scheme,
    lr: float,
    clip: float | None,
    watch: int | None = None,
    fw: Forward | None = None,
) -> Iterator[WindowUpdate]:
    """The scheme's windows in order, each run with the current parameters from the latest
    state computed at its start − 1, each followed by its update (clipped to ``clip``, if
    given, on its own norm). ``watch``: the sentence whose carried state is recomputed.

    Until a window has changed the parameters, a window without a loss (``--loss last``, a
    ragged end) changes nothing and its states are those of the forward pass at p (``fw``,
    computed when not given): it is not run, and its update is θ_new = θ_old with a zero
    gradient."""
    H = dims(p)["H"]
    spans = windows(scheme, corpus_length(corpus))
    lossless = [not has_loss(corpus, w) for w in spans]
    if any(lossless):
        fw = fw if fw is not None else corpus_forward(cell, p, corpus)
        latest = [np.array(part) for part in fw.state.parts]
    else:
        latest = [np.zeros((b.x.shape[0], b.T + 1, cell.state_width(H))) for b in corpus.batches]
    moved = False  # whether an update has changed θ
    zero = {name: np.zeros_like(value) for name, value in p.items()}
    for index, w in enumerate(spans, start=1):
        interrupt.poll()  # a window is a unit of work
        carried = [states[:, min(w.start, states.shape[1]) - 1] for states in latest]
        then = now = None
        if watch is not None and w.start - 1 <= corpus.lengths[watch]:
            bucket, row = corpus.where[watch].tolist()
            then = carried[bucket][row, :H].copy()
        if not moved and lossless[index - 1]:
            yield WindowUpdate(index, w, 0.0, zero, 0.0, 1.0, p, p, then, then)
            continue
        run = run_window(cell, p, corpus, w, carried)
        for states, part in zip(latest, run.forwards, strict=True):
            if part is not None:
                states[:, w.start : w.start + part.state.shape[1] - 1] = part.state[:, 1:]
        norm = grad_norm(run.grads)
        scale = clip_scale(norm, clip)
        new = descend(p, run.grads, lr, scale)
        if then is not None:
            now = then if not moved else states_of(cell, p, corpus, watch, w.start - 1)[:H]
        yield WindowUpdate(index, w, run.loss, run.grads, norm, scale, p, new, then, now)
        moved = moved or norm > 0
        p = new


def has_loss(corpus: Corpus, window: Window) -> bool:
    """Whether any sentence has a loss in the window's losses (first_loss … end)."""
    return any(
        bool(batch.out[:, window.first_loss : window.end + 1].any()) for batch in corpus.batches
    )


def states_of(cell: Cell, p: Params, corpus: Corpus, s: int, t: int) -> np.ndarray:
    """Sentence s's state sₜ, run from s₀ = 0 with parameters p (``bptt.forward``'s
    recurrence, one sentence, nothing kept)."""
    state = np.zeros((1, cell.state_width(dims(p)["H"])))
    q, x = cell.prepare(p), corpus.x[s]
    for k in range(1, t + 1):
        state = cell.step(q, x[k : k + 1], state)[0]
    return state[0]
