"""The Jacobian norms of wide states from products alone agree with the exact spectral norms
(np.linalg.norm(J, 2) of the formed products) at sizes where both can be computed."""

import numpy as np
import pytest

from bptt_trace.core.batch import make_batch
from bptt_trace.core.bptt import forward
from bptt_trace.core.cells import make_cell
from bptt_trace.core.chain_norms import chain_log_norms
from bptt_trace.core.krylov import sigma_max, spectral_radius
from bptt_trace.core.model import init_params


def exact(cell, q, state, kept, T):
    J, out = np.eye(state.shape[1]), [1.0]
    for k in range(T - 1, 0, -1):
        J = cell.to_previous(q, cell.delta(q, J, kept[k + 1], state[k + 1]), kept[k + 1])
        out.append(np.linalg.norm(J, 2))
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


def test_the_krylov_spectrum_is_the_exact_one_within_1e_6():
    rng = np.random.default_rng(3)
    A = rng.normal(0, 0.5 / np.sqrt(600), (600, 600))
    for B in (A, 3 * A + 0.02 * np.outer(rng.normal(size=600), rng.normal(size=600))):
        assert sigma_max(B) == pytest.approx(np.linalg.norm(B, 2), rel=1e-6)
        assert spectral_radius(B) == pytest.approx(np.abs(np.linalg.eigvals(B)).max(), rel=1e-6)
