"""--check on saturated networks (issue 25, item 2): no failure for a gradient within 1e-6 of
the exact derivative, and a gradient entry 1e-5 off still fails.

Large initial weights (--init-scale 5 to 30) push tanh and sigmoid units into their flat ends
while the others amplify what reaches them: the forward pass's rounding grows along the
sentence to a thousand times u·L, and the finite differences read that rounding. The exact
derivative here comes from ``exact_derivative``: the vanilla RNN written again in mpmath at 40
significant digits and differentiated in forward mode (each quantity carries its value and its
derivative along one parameter entry, by the chain rule of each operation), which shares
neither code nor algorithm with the engine's BPTT nor any finite difference. A check failure
counts as false when the failing parameter's every entry is within 1e-6 of that derivative
(relative, |g − d| / max(|g| + |d|, 1e-6), the check's own measure).
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from perturbed import largest_entry_off

from bptt_trace.cli.app import main
from bptt_trace.core import gradcheck
from bptt_trace.core.batch import make_batch
from bptt_trace.core.cells import make_cell
from bptt_trace.core.corpus import Corpus, corpus_backward, corpus_forward
from bptt_trace.core.gradcheck import TOLERANCE, check_gradients
from bptt_trace.core.model import init_params

DIGITS = 40
VOCAB = 7  # six words and the target
TARGET = VOCAB - 1


def exact_derivative(
    p: dict[str, np.ndarray],
    ids: list[int],
    mode: str,
    f: str,
    name: str,
    idx: tuple,
    target: int = TARGET,
) -> float:
    """∂L/∂θ[name][idx], exact to float64 (``exact``)."""
    return float(exact(p, ids, mode, f, name, idx, target)[1])


def exact(
    p: dict[str, np.ndarray],
    ids: list[int],
    mode: str,
    f: str,
    name: str,
    idx: tuple,
    target: int = TARGET,
) -> tuple:
    """L and ∂L/∂θ[name][idx] in mpmath at DIGITS digits, in forward mode: a value v and its
    derivative dv travel together, aₜ = xₜ·W + hₜ₋₁·Wʰ + b, hₜ = f(aₜ) (dh = f′(a)·da with
    tanh′ = 1 − tanh², σ′ = σ·(1 − σ)), o = h·V + b_output, Lₜ = log Σ exp(o) − o[y]
    (dLₜ = Σ softmax(o)·do − do[y]); L sums the outputs' losses (one sentence)."""
    with mpmath.workdps(DIGITS):
        mp = {
            k: [[mpmath.mpf(float(x)) for x in row] for row in np.atleast_2d(v)]
            for k, v in p.items()
        }
        dp = {k: np.zeros(np.atleast_2d(v).shape) for k, v in p.items()}
        dp[name][(0, *idx) if p[name].ndim == 1 else idx] = 1.0
        W, Wh, b, V, bo = (mp[k] for k in ("W", "W_h", "b", "V", "b_output"))
        dW, dWh, db, dV, dbo = (dp[k] for k in ("W", "W_h", "b", "V", "b_output"))
        H, n_out = len(b[0]), len(bo[0])
        h, dh = [mpmath.mpf(0)] * H, [mpmath.mpf(0)] * H
        targets = [*ids[1:], target]
        loss, total = mpmath.mpf(0), mpmath.mpf(0)
        for t, x in enumerate(ids):
            a = [
                W[x][j] + mpmath.fsum(h[i] * Wh[i][j] for i in range(H)) + b[0][j] for j in range(H)
            ]
            da = [
                dW[x][j]
                + mpmath.fsum(dh[i] * Wh[i][j] + h[i] * dWh[i][j] for i in range(H))
                + db[0][j]
                for j in range(H)
            ]
            if f == "tanh":
                h = [mpmath.tanh(v) for v in a]
                slope = [1 - v * v for v in h]
            else:
                h = [1 / (1 + mpmath.exp(-v)) for v in a]
                slope = [v * (1 - v) for v in h]
            dh = [s * d for s, d in zip(slope, da, strict=True)]
            if mode == "last" and t < len(ids) - 1:
                continue
            o = [mpmath.fsum(h[i] * V[i][k] for i in range(H)) + bo[0][k] for k in range(n_out)]
            do = [
                mpmath.fsum(dh[i] * V[i][k] + h[i] * dV[i][k] for i in range(H)) + dbo[0][k]
                for k in range(n_out)
            ]
            top = max(o)
            weights = [mpmath.exp(v - top) for v in o]
            z = mpmath.fsum(weights)
            loss += top + mpmath.log(z) - o[targets[t]]
            total += (
                mpmath.fsum(w / z * d for w, d in zip(weights, do, strict=True)) - do[targets[t]]
            )
        return loss, total


