"""The predictions before and after training: the most probable next tokens at every t."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..core.cells.declaration import Cell, Params
from ..core.corpus import Corpus, corpus_forward
from ..core.output import dims, log_softmax, logits
from .events import PredictionsEvent
from .summary import time_blocks, top_indices_rows, traced_sentences

TOP_K = 3


def predictions(
    step: int,
    cell: Cell,
    p: Params,
    corpus: Corpus,
    vocab: list[str],
    detail: str = "auto",
) -> Iterator[PredictionsEvent]:
    """The top tokens of softmax(hₜ·V + b_output) at every t of the traced sentences (the
    forward pass of those only)."""
    batch = corpus.head(traced_sentences(corpus.size, detail))
    fw = corpus_forward(cell, p, batch)
    for s, length in enumerate(batch.lengths.tolist()):
        top = []
        for block in time_blocks(length, dims(p)["V"]):
            y_hat = np.exp(log_softmax(logits(p, fw.h[s, block.start + 1 : block.stop + 1])))
            best = top_indices_rows(y_hat, TOP_K)  # most probable first
            probs = np.take_along_axis(y_hat, best, axis=1).tolist()
            for ii, pp in zip(best.tolist(), probs, strict=True):
                top.append([[vocab[i], q] for i, q in zip(ii, pp, strict=True)])
        ts = range(1, length + 1)
        yield PredictionsEvent(
            step=step,
            sentence=s,
            tokens=[vocab[int(batch.x[s, t])] for t in ts],
            top=top,
            targets=[vocab[int(batch.y[s, t])] if batch.out[s, t] else None for t in ts],
        )
