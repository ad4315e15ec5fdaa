"""Sentences as one padded batch of token indices, and the chunks in which outputs are computed.

Every array is indexed by the time step t itself, as aₜ and hₜ are: column t holds xₜ, yₜ and
whether there is an output at t, for t = 1 … T; column 0 (before the first token) is unused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Batch:
    """B sentences as padded token indices; each array is (B, T+1), column t for time step t.

    x:    int   token index of xₜ (0 past the end of a sentence)
    mask: bool  True where the sentence has a token at t
    out:  bool  True where there is an output oₜ and a loss Lₜ
    y:    int   index of the target yₜ where ``out`` is True
    """

    x: np.ndarray
    mask: np.ndarray
    out: np.ndarray
    y: np.ndarray

    @property
    def lengths(self) -> np.ndarray:
        return self.mask.sum(axis=1)

    @property
    def T(self) -> int:
        """The length of the longest sentence."""
        return self.x.shape[1] - 1


def make_batch(sentences: list[list[int]], target: int, loss: str) -> Batch:
    """Pad sentences of token indices into a Batch.

    ``loss="last"`` (many-to-one): one output, at each sentence's last time step, target
    ``target``. ``loss="every"`` (many-to-many): an output at every t, target the next token,
    and ``target`` after the last token.
    """
    B, T = len(sentences), max(len(s) for s in sentences)
    x = np.zeros((B, T + 1), dtype=np.intp)
    mask = np.zeros((B, T + 1), dtype=bool)
    out = np.zeros((B, T + 1), dtype=bool)
    y = np.zeros((B, T + 1), dtype=np.intp)
    for i, tokens in enumerate(sentences):
        n = len(tokens)
        x[i, 1 : n + 1] = tokens  # xₜ for t = 1 … n
        mask[i, 1 : n + 1] = True
        y[i, 1:n] = tokens[1:]  # yₜ = xₜ₊₁
        y[i, n] = target  # after the last token
        if loss == "every":
            out[i, 1 : n + 1] = True
        else:
            out[i, n] = True
    return Batch(x=x, mask=mask, out=out, y=y)


CHUNK_ENTRIES = 1 << 20
"""At most this many logits (sentences × tokens) are held at once: 8 MB of float64."""


def output_chunks(batch: Batch, vocab_size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (sentence, time step) pairs that have an output, in chunks small enough to hold their
    logits: pairs of index arrays (sentences, time steps)."""
    return mask_chunks(batch.out, vocab_size)


def mask_chunks(out: np.ndarray, vocab_size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``output_chunks`` of the outputs ``out`` (B, T+1) marks."""
    s, t = np.nonzero(out)
    size = max(1, CHUNK_ENTRIES // vocab_size)
    return [(s[i : i + size], t[i : i + size]) for i in range(0, s.size, size)]
