"""The choice among forward options tied in the loss (usercode/forward_choice.py): ∂L/∂b_output
judges every target of a setup at once, as the relative difference of each target's own
vector would; full BPTT runs for at most GRADIENT_TRIES options, the rest are left untried
(never said to differ); one forward pass per setup, not per option."""

from __future__ import annotations

import numpy as np
import pytest

from bptt_trace.usercode import forward_choice
from bptt_trace.usercode.forward_choice import (
    GRADIENT_TRIES,
    bias_misfits,
    judged,
    leading,
    option_of,
    simplest_first,
)
from bptt_trace.usercode.setup import Setup


def relative(a: np.ndarray, c: np.ndarray) -> float:
    """max |a − c| over the largest |entry| of either, 0 for two zero vectors (written here)."""
    scale = max(np.abs(a).max(), np.abs(c).max())
    return 0.0 if scale == 0 else float(np.abs(a - c).max() / scale)


CASES = {
    "random": lambda rng: (rng.normal(size=7), rng.normal(size=7), 0.7),
    "equal largest entries": lambda rng: (np.array([3.0, -3, 1, 3]), np.array([2.0, 2, 2, 2]), 1),
    "zeros": lambda rng: (np.zeros(5), np.zeros(5), 0.0),
    "one entry": lambda rng: (np.array([0.5]), np.array([1.5]), 1.0),
    "the user's is a row": lambda rng: (np.array([0.25, -0.75, 0.5]), np.full(3, 0.25), 1.0),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("c", [1.0, -1.0, 3.0, 0.5])
def test_each_targets_misfit_is_the_relative_difference_of_its_vector(case, c) -> None:
    user, shared, weight = CASES[case](np.random.default_rng(len(case)))
    found = bias_misfits(user, shared, weight, c)
    for k in range(shared.size):
        row = shared.copy()
        row[k] -= weight
        assert found[k] == pytest.approx(relative(user, c * row), rel=1e-12, abs=1e-15)


def dead(loss: str = "last") -> Setup:
    vocab = ("I", "like", "NLP", "<eos>")
    return Setup("rnn", "relu", False, (("I", "like", "NLP"),), vocab, False, "<eos>", loss)


def dead_weights() -> dict:
    """Every unit dead (b = −10) and b_output = 0: every target as likely, ŷ = 1/4."""
    rng = np.random.default_rng(0)
    shapes = {"W": (4, 3), "W_h": (3, 3), "V": (3, 4)}
    return {**{k: rng.normal(0, 0.5, s) for k, s in shapes.items()}, "b": np.full(3, -10.0),
            "b_output": np.zeros(4)}  # fmt: skip


def test_past_the_budget_options_are_untried_not_said_to_differ(monkeypatch) -> None:
    """More options whose ∂L/∂b_output agrees than full passes allowed: each of the first
    GRADIENT_TRIES is tried, the rest None; one forward pass for the setup they share."""
    setup = dead()
    options = [option_of(setup, setup, 1.0, f"reduction {i}", None) for i in range(40)]
    user = {"b_output": np.array([0.25, 0.25, 0.25, -0.75])}  # ŷ − y at <eos>
    passes = []
    calls = []
    real = forward_choice.output_bias_gradients
    monkeypatch.setattr(
        forward_choice, "output_bias_gradients", lambda s, p: calls.append(s) or real(s, p)
    )
    verdicts = judged(options, dead_weights(), user, 1e-9, lambda *a: passes.append(a) or False)
    assert len(passes) == GRADIENT_TRIES and len(calls) == 1
    assert verdicts == ["differs"] * GRADIENT_TRIES + [None] * (40 - GRADIENT_TRIES)


def test_the_bias_gradient_alone_rules_out_the_other_targets() -> None:
    setup = dead()
    targets = [option_of(setup.__class__(**{**setup.__dict__, "target": t}), setup, 1.0, "", None)
               for t in setup.vocab]  # fmt: skip
    user = {"b_output": np.array([0.25, -0.75, 0.25, 0.25])}  # ŷ − y at "like"
    verdicts = judged(targets, dead_weights(), user, 1e-9, lambda *a: True)
    assert verdicts == ["differs", "match", "differs", "differs"]
    assert leading(verdicts)[0] == 1  # the one that agrees leads


def test_simplest_first_counts_the_options_changed() -> None:
    setup = dead()
    every = setup.__class__(**{**setup.__dict__, "loss": "every", "target": "I"})
    tanh = setup.__class__(**{**setup.__dict__, "activation": "tanh"})
    found = simplest_first(
        [
            option_of(every, setup, 1.0, "", None),  # --loss every, --target I
            option_of(setup, setup, 2.0, "summed", None),  # a reduction alone
            option_of(tanh, setup, 1.0, "", None),  # --activation tanh
        ]
    )
    assert [o.said for o in found] == ["--activation tanh", "summed", "--loss every, --target I"]
