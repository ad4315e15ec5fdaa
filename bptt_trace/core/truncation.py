"""Truncation schemes: which losses flow back through which time steps, window by window.

Three gradients go by the name "truncated BPTT":

- ``--truncate K`` (per loss): each loss Lₛ flows back through hₛ … hₛ₋ₖ₊₁; one update per step.
- ``--chunks K`` (PyTorch's ``repackage_hidden``, Keras ``stateful=True``): the time axis cut
  into chunks 1…K, K+1…2K, …, the last one ragged; a chunk runs from the state carried out of
  the one before as a constant, and its losses flow back inside it only.
- ``--tbptt K1:K2`` (Williams & Peng; Sutskever): at t = K1, 2K1, … and at T, the losses s in
  (t_prev, t] flow back through the states k in (t − K2, s], the window re-run from the carried
  state at t − K2. At a ragged end (T not a multiple of K1) the last window ends at T and
  takes the losses after the last multiple of K1; it still reaches back K2 steps from T.

Each scheme is a list of ``Window``s; at fixed parameters its gradient is the sum of its
windows' gradients, and a mask over the terms of full BPTT (``kept_terms``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .batch import Batch
from .bptt import Backward, Forward, backward
from .cells.declaration import Cell, Params
from .corpus import Corpus
from .output import dims

KINDS = ("truncate", "chunks", "tbptt")


@dataclass(frozen=True)
class Scheme:
    """A truncation scheme: its kind and K (``k1 = k2``), or K1 and K2 for ``tbptt``."""

    kind: str  # "truncate" | "chunks" | "tbptt"
    k1: int  # K for truncate and chunks; K1 for tbptt
    k2: int  # = k1 for truncate and chunks; K2 for tbptt

    def flag(self) -> str:
        """The option that selects it: "--truncate 3", "--chunks 35", "--tbptt 2:4"."""
        if self.kind == "tbptt":
            return f"--tbptt {self.k1}:{self.k2}"
        return f"--{self.kind} {self.k1}"

    def with_k(self, k: int) -> Scheme:
        """The same kind at another K (for tbptt: K2 = k, K1 = min(K1, k))."""
        if self.kind == "tbptt":
            return Scheme("tbptt", min(self.k1, k), k)
        return Scheme(self.kind, k, k)


def scheme_of(config: Any) -> Scheme | None:
    """The scheme of a ``Config``, or of a trace's config (a mapping): its ``truncate``,
    ``chunks`` or ``tbptt``; None for full BPTT. ``tbptt`` is a pair (K1, K2), a list in a
    trace's JSON."""
    get = config.get if isinstance(config, Mapping) else lambda name: getattr(config, name, None)
    truncate, chunks = get("truncate"), get("chunks")
    if truncate is not None:
        return Scheme("truncate", int(truncate), int(truncate))
    if chunks is not None:
        return Scheme("chunks", int(chunks), int(chunks))
    tbptt = get("tbptt")
    if tbptt is not None:
        k1, k2 = (int(k) for k in tbptt)
        return Scheme("tbptt", k1, k2)
    return None


@dataclass(frozen=True)
class Window:
    """Time steps, 1-based, inclusive."""

    start: int  # the first step the window runs; the state at start − 1 is carried in
    first_loss: int  # the window's losses are those at first_loss … end
    end: int


def windows(scheme: Scheme, T: int) -> list[Window]:
    """The scheme's windows over time steps 1 … T, in the order they run."""
    K1, K2 = scheme.k1, scheme.k2
    if scheme.kind == "truncate":
        return [Window(max(1, s - K1 + 1), s, s) for s in range(1, T + 1)]
    if scheme.kind == "chunks":
        return [Window(c + 1, c + 1, min(c + K1, T)) for c in range(0, T, K1)]
    ends = [*range(K1, T + 1, K1)]
    if not ends or ends[-1] != T:
        ends.append(T)  # the ragged end: the losses after the last multiple of K1
    before = [0, *ends[:-1]]
    return [Window(max(1, t - K2 + 1), b + 1, t) for b, t in zip(before, ends, strict=True)]


def kept_terms(scheme: Scheme, T: int) -> np.ndarray:
    """(T+1, T+1) bool: [s, k] is True when loss s's gradient reaches state k through the
    scheme (the union over its windows; row and column 0 unused; k ≤ s always)."""
    kept = np.zeros((T + 1, T + 1), dtype=bool)
    for w in windows(scheme, T):
        for s in range(w.first_loss, w.end + 1):
            kept[s, w.start : s + 1] = True
    return kept


def updates_per_step(config: Mapping[str, Any], sentences: list[list[str]]) -> int:
    """How many updates a step makes, from a run's config: one per window under --chunks or
    --tbptt with --update-every chunk (T the longest sentence's length), else one."""
    scheme = scheme_of(config)
    if scheme is None or scheme.kind == "truncate" or config.get("update_every") != "chunk":
        return 1
    return window_count(scheme, max(len(sentence) for sentence in sentences))


