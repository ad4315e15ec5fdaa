"""Sentences as one padded batch of token indices, and the chunks in which outputs are computed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Batch:
    """B sentences as padded token indices.

    x:    (B, T) int   token index of x_t at column t-1 (0 past the end)
    mask: (B, T) bool  True where the sentence has a token at t
    out:  (B, T) bool  True where there is an output o_t and a loss L_t
    y:    (B, T) int   index of the target y_t where ``out`` is True
    """

    x: np.ndarray
    mask: np.ndarray
    out: np.ndarray
    y: np.ndarray

    @property
    def lengths(self) -> np.ndarray:
        return self.mask.sum(axis=1)


def make_batch(sentences: list[list[int]], target: int, loss: str) -> Batch:
    """Pad sentences of token indices into a Batch.

    ``loss="last"`` (many-to-one): one output, at each sentence's last step, target ``target``.
    ``loss="every"`` (many-to-many): an output at every step, target the next token, and
    ``target`` after the last token.
    """
    B, T = len(sentences), max(len(s) for s in sentences)
    x = np.zeros((B, T), dtype=np.intp)
    mask = np.zeros((B, T), dtype=bool)
    out = np.zeros((B, T), dtype=bool)
    y = np.zeros((B, T), dtype=np.intp)
    for i, tokens in enumerate(sentences):
        n = len(tokens)
        x[i, :n] = tokens
        mask[i, :n] = True
        y[i, : n - 1] = tokens[1:]
        y[i, n - 1] = target
        if loss == "every":
            out[i, :n] = True
        else:
            out[i, n - 1] = True
    return Batch(x=x, mask=mask, out=out, y=y)


CHUNK_ENTRIES = 1 << 20
"""At most this many logits (sentences × tokens) are held at once: 8 MB of float64."""


def output_chunks(batch: Batch, vocab_size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (sentence, step) pairs that have an output, in chunks small enough to hold their
    logits: pairs of index arrays (b, t) with t counted from 1."""
    b, t = np.nonzero(batch.out)
    size = max(1, CHUNK_ENTRIES // vocab_size)
    return [(b[i : i + size], t[i : i + size] + 1) for i in range(0, b.size, size)]
