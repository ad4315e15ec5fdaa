"""The windows of --chunks and --tbptt at fixed parameters, swept back together
(``window_sweep``), against the same windows run one at a time (``truncation.run_window``, each
its own BPTT over its own time steps): L, every gradient and every per-time-step array the
tables show, every cell, both losses, ragged corpora, overlapping windows; within 1e-12
relative of each array's largest entry (the same terms, added in another order)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bptt_trace.core.cells import make_cell
from bptt_trace.core.corpus import Corpus, corpus_forward, make_corpus
from bptt_trace.core.model import init_params
from bptt_trace.core.truncation import Scheme, corpus_length, run_window, scheme_bounds, windows
from bptt_trace.core.window_sweep import most_windows
from bptt_trace.core.windowed import PER_TIME_STEP, scheme_backward

CELLS = [
    {"cell": "rnn", "activation": "tanh"},
    {"cell": "rnn", "activation": "relu"},
    {"cell": "lstm", "activation": "tanh"},
    {"cell": "gru", "activation": "tanh"},
    {"cell": "gru", "activation": "tanh", "reset_after": True},
]


def one_at_a_time(cell, p, corpus: Corpus, scheme: Scheme) -> tuple[float, dict, dict]:
    """L, the gradient and the per-time-step arrays (per bucket) summed over the windows, each
    run alone from the forward pass's state at its start − 1."""
    fw = corpus_forward(cell, p, corpus)
    loss, grads = 0.0, {name: np.zeros_like(value) for name, value in p.items()}
    arrays: dict[str, list] = {key: [None] * len(corpus.batches) for key in PER_TIME_STEP}
    for w in windows(scheme, corpus_length(corpus)):
        carried = [part[:, min(w.start, part.shape[1]) - 1] for part in fw.state.parts]
        run = run_window(cell, p, corpus, w, carried, keep=True, at=fw)
        loss += run.loss
        for name, grad in run.grads.items():
            grads[name] += grad
        for i, part in enumerate(run.backwards):
            if part is None:
                continue
            steps = slice(w.start, w.start + part.delta.shape[1] - 1)
            for key in PER_TIME_STEP:
                if arrays[key][i] is None:
                    shape = (corpus.batches[i].x.shape[0], corpus.batches[i].T + 1)
                    arrays[key][i] = np.zeros((*shape, *getattr(part, key).shape[2:]))
                arrays[key][i][:, steps] += getattr(part, key)[:, 1:]
    return loss, grads, arrays


def assert_same(got: np.ndarray, want: np.ndarray, what: str) -> None:
    scale = max(float(np.abs(want).max(initial=0.0)), 1e-300)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * scale, err_msg=what)


def check(spec: dict, sentences: list[list[int]], loss: str, scheme: Scheme, seed: int) -> None:
    cell = make_cell(spec)
    vocab = 1 + max(max(s) for s in sentences)
    p = init_params(cell, vocab + 1, 4, np.random.default_rng(seed), scale=0.8)
    corpus = make_corpus(sentences, vocab, loss, small=8)  # small buckets: a ragged corpus
    fw = corpus_forward(cell, p, corpus)
    swept = scheme_backward(cell, p, corpus, scheme, fw)
    L, grads, arrays = one_at_a_time(cell, p, corpus, scheme)
    assert swept.loss == pytest.approx(L, rel=1e-12)
    for name, want in grads.items():
        assert_same(swept.grads[name], want, name)
    for key, parts in arrays.items():
        for i, want in enumerate(parts):
            if want is not None:
                assert_same(getattr(swept, key).parts[i], want, f"{key}, bucket {i}")
    assert not any(part.any() for part in swept.cut.parts)


@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("spec", CELLS, ids=lambda s: "-".join(map(str, s.values())))
@pytest.mark.parametrize(
    "scheme", [Scheme("chunks", 2, 2), Scheme("tbptt", 1, 4), Scheme("tbptt", 2, 5)], ids=str
)
def test_the_sweep_is_the_windows_run_one_at_a_time(spec, loss, scheme) -> None:
    sentences = [[1, 2, 3, 4, 5, 6, 7], [2, 3, 1], [4, 4, 2, 1, 3]]  # lengths 7, 3, 5
    assert len(make_corpus(sentences, 8, loss, small=8).batches) > 1  # ragged: in buckets
    check(spec, sentences, loss, scheme, seed=1)


@settings(max_examples=40, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 12), min_size=1, max_size=4),
    k1=st.integers(1, 6),
    extra=st.integers(0, 6),
    chunks=st.booleans(),
    every=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_any_windows_any_ragged_corpus(lengths, k1, extra, chunks, every, seed) -> None:
    rng = np.random.default_rng(seed)
    sentences = [rng.integers(1, 5, size=n).tolist() for n in lengths]
    scheme = Scheme("chunks", k1, k1) if chunks else Scheme("tbptt", k1, k1 + extra)
    check(CELLS[seed % len(CELLS)], sentences, "every" if every else "last", scheme, seed)


def test_the_slots_are_the_most_windows_covering_one_step() -> None:
    """tbptt K1:K2 has ⌈K2/K1⌉ windows over a time step, one more at a ragged end (the last
    window ends at T, between multiples of K1); chunks one."""
    cases = [
        (3, 3, 10, 2),
        (1, 4, 20, 4),
        (2, 5, 20, 3),
        (5, 35, 255, 7),
        (5, 35, 256, 8),
        (3, 3, 9, 1),
    ]
    for k1, k2, T, want in cases:
        spans = windows(Scheme("tbptt", k1, k2), T)
        counted = max(sum(w.start <= k <= w.end for w in spans) for k in range(1, T + 1))
        assert most_windows(*scheme_bounds(Scheme("tbptt", k1, k2), T), T) == counted == want


@pytest.mark.parametrize("scheme", [["--chunks", "2"], ["--tbptt", "1:3"], ["--truncate", "2"]])
@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_the_checks_truncation_error_is_the_truncation_tables(scheme, cell, capsys) -> None:
    """One quantity, one value: the gradient check's truncation error of each parameter is the
    truncation event's relative error (the same scheme gradient at the step's θ; V and
    b_output, which no scheme changes, exactly 0 in both)."""
    import json

    from bptt_trace.cli.app import main

    args = ["I like NLP", "--loss", "every", "--cell", cell, *scheme, "--check", "--json"]
    assert main(args) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    check = next(e for e in events if e["event"] == "check")
    metrics = next(e for e in events if e["event"] == "truncation")["metrics"]
    assert set(check["truncation_error"]) == set(metrics)
    for name, error in check["truncation_error"].items():
        assert error == pytest.approx(metrics[name]["relative_error"], rel=1e-12, abs=0), name
    assert check["truncation_error"]["V"] == 0.0 == check["truncation_error"]["b_output"]
