"""Which truncation scheme a user's gradients are: ``--chunks K`` (summed over the sequence),
``--tbptt K1:K2`` and ``--truncate K``, for K up to T, at the user's weights.

Every scheme's gradient at fixed weights keeps a subset of the terms of full BPTT, a range of
states for each loss (``core.truncation_terms``): the gradients of every K of every kind come
from one backward sweep of each sentence's per-loss deltas, not from a run per scheme. A
framework setting then has a name: PyTorch's ``repackage_hidden`` every 35 steps, with the
gradients summed over the sequence, is ``--chunks 35``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from ..core import interrupt
from ..core.batch import Batch
from ..core.bptt import Backward, Forward, forward
from ..core.cells.declaration import Cell, Params
from ..core.corpus import Corpus, corpus_backward, corpus_forward
from ..core.truncation import Scheme
from ..core.truncation_terms import first_kept, sentence_gradients
from ..core.windowed import PER_TIME_STEP, scheme_backward
from .catalogue import Mistake
from .comparison import Candidate, Convention
from .fit import fit
from .variants import MAX_K as CATALOGUED
from .variants import Variant

MAX_K = 64
"""K (and K2) is tried up to min(T, MAX_K); for --tbptt every K1 ≤ K2."""

GROUP_BYTES = 32 * 2**20
"""The schemes' gradients held at once (each as large as θ); more take another sweep."""

WHAT = {
    "truncate": "each loss flows back through at most {k1} {s1}",
    "chunks": "the losses of a chunk reach back only inside it (chunks of {k1} {s1}, the "
    "state carried between them as a constant, the chunks' gradients summed)",
    "tbptt": "every {k1} {s1} the last {k1} {l1} back through the last {k2} {s2} "
    "(the windows' gradients summed)",
}
"""A scheme in words: {s1}, {s2} and {l1} agree with the counts (1 time step, 1 loss flows)."""

SCHEME = Mistake(
    "scheme",
    "the gradient of a truncation scheme",
    "full BPTT: each loss flows back to t = 1",
    lambda ctx, user: [],
)
"""The scheme candidates' entry (they are not computed by a mistaken pass)."""


def schemes_to_try(T: int) -> list[Scheme]:
    """--chunks K for K = 1 … T − 1 and --tbptt K1:K2 for K1 ≤ K2 ≤ T (K, K2 ≤ MAX_K), the
    ones that can differ from full BPTT. --truncate K is the catalogue's ``truncated-K``."""
    top = min(T, MAX_K)
    chunks = [Scheme("chunks", k, k) for k in range(1, min(T - 1, MAX_K) + 1)]
    tbptt = [Scheme("tbptt", k1, k2) for k2 in range(1, top + 1) for k1 in range(1, k2 + 1)]
    return chunks + tbptt


def flag_text(scheme: Scheme) -> str:
    """ "--chunks 35: the losses of a chunk reach back only inside it (…)"."""
    k1, k2 = scheme.k1, scheme.k2
    words = {
        "s1": "time step" if k1 == 1 else "time steps",
        "s2": "time step" if k2 == 1 else "time steps",
        "l1": "loss flows" if k1 == 1 else "losses flow",
    }
    return f"{scheme.flag()}: {WHAT[scheme.kind].format(k1=k1, k2=k2, **words)}"


