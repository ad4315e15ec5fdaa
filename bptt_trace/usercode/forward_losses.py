"""The losses of the other setups a user's code may have run, every target at once (one
forward pass each), and those that reproduce the user's loss: the options of ``setup``, and
the slips no option makes (``forward_slips``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..core import interrupt
from ..core.batch import output_chunks
from ..core.bptt import forward
from ..core.cells.declaration import Params
from ..core.output import log_softmax, logits
from .fit import known_factors, relative
from .forward_slips import Slip, slips
from .setup import Setup, alternatives


def losses_by_target(setup: Setup, p: Params) -> dict[str, tuple[float, float]]:
    """(L, each sentence's loss averaged over its outputs then over the sentences) of
    ``setup`` for every target at once (one forward pass): the target is only the last
    output's. The logits a chunk of outputs at a time (``batch.output_chunks``): all of them
    at once were outputs × |vocab| floats, 14 GB for 20,000 outputs over 30,000 tokens."""
    batch = setup.batch()
    fw = forward(setup.make_cell(), p, batch)
    B, V = batch.x.shape[0], len(setup.vocab)
    counts = np.bincount(np.nonzero(batch.out)[0], minlength=B)
    fixed = np.zeros(2)  # the outputs before the last: their losses, summed and weighted
    at_last = np.zeros((2, V))  # each target's loss at the last outputs, summed and weighted
    for s, t in output_chunks(batch, V):
        interrupt.poll(0)
        log_y = log_softmax(logits(p, fw.h[s, t]))
        last = t == batch.lengths[s]
        weight = 1.0 / counts[s]  # 1/(the sentence's outputs)
        per_output = -log_y[np.arange(s.size), batch.y[s, t]]
        fixed += [per_output[~last].sum(), (weight * per_output)[~last].sum()]
        at_last[0] -= log_y[last].sum(axis=0)
        at_last[1] -= weight[last] @ log_y[last]
    return {
        token: (float((fixed[0] + at_last[0, i]) / B), float((fixed[1] + at_last[1, i]) / B))
        for i, token in enumerate(setup.vocab)
    }


PER_SENTENCE_MEAN = (
    "your loss averages each sentence's outputs, then the sentences (the trace sums each "
    "sentence's outputs; no option does that: compare one sentence at a time)"
)


def reproducing(
    setup: Setup, p: Params, user_loss: float, tolerance: float
) -> list[tuple[Setup, float, str, Slip | None]]:
    """The alternatives and the forward slips (each with the reduction that makes it so, a
    factor and its words, and the slip or None) whose loss is the user's within
    ``tolerance``."""
    found = []
    seen: set[tuple[str, tuple[str, ...], str]] = set()
    runs: list[tuple[Setup, Params, Slip | None]] = []
    for alt in [setup, *alternatives(setup, targets=False)]:
        key = (alt.activation, alt.vocab, alt.loss)
        if key not in seen:
            seen.add(key)
            runs.append((alt, p, None))
    runs += [(slip.setup, slip.p, slip) for slip in slips(setup, p)]
    for alt, q, slip in runs:
        interrupt.poll()
        factors = known_factors(alt.batch())
        for target, (loss, averaged) in losses_by_target(alt, q).items():
            candidate = replace(alt, target=target)
            tried = [(c, c * loss, text) for c, text in factors.items() if c > 0]
            if candidate.loss == "every" and candidate.corpus and len(candidate.corpus) > 1:
                tried.append((0.0, averaged, PER_SENTENCE_MEAN))
            for factor, value, text in tried:
                if slip is None and alt is setup and target == setup.target and factor == 1.0:
                    continue
                if relative(np.array(user_loss), np.array(value)) <= tolerance:
                    found.append((candidate, factor, text, slip))
    return found
