"""The vanishing/exploding diagnosis at its extremes: an exactly zero gradient, norms of
entries far from 1, and a product beyond the floats."""

from __future__ import annotations

import io

import numpy as np
from numpy.testing import assert_allclose

from bptt_trace.config import Config
from bptt_trace.core.cells import make_cell
from bptt_trace.core.flow import HORIZON
from bptt_trace.core.jacobians import (
    CHAIN_WORK,
    MIN_CHAINS,
    diagnose,
    horizon,
    spectral_norms,
    spectrum,
)
from bptt_trace.core.tokens import build_vocab
from bptt_trace.rendering.renderer import make_console, render
from bptt_trace.trace.loop import run


def test_a_dead_relu_has_rate_zero_and_says_the_gradient_is_exactly_zero() -> None:
    """`bptt-trace "I like NLP" --activation relu --hidden 1 --seed 2`: a₃ ≤ 0."""
    config = Config(activation="relu", hidden=1, seed=2)
    events = list(run([["I", "like", "NLP"]], config))
    jac = next(e for e in events if e.kind == "jacobians")
    forward = [e for e in events if e.kind == "forward"]
    assert forward[2].terms["a"][0] <= 0  # the independent fact: unit 1 is dead at t = 3
    assert np.asarray(jac.norms).tolist() == [0.0, 0.0, 1.0]
    assert jac.end_to_end == 0.0 and jac.rate == 0.0 and jac.verdict == "vanishing"
    assert "exactly zero" in jac.cause and "dead ReLU at time step 3" in jac.cause
    out = io.StringIO()
    shown = [e for e in events if e.kind in ("run", "jacobians")]
    render(shown, make_console(file=out, width=200))
    text = out.getvalue()
    table = text[text.index("Vanishing") :]
    rows = [line for line in table.splitlines() if line.startswith((" 1 ", " 2 ", " 3 "))]
    assert ["█" in row for row in rows] == [False, False, True]  # no bar for an exact 0
    assert "about ×1 a time step" not in text and "×0 a time step" in text


def test_a_live_network_has_no_cause_and_a_positive_rate() -> None:
    jac = next(e for e in run([["I", "like", "NLP"]], Config()) if e.kind == "jacobians")
    assert jac.cause is None and jac.rate > 0
    assert_allclose(jac.rate, jac.end_to_end ** (1 / 2), rtol=1e-12)


def test_spectral_norms_of_entries_far_from_one_neither_overflow_nor_underflow() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(3, 4, 4))
    expected = np.linalg.svd(base, compute_uv=False)[:, 0]  # σ_max by an SVD
    for factor in (1e-200, 1e-160, 1.0, 1e160, 1e200):
        assert_allclose(spectral_norms(base * factor), expected * factor, rtol=1e-12)
    assert spectral_norms(np.zeros((1, 2, 2))).tolist() == [0.0]


def test_a_product_beyond_the_floats_is_followed_back_only_while_finite() -> None:
    """A ReLU network with Wʰ = 1e10·I and every unit alive: ∂h_T/∂hₖ = (1e10)^(T−k)·I,
    beyond 1.8e308 for T − k ≥ 31."""
    cell = make_cell({"activation": "relu"})
    T, H = 40, 2
    p = {"W_h": 1e10 * np.eye(H)}
    kept = np.ones((T + 1, H))  # aₜ > 0: f′ = 1
    d = diagnose(cell, p, np.ones((T + 1, H)), kept, T, spectrum(p["W_h"]))
    assert d.first == T - 30 and np.isfinite(d.jacobian_norms).all()
    assert_allclose(d.jacobian_norms, 10.0 ** (10.0 * np.arange(30, -1, -1)), rtol=1e-12)
    assert d.verdict == "exploding" and "beyond the floats" in d.cause
    assert_allclose(d.rate, 1e10, rtol=1e-12)


def test_a_wide_state_is_followed_back_as_far_as_the_work_allows() -> None:
    """n chains of S units cost about n²·S² a sweep: the horizon keeps that within CHAIN_WORK,
    all 256 steps up to S = 128, never fewer than MIN_CHAINS."""
    for S in (1, 4, 64, 128, 129, 300, 512, 1000, 2000, 2048, 5000, 20_000):
        n = horizon(S)
        assert MIN_CHAINS <= n <= HORIZON
        assert n * n * S * S <= CHAIN_WORK or n == MIN_CHAINS
        assert n == HORIZON or (n + 1) ** 2 * S * S > CHAIN_WORK  # as far back as allowed
    assert horizon(4) == horizon(128) == HORIZON


def test_a_long_sentence_of_a_wide_state_starts_its_norms_at_the_horizon() -> None:
    """A ReLU network with Wʰ = 0.9·I, every unit alive: ∂h_T/∂hₖ = 0.9^(T−k)·I, whose norm
    is 0.9^(T−k); at S = 300 the norms follow h_T back horizon(300) = 109 steps."""
    cell = make_cell({"activation": "relu"})
    T, H = 120, 300
    p = {"W_h": 0.9 * np.eye(H)}
    d = diagnose(cell, p, np.ones((T + 1, H)), np.ones((T + 1, H)), T, spectrum(p["W_h"]))
    n = 32_768 // H  # √CHAIN_WORK // S, computed here
    assert d.first == T - n + 1 and d.jacobian_norms.size == n
    assert_allclose(d.jacobian_norms, 0.9 ** np.arange(n - 1, -1, -1), rtol=1e-12)


def test_a_short_sentence_of_a_padded_corpus_gets_the_norms_of_its_own_steps() -> None:
    """In a corpus the first sentence is padded to the longest's length with run-on states;
    its diagnosis is of its own T steps, exact (S ≤ 64) or from matrix–vector products (S >
    64), and equals the diagnosis of the sentence run alone (found: H = 65 gave the padded
    length, and the trace could not be replayed)."""
    short, long = ["I", "like", "NLP"], ["we", "like", "hidden", "states", "a", "lot"]
    for hidden in (8, 65):
        config = Config(hidden=hidden)
        padded = [e for e in run([short, long], config) if e.kind == "jacobians"]
        vocab = build_vocab([short, long], config.target)  # the same parameters drawn
        alone = [e for e in run([short], config, vocab=vocab) if e.kind == "jacobians"]
        first = next(e for e in padded if e.sentence == 0)
        assert len(first.norms) == len(short) - first.first + 1, hidden
        assert_allclose(first.norms, alone[0].norms, rtol=1e-5)