def model(f: str, hidden: int, scale: float, seed: int) -> tuple:
    cell = make_cell({"activation": f})
    rng = np.random.default_rng(seed)
    p = init_params(cell, VOCAB, hidden, rng, scale)
    p["b"] = rng.normal(0.0, 1.0, hidden)  # biases away from 0, as after training
    return cell, p


def gradients(cell, p, ids: list[int], mode: str, target: int = TARGET) -> dict[str, np.ndarray]:
    corpus = Corpus.of(make_batch([ids], target, mode))
    return corpus_backward(cell, p, corpus, corpus_forward(cell, p, corpus), None).grads


def close_to_exact(g: float, d: float) -> bool:
    return abs(g - d) <= TOLERANCE * max(abs(g) + abs(d), gradcheck.FLOOR)


def false_failures(cell, p, ids: list[int], mode: str, f: str, result) -> list[str]:
    """The parameters the check failed although every entry's gradient is within 1e-6 of the
    exact derivative (every entry looked at: this runs only on a failure)."""
    grads = gradients(cell, p, ids, mode)
    return [
        name
        for name, err in result.max_error.items()
        if err > TOLERANCE
        and all(
            close_to_exact(float(grads[name][idx]), exact_derivative(p, ids, mode, f, name, idx))
            for idx in np.ndindex(p[name].shape)
        )
    ]


SHARP_EVERY = [5, 4, 1, 3, 2, 5, 4, 3, 5, 2, 5, 1, 5, 0, 0, 2, 3, 1, 0, 2, 1, 4, 2, 0, 3, 4, 1, 1]
SHARP_EVERY += [3, 3, 5, 0, 2, 4, 5]
SHARP_LAST = [4, 1, 3, 2, 0, 5, 4, 0, 1, 4, 2, 0, 1, 3, 4, 5, 4, 1, 5, 2, 1, 0, 3, 0, 1, 0, 4, 3]
SHARP_LAST += [0, 4, 4, 3, 3, 1, 1, 4]


def networks(lowest_scale: float) -> dict[str, st.SearchStrategy]:
    """Saturated vanilla RNNs: tanh or sigmoid, H ≤ 16, T ≤ 40, init-scale up to 30."""
    return {
        "f": st.sampled_from(["tanh", "sigmoid"]),
        "hidden": st.integers(1, 16),
        "ids": st.lists(st.integers(0, VOCAB - 2), min_size=1, max_size=40),
        "mode": st.sampled_from(["last", "every"]),
        "scale": st.floats(lowest_scale, 30.0),
        "seed": st.integers(0, 2**16),
    }


def sharp_examples(test):  # type: ignore[no-untyped-def]
    """The two networks found by a wider search, where the loss curves sharply."""
    test = example(f="tanh", hidden=11, ids=SHARP_LAST, mode="last", scale=7.421806001301485,
                   seed=23778)(test)  # fmt: skip
    return example(f="tanh", hidden=15, ids=SHARP_EVERY, mode="every", scale=9.460813312873524,
                   seed=13016)(test)  # fmt: skip