def window_count(scheme: Scheme, T: int) -> int:
    """``len(windows(scheme, T))`` without listing them (a trace's config may name a sentence
    of any length): one window a loss under --truncate; under --chunks and --tbptt one ending
    at each multiple of K1, and a ragged one at T."""
    return T if scheme.kind == "truncate" else -(-T // scheme.k1)


def loss_starts(scheme: Scheme, T: int) -> np.ndarray:
    """(T+1,) int: for each loss s, the first time step its flow reaches (its window's start;
    for truncate, max(1, s − K + 1)); entry 0 unused. Nondecreasing in s."""
    starts = np.ones(T + 1, dtype=np.intp)
    for w in windows(scheme, T):
        starts[w.first_loss : w.end + 1] = w.start
    return starts


@dataclass(frozen=True)
class WindowRun:
    """One window run over a corpus: L of its losses (with the corpus's 1/B), their gradient,
    and per bucket the window's forward pass (its states sₜ, row 0 the carried state
    s_{start−1}) and, when ``keep`` asked, its ``Backward`` (row j for time step start + j − 1);
    None for a bucket whose sentences all end before the window."""

    loss: float
    grads: dict[str, np.ndarray]
    forwards: list[Forward | None]
    backwards: list[Backward | None]


def run_window(
    cell: Cell,
    p: Params,
    corpus: Corpus,
    window: Window,
    carried: list[np.ndarray],
    keep: bool = False,
    at: Forward | None = None,
) -> WindowRun:
    """The window's forward pass from ``carried`` (per bucket, (B_b, S): the state at
    start − 1, a constant), its losses at first_loss … end, and BPTT inside the window only.
    A sentence that has ended takes no part (its tokens are masked out). ``at``: the forward
    pass at p, whose states the window's are when the carried ones are its own (fixed p)."""
    loss, grads = 0.0, {name: np.zeros_like(value) for name, value in p.items()}
    forwards: list[Forward | None] = []
    backwards: list[Backward | None] = []
    for i, (batch, s0) in enumerate(zip(corpus.batches, carried, strict=True)):
        end = min(window.end, batch.T)
        if window.start > end:
            forwards.append(None)
            backwards.append(None)
            continue
        cols = [0, *range(window.start, end + 1)]
        out = batch.out[:, cols].copy()
        out[:, 1 : 1 + window.first_loss - window.start] = False  # losses before first_loss
        sub = Batch(x=batch.x[:, cols], mask=batch.mask[:, cols], out=out, y=batch.y[:, cols])
        if at is None:
            fw = forward_from(cell, p, sub, s0)
        else:  # at p the window's states are the forward pass's: the same steps from s0
            rows = slice(window.start - 1, end + 1)
            fw = Forward(at.state.parts[i][:, rows], at.cache.parts[i][:, rows], dims(p)["H"])
        part = backward(cell, p, sub, fw, None, record=keep, sentences=corpus.size)
        loss += part.loss
        for name, grad in part.grads.items():
            grads[name] += grad
        forwards.append(fw)
        backwards.append(part if keep else None)
    return WindowRun(loss=loss, grads=grads, forwards=forwards, backwards=backwards)


def forward_from(cell: Cell, p: Params, batch: Batch, s0: np.ndarray) -> Forward:
    """``bptt.forward`` from the state ``s0`` (B, S) instead of s₀ = 0."""
    q, H = cell.prepare(p), dims(p)["H"]
    B = batch.x.shape[0]
    state = np.zeros((B, batch.T + 1, cell.state_width(H)))
    kept = np.zeros((B, batch.T + 1, cell.cache_width(H)))
    state[:, 0] = s0
    for t in range(1, batch.T + 1):
        state[:, t], kept[:, t] = cell.step(q, batch.x[:, t], state[:, t - 1])
    return Forward(state=state, cache=kept, hidden=H)


def corpus_length(corpus: Corpus) -> int:
    """T of the scheme's time axis: the longest sentence's length."""
    return int(corpus.lengths.max())


def window_positions(scheme: Scheme, T: int, longest: list[int], first: int = 1) -> list[int]:
    """A pure count, nothing run: for each bucket (``longest``: its longest sentence, at most
    T tokens), the time steps the scheme's windows over 1 … T run in it, Σ over the windows
    from the one whose losses hold time step ``first`` on, of max(0, min(end, T_b) − start + 1)
    (a window runs a bucket only up to its longest sentence, and not at all past it)."""
    starts, ends = scheme_bounds(scheme, T)
    keep = ends >= first  # the window holding loss `first` and those after it
    starts, ends = starts[keep], ends[keep]
    return [int(np.maximum(np.minimum(ends, t) - starts + 1, 0).sum()) for t in longest]


@functools.lru_cache(maxsize=4)
def scheme_bounds(scheme: Scheme, T: int) -> tuple[np.ndarray, np.ndarray]:
    """The starts and the ends of ``windows(scheme, T)``, read-only (kept for the next count
    of the same scheme: an estimate counts a few times)."""
    spans = windows(scheme, T)
    starts = np.array([w.start for w in spans], dtype=np.int64)
    ends = np.array([w.end for w in spans], dtype=np.int64)
    starts.flags.writeable = ends.flags.writeable = False
    return starts, ends
