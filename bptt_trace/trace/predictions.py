"""The predictions before and after training: the most probable next tokens at every step."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..core.activations import Activation
from ..core.batch import Batch
from ..core.bptt import forward
from ..core.output import log_softmax, logits
from ..core.params import Params
from .events import PredictionsEvent
from .summary import time_blocks, top_indices_rows, traced_sentences

TOP_K = 3


def predictions(
    step: int, p: Params, batch: Batch, vocab: list[str], act: Activation, detail: str = "auto"
) -> Iterator[PredictionsEvent]:
    """The top tokens of softmax(h_t·V + b_output) at every step of the traced sentences."""
    fw = forward(p, batch, act)
    for s, length in enumerate(batch.lengths.tolist()[: traced_sentences(batch, detail)]):
        top = []
        for block in time_blocks(length, p.vocab_size):
            y_hat = np.exp(log_softmax(logits(p, fw.h[s, block.start + 1 : block.stop + 1])))
            best = top_indices_rows(y_hat, TOP_K)  # most probable first
            probs = np.take_along_axis(y_hat, best, axis=1).tolist()
            for ii, pp in zip(best.tolist(), probs, strict=True):
                top.append([[vocab[i], q] for i, q in zip(ii, pp, strict=True)])
        tokens = [vocab[int(i)] for i in batch.x[s, :length]]
        targets = [vocab[int(batch.y[s, t])] if batch.out[s, t] else None for t in range(length)]
        yield PredictionsEvent(step, s, tokens, top, targets)