@settings(
    max_examples=16,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@sharp_examples
@given(**networks(5.0))
def test_saturated_networks_never_fail_a_gradient_within_1e_6_of_the_exact_one(
    f, hidden, ids, mode, scale, seed
) -> None:
    """Drawn networks, and two found by a wider search (200 draws) where the loss curves so
    sharply that even ε = 1e-6 misjudges ∂L/∂b by 1e-5: the check goes on to smaller steps."""
    cell, p = model(f, hidden, scale, seed)
    batch = make_batch([ids], TARGET, mode)
    result = check_gradients(cell, p, batch, None, np.random.default_rng(seed))
    if not result.passed:
        assert not false_failures(cell, p, ids, mode, f, result), result.max_error


@settings(max_examples=12, deadline=None, derandomize=True)
@sharp_examples
@given(**networks(1.0))
def test_the_measured_rounding_covers_the_loss_s_real_error(f, hidden, ids, mode, scale, seed):
    """The loss's error in float64, against mpmath's, is within the noise that the check
    allows a loss (ROUNDING·σ, σ the largest measured over the parameters): the measurement
    sees the rounding that the network amplifies: in the two examples the error is ten times
    what u·S allows (1e-11 and 3e-13)."""
    cell, p = model(f, hidden, scale, seed)
    corpus = Corpus.of(make_batch([ids], TARGET, mode))
    centre = gradcheck.probe(cell, p, corpus)
    fw = corpus_forward(cell, p, corpus)
    sigma = np.finfo(float).eps * gradcheck.loss_size(p, corpus, fw.h.parts, centre.loss)
    for name, value in p.items():
        every = list(np.ndindex(value.shape))
        rng = np.random.default_rng(0)
        sigma = max(sigma, gradcheck.measured_noise(cell, p, corpus, centre, name, every, rng))
    truth = exact(p, ids, mode, f, "b", (0,))[0]
    assert abs(centre.loss - float(truth)) <= gradcheck.ROUNDING * sigma


ISSUE = "on a ball ran home we mat a mat we now ball like it"


def test_the_issue_run_passes_and_its_gradient_is_the_exact_one() -> None:
    """The issue's run failed W (1.2e-05): it passes, and the four entries of W whose
    differences were furthest from the gradient are within 1e-6 of the exact derivative, the
    worst (token "a", unit 2) 7.3e-7 from it (the tokens by their order of first use, as the
    vocabulary is built)."""
    assert (
        main([ISSUE, "--hidden", "11", "--init-scale", "11.79", "--seed", "14016", "--check"]) == 0
    )
    words = list(dict.fromkeys(ISSUE.split()))
    ids = [words.index(w) for w in ISSUE.split()]
    cell = make_cell({"activation": "tanh"})
    p = init_params(cell, len(words) + 1, 11, np.random.default_rng(14016), 11.79)
    target = len(words)
    grads = gradients(cell, p, ids, "last", target)
    for idx in [(1, 2), (2, 8), (2, 3), (1, 8)]:
        exact = exact_derivative(p, ids, "last", "tanh", "W", idx, target)
        assert close_to_exact(float(grads["W"][idx]), exact), idx


@pytest.mark.parametrize("name", ["W", "W_h", "b", "V", "b_output"])
@pytest.mark.parametrize(("f", "scale", "seed"), [("tanh", 11.79, 14016), ("sigmoid", 30.0, 3)])
def test_a_saturated_gradient_entry_1e_5_off_still_fails(name, f, scale, seed, monkeypatch) -> None:
    """The issue's sentence on saturated networks (tanh at 11.79, sigmoid at 30): the largest
    entry of one parameter's gradient 1e-5 off fails that parameter, and only it."""
    words = list(dict.fromkeys(ISSUE.split()))
    ids = [words.index(w) % (VOCAB - 1) for w in ISSUE.split()]
    cell, p = model(f, 11, scale, seed)
    largest_entry_off(monkeypatch, name)
    result = check_gradients(
        cell, p, make_batch([ids], TARGET, "last"), None, np.random.default_rng(0)
    )
    assert [n for n, err in result.max_error.items() if err > TOLERANCE] == [name]


def test_the_issue_run_with_a_wrong_gradient_fails_and_says_where(monkeypatch, capsys) -> None:
    """The issue's run, ∂L/∂W's largest entry 1e-5 off: exit 1, and the one error line names W
    and its error."""
    largest_entry_off(monkeypatch, "W")
    args = [ISSUE, "--hidden", "11", "--init-scale", "11.79", "--seed", "14016", "--check"]
    assert main([*args, "--json"]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1, errors
    assert errors[0].startswith("bptt-trace: error: gradient check failed for W (")
    assert errors[0].endswith("): relative errors above 1e-06")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    g=st.floats(-1e4, 1e4, allow_nan=False),
    d=st.floats(-1e4, 1e4, allow_nan=False),
    noise=st.floats(0.0, 1e2),
    share=st.floats(-1.0, 1.0),
)
def test_a_difference_within_its_noise_never_makes_the_error_larger_than_the_exact_one(
    g, d, noise, share
) -> None:
    """n within ``noise`` of the exact derivative d: the check's error of g against n is at
    most g's own relative distance from d, so that no gradient within TOLERANCE of d fails."""
    n = d + share * noise
    own = abs(g - d) / max(abs(g) + abs(d), gradcheck.FLOOR)
    assert gradcheck.relative_error(g, n, noise) <= own * (1 + 1e-12) + 1e-15
