"""A corpus in buckets of sentences of similar length, so that it costs what its tokens cost.

One padded batch of B sentences holds B × (T_max + 1) positions: a 25,000-token sentence among
25,000 one-token ones would pad every one of them to 25,000. Here the sentences are grouped
(``buckets_of``): a bucket starts at its longest sentence and takes every sentence longer than
half of it, so that its padded positions are fewer than twice its tokens; while the bucket
stays within SMALL_BUCKET positions, it takes shorter ones too (a few short sentences stay in
one batch). Each bucket is one padded ``Batch`` and runs forward and BPTT on its own; the
losses and gradients are summed over the buckets, each divided by the B of the whole corpus
(L is the mean over all the sentences), which is the one-batch computation up to rounding.

Sentences keep their index in the corpus: ``corpus.x[s]``, ``fw.h[s, t]``, ``bw.delta[s, t]``
read sentence s's row in its bucket (``BySentence``), as ``batch.x[s]`` reads a padded batch's,
so whatever reads one sentence at a time reads a corpus as it reads a batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .batch import Batch, make_batch
from .bptt import Backward, Forward, backward, forward, forward_loss, loss_only
from .cells.declaration import Cell, Params

SMALL_BUCKET = 1024
"""A bucket takes shorter sentences too while its padded positions stay within this many."""


class BySentence:
    """Arrays of each bucket read by sentence index: ``a[s]`` is sentence s's row in its
    bucket (with the bucket's padding past its end), ``a[s, …]`` indexes into that row, and
    ``a[..., cols]`` applies to every bucket's array."""

    def __init__(self, parts: list[np.ndarray], where: np.ndarray) -> None:
        self.parts = parts
        self.where = where  # (B, 2): each sentence's bucket and row in it

    def __getitem__(self, key: Any) -> Any:
        s, rest = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        if s is Ellipsis:
            return BySentence([part[key] for part in self.parts], self.where)
        bucket, row = self.where[s].tolist()
        return self.parts[bucket][(row, *rest)]


@dataclass(frozen=True)
class Corpus:
    """B sentences in buckets: ``members[i]`` are the corpus indices of bucket i's sentences,
    increasing, row by row of ``batches[i]``; ``where[s]`` is sentence s's bucket and row."""

    batches: list[Batch]
    members: list[np.ndarray]
    lengths: np.ndarray
    where: np.ndarray

    @classmethod
    def of_buckets(cls, batches: list[Batch], members: list[np.ndarray]) -> Corpus:
        B = sum(m.size for m in members)
        where, lengths = np.zeros((B, 2), dtype=np.intp), np.zeros(B, dtype=np.intp)
        for i, (batch, of) in enumerate(zip(batches, members, strict=True)):
            where[of, 0], where[of, 1], lengths[of] = i, np.arange(of.size), batch.lengths
        return cls(batches, members, lengths, where)

    @classmethod
    def of(cls, batch: Batch) -> Corpus:
        """A padded batch as a corpus of one bucket."""
        return cls.of_buckets([batch], [np.arange(batch.x.shape[0])])

    @property
    def size(self) -> int:
        """B, the number of sentences."""
        return int(self.lengths.size)

    def by_sentence(self, parts: list[np.ndarray]) -> BySentence:
        """One array per bucket (rows in the bucket's order), read by sentence index."""
        return BySentence(parts, self.where)

    @property
    def x(self) -> BySentence:
        return self.by_sentence([b.x for b in self.batches])

    @property
    def mask(self) -> BySentence:
        return self.by_sentence([b.mask for b in self.batches])

    @property
    def out(self) -> BySentence:
        return self.by_sentence([b.out for b in self.batches])

    @property
    def y(self) -> BySentence:
        return self.by_sentence([b.y for b in self.batches])

    def head(self, n: int) -> Corpus:
        """The first n sentences, as a corpus of their own (each bucket cut to its rows)."""
        if n >= self.size:
            return self
        batches, members = [], []
        for batch, of in zip(self.batches, self.members, strict=True):
            rows = np.flatnonzero(of < n)
            if rows.size:
                T = int(self.lengths[of[rows]].max())
                batches.append(Batch(*(a[rows, : T + 1] for a in astuple(batch))))
                members.append(of[rows])
        return Corpus.of_buckets(batches, members)


def astuple(batch: Batch) -> tuple[np.ndarray, ...]:
    return batch.x, batch.mask, batch.out, batch.y


def buckets_of(lengths: np.ndarray, small: int) -> list[np.ndarray]:
    """The sentences' indices in buckets, each increasing: longest bucket first. A bucket
    starts at the longest sentence left (L tokens) and takes every sentence of more than L/2
    tokens, and more while it holds at most ``small`` padded positions. So the buckets' padded
    positions are fewer than 2 × tokens + small a bucket, and the buckets' longest sentences
    at least halve from one to the next: the time steps run, Σ T_max, stay below 2 × T_max."""
    order = np.argsort(-lengths, kind="stable")
    descending = lengths[order]
    buckets, start = [], 0
    while start < order.size:
        longest = int(descending[start])
        halves = int(np.searchsorted(-descending, -(longest // 2), side="left"))
        stop = max(halves, min(order.size, start + small // longest))
        buckets.append(np.sort(order[start:stop]))
        start = stop
    return buckets


def make_corpus(
    sentences: list[list[int]], target: int, loss: str, small: int | None = None
) -> Corpus:
    """Sentences of token indices in buckets of padded batches (``make_batch``); ``small``:
    SMALL_BUCKET unless given."""
    lengths = np.array([len(s) for s in sentences], dtype=np.intp)
    members = buckets_of(lengths, SMALL_BUCKET if small is None else small)
    batches = [make_batch([sentences[i] for i in of.tolist()], target, loss) for of in members]
    return Corpus.of_buckets(batches, members)


def corpus_forward(cell: Cell, p: Params, corpus: Corpus) -> Forward:
    """The forward pass of every bucket; the states and caches read by sentence."""
    parts = [forward(cell, p, batch) for batch in corpus.batches]
    return Forward(
        state=corpus.by_sentence([f.state for f in parts]),
        cache=corpus.by_sentence([f.cache for f in parts]),
        hidden=parts[0].hidden,
    )


PER_TIME_STEP = ("dh_from_output", "from_next", "delta", "cut", "do_norm")


def corpus_backward(
    cell: Cell,
    p: Params,
    corpus: Corpus,
    fw: Forward,
    truncate: int | None = None,
    record: bool = True,
) -> Backward:
    """BPTT in every bucket with the 1/B of the whole corpus; L and ∂L/∂θ summed over the
    buckets (one bucket's gradients held at a time besides the sums), the per-time-step
    arrays read by sentence."""
    B = corpus.size
    sentence_loss = np.zeros(B)
    grads: dict[str, np.ndarray] = {}
    arrays: dict[str, list[np.ndarray]] = {key: [] for key in PER_TIME_STEP}
    for i, (batch, members) in enumerate(zip(corpus.batches, corpus.members, strict=True)):
        bucket_fw = Forward(state=fw.state.parts[i], cache=fw.cache.parts[i], hidden=fw.hidden)
        part = backward(cell, p, batch, bucket_fw, truncate, record, sentences=B)
        sentence_loss[members] = part.sentence_loss
        for key in PER_TIME_STEP:
            arrays[key].append(getattr(part, key))
        if not grads:
            grads = part.grads
            continue
        for name, grad in part.grads.items():
            grads[name] += grad
    return Backward(
        loss=float(sentence_loss.sum() * (1.0 / B)),
        sentence_loss=sentence_loss,
        grads=grads,
        **{key: corpus.by_sentence(parts) for key, parts in arrays.items()},
    )


def corpus_loss(cell: Cell, p: Params, corpus: Corpus, fw: Forward | None = None) -> float:
    """L for the given parameters over every bucket, without gradients (``bptt.loss_only``
    gives a bucket's mean over its own sentences); from ``fw``, the forward pass at p, when
    the caller has it."""
    if fw is None:
        means = [loss_only(cell, p, batch) for batch in corpus.batches]
    else:
        means = [
            forward_loss(p, batch, Forward(state, cache, fw.hidden))
            for batch, state, cache in zip(
                corpus.batches, fw.state.parts, fw.cache.parts, strict=True
            )
        ]
    total = sum(mean * batch.x.shape[0] for mean, batch in zip(means, corpus.batches, strict=True))
    return float(total / corpus.size)
