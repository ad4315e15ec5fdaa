"""The truncation event's numbers against brute force: every K's gradient of one sentence
re-run window by window with a hand-written vanilla RNN (``windows_reference``), the metrics
written out from their definitions, the reach counted from the windows; at 1e-9."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import NAMES
from truncation.windows_reference import (
    full_gradient,
    reference_metrics,
    reference_reach,
    reference_windows,
    scheme_gradient,
)

from bptt_trace.core.batch import make_batch
from bptt_trace.core.bptt import forward
from bptt_trace.core.cells import make_cell
from bptt_trace.core.model import init_params
from bptt_trace.core.truncation import Scheme, kept_terms
from bptt_trace.core.truncation_terms import bias_against_k, metrics, reach

KINDS = st.sampled_from(["truncate", "chunks", "tbptt"])


def sentence_rows(cell, p, ids, mode):
    batch = make_batch([ids], 4, mode)
    fw = forward(cell, p, batch)
    T = len(ids)
    return tuple(a[0, : T + 1] for a in (batch.x, batch.y, batch.out, fw.state, fw.cache))


def close(a, b):
    """Within 1e-9 relative; or both at the level of rounding (1e-13): a relative error of
    gradients equal in exact arithmetic (the output layer's, which every scheme keeps) is
    0 from one summation order and a few 1e-15 from another."""
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-9 * max(abs(b), 1e-300) or abs(a - b) < 1e-13


def flat(g):
    return np.concatenate([np.ravel(g[name]) for name in NAMES])


@settings(max_examples=25, deadline=None)
@given(
    ids=st.lists(st.integers(0, 3), min_size=1, max_size=9),
    kind=KINDS,
    k1=st.integers(1, 4),
    mode=st.sampled_from(["last", "every"]),
    f=st.sampled_from(["tanh", "sigmoid", "relu"]),
    seed=st.integers(0, 2**16),
)
def test_every_k_of_the_bias_table_is_the_brute_force_schemes_distance(
    ids, kind, k1, mode, f, seed
):
    cell = make_cell({"activation": f})
    p = init_params(cell, 5, 3, np.random.default_rng(seed))
    scheme = Scheme(kind, k1, k1 + 1 if kind == "tbptt" else k1)
    table = bias_against_k(cell, p, sentence_rows(cell, p, ids, mode), scheme)
    T = len(ids)
    assert len(table) == T
    full = full_gradient(p, ids, 4, mode, f)
    for K, row in enumerate(table, start=1):
        at_k = scheme.with_k(K)
        g = scheme_gradient(p, ids, 4, mode, f, kind, at_k.k1, at_k.k2)
        expected = reference_metrics(flat(g), flat(full))
        for name, value in expected.items():
            assert close(row[name], value), (K, name, row[name], value)


@given(kind=KINDS, k1=st.integers(1, 6), extra=st.integers(0, 3), T=st.integers(1, 14))
def test_reach_counts_the_states_from_the_window_start_to_the_loss(kind, k1, extra, T):
    k2 = k1 + extra if kind == "tbptt" else k1
    losses = np.arange(1, T + 1)
    expected = reference_reach(kind, k1, k2, T, losses.tolist())
    assert reach(Scheme(kind, k1, k2), T, losses).tolist() == expected
    kept = kept_terms(Scheme(kind, k1, k2), T)  # the engine's mask says the same
    assert [int(kept[s].sum()) for s in losses.tolist()] == expected


def test_the_windows_of_the_reference_are_those_the_issue_states():
    assert reference_windows("chunks", 3, 3, 7) == [(1, 1, 3), (4, 4, 6), (7, 7, 7)]
    assert reference_windows("tbptt", 2, 4, 7) == [(1, 1, 2), (1, 3, 4), (3, 5, 6), (4, 7, 7)]
    assert reference_windows("truncate", 2, 2, 3) == [(1, 1, 1), (1, 2, 2), (2, 3, 3)]


@pytest.mark.parametrize(
    ("g", "full", "expected"),
    [
        ([1.0, -2.0, 0.0], [1.0, -2.0, 0.0], (0.0, 1.0, 1.0)),
        ([0.0, 0.0], [3.0, 4.0], (1.0, None, 0.0)),
        ([1.0, 1.0], [1.0, -1.0], (2**0.5, 0.0, 0.5)),
        ([1.0], [0.0], (None, None, 0.0)),
    ],
)
def test_metrics_by_hand(g, full, expected):
    m = metrics(np.array(g), np.array(full))
    got = (m["relative_error"], m["cosine"], m["sign_agreement"])
    assert all(close(a, b) for a, b in zip(got, expected, strict=True)), got


@pytest.mark.parametrize(
    "cell_config",
    [{"cell": "rnn"}, {"cell": "lstm"}, {"cell": "gru"}, {"cell": "gru", "reset_after": True}],
)
@pytest.mark.parametrize(
    ("kind", "k1", "k2"), [("truncate", 2, 2), ("chunks", 3, 3), ("tbptt", 2, 3)]
)
@pytest.mark.parametrize("mode", ["every", "last"])
def test_every_cells_bias_table_is_the_engines_scheme_gradient_at_each_k(
    cell_config, kind, k1, k2, mode
):
    from bptt_trace.core.corpus import corpus_backward, corpus_forward, make_corpus
    from bptt_trace.core.truncation_terms import overall
    from bptt_trace.core.windowed import scheme_gradients

    cell = make_cell({"activation": "tanh", **cell_config})
    p = init_params(cell, 5, 3, np.random.default_rng(7))
    ids = [0, 1, 2, 3, 1, 2, 0]
    table = bias_against_k(cell, p, sentence_rows(cell, p, ids, mode), Scheme(kind, k1, k2))
    corpus = make_corpus([ids], 4, mode)
    full = corpus_backward(cell, p, corpus, corpus_forward(cell, p, corpus)).grads
    for K, row in enumerate(table, start=1):
        expected = overall(scheme_gradients(cell, p, corpus, Scheme(kind, k1, k2).with_k(K)), full)
        for name, value in expected.items():
            assert close(row[name], value), (K, name, row[name], value)


@pytest.mark.parametrize(
    "cell_config", [{"cell": "rnn"}, {"cell": "lstm"}, {"cell": "gru", "reset_after": True}]
)
@pytest.mark.parametrize(("kind", "k1", "k2"), [("chunks", 2, 2), ("tbptt", 2, 3), ("tbptt", 3, 3)])
def test_in_a_ragged_corpus_the_first_sentence_takes_the_windows_of_the_longest(
    cell_config, kind, k1, k2
):
    """A sentence of 5 steps beside one of 7: under --tbptt 3:3 its last loss is in the
    window that ends at 6, not at its own end. The engine's scheme gradient of the pair, less
    that of the long sentence alone, is the short sentence's (the mean over 2, times 2)."""
    from bptt_trace.core.corpus import corpus_backward, corpus_forward, make_corpus
    from bptt_trace.core.truncation_terms import overall
    from bptt_trace.core.windowed import scheme_gradients

    cell = make_cell({"activation": "tanh", **cell_config})
    p = init_params(cell, 5, 3, np.random.default_rng(3))
    short, long = [0, 1, 2, 3, 1], [2, 0, 1, 3, 3, 1, 2]
    pair, alone = make_corpus([short, long], 4, "every"), make_corpus([long], 4, "every")
    scheme = Scheme(kind, k1, k2)
    table = bias_against_k(cell, p, sentence_rows(cell, p, short, "every"), scheme, axis=7)
    full_pair = corpus_backward(cell, p, pair, corpus_forward(cell, p, pair)).grads
    full_alone = corpus_backward(cell, p, alone, corpus_forward(cell, p, alone)).grads
    full = {n: 2 * full_pair[n] - full_alone[n] for n in full_pair}
    assert len(table) == len(short)
    for K, row in enumerate(table, start=1):
        at_k = scheme.with_k(K)
        g_pair, g_alone = (scheme_gradients(cell, p, c, at_k) for c in (pair, alone))
        expected = overall({n: 2 * g_pair[n] - g_alone[n] for n in g_pair}, full)
        for name in ("relative_error", "cosine"):  # (a difference of gradients rounds the
            # zeros of the short sentence's gradient to ±1e-17: their signs say nothing)
            assert close(row[name], expected[name]), (K, name, row[name], expected[name])


@pytest.mark.parametrize("mode", ["last", "every"])
@pytest.mark.parametrize(
    "flags",
    [
        ["--truncate", "2"],
        ["--chunks", "3"],
        ["--chunks", "2", "--update-every", "sequence"],
        ["--tbptt", "2:3"],
        ["--tbptt", "3:4", "--steps", "2"],
    ],
)
def test_the_events_of_a_run_against_the_reference(flags, mode, capsys):
    """The truncation event of every traced step of a real run: its metrics per parameter,
    reach and bias against the brute-force reference at the step's starting parameters (the
    params event before it), at 1e-9."""
    import json

    from bptt_trace.cli.app import main

    sentence = "the cat sat on the mat and the dog sat"
    capsys.readouterr()
    assert main([sentence, "--loss", mode, *flags, "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    run_event = events[0]
    vocab = run_event["vocab"]
    ids = [vocab.index(t) for t in run_event["sentences"][0]]
    eos = vocab.index("<eos>")
    kind = next(k for k in ("truncate", "chunks", "tbptt") if f"--{k}" in flags)
    k1, k2 = [int(k) for k in flags[1].split(":")] if kind == "tbptt" else [int(flags[1])] * 2
    checked = 0
    for i, event in enumerate(events):
        if event["event"] != "truncation":
            continue
        params = [e for e in events[:i] if e["event"] == "params"][-1]  # the step's start
        p = {name: np.array(params[name]) for name in NAMES}
        g = scheme_gradient(p, ids, eos, mode, "tanh", kind, k1, k2)
        full = full_gradient(p, ids, eos, mode, "tanh")
        for name in NAMES:
            expected = reference_metrics(g[name], full[name])
            for key, value in expected.items():
                assert close(event["metrics"][name][key], value), (name, key)
        T = len(ids)
        losses = list(range(1, T + 1)) if mode == "every" else [T]
        assert event["losses"] == losses
        assert event["reach"] == reference_reach(kind, k1, k2, T, losses)
        for K, row in enumerate(event["bias"], start=1):
            at_k = Scheme(kind, k1, k2).with_k(K)
            g_k = scheme_gradient(p, ids, eos, mode, "tanh", kind, at_k.k1, at_k.k2)
            for key, value in reference_metrics(flat(g_k), flat(full)).items():
                assert close(row[key], value), (K, key)
        checked += 1
    assert checked == (2 if "--steps" in flags else 1)


@pytest.mark.parametrize(
    "cell_flags", [["--cell", "lstm"], ["--cell", "gru"], ["--cell", "gru", "--reset-after"]]
)
@pytest.mark.parametrize("scheme", [["--truncate", "2"], ["--chunks", "2"], ["--tbptt", "2:3"]])
def test_every_cells_event_metrics_are_the_engines_scheme_gradient_against_full_bptt(
    cell_flags, scheme, capsys
):
    import json

    from bptt_trace.cli.app import main
    from bptt_trace.core.corpus import corpus_backward, corpus_forward, make_corpus
    from bptt_trace.core.truncation_terms import parameter_metrics
    from bptt_trace.core.windowed import scheme_gradients

    capsys.readouterr()
    args = ["the cat sat on the mat", "--loss", "every", *cell_flags, *scheme, "--json"]
    assert main(args) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    run_event, params = events[0], events[1]
    event = next(e for e in events if e["event"] == "truncation")
    config = {"activation": "tanh", "cell": cell_flags[1], "reset_after": len(cell_flags) > 2}
    cell = make_cell(config)
    names = list(event["metrics"])
    p = {name: np.array(params[name]) for name in names}
    vocab = run_event["vocab"]
    ids = [vocab.index(t) for t in run_event["sentences"][0]]
    corpus = make_corpus([ids], vocab.index("<eos>"), "every")
    full = corpus_backward(cell, p, corpus, corpus_forward(cell, p, corpus)).grads
    kind = scheme[0][2:]
    k1, k2 = [int(k) for k in scheme[1].split(":")] * (2 if kind != "tbptt" else 1)
    expected = parameter_metrics(scheme_gradients(cell, p, corpus, Scheme(kind, k1, k2)), full)
    for name in names:
        for key, value in expected[name].items():
            assert close(event["metrics"][name][key], value), (name, key)


def test_a_cell_whose_values_lose_the_schemes_axis_is_summed_one_scheme_at_a_time():
    """``block_sums`` sums every scheme at once when a cell's step values keep the schemes'
    axis; a cell that flattens it (as a plug-in cell may) gets the one-at-a-time sums, and
    the same table."""
    from bptt_trace.core.cells.rnn import VanillaRNN

    class Flattening(VanillaRNN):
        def step_values(self, p, cache, h_prev, delta):
            values = super().step_values(p, cache, h_prev, delta)
            return {k: v.reshape(-1, v.shape[-1]) for k, v in values.items()}

    ids = [0, 1, 2, 3, 1, 2, 0]
    plain = make_cell({"activation": "tanh"})
    p = init_params(plain, 5, 3, np.random.default_rng(5))
    rows = sentence_rows(plain, p, ids, "every")
    for kind, k1, k2 in (("truncate", 2, 2), ("tbptt", 2, 3)):
        expected = bias_against_k(plain, p, rows, Scheme(kind, k1, k2))
        got = bias_against_k(Flattening(), p, rows, Scheme(kind, k1, k2))
        for row, want in zip(got, expected, strict=True):
            assert all(close(row[key], want[key]) for key in want)


def test_held_a_few_schemes_at_a_time_the_bias_table_is_the_same(monkeypatch):
    """The schemes' deltas (BLOCK_BYTES) and their outer-product sums (SUMS_BYTES) are held a
    group at a time: at one scheme a group, and one sweep per scheme, the same table."""
    from bptt_trace.core import scheme_sums, truncation_terms

    cell = make_cell({"cell": "lstm"})
    p = init_params(cell, 5, 3, np.random.default_rng(9))
    rows = sentence_rows(cell, p, [0, 1, 2, 3, 1, 2, 0], "every")
    expected = bias_against_k(cell, p, rows, Scheme("tbptt", 2, 3))
    monkeypatch.setattr(scheme_sums, "SUMS_BYTES", 1)
    monkeypatch.setattr(truncation_terms, "BLOCK_BYTES", 1)
    got = bias_against_k(cell, p, rows, Scheme("tbptt", 2, 3))
    for row, want in zip(got, expected, strict=True):
        assert all(close(row[key], want[key]) for key in want)
