"""A truncation scheme's gradient beside the true one: metrics, reach and the bias against K.

At fixed parameters every scheme (``truncation``) keeps a subset of the terms of full BPTT:
with term(s, k) the part of ∂L/∂θ that the loss Lₛ sends through the state at k,

    full BPTT        = Σₛ Σ_{k ≤ s} term(s, k)
    a scheme's       = Σₛ Σ_{lo(s) ≤ k ≤ s} term(s, k)       lo(s): the first state Lₛ reaches

(each loss lies in one window, whose states are a range, so the kept states of a loss are a
range too; lo is non-decreasing in s). Going back from k = T, the losses whose flow reaches k
are those with s ≥ k, in time order, and those a scheme keeps at k are a prefix of them; so a
running sum over the per-loss deltas at k gives every scheme's delta at k at once, and one
backward sweep over every loss gives the gradient of every K (``bias_against_k``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from . import interrupt
from .cells.declaration import Cell, Params
from .output import dims, log_softmax, logits
from .scheme_sums import Distances, GroupSums, distances, group_sums, one_loss
from .truncation import Scheme

BIAS_STEPS = 256
"""The bias against K is computed for sentences up to this many steps (K = 1 … T)."""

BLOCK_BYTES = 80 * 2**20
"""The schemes' deltas held at once; more schemes than fit take another sweep."""

BIAS_WORK = 2e9
"""The most multiply-adds the bias against K may take (a traced step at T = 256, H = 128
under --loss every takes about 5e8); past it the table is left out."""

Metric = dict[str, float | None]


