"""The Jacobian norms of wide states from products alone agree with the exact spectral norms
(np.linalg.norm(J, 2) of the formed products) at sizes where both can be computed."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bptt_trace.core.batch import make_batch
from bptt_trace.core.bptt import forward
from bptt_trace.core.cells import make_cell
from bptt_trace.core.chain_norms import ACCURACY, SHORT, chain_log_norms
from bptt_trace.core.krylov import sigma_max, spectral_radius
from bptt_trace.core.model import init_params

KINKED = 1e-4
"""ReLU's bound: a pre-activation within the difference step of its kink mixes both slopes."""


def exact(cell, q, state, kept, T):
    J, out = np.eye(state.shape[1]), [1.0]
    for k in range(T - 1, 0, -1):
        J = cell.to_previous(q, cell.delta(q, J, kept[k + 1], state[k + 1]), kept[k + 1])
        out.append(np.linalg.norm(J, 2))
    return np.array(out[::-1])


def exact_logs(cell, q, state, kept, T):
    """log ‖∂s_T/∂sₖ‖₂ for k = 1 … T from the formed products, each divided by its largest
    entry as it is formed (so that none leaves the floats); −inf for a zero product."""
    J, scale, out = np.eye(state.shape[1]), 0.0, [0.0]
    for k in range(T - 1, 0, -1):
        J = cell.to_previous(q, cell.delta(q, J, kept[k + 1], state[k + 1]), kept[k + 1])
        top = np.abs(J).max()
        if top == 0:
            out += [-np.inf] * k
            break
        J, scale = J / top, scale + np.log(top)
        out.append(scale + np.log(np.linalg.norm(J, 2)))
    return np.array(out[::-1])


@pytest.mark.parametrize(
    ("name", "activation", "H", "scale"),
    [
        ("rnn", "tanh", 80, 1.0),
        ("rnn", "tanh", 80, 4.0),
        ("rnn", "sigmoid", 70, 3.0),
        ("rnn", "relu", 80, 2.0),
        ("lstm", "tanh", 40, 3.0),
        ("gru", "tanh", 70, 3.0),
    ],
)
def test_the_iterative_norms_are_the_exact_ones_within_1e_6(name, activation, H, scale):
    cell = make_cell({"cell": name, "activation": activation})
    rng = np.random.default_rng(1)
    p = {k: v * scale for k, v in init_params(cell, 20, H, rng).items()}
    tokens = rng.integers(0, 20, 25).tolist()
    batch = make_batch([tokens], 0, "last")
    fw = forward(cell, p, batch)
    q = cell.prepare(p)
    logs = chain_log_norms(cell, q, fw.state[0], fw.cache[0], batch.x[0], 1)
    np.testing.assert_allclose(np.exp(logs), exact(cell, q, fw.state[0], fw.cache[0], 25), 1e-6)


