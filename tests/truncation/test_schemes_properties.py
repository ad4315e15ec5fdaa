"""What the schemes must be, whatever the corpus and cell (drawn by hypothesis, small):
--chunks T and --tbptt T:T are full BPTT, at fixed parameters and as training; --tbptt K:K is
--chunks K when T is a multiple of K; the kept terms are the union of the windows' and each
kind's own rule; --truncate's traces are byte-identical to those main's code wrote before the
schemes existed (fixtures/README.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from clitools import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from bptt_trace.core.cells import make_cell
from bptt_trace.core.corpus import corpus_backward, corpus_forward, make_corpus
from bptt_trace.core.model import init_params
from bptt_trace.core.optimizer import descend
from bptt_trace.core.truncation import Scheme, kept_terms, windows
from bptt_trace.core.windowed import scheme_gradients, window_updates

FIXTURES = Path(__file__).parent / "fixtures"
FORMS = [{"cell": "rnn"}, {"cell": "lstm"}, {"cell": "gru"}, {"cell": "gru", "reset_after": True}]

corpora = st.lists(st.lists(st.integers(0, 3), min_size=1, max_size=7), min_size=1, max_size=3)


def model(form: int, seed: int) -> tuple:
    cell = make_cell(FORMS[form])
    return cell, init_params(cell, 5, 3, np.random.default_rng(seed))


def assert_close(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    for name in b:
        scale = max(float(np.abs(b[name]).max()), 1e-300)
        assert np.abs(a[name] - b[name]).max() <= 1e-12 * scale, name


@settings(max_examples=25, deadline=None)
@given(corpora, st.integers(0, 3), st.sampled_from(["last", "every"]), st.integers(0, 9))
def test_chunks_T_and_tbptt_T_T_are_full_bptt(
    sentences: list[list[int]], form: int, loss: str, seed: int
) -> None:
    cell, p = model(form, seed)
    corpus = make_corpus(sentences, 4, loss, small=8)
    T = max(len(s) for s in sentences)
    full = corpus_backward(cell, p, corpus, corpus_forward(cell, p, corpus), None).grads
    for scheme in (Scheme("chunks", T, T), Scheme("tbptt", T, T)):
        assert windows(scheme, T) == windows(Scheme("chunks", T, T), T)
        assert_close(scheme_gradients(cell, p, corpus, scheme), full)
        (update,) = window_updates(cell, p, corpus, scheme, 0.3, None)
        assert_close(update.new, descend(p, full, 0.3, 1.0))


@settings(max_examples=25, deadline=None)
@given(corpora, st.integers(0, 3), st.sampled_from(["last", "every"]), st.integers(1, 3))
def test_tbptt_K_K_is_chunks_K_when_T_is_a_multiple_of_K(
    sentences: list[list[int]], form: int, loss: str, K: int
) -> None:
    T = max(len(s) for s in sentences)
    sentences = [*sentences, [0] * (-(-T // K) * K)]  # the longest: a multiple of K
    cell, p = model(form, T)
    corpus = make_corpus(sentences, 4, loss, small=8)
    tbptt, chunks = Scheme("tbptt", K, K), Scheme("chunks", K, K)
    T = max(len(s) for s in sentences)
    assert windows(tbptt, T) == windows(chunks, T)
    assert_close(
        scheme_gradients(cell, p, corpus, tbptt), scheme_gradients(cell, p, corpus, chunks)
    )
    one = list(window_updates(cell, p, corpus, tbptt, 0.3, None))
    two = list(window_updates(cell, p, corpus, chunks, 0.3, None))
    assert len(one) == len(two) == T // K
    for a, b in zip(one, two, strict=True):
        assert_close(a.new, b.new)


def test_at_a_ragged_end_tbptt_reaches_back_K2_steps_and_chunks_only_inside_its_chunk() -> None:
    assert [(w.start, w.first_loss, w.end) for w in windows(Scheme("tbptt", 3, 3), 7)] == [
        (1, 1, 3),
        (4, 4, 6),
        (5, 7, 7),
    ]
    assert [(w.start, w.first_loss, w.end) for w in windows(Scheme("chunks", 3, 3), 7)] == [
        (1, 1, 3),
        (4, 4, 6),
        (7, 7, 7),
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["truncate", "chunks", "tbptt"]),
    st.integers(1, 6),
    st.integers(0, 5),
    st.integers(1, 12),
)
def test_kept_terms_follow_each_kinds_rule(kind: str, k1: int, extra: int, T: int) -> None:
    k2 = k1 + extra if kind == "tbptt" else k1
    kept = kept_terms(Scheme(kind, k1, k2), T)
    s, k = np.meshgrid(np.arange(T + 1), np.arange(T + 1), indexing="ij")
    real = (s >= 1) & (k >= 1) & (k <= s)
    assert not kept[~real].any()  # row and column 0 unused, and k ≤ s
    if kind == "truncate":
        want = real & (s - k < k1)
    elif kind == "chunks":
        want = real & ((s - 1) // k1 == (k - 1) // k1)
    else:  # the losses of (t − K1, t] reach (t − K2, s], t the window's end
        end = np.minimum(-(-s // k1) * k1, T)
        want = real & (k > end - k2)
        assert kept[real & (s - k <= k2 - k1)].all()  # every loss reaches K2 − K1 + 1 steps
    assert np.array_equal(kept, want)


COMMANDS = {
    "truncate_rnn.jsonl": ["I like NLP very much", "--truncate", "2", "--json"],
    "truncate_lstm_every.jsonl": [
        *("I like NLP very much", "--truncate", "3", "--loss", "every"),
        *("--cell", "lstm", "--steps", "2", "--json"),
    ],
    "truncate_gru_corpus.jsonl": [
        *("--file", str(Path(__file__).parents[2] / "sentences" / "small.txt")),
        *("--truncate", "2", "--cell", "gru", "--reset-after", "--loss", "every"),
        *("--steps", "2", "--json"),
    ],
}


@pytest.mark.parametrize("fixture", sorted(COMMANDS))
def test_truncate_traces_are_byte_identical_to_mains(fixture: str) -> None:
    result = run_cli(COMMANDS[fixture])
    assert result.returncode == 0, result.stderr
    # the truncation event (issue 20's "under --truncate K too") is the one line added:
    # tests/truncation/test_truncation_event_view.py checks there is one per traced step
    lines = [
        line
        for line in result.stdout.splitlines(keepends=True)
        if b'"event":"truncation"' not in line
    ]
    assert b"".join(lines) == (FIXTURES / fixture).read_bytes()
