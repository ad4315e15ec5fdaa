"""The GRU with the reset gate after the product (torch's nn.GRU, ``--reset-after``) against its
own equations: the loss, every gradient, the per-step values the tables show and the truncated
gradients equal an independent dense implementation (tests/oracles.py, ``gru_reset_after_step``)
and central finite differences of its loss, in float64.

Tolerances: the loss to rtol 1e-13 (the same sums in another order); gradients to rtol 1e-7 with
atol 1e-11 (the five-point stencil at ε = 1e-3 is exact to about 1e-13 here, see
``oracles.numeric_gradients``); per-step values recomputed from the trace's own numbers to
rtol 1e-12, atol 1e-15 (one product in another order).
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from oracles import (
    cell_corpus_loss,
    cell_states,
    cell_truncated,
    numeric_gradients,
    one_hot,
    sigmoid,
)

from bptt_trace.config import Config
from bptt_trace.core.batch import make_batch
from bptt_trace.core.bptt import backward, forward
from bptt_trace.core.cells import make_cell
from bptt_trace.core.cells.gru import GRU
from bptt_trace.core.cells.gru_reset_after import ResetAfterGRU
from bptt_trace.core.model import init_params
from bptt_trace.core.tokens import build_vocab, tokenize
from bptt_trace.trace.loop import run

ORACLE = "gru-reset-after"
ONE = ["I like NLP"]
RAGGED = ["we learn BPTT one step at a time", "gates keep it"]
"""Two sentences of different lengths: one padded batch, each sentence's own loss."""


def problem(lines: list[str], hidden: int, seed: int, mode: str):
    corpus = [tokenize(line) for line in lines]
    vocab = build_vocab(corpus)
    ids = [[vocab.index(t) for t in s] for s in corpus]
    cell = make_cell({"cell": "gru", "reset_after": True})
    p = init_params(cell, len(vocab), hidden, np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 1)
    for name in p:  # every parameter away from its initial value: bʰ_n and the biases too
        p[name] = p[name] + rng.normal(0, 0.3, p[name].shape)
    eos = vocab.index("<eos>")
    return cell, p, ids, eos, make_batch(ids, eos, mode)


def test_make_cell_gives_it_for_reset_after_and_the_cho_gru_otherwise() -> None:
    assert isinstance(make_cell({"cell": "gru", "reset_after": True}), ResetAfterGRU)
    assert type(make_cell({"cell": "gru"})) is GRU
    assert type(make_cell({"cell": "gru", "reset_after": False})) is GRU
    names = [spec.name for spec in make_cell({"cell": "gru", "reset_after": True}).params]
    assert names == [
        *("W_z", "W_h_z", "b_z", "W_r", "W_h_r", "b_r"),
        *("W_n", "W_h_n", "b_n", "b_h_n"),
    ]
    with pytest.raises(ValueError, match="reset_after"):
        make_cell({"cell": "gru", "reset_after": "yes"})  # a model file's config, untrusted


def test_b_h_n_starts_at_zero_and_the_weights_are_drawn_as_the_cho_grus() -> None:
    """bʰ_n is a bias (zeros, not scaled); the weights come from the same draws, in order."""
    after = init_params(ResetAfterGRU(), 5, 3, np.random.default_rng(0))
    before = init_params(GRU(), 5, 3, np.random.default_rng(0))
    assert np.array_equal(after["b_h_n"], np.zeros(3))
    for name in before:
        assert np.array_equal(after[name], before[name]), name


@pytest.mark.parametrize("mode", ["last", "every"])
@pytest.mark.parametrize(("lines", "hidden"), [(ONE, 1), (ONE, 3), (RAGGED, 3)])
def test_loss_and_every_gradient_equal_finite_differences(mode, lines, hidden) -> None:
    cell, p, ids, eos, batch = problem(lines, hidden, 3, mode)
    bw = backward(cell, p, batch, forward(cell, p, batch))
    assert_allclose(bw.loss, cell_corpus_loss(ORACLE, p, ids, eos, mode), rtol=1e-13)
    numeric = numeric_gradients(lambda q: cell_corpus_loss(ORACLE, q, ids, eos, mode), p)
    assert list(bw.grads) == list(p)
    for name in p:
        assert_allclose(bw.grads[name], numeric[name], rtol=1e-7, atol=1e-11, err_msg=name)


def test_it_is_not_the_cho_gru() -> None:
    """The same parameters give other numbers with the reset before the product: the oracle
    tells the two forms apart (bʰ_n = 0 here, so the difference is the reset's place alone)."""
    _, p, ids, eos, _ = problem(RAGGED, 3, 4, "every")
    p["b_h_n"][:] = 0.0
    after = cell_corpus_loss(ORACLE, p, ids, eos, "every")
    before = cell_corpus_loss("gru", p, ids, eos, "every")
    assert abs(after - before) > 1e-3


@pytest.mark.parametrize("mode", ["last", "every"])
def test_truncation_equals_each_loss_rerun_over_its_last_k_steps(mode) -> None:
    cell, p, ids, eos, batch = problem(["the blame fades over time"], 2, 7, mode)
    fw = forward(cell, p, batch)
    for K in (1, 3):
        cut = backward(cell, p, batch, fw, truncate=K).grads
        expected = cell_truncated(ORACLE, p, ids[0], eos, mode, K)
        for name in p:
            assert_allclose(cut[name], expected[name], rtol=1e-7, atol=1e-11, err_msg=(K, name))


