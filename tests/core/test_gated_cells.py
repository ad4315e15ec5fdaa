"""The LSTM and the GRU against their own equations: gradients, per-gate contributions and
running sums, the blame matrices and the per-loss gradients equal central finite differences of
an independent dense implementation (tests/oracles.py), in float64, to 1e-7 relative."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from oracles import (
    cell_corpus_loss,
    cell_states,
    cell_truncated,
    max_relative_error,
    numeric_gradients,
    one_hot,
    sigmoid,
    step_loss,
)

from bptt_trace.cli.app import main
from bptt_trace.config import Config
from bptt_trace.core.batch import make_batch
from bptt_trace.core.bptt import backward, forward
from bptt_trace.core.cells import make_cell
from bptt_trace.core.flow import loss_flow
from bptt_trace.core.model import init_params
from bptt_trace.core.tokens import build_vocab, tokenize
from bptt_trace.trace.loop import run

CELLS = ["lstm", "gru"]


def problem(cell_name: str, lines: list[str], hidden: int, seed: int, mode: str):
    corpus = [tokenize(line) for line in lines]
    vocab = build_vocab(corpus)
    ids = [[vocab.index(t) for t in s] for s in corpus]
    cell = make_cell({"cell": cell_name})
    p = init_params(cell, len(vocab), hidden, np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 1)
    for name in p:  # every parameter away from its initial value: biases checked too
        p[name] = p[name] + rng.normal(0, 0.3, p[name].shape)
    eos = vocab.index("<eos>")
    return cell, p, ids, eos, make_batch(ids, eos, mode)


CORPORA = [["I like NLP"], ["we learn BPTT one step at a time", "gates keep it", "hi"]]


@pytest.mark.parametrize("cell_name", CELLS)
@pytest.mark.parametrize("mode", ["last", "every"])
@pytest.mark.parametrize(("lines", "hidden"), [(CORPORA[0], 1), (CORPORA[1], 3)])
def test_gradients_equal_finite_differences(cell_name, mode, lines, hidden) -> None:
    cell, p, ids, eos, batch = problem(cell_name, lines, hidden, 3, mode)
    bw = backward(cell, p, batch, forward(cell, p, batch))
    numeric = numeric_gradients(lambda q: cell_corpus_loss(cell_name, q, ids, eos, mode), p)
    assert list(bw.grads) == list(p)
    for name in p:
        assert max_relative_error(bw.grads[name], numeric[name]) <= 1e-7, name
    assert_allclose(bw.loss, cell_corpus_loss(cell_name, p, ids, eos, mode), rtol=1e-13)


@pytest.mark.parametrize("cell_name", CELLS)
def test_a_hidden_size_of_16(cell_name) -> None:
    cell, p, ids, eos, batch = problem(cell_name, ["a b a"], 16, 5, "every")
    bw = backward(cell, p, batch, forward(cell, p, batch))
    numeric = numeric_gradients(lambda q: cell_corpus_loss(cell_name, q, ids, eos, "every"), p)
    for name in p:
        assert max_relative_error(bw.grads[name], numeric[name]) <= 1e-7, name


@pytest.mark.parametrize("cell_name", CELLS)
@pytest.mark.parametrize("mode", ["last", "every"])
def test_truncation_equals_each_loss_rerun_over_its_last_k_steps(cell_name, mode) -> None:
    """With --truncate K each loss flows back through K time steps, on h and c alike."""
    cell, p, ids, eos, batch = problem(cell_name, ["the blame fades over time"], 2, 7, mode)
    fw = forward(cell, p, batch)
    for K in (1, 2, 4):
        cut = backward(cell, p, batch, fw, truncate=K).grads
        expected = cell_truncated(cell_name, p, ids[0], eos, mode, K)
        for name in p:
            assert max_relative_error(cut[name], expected[name]) <= 1e-7, (K, name)


def lstm_output_gate(p, ids: list[int], k: int, states) -> np.ndarray:
    """oₖ, from the dense equations."""
    x = one_hot(ids[k - 1], p["V"].shape[1])
    h_prev = states[k - 1][0]
    return sigmoid(x @ p["W_o"] + h_prev @ p["W_h_o"] + p["b_o"])


@pytest.mark.parametrize("cell_name", CELLS)
def test_blame_matrices_and_per_loss_gradients(cell_name) -> None:
    """‖∂Lₛ/∂hₖ‖ (cₖ held) and, for the LSTM, ‖∂Lₛ/∂cₖ‖ (hₖ = oₖ ⊙ tanh(cₖ) following) by
    finite differences; the per-loss gradients add up to the gradient of L = Σₛ Lₛ."""
    cell, p, ids, eos, batch = problem(cell_name, ["a b c a b"], 3, 11, "every")
    fw = forward(cell, p, batch)
    bw = backward(cell, p, batch, fw)
    flow = loss_flow(cell, p, batch, fw, 0, None, with_grads=True)
    states = cell_states(cell_name, p, ids[0])
    ys = [*ids[0][1:], eos]
    T, eye = len(ids[0]), np.eye(3) * 1e-6
    for row, s in enumerate(flow.losses.tolist()):
        for k in range(1, T + 1):

            def L(state, s: int = s, k: int = k) -> float:
                return step_loss(p, cell_states(cell_name, p, ids[0][k:s], state)[-1][0], ys[s - 1])

            h, c = states[k]
            if k > s:
                assert flow.blame[row, k - 1] == 0
                continue
            dh = [(L((h + d, c)) - L((h - d, c))) / 2e-6 for d in eye]
            assert_allclose(flow.blame[row, k - 1], np.linalg.norm(dh), rtol=1e-7)
            if cell_name == "lstm":
                o = lstm_output_gate(p, ids[0], k, states)
                dc = [
                    (L((o * np.tanh(c + d), c + d)) - L((o * np.tanh(c - d), c - d))) / 2e-6
                    for d in eye
                ]
                assert_allclose(flow.extra["matrix_c"][row, k - 1], np.linalg.norm(dc), rtol=1e-6)
    for name in p:
        assert_allclose(flow.grads[name].sum(axis=0), bw.grads[name], atol=1e-14)


@pytest.mark.parametrize("cell_name", CELLS)
def test_running_sums_and_contributions_add_up_to_the_gradients(cell_name, capsys) -> None:
    assert main(["we like gates", "--cell", cell_name, "--loss", "every", "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    grads = next(e for e in events if e["event"] == "gradients")
    backward_events = [e for e in events if e["event"] == "backward"]
    last = backward_events[-1]
    cell = make_cell({"cell": cell_name})
    for spec in cell.params:
        assert_allclose(last[f"sum_{spec.name}"], grads[spec.name], rtol=1e-12, atol=1e-15)
        if spec.name.startswith("W_h_"):  # Σₜ of the outer products is ∂L/∂Wʰ_gate
            total = sum(np.asarray(e[f"d{spec.name}"]) for e in backward_events)
            assert_allclose(total, grads[spec.name], rtol=1e-12, atol=1e-15)


@settings(max_examples=15, deadline=None)
@given(
    words=st.lists(st.sampled_from(["a", "b", "c", "."]), min_size=1, max_size=6),
    cell_name=st.sampled_from(CELLS),
    mode=st.sampled_from(["last", "every"]),
    seed=st.integers(0, 1000),
)
def test_random_sentences(words, cell_name, mode, seed) -> None:
    cell, p, ids, eos, batch = problem(cell_name, [" ".join(words)], 2, seed, mode)
    bw = backward(cell, p, batch, forward(cell, p, batch))
    numeric = numeric_gradients(lambda q: cell_corpus_loss(cell_name, q, ids, eos, mode), p)
    for name in p:
        assert max_relative_error(bw.grads[name], numeric[name]) <= 1e-7, name


@pytest.mark.parametrize("cell_name", CELLS)
def test_check_clipping_and_the_forget_bias(cell_name, capsys) -> None:
    args = ["a b a b", "--cell", cell_name, "--check", "--clip", "0.01", "--json"]
    assert main(args) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert next(e for e in events if e["event"] == "check")["passed"]
    update = next(e for e in events if e["event"] == "update")
    applied = np.sqrt(sum(np.sum(np.asarray(v) ** 2) for v in update["applied"].values()))
    assert update["scale"] < 1 and applied == pytest.approx(0.01, rel=1e-12)
    params = next(e for e in events if e["event"] == "params")
    if cell_name == "lstm":  # b_f starts at the forget bias, the other biases at 0
        assert params["b_f"] == [1.0] * 4 and params["b_i"] == [0.0] * 4


def test_the_run_config_names_the_cell_and_the_vanilla_rnn_keeps_its_config() -> None:
    configs = {name: next(iter(run([["a"]], Config(cell=name)))).config for name in ("rnn", *CELLS)}
    assert "cell" not in configs["rnn"] and "forget_bias" not in configs["rnn"]
    assert configs["lstm"]["cell"] == "lstm" and configs["lstm"]["forget_bias"] == 1.0
    assert configs["gru"]["cell"] == "gru" and "forget_bias" not in configs["gru"]


def test_the_readme_demonstration_prints_what_the_readme_says() -> None:
    """The numbers in the README's class demonstration are those of the runs."""
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    demo = readme.split('S="$(tail -1 sentences/long.txt)"', 1)[1].split("```", 1)[0]
    sentence = Path("sentences/long.txt").read_text().strip().splitlines()[-1]
    for options, line in zip(
        (
            {},
            {"cell": "lstm"},
            {"cell": "lstm", "forget_bias": 0.0},
            {"cell": "lstm", "forget_bias": 3.0},
        ),
        demo.strip().splitlines(),
        strict=False,
    ):
        events = list(run([tokenize(sentence)], Config(**options)))
        blame = next(e for e in events if e.kind == "blame")
        assert f"‖∂L₃₆/∂h₁‖ = {float(blame.matrix[-1][0]):.1e}" in line, line
        gates = [e for e in events if e.kind == "gates"]
        if gates and "∏ fⱼ = 0." not in line:
            assert f"∏ fⱼ = {float(gates[0].products[0]):.1e}" in line, line
