"""Truncated BPTT's per-step fields say what they hold: the part from step t+1 is that of the
losses whose flow still reaches hₜ, and ``cut`` marks every hₜ where a flow stops, whatever
its value; the backward table labels the rows below a cut so."""

from __future__ import annotations

import io

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from oracles import F, hidden_states

from bptt_trace.config import Config
from bptt_trace.core.batch import make_batch
from bptt_trace.core.bptt import backward, forward
from bptt_trace.core.cells import make_cell
from bptt_trace.core.model import init_params
from bptt_trace.rendering.renderer import make_console, render
from bptt_trace.trace.loop import run

DERIVATIVE = {
    "tanh": lambda a: 1 - np.tanh(a) ** 2,
    "sigmoid": lambda a: F["sigmoid"](a) * (1 - F["sigmoid"](a)),
    "relu": lambda a: (a > 0).astype(float),
}


def per_loss_flows(p, ids, target, mode, f, K):
    """{(s, k): ∂Lₛ/∂hₖ} for every loss s and the k its flow reaches (k > s − K), dense."""
    h = hidden_states(p, ids, f)
    ys = [*ids[1:], target]
    steps = range(1, len(ids) + 1) if mode == "every" else [len(ids)]
    flows = {}
    for s in steps:
        o = h[s] @ p["V"] + p["b_output"]
        y_hat = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
        y_hat[ys[s - 1]] -= 1.0
        g = y_hat @ p["V"].T  # ∂Lₛ/∂hₛ
        for k in range(s, max(s - K, 0), -1):
            flows[s, k] = g
            a = np.eye(p["W"].shape[0])[ids[k - 1]] @ p["W"] + h[k - 1] @ p["W_h"] + p["b"]
            g = (g * DERIVATIVE[f](a)) @ p["W_h"].T
    return flows


@settings(max_examples=60, deadline=None)
@given(
    ids=st.lists(st.integers(0, 3), min_size=1, max_size=7),
    K=st.integers(1, 4),
    mode=st.sampled_from(["last", "every"]),
    f=st.sampled_from(["tanh", "sigmoid", "relu"]),
    seed=st.integers(0, 2**16),
)
def test_the_part_from_the_next_step_is_that_of_the_losses_still_flowing(ids, K, mode, f, seed):
    cell = make_cell({"activation": f})
    p = init_params(cell, 5, 3, np.random.default_rng(seed))
    batch = make_batch([ids], 4, mode)
    bw = backward(cell, p, batch, forward(cell, p, batch), K)
    flows = per_loss_flows(p, ids, 4, mode, f, K)
    T = len(ids)
    for t in range(1, T + 1):
        later = [g for (s, k), g in flows.items() if k == t and s > t]
        expected = np.sum(later, axis=0) if later else np.zeros(3)
        assert_allclose(bw.from_next[0, t], expected, rtol=1e-9, atol=1e-15)
        # a flow stops at hₜ exactly when the loss at t + K − 1 exists (t > 1): cut, whatever
        # its value (ReLU makes many exactly 0)
        stops = t > 1 and (t + K - 1, t) in flows and (t + K - 1, t - 1) not in flows
        assert bool(bw.cut[0, t]) == stops, (t, K)


def test_a_flow_of_exactly_zero_is_still_cut() -> None:
    """A ReLU unit dead at t = 3 makes L₃'s flow 0 from h₂ on; it is cut at h₂ all the same."""
    cell = make_cell({"activation": "relu"})
    p = init_params(cell, 3, 1, np.random.default_rng(0))
    p["W"][:] = [[1.0], [-1.0], [1.0]]  # a₂ = x₂·W + h₁·Wʰ < 0 for token 1 at t = 2
    p["W_h"][:] = 0.1
    batch = make_batch([[0, 1, 2]], 2, "last")
    bw = backward(cell, p, batch, forward(cell, p, batch), 2)
    assert bw.delta[0, 2, 0] == 0.0  # dead: nothing flows on, so the old test saw no cut
    assert bw.cut[0].tolist() == [False, False, True, False]


def test_rows_below_a_cut_say_which_loss_they_leave_out() -> None:
    for mode, cut_rows in (("last", [4]), ("every", [1, 2, 3, 4])):
        events = list(run([list("abcdefg")], Config(truncate=3, loss=mode)))
        out = io.StringIO()
        render(events, make_console(file=out, width=120))
        text = out.getvalue()
        cuts = [e.t for e in events if e.kind == "backward" and e.cut]
        assert sorted(t - 1 for t in cuts) == cut_rows
        for t in cut_rows:
            assert f"from t = {t + 1} via Wʰ" in text
            assert f"less L{'₀₁₂₃₄₅₆₇₈₉'[t + 3]}'s part — cut by --truncate 3" in text
        assert text.count("'s part — cut by --truncate 3") == len(cut_rows)
