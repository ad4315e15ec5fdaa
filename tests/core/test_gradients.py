"""BPTT gradients equal central finite differences in float64, everywhere the tool shows one."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from oracles import NAMES, corpus_loss, max_relative_error, numeric_gradients

from bptt_trace.core.batch import make_batch
from bptt_trace.core.bptt import backward, forward
from bptt_trace.core.cells import make_cell
from bptt_trace.core.model import init_params
from bptt_trace.core.tokens import build_vocab, tokenize

SENTENCES = ["I like NLP", "BPTT lets the loss blame earlier steps .", "Hi", "a b a b a b"]


def setup(corpus_text: list[str], hidden: int, seed: int, mode: str = "last"):
    corpus = [tokenize(s) for s in corpus_text]
    vocab = build_vocab(corpus)
    index = {tok: i for i, tok in enumerate(vocab)}
    ids = [[index[t] for t in s] for s in corpus]
    target = index["<eos>"]
    p = init_params(make_cell({}), len(vocab), hidden, np.random.default_rng(seed))
    # non-zero biases, so that their gradients are checked away from the origin too
    rng = np.random.default_rng(seed + 100)
    p["b"], p["b_output"] = rng.normal(0, 0.3, hidden), rng.normal(0, 0.3, len(vocab))
    return p, ids, target, make_batch(ids, target, mode)


@pytest.mark.parametrize("sentence", SENTENCES)
@pytest.mark.parametrize(("hidden", "seed"), [(1, 0), (4, 1), (7, 2)])
def test_gradients_match_central_differences(sentence: str, hidden: int, seed: int) -> None:
    p, ids, target, batch = setup([sentence], hidden, seed)
    cell = make_cell({"activation": "tanh"})
    bw = backward(cell, p, batch, forward(cell, p, batch))
    numeric = numeric_gradients(lambda q: corpus_loss(q, ids, target, "last", "tanh"), p)
    assert list(bw.grads) == list(NAMES)
    for name in NAMES:
        assert bw.grads[name].shape == p[name].shape
        assert max_relative_error(bw.grads[name], numeric[name]) <= 1e-7, name
    assert_allclose(bw.loss, corpus_loss(p, ids, target, "last", "tanh"), rtol=1e-13)
