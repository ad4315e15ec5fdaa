"""A corpus in buckets gives the numbers of one padded batch: the loss, each sentence's loss,
the gradients and every per-time-step array of every sentence, for each cell, full and
truncated BPTT, one loss or a loss at every step (rtol 1e-12); and the gradients are the sum
of each sentence's own gradients over B (no padding at all). The buckets partition the
corpus, keep each sentence's index, and bound the padding and the time steps run."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from bptt_trace.core.batch import make_batch
from bptt_trace.core.bptt import backward, forward
from bptt_trace.core.cells import make_cell
from bptt_trace.core.corpus import buckets_of, corpus_backward, corpus_forward, make_corpus
from bptt_trace.core.model import init_params

LENGTHS = [7, 1, 3, 12, 2, 5, 1, 9]  # ragged: four buckets when nothing counts as small
VOCAB = 11
RTOL = 1e-12


def sentences(lengths: list[int], seed: int = 0) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, VOCAB - 1, n).tolist() for n in lengths]


def setup(cell_name: str, hidden: int = 3):
    cell = make_cell({"cell": cell_name})
    p = init_params(cell, VOCAB, hidden, np.random.default_rng(1))
    rng = np.random.default_rng(2)
    return cell, {name: value + rng.normal(0, 0.3, value.shape) for name, value in p.items()}


@pytest.mark.parametrize("cell_name", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("mode", ["last", "every"])
@pytest.mark.parametrize("truncate", [None, 2])
def test_buckets_give_the_numbers_of_one_padded_batch(cell_name, mode, truncate) -> None:
    cell, p = setup(cell_name)
    ids = sentences(LENGTHS)
    corpus = make_corpus(ids, VOCAB - 1, mode, small=0)
    assert len(corpus.batches) == 4  # 12, 9, 7 | 5, 3 | 2 | 1, 1
    fw = corpus_forward(cell, p, corpus)
    bw = corpus_backward(cell, p, corpus, fw, truncate)
    batch = make_batch(ids, VOCAB - 1, mode)
    one_fw = forward(cell, p, batch)
    one = backward(cell, p, batch, one_fw, truncate)
    assert_allclose(bw.loss, one.loss, rtol=RTOL)
    assert_allclose(bw.sentence_loss, one.sentence_loss, rtol=RTOL)
    for name, grad in one.grads.items():
        assert_allclose(bw.grads[name], grad, rtol=RTOL, atol=1e-15 * np.abs(grad).max())
    for s, T in enumerate(LENGTHS):  # each sentence's own time steps, by its index
        now = slice(0, T + 1)
        assert corpus.x[s, now].tolist() == batch.x[s, now].tolist()
        assert corpus.out[s, now].tolist() == batch.out[s, now].tolist()
        assert_allclose(fw.state[s, now], one_fw.state[s, now], rtol=RTOL, atol=1e-15)
        assert_allclose(fw.h[s, now], one_fw.h[s, now], rtol=RTOL, atol=1e-15)
        for key in ("dh_from_output", "from_next", "delta", "do_norm"):
            assert_allclose(getattr(bw, key)[s, now], getattr(one, key)[s, now], atol=1e-15)
        assert bw.cut[s, now].tolist() == one.cut[s, now].tolist()


@pytest.mark.parametrize("cell_name", ["rnn", "lstm", "gru"])
def test_the_gradients_are_the_mean_of_each_sentence_alone(cell_name) -> None:
    """No padding anywhere: each sentence as a batch of its own, the sum over B."""
    cell, p = setup(cell_name)
    ids = sentences(LENGTHS, seed=5)
    corpus = make_corpus(ids, VOCAB - 1, "every", small=0)
    bw = corpus_backward(cell, p, corpus, corpus_forward(cell, p, corpus))
    alone = []
    for s in ids:
        b = make_batch([s], VOCAB - 1, "every")
        alone.append(backward(cell, p, b, forward(cell, p, b)))
    B = len(ids)
    assert_allclose(bw.loss, sum(a.loss for a in alone) / B, rtol=RTOL)
    for name in p:
        expected = sum(a.grads[name] for a in alone) / B
        assert_allclose(bw.grads[name], expected, rtol=RTOL, atol=1e-15 * np.abs(expected).max())


def test_a_short_corpus_is_one_bucket_and_a_ragged_one_is_not() -> None:
    assert len(make_corpus(sentences(LENGTHS), 0, "last").batches) == 1
    ragged = make_corpus(sentences([2_000, 1, 1, 1]), 0, "last")
    assert [b.x.shape for b in ragged.batches] == [(1, 2_001), (3, 2)]
    assert [m.tolist() for m in ragged.members] == [[0], [1, 2, 3]]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(1, 3_000), min_size=1, max_size=60),
    st.sampled_from([0, 16, 1024]),
)
def test_buckets_partition_the_corpus_and_bound_padding_and_time(lengths, small) -> None:
    lengths = np.array(lengths)
    buckets = buckets_of(lengths, small)
    every = np.concatenate(buckets)
    assert sorted(every.tolist()) == list(range(lengths.size))
    longest = [int(lengths[b].max()) for b in buckets]
    for b, T in zip(buckets, longest, strict=True):
        assert np.all(np.diff(b) > 0)  # in corpus order
        assert b.size * T < 2 * lengths[b].sum() or b.size * T <= small
    assert sum(longest) < 2 * lengths.max()  # the time steps the buckets run