def affordable(T: int, n_losses: int, state: int, width: int) -> bool:
    """Whether the bias against K of a sentence of T steps and ``n_losses`` losses, a state of
    ``state`` numbers and deltas of ``width``, is within ``BIAS_STEPS`` and ``BIAS_WORK``: its
    sweeps (one per block of K that fits in ``BLOCK_BYTES``) each follow every loss back."""
    block = max(1, BLOCK_BYTES // (8 * (T + 1) * width))
    sweeps = -(-T // block)
    return T <= BIAS_STEPS and sweeps * n_losses * (T + 1) / 2 * state * width <= BIAS_WORK


def first_kept(scheme: Scheme, T: int, losses: np.ndarray) -> np.ndarray:
    """lo(s) for each loss s in ``losses``: the first state its flow reaches under ``scheme``
    (the start of the one window whose losses include s; ``windows`` written in closed form,
    as the bias against K asks for it T times)."""
    K1, K2 = scheme.k1, scheme.k2
    if scheme.kind == "truncate":  # one window per loss: (max(1, s − K + 1), s, s)
        return np.maximum(losses - K1 + 1, 1)
    if scheme.kind == "chunks":  # chunks 1…K, K+1…2K, …: s's starts after a multiple of K
        return (losses - 1) // K1 * K1 + 1
    ends = np.minimum(-(-losses // K1) * K1, T)  # s's window ends at the next multiple of K1
    return np.maximum(ends - K2 + 1, 1)  # (or at T: the ragged end), K2 states back


def reach(scheme: Scheme, T: int, losses: np.ndarray) -> np.ndarray:
    """How many states each loss's flow reaches: s − lo(s) + 1."""
    return losses - first_kept(scheme, T, losses) + 1


def metrics(g: np.ndarray, full: np.ndarray) -> Metric:
    """relative_error ‖g − g_full‖/‖g_full‖, cosine (kept within [−1, 1] against rounding) and
    sign_agreement (the share of entries whose signs agree, a zero agreeing with a zero only);
    None where a norm is 0."""
    g, full = np.ravel(g), np.ravel(full)
    interrupt.poll(0)  # a look between passes over the arrays: at H = 4000, 16M entries each
    norm, norm_full = float(np.linalg.norm(g)), float(np.linalg.norm(full))
    interrupt.poll(0)
    difference = float(np.linalg.norm(g - full))
    interrupt.poll(0)
    dot = float(g @ full)
    interrupt.poll(0)
    signs = np.sign(g)
    interrupt.poll(0)
    agree = float(np.mean(signs == np.sign(full))) if g.size else None
    return {
        "relative_error": difference / norm_full if norm_full > 0 else None,
        "cosine": min(1.0, max(-1.0, dot / (norm * norm_full)))
        if norm > 0 and norm_full > 0
        else None,
        "sign_agreement": agree,
    }


def parameter_metrics(
    grads: dict[str, np.ndarray], full: dict[str, np.ndarray]
) -> dict[str, Metric]:
    """``metrics`` of each parameter's gradient against full BPTT's (a parameter: a unit of
    work, polled)."""
    table: dict[str, Metric] = {}
    for name in full:
        interrupt.poll()
        table[name] = metrics(np.asarray(grads[name]), np.asarray(full[name]))
    return table


def overall(grads: dict[str, np.ndarray], full: dict[str, np.ndarray]) -> Metric:
    """``metrics`` of every parameter at once (θ as one vector)."""
    return metrics(
        np.concatenate([np.ravel(grads[name]) for name in full]),
        np.concatenate([np.ravel(full[name]) for name in full]),
    )


def bias_against_k(
    cell: Cell,
    p: Params,
    sentence: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    scheme: Scheme,
    axis: int | None = None,
) -> list[Metric]:
    """For K = 1 … T, the ``overall`` metrics of ``scheme.with_k(K)``'s gradient of one
    sentence's losses against full BPTT's: ``sentence`` is its (x, y, out, state, cache) rows
    of t = 0 … T (a sentence of ``corpus``: ``batch.x[s]`` …, ``fw.state[s]`` …). The windows
    are those of a time axis of ``axis`` steps (the corpus's longest sentence; T if None), as
    the scheme runs them over a corpus: a sentence that has ended takes no part. The K that
    keep the same terms are computed once, and every group of schemes is read against full
    BPTT at once (``scheme_sums.distances``)."""
    x, y, out, state, cache = sentence
    T = len(x) - 1
    losses = np.flatnonzero(out[: T + 1])
    los = np.stack(
        [np.ones(losses.size, dtype=np.intp)]
        + [first_kept(scheme.with_k(k), axis or T, losses) for k in range(1, T + 1)]
    )
    unique, which = np.unique(los, axis=0, return_inverse=True)  # K that keep the same terms
    assert not np.any(unique[0] - 1)  # the row of all ones (full BPTT) sorts first
    table: list[Metric] = []
    full: GroupSums | None = None
    with interrupt.phase("truncation"):
        for group, output in _sentence_groups(cell, p, (x, y, losses, state, cache), unique):
            full = full or group
            d = distances(group, full, cell)
            for value in output.values():
                d.add_same(value)
            if not table:
                norm_full = math.sqrt(d.gg[0])
            table.extend(_metric(d, i, norm_full) for i in range(len(d.gg)))
    return [table[i] for i in np.ravel(which)[1:]]


def _metric(d: Distances, i: int, norm_full: float) -> Metric:
    """``metrics`` of scheme i of ``d``, from its sums."""
    norm = math.sqrt(d.gg[i])
    return {
        "relative_error": math.sqrt(d.dd[i]) / norm_full if norm_full > 0 else None,
        "cosine": min(1.0, max(-1.0, float(d.gf[i]) / (norm * norm_full)))
        if norm > 0 and norm_full > 0
        else None,
        "sign_agreement": float(d.agree[i]) / d.count if d.count else None,
    }


def sentence_gradients(
    cell: Cell,
    p: Params,
    sentence: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    los: np.ndarray,
) -> Iterator[dict[str, np.ndarray]]:
    """The gradient of one sentence's losses (its own, not divided by B) under each row of
    ``los`` ((n_schemes, n_losses): lo(s) of each loss), in order, polling for a stop at every
    time step. ``sentence`` is (x, y, losses, state, cache)."""
    with interrupt.phase("truncation"):  # (inside the generator: while it is iterated)
        for group, output in _sentence_groups(cell, p, sentence, los):
            for i in range(next(iter(group.sums.values())).shape[0]):
                yield {**group.scheme(i, cell), **output}


def _sentence_groups(
    cell: Cell,
    p: Params,
    sentence: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    los: np.ndarray,
) -> Iterator[tuple[GroupSums, dict[str, np.ndarray]]]:
    """The schemes' cell gradients a group at a time, with the output layer's (the same for
    every scheme)."""
    x, y, losses, state, cache = sentence
    T, H = len(x) - 1, dims(p)["H"]
    q, h = cell.prepare(p), state[:, :H]
    do = np.exp(log_softmax(logits(p, h[losses])))
    do[np.arange(losses.size), y[losses]] -= 1.0  # ∂Lₛ/∂oₛ = ŷₛ − yₛ
    output = {"V": h[losses].T @ do, "b_output": do.sum(axis=0)}  # every scheme keeps these
    start = do @ p["V"].T  # ∂Lₛ/∂hₛ
    width = cell.delta_width(H)
    block = max(1, BLOCK_BYTES // (8 * (T + 1) * width))
    entered = np.searchsorted(losses, np.arange(T + 2))  # the first loss with s ≥ k
    vocab = dims(p)["V"]
    if losses.size == 1:  # one loss: a scheme keeps the states from lo on, a suffix
        everything = np.arange(vocab)
        for grads in one_loss(cell, q, sentence, los[:, 0], start[0]):
            yield GroupSums({n: g[None] for n, g in grads.items()}, everything, vocab), output
        return
    for first_scheme in range(0, len(los), block):
        part = los[first_scheme : first_scheme + block]
        deltas = np.zeros((T + 1, len(part), width))  # [k, scheme]: the scheme's delta at k
        # the losses s ≥ k a scheme keeps at k: those with lo(s) ≤ k, less those with s < k
        reached = np.zeros((len(part), T + 2), dtype=np.intp)
        np.add.at(reached, (np.arange(len(part))[:, None], part), 1)
        reached = np.cumsum(reached, axis=1)  # [scheme, k]: the losses with lo(s) ≤ k
        # row r: ∂L_{losses[r]}/∂sₖ; running, row j: the sum of the first j deltas. In column
        # order, so that the sums down the losses run along memory (measured: 10% of the sweep)
        ds = np.zeros((losses.size, state.shape[1]), order="F")
        running = np.zeros((losses.size + 1, width), order="F")
        for k in range(T, 0, -1):
            interrupt.poll()
            first = int(entered[k])
            if first == losses.size:
                continue
            if losses[first] == k:
                ds[first, :H] = start[first]  # Lₖ enters the flow at hₖ
            delta = cell.delta(q, ds[first:], cache[k], state[k])  # per loss, s ≥ k
            np.cumsum(delta, axis=0, out=running[1 : len(delta) + 1])
            deltas[k] = running[reached[:, k] - first]  # a prefix of the losses s ≥ k
            ds[first:] = cell.to_previous(q, delta, cache[k])
        rows = (x[1 : T + 1], cache[1 : T + 1], h[:T])
        for group in group_sums(cell, q, *rows, deltas[1:], vocab):
            yield group, output
