"""Loss modes, activations, truncation, the blame matrix, Jacobians, clipping and --check."""

import json

import numpy as np
import pytest
from numpy.testing import assert_allclose
from oracles import (
    NAMES,
    F,
    corpus_loss,
    hidden_states,
    max_relative_error,
    numeric_gradients,
    step_loss,
    truncated_reference,
)

from bptt_trace.cli.app import main
from bptt_trace.config import Config
from bptt_trace.core.activations import ACTIVATIONS
from bptt_trace.core.batch import make_batch
from bptt_trace.core.bptt import backward, forward
from bptt_trace.core.cells import make_cell
from bptt_trace.core.flow import loss_flow
from bptt_trace.core.jacobians import diagnose, spectrum
from bptt_trace.core.tokens import build_vocab, tokenize
from bptt_trace.trace.loop import run

EPS = 3e-3  # the reference's finite-difference step


def problem(text: str, hidden: int, seed: int, mode: str):
    corpus = [tokenize(line) for line in text.split("\n")]
    vocab = build_vocab(corpus)
    ids = [[vocab.index(t) for t in s] for s in corpus]
    rng = np.random.default_rng(seed)
    V = len(vocab)
    p = {
        "W": rng.normal(0, 0.5, (V, hidden)),
        "W_h": rng.normal(0, 0.5, (hidden, hidden)),
        "b": rng.normal(0, 0.3, hidden),
        "V": rng.normal(0, 0.5, (hidden, V)),
        "b_output": rng.normal(0, 0.3, V),
    }
    eos = vocab.index("<eos>")
    return p, ids, eos, make_batch(ids, eos, mode)


CASES = [("I like NLP", 4, 0), ("a b a b a\nthe loss blames earlier steps", 3, 5)]