def scheme_candidates(
    cell: Cell,
    p: Params,
    batch: Batch,
    user: Mapping[str, np.ndarray],
    computed: Mapping[str, np.ndarray],
    tolerance: float,
    factors: tuple[float, ...],
) -> list[Candidate]:
    """The best-fitting scheme of each kind (chunks, tbptt) on this input, best first: those
    that keep other terms than full BPTT and than every --truncate K the catalogue tries
    (``truncated-K``), the smallest K of each kind among those that keep the same terms."""
    T = int(batch.lengths.max())
    if T < 2:
        return []
    losses = [np.flatnonzero(np.asarray(batch.out[s])[: T + 1]) for s in range(len(batch.x))]

    def kept(scheme: Scheme) -> bytes:  # the first state each loss reaches, every sentence
        return np.concatenate([first_kept(scheme, T, of) for of in losses]).tobytes()

    known = {kept(Scheme("chunks", T, T))}  # full BPTT
    known |= {kept(Scheme("truncate", k, k)) for k in range(1, min(T - 1, CATALOGUED) + 1)}
    schemes, seen = [], set(known)
    for scheme in schemes_to_try(T):
        key = kept(scheme)
        if (scheme.kind, key) not in seen and key not in known:
            seen.add((scheme.kind, key))
            schemes.append(scheme)
    if not schemes:
        return []
    best: dict[str, Candidate] = {}
    fw = forward(cell, p, batch)
    group = max(1, GROUP_BYTES // (8 * sum(value.size for value in p.values())))
    for first in range(0, len(schemes), group):  # their gradients held a group at a time
        part = schemes[first : first + group]
        for scheme, grads in zip(part, gradients(cell, p, batch, fw, part), strict=True):
            candidate = Candidate(SCHEME, variant(scheme), fit(user, grads, tolerance, factors))
            held = best.get(scheme.kind)
            if held is None or candidate.fit.worst < held.fit.worst:
                best[scheme.kind] = candidate
    return sorted(best.values(), key=lambda c: c.fit.worst)


def variant(scheme: Scheme) -> Variant:
    numbers: dict[str, Any] = {"scheme": scheme.kind, "K1": scheme.k1, "K2": scheme.k2}
    if scheme.kind != "tbptt":
        numbers = {"scheme": scheme.kind, "K": scheme.k1}
    numbers["flag"] = scheme.flag()
    return Variant(f"{scheme.kind}-{scheme.flag().split()[1]}", None, flag_text(scheme), numbers)


def gradients(
    cell: Cell, p: Params, batch: Batch, fw: Forward, schemes: list[Scheme]
) -> Iterator[dict[str, np.ndarray]]:
    """Each scheme's gradient of the batch at ``p`` (the mean over sentences; a sentence that
    has ended takes no part in a window), from one sweep of each sentence."""
    B, axis = batch.x.shape[0], int(batch.lengths.max())
    totals: list[dict[str, np.ndarray]] = [
        {name: np.zeros_like(value) for name, value in p.items()} for _ in schemes
    ]
    for s in range(B):
        interrupt.poll()
        T = int(batch.mask[s].sum())
        rows = [np.asarray(a[s])[: T + 1] for a in (batch.x, batch.y, batch.out)]
        losses = np.flatnonzero(rows[2])
        los = np.stack([first_kept(scheme, axis, losses) for scheme in schemes])
        sentence = (rows[0], rows[1], losses, fw.state[s][: T + 1], fw.cache[s][: T + 1])
        for total, grads in zip(totals, sentence_gradients(cell, p, sentence, los), strict=True):
            for name, g in grads.items():
                total[name] += g / B
    yield from totals


def as_scheme(bw: Backward, cell: Cell, p: Params, batch: Batch, scheme: Scheme | None) -> Backward:
    """``bw`` as ``scheme`` computes it at ``p``, or as it is: its gradients summed over its
    windows, and its ∂L/∂hₜ (∂L/∂cₜ) per time step those that flow inside the windows (a time
    step in several windows of --tbptt K1:K2 takes the sum of their flows, as the tables)."""
    if scheme is None:
        return bw
    corpus = Corpus.of(batch)  # one bucket: its arrays are the batch's
    fw = corpus_forward(cell, p, corpus)
    found = (
        corpus_backward(cell, p, corpus, fw, scheme.k1)
        if scheme.kind == "truncate"
        else scheme_backward(cell, p, corpus, scheme, fw)
    )
    steps = {key: getattr(found, key).parts[0] for key in (*PER_TIME_STEP, "cut")}
    return replace(found, **steps)


def scheme_convention(scheme: Scheme | None) -> list[Convention]:
    """What a match with the scheme given on the command line says."""
    if scheme is None:
        return []
    return [Convention(f"scheme-{variant(scheme).id}", f"the gradients of {flag_text(scheme)}")]