def test_the_traced_values_are_those_of_their_time_step() -> None:
    """Each table row is the quantity its label names at the t it shows: the forward terms are
    the oracle's at t (rₜ, not rₜ₋₁; hₜ₋₁·Wʰ_n + bʰ_n), and the backward terms follow from
    ∂L/∂hₜ by the equations — ∂L/∂a_n ⊙ rₜ, ∂L/∂rₜ = ∂L/∂a_n ⊙ (hₜ₋₁·Wʰ_n + bʰ_n), the
    contribution hₜ₋₁ᵀ·(∂L/∂a_n ⊙ rₜ) to Wʰ_n — with rₜ taken from the forward event at t."""
    _, p, ids, _, _ = problem(ONE, 3, 9, "every")
    vocab = build_vocab([tokenize(ONE[0])])
    events = list(
        run(
            [tokenize(ONE[0])],
            Config(cell="gru", reset_after=True, hidden=3, loss="every", detail="full"),
            params={k: v.copy() for k, v in p.items()},
            vocab=vocab,
        )
    )
    forward_at = {e.t: e for e in events if e.kind == "forward"}
    backward_at = {e.t: e for e in events if e.kind == "backward"}
    states = cell_states(ORACLE, p, ids[0])
    for t, ev in forward_at.items():
        x, h_prev = one_hot(ids[0][t - 1], len(vocab)), states[t - 1][0]
        r = sigmoid(x @ p["W_r"] + h_prev @ p["W_h_r"] + p["b_r"])
        z = sigmoid(x @ p["W_z"] + h_prev @ p["W_h_z"] + p["b_z"])
        hn = h_prev @ p["W_h_n"] + p["b_h_n"]
        a_n = x @ p["W_n"] + p["b_n"] + r * hn
        expected = {"z": z, "r": r, "hn": hn, "a_n": a_n, "n": np.tanh(a_n), "h": states[t][0]}
        for key, value in expected.items():
            assert_allclose(ev.terms[key] if key != "h" else ev.h, value, rtol=1e-12, atol=1e-15)
        bw = backward_at[t]
        terms = {k: np.asarray(v) for k, v in bw.terms.items()}
        dh = np.asarray(bw.dh)
        n = np.tanh(a_n)
        da_n = dh * (1 - z) * (1 - n * n)
        checks = {
            "da_n": da_n,
            "da_z": dh * (h_prev - n) * z * (1 - z),
            "da_hn": da_n * r,
            "dr": da_n * hn,
            "da_r": da_n * hn * r * (1 - r),
            "direct": dh * z,
            "dW_h_n": np.outer(h_prev, da_n * r),
            "dW_h_z": np.outer(h_prev, dh * (h_prev - n) * z * (1 - z)),
        }
        for key, value in checks.items():
            assert_allclose(terms[key], value, rtol=1e-12, atol=1e-15, err_msg=(t, key))


@pytest.mark.parametrize("mode", ["last", "every"])
def test_it_is_torchs_nn_gru(mode) -> None:
    """Where PyTorch is installed: nn.GRU in float64 with these weights (its gate order r, z, n;
    column vectors, so each matrix transposed; b_r and b_z in bias_ih, bʰ_n in bias_hh) gives
    the same loss and gradients, to rtol 1e-10 and atol 1e-14 (measured: 1.7e-16 apart)."""
    torch = pytest.importorskip("torch")
    cell, p, ids, eos, batch = problem(RAGGED, 5, 1, mode)
    bw = backward(cell, p, batch, forward(cell, p, batch))
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in p.items()}
    H, V = p["W_h_z"].shape[0], p["W_z"].shape[0]
    gru = torch.nn.GRU(V, H, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        gru.weight_ih_l0.copy_(torch.cat([t["W_r"], t["W_z"], t["W_n"]], 1).T)
        gru.weight_hh_l0.copy_(torch.cat([t["W_h_r"], t["W_h_z"], t["W_h_n"]], 1).T)
        gru.bias_ih_l0.copy_(torch.cat([t["b_r"], t["b_z"], t["b_n"]]))
        gru.bias_hh_l0.copy_(torch.cat([torch.zeros(2 * H, dtype=torch.float64), t["b_h_n"]]))
    total = torch.zeros((), dtype=torch.float64)
    for s in ids:
        hs = gru(torch.nn.functional.one_hot(torch.tensor(s), V).double()[None])[0][0]
        ys = [*s[1:], eos]
        for k in range(len(s)) if mode == "every" else [len(s) - 1]:
            total = total - torch.log_softmax(hs[k] @ t["V"] + t["b_output"], 0)[ys[k]]
    loss = total / len(ids)
    loss.backward()
    w_ih, w_hh, b_ih, b_hh = (
        gru.weight_ih_l0.grad,
        gru.weight_hh_l0.grad,
        gru.bias_ih_l0.grad,
        gru.bias_hh_l0.grad,
    )
    theirs = {"V": t["V"].grad, "b_output": t["b_output"].grad, "b_h_n": b_hh[2 * H :]}
    for k, gate in enumerate(("r", "z", "n")):
        rows = slice(k * H, (k + 1) * H)
        theirs |= {f"W_{gate}": w_ih[rows].T, f"W_h_{gate}": w_hh[rows].T, f"b_{gate}": b_ih[rows]}
    assert_allclose(bw.loss, loss.item(), rtol=1e-12)
    for name in p:
        assert_allclose(bw.grads[name], theirs[name].numpy(), rtol=1e-10, atol=1e-14, err_msg=name)