@pytest.mark.parametrize("mode", ["last", "every"])
@pytest.mark.parametrize("f", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize(("text", "hidden", "seed"), CASES)
def test_every_loss_mode_and_activation_matches_finite_differences(mode, f, text, hidden, seed):
    p, ids, eos, batch = problem(text, hidden, seed, mode)
    cell = make_cell({"activation": f})
    fw = forward(cell, p, batch)
    if f == "relu":  # finite differences need every aₜ away from relu's kink at 0
        assert np.min(np.abs(fw.cache[batch.mask])) > 4 * EPS  # the cache holds aₜ
    bw = backward(cell, p, batch, fw)
    numeric = numeric_gradients(lambda q: corpus_loss(q, ids, eos, mode, f), p)
    for name in NAMES:
        assert max_relative_error(bw.grads[name], numeric[name]) <= 1e-7, name
    assert_allclose(bw.loss, corpus_loss(p, ids, eos, mode, f), rtol=1e-13)


@pytest.mark.parametrize("mode", ["last", "every"])
def test_truncation_equals_an_independent_rerun_of_each_losss_last_k_steps(mode):
    p, ids, eos, batch = problem("we learn BPTT one step at a time", 3, 2, mode)
    cell = make_cell({"activation": "tanh"})
    fw = forward(cell, p, batch)
    T = len(ids[0])
    full = backward(cell, p, batch, fw).grads
    for K in (1, 3, T, T + 5):
        cut = backward(cell, p, batch, fw, truncate=K).grads
        expected = truncated_reference(p, ids[0], eos, mode, "tanh", K)
        for name in NAMES:
            assert max_relative_error(cut[name], expected[name]) <= 1e-7, (K, name)
        if K >= T:
            for name in NAMES:
                assert_allclose(cut[name], full[name], rtol=1e-12, atol=1e-15)


def test_truncation_at_1_has_no_flow_across_time():
    p, _, _, batch = problem("I like NLP", 4, 1, "every")
    cell = make_cell({"activation": "tanh"})
    fw = forward(cell, p, batch)
    bw = backward(cell, p, batch, fw, truncate=1)
    assert not np.any(bw.from_next)  # nothing flows from step t+1 into hₜ
    h = fw.h[0]
    da = bw.delta[0, 1:]  # ∂L/∂aₜ
    assert_allclose(bw.grads["W_h"], h[:-1].T @ da, atol=1e-15)  # only immediate terms


def test_blame_matrix_matches_an_independent_dL_s_dh_k():
    p, ids, eos, batch = problem("a b a b a", 3, 7, "every")
    cell = make_cell({"activation": "tanh"})
    fw = forward(cell, p, batch)
    bw = backward(cell, p, batch, fw)
    flow = loss_flow(cell, p, batch, fw, 0, None, with_grads=True)
    h = hidden_states(p, ids[0], "tanh")
    ys = [*ids[0][1:], eos]
    T = len(ids[0])
    for row, s in enumerate(flow.losses.tolist()):
        for k in range(1, T + 1):
            if k > s:
                assert flow.blame[row, k - 1] == 0
                continue

            def L_of_hk(hk: np.ndarray, s: int = s, k: int = k) -> float:
                return step_loss(p, hidden_states(p, ids[0][k:s], "tanh", h0=hk)[-1], ys[s - 1])

            grad = np.array(
                [(L_of_hk(h[k] + d) - L_of_hk(h[k] - d)) / 2e-6 for d in np.eye(3) * 1e-6]
            )
            assert_allclose(flow.blame[row, k - 1], np.linalg.norm(grad), rtol=1e-7)
    # the per-loss gradients add up to the gradient of L = Σₛ Lₛ
    for name in NAMES:
        assert_allclose(flow.grads[name].sum(axis=0), bw.grads[name], atol=1e-14)


def test_blame_matrix_is_zero_past_the_truncation():
    p, _, _, batch = problem("a b a b a b", 3, 7, "every")
    cell = make_cell({"activation": "tanh"})
    fw = forward(cell, p, batch)
    flow = loss_flow(cell, p, batch, fw, 0, 2, with_grads=False)
    for row, s in enumerate(flow.losses.tolist()):
        nonzero = np.flatnonzero(flow.blame[row]) + 1
        assert nonzero.tolist() == [k for k in (s - 1, s) if k >= 1]


def test_jacobian_norms_are_products_of_diag_f_prime_times_W_h_transposed():
    p, ids, _, batch = problem("one two three four", 3, 3, "last")
    cell = make_cell({"activation": "tanh"})
    fw = forward(cell, p, batch)
    h = hidden_states(p, ids[0], "tanh")
    d = diagnose(cell, p, fw.h[0], fw.cache[0], 4, spectrum(p["W_h"]))
    for k in range(1, 5):  # finite differences of h_T with respect to hₖ
        J = np.column_stack(
            [
                (
                    hidden_states(p, ids[0][k:], "tanh", h0=h[k] + e)[-1]
                    - hidden_states(p, ids[0][k:], "tanh", h0=h[k] - e)[-1]
                )
                / 2e-6
                for e in np.eye(3) * 1e-6
            ]
        )
        assert_allclose(d.jacobian_norms[k - 1], np.linalg.norm(J, 2), rtol=1e-6)
    assert_allclose(d.sigma_max, np.linalg.svd(p["W_h"], compute_uv=False)[0])


@pytest.mark.parametrize(
    ("lengths", "diagnosed"),
    [([3, 5, 2, 5], [0, 1]), ([4, 4, 4], [0]), ([6, 2], [0]), ([2], [0])],
)
def test_jacobians_are_shown_for_the_first_and_the_longest_sentence(lengths, diagnosed):
    corpus = [[f"w{i}" for i in range(n)] for n in lengths]
    events = [e for e in run(corpus, Config(steps=2)) if e.kind == "jacobians"]
    assert [(e.step, e.sentence) for e in events] == [(k, s) for k in (1, 2) for s in diagnosed]
    for e in events:  # the norms of that sentence: one for each k = 1 … T
        assert len(e.norms) == lengths[e.sentence]


def test_the_long_sentence_shows_vanishing_gradients_at_the_defaults():
    text = open("sentences/long.txt").read().splitlines()
    sentence = next(line for line in text if line and not line.startswith("#"))
    events = [e for e in run([tokenize(sentence)], Config()) if e.kind == "jacobians"]
    assert events[0].verdict == "vanishing"
    assert events[0].end_to_end < 1e-2


def test_clipping_scales_the_update_to_the_clip_norm():
    events = list(run([["I", "like", "NLP"]], Config(clip=0.1, lr=0.5)))
    grads = next(e for e in events if e.kind == "gradients")
    update = next(e for e in events if e.kind == "update")
    norm = np.sqrt(sum(np.sum(np.asarray(grads.grads[n]) ** 2) for n in NAMES))
    assert update.grad_norm == pytest.approx(norm, rel=1e-14)
    assert norm > 0.1 and update.scale == pytest.approx(0.1 / norm, rel=1e-14)
    applied = np.sqrt(sum(np.sum(np.asarray(update.applied[n]) ** 2) for n in NAMES))
    assert applied == pytest.approx(0.1, rel=1e-12)
    for n in NAMES:
        assert_allclose(
            update.new[n],
            np.asarray(update.old[n]) - 0.5 * (0.1 / norm) * np.asarray(grads.grads[n]),
            rtol=0,
            atol=1e-16,
        )


def test_no_clipping_below_the_clip_norm():
    events = list(run([["I", "like", "NLP"]], Config(clip=100.0)))
    assert next(e for e in events if e.kind == "update").scale == 1.0


@pytest.mark.parametrize(
    "args",
    [["--loss", "every"], ["--activation", "sigmoid"], ["--truncate", "2", "--loss", "every"]],
)
def test_check_passes_on_the_engine(args, capsys):
    assert main(["we learn BPTT one step at a time", "--check", "--json", *args]) == 0
    out = capsys.readouterr().out
    check = next(e for e in map(json.loads, out.splitlines()) if e["event"] == "check")
    assert check["passed"] is True
    assert set(check["max_error"]) == set(NAMES)
    assert (check["truncation_error"] is not None) == ("--truncate" in args)


def test_check_fails_when_the_engine_is_wrong(monkeypatch, capsys):
    tanh = ACTIVATIONS["tanh"]
    wrong = type(tanh)(tanh.name, tanh.formula, tanh.derivative, tanh.f, lambda a, h: 1.0 - h)
    monkeypatch.setitem(ACTIVATIONS, "tanh", wrong)  # f′ = 1 − h instead of 1 − h²
    assert main(["I like NLP", "--check"]) == 1
    assert "gradient check failed" in capsys.readouterr().out


def test_check_samples_large_parameters(capsys):
    assert main(["I like NLP", "--check", "--hidden", "16", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    check = next(e for e in map(json.loads, lines) if e["event"] == "check")
    assert check["total"]["W_h"] == 256 and check["checked"]["W_h"] == 200


def test_activations_compute_f_and_f_prime():
    a = np.linspace(-3, 3, 13) + 0.01
    for name, act in ACTIVATIONS.items():
        h = act.f(a)
        assert_allclose(h, F[name](a), rtol=1e-14)
        numeric = (act.f(a + 1e-6) - act.f(a - 1e-6)) / 2e-6
        assert_allclose(act.f_prime(a, h), numeric, rtol=1e-6, atol=1e-9)