CELLS = [("rnn", "tanh"), ("rnn", "sigmoid"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(CELLS),
    H=st.integers(2, 12),
    T=st.integers(2, SHORT + 30),
    scale=st.floats(-1.0, 1.0),
    block=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_drawn_networks_have_their_exact_norms(kind, H, T, scale, block, seed):
    """Every cell and activation, weights 0.1 to 10 times their initial size, chains longer
    than SHORT (so that the shared basis, of fewer rows than the state, does the work)."""
    name, activation = kind
    cell = make_cell({"cell": name, "activation": activation})
    rng = np.random.default_rng(seed)
    p = {k: v * 10.0**scale for k, v in init_params(cell, 7, H, rng).items()}
    batch = make_batch([rng.integers(0, 7, T).tolist()], 0, "last")
    fw = forward(cell, p, batch)
    q, state, kept = cell.prepare(p), fw.state[0], fw.cache[0]
    logs = chain_log_norms(cell, q, state, kept, batch.x[0], 1, block=block)
    expected = exact_logs(cell, q, state, kept, T)
    tolerance = KINKED if activation == "relu" else ACCURACY
    np.testing.assert_array_equal(np.isneginf(logs), np.isneginf(expected))
    np.testing.assert_allclose(logs, expected, rtol=0, atol=tolerance)


def relu_chain(W_h: np.ndarray, T: int, dead: int | None = None):
    """A ReLU RNN whose units are all alive at every step (so ∂s_T/∂sₖ = (Wʰᵀ)^(T−k) exactly
    whatever Wʰ's size, b ≫ the difference step), except at time step ``dead``."""
    cell = make_cell({"activation": "relu"})
    H = W_h.shape[0]
    c = np.abs(W_h).max(initial=0.0) or 1.0
    p = {"W": np.zeros((2, H)), "W_h": W_h, "b": np.full(H, 2.0 * c)}
    state = np.ones((T + 1, H))
    kept = state @ W_h + p["b"]  # a = h·Wʰ + b > 0 with every hₜ = 1
    x = np.zeros(T + 1, dtype=np.intp)
    if dead is not None:
        p["W"][1] = -10.0 * c * H
        x[dead], kept[dead] = 1, state[dead - 1] @ W_h + p["b"] + p["W"][1]  # a ≤ 0: f′ = 0
    return cell, p, state, kept, x


@settings(max_examples=30, deadline=None)
@given(
    H=st.integers(2, 10),
    T=st.integers(2, SHORT + 20),
    size=st.floats(-10.0, 10.0),
    gap=st.sampled_from([0.0, 1e-12, 1e-6, 1e-2, 0.5]),
    block=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_near_degenerate_chains_of_norms_from_1e_300_to_1e300(H, T, size, gap, block, seed):
    """Wʰ = 10^size·U·diag(1, 1 − gap, …)·Uᵀ: the top two singular values of each chain as
    close as 1 − 1e-12, or equal, and its norm 10^(size·(T − k)), as far as 1e±300 (and beyond:
    the logarithms stay exact)."""
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.standard_normal((H, H)))[0]
    spread = np.concatenate([[1.0, 1.0 - gap], rng.uniform(0.0, 1.0 - gap, H - 2)])[:H]
    cell, p, state, kept, x = relu_chain(10.0**size * (U * spread) @ U.T, T)
    logs = chain_log_norms(cell, cell.prepare(p), state, kept, x, 1, block=block)
    expected = (T - np.arange(1, T + 1)) * np.log(10.0**size)  # σ_max of Wʰ^(T−k)
    np.testing.assert_allclose(logs, expected, rtol=0, atol=ACCURACY)
    np.testing.assert_allclose(logs, exact_logs(cell, p, state, kept, T), rtol=0, atol=ACCURACY)


@settings(max_examples=20, deadline=None)
@given(H=st.integers(2, 8), T=st.integers(3, SHORT + 20), data=st.data())
def test_dead_relu_steps_and_zero_chains_give_exact_zeros(H, T, data):
    """Every unit dead at one time step j: ∂s_T/∂sₖ = 0 exactly for k < j (log −inf), the
    norms after it exact; and a zero Wʰ: every chain but ∂s_T/∂s_T is 0."""
    dead = data.draw(st.integers(2, T))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    cell, p, state, kept, x = relu_chain(rng.normal(0, 1 / np.sqrt(H), (H, H)), T, dead)
    logs = chain_log_norms(cell, p, state, kept, x, 1, block=2)
    expected = exact_logs(cell, p, state, kept, T)
    assert np.isneginf(logs).tolist() == [k < dead for k in range(1, T + 1)]
    np.testing.assert_allclose(logs, expected, rtol=0, atol=ACCURACY)
    cell, p, state, kept, x = relu_chain(np.zeros((H, H)), T)
    logs = chain_log_norms(cell, p, state, kept, x, 1, block=2)
    assert logs.tolist() == [-np.inf] * (T - 1) + [0.0]


def test_the_krylov_spectrum_is_the_exact_one_within_1e_6():
    rng = np.random.default_rng(3)
    A = rng.normal(0, 0.5 / np.sqrt(600), (600, 600))
    for B in (A, 3 * A + 0.02 * np.outer(rng.normal(size=600), rng.normal(size=600))):
        assert sigma_max(B) == pytest.approx(np.linalg.norm(B, 2), rel=1e-6)
        assert spectral_radius(B) == pytest.approx(np.abs(np.linalg.eigvals(B)).max(), rel=1e-6)
