"""A cell is a plug-in: a cell defined here, outside the package, runs through the whole
pipeline — a traced step, its JSON, the replay of that JSON, the gradient check and a saved
model — without a line of the package written for it.

The cell is the vanilla RNN without a bias, hₜ = tanh(xₜ·W + hₜ₋₁·Wʰ); its expectations come
from the independent dense computation below, not from the package.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from numpy.testing import assert_allclose
from oracles import max_relative_error, numeric_gradients, one_hot, step_loss

from bptt_trace.config import Config
from bptt_trace.core.cells import CELLS, register
from bptt_trace.core.cells.declaration import Cell, Outer, Param, Params, Row, Term
from bptt_trace.files.jsonl import dumps
from bptt_trace.files.model_file import load_model, save_model
from bptt_trace.files.trace_reader import read_trace
from bptt_trace.rendering.renderer import make_console, render
from bptt_trace.trace.loop import run


class NoBias(Cell):
    """hₜ = tanh(aₜ), aₜ = xₜ·W + hₜ₋₁·Wʰ: the vanilla RNN without b."""

    name: ClassVar[str] = "nobias"
    title: ClassVar[str] = "RNN without a bias"
    params: ClassVar[tuple[Param, ...]] = (
        Param("W", "W", ("V", "H"), "normal", Row("da")),
        Param("W_h", "Wʰ", ("H", "H"), "normal", Outer("h_prev", "da")),
    )
    forward_terms: ClassVar[tuple[Term, ...]] = (
        Term("x_W", "  x{t}·W"),
        Term("h_prev_W_h", "+ h{p}·Wʰ"),
        Term("a", "= a{t}"),
    )
    backward_terms = (Term("f_prime", "⊙ 1 − h{t}²"), Term("da", "= ∂L/∂a{t}", result=True))
    symbols: ClassVar[dict[str, str]] = {"da": "∂L/∂a{t}", "h_prev": "h{p}"}
    next_label: ClassVar[str] = "+ from step {next}: ∂L/∂a{n}·Wʰᵀ"
    backward_note: ClassVar[str] = "No bias: aₜ has two terms."
    contributions_note: ClassVar[str] = "Step t adds to ∂L/∂W and ∂L/∂Wʰ."
    equations = ("aₜ = xₜ·W + hₜ₋₁·Wʰ,  hₜ = tanh(aₜ)",)
    state_label = "hₜ = tanh(aₜ)"

    def cache_width(self, hidden: int) -> int:
        return hidden

    def delta_width(self, hidden: int) -> int:
        return hidden

    def step(self, p: Params, x_t: np.ndarray, h_prev: np.ndarray) -> tuple:
        a = p["W"][x_t] + h_prev @ p["W_h"]
        return np.tanh(a), a

    def delta(self, p: Params, dh: np.ndarray, cache: np.ndarray, h: np.ndarray) -> np.ndarray:
        return dh * (1.0 - h * h)

    def to_previous(self, p: Params, delta: np.ndarray, cache: np.ndarray) -> np.ndarray:
        return delta @ p["W_h"].T

    def shown_forward(self, p: Params, x, h_prev, cache) -> dict[str, np.ndarray]:
        return {"x_W": p["W"][x], "h_prev_W_h": h_prev @ p["W_h"], "a": cache}

    def step_values(self, p: Params, cache, h_prev, delta) -> dict[str, np.ndarray]:
        return {"da": delta, "h_prev": h_prev}

    def shown_backward(self, p: Params, cache, s, ds, delta) -> dict[str, np.ndarray]:
        return {"f_prime": 1.0 - s * s, "da": delta}


@pytest.fixture(autouse=True)
def registered():
    register(NoBias)
    yield
    CELLS.pop(NoBias.name)


CORPUS = [["I", "like", "NLP"], ["we", "like", "BPTT", "too"]]
VOCAB = ["I", "like", "NLP", "we", "BPTT", "too", "<eos>"]


def dense_loss(p: Params, mode: str) -> float:
    """The mean over sentences of Σₜ Lₜ, computed densely with one-hot vectors."""
    total = 0.0
    for sentence in CORPUS:
        ids = [VOCAB.index(t) for t in sentence]
        ys = [*ids[1:], VOCAB.index("<eos>")]
        h = np.zeros(p["W_h"].shape[0])
        for t, i in enumerate(ids):
            h = np.tanh(one_hot(i, len(VOCAB)) @ p["W"] + h @ p["W_h"])
            if mode == "every" or t == len(ids) - 1:
                total += step_loss(p, h, ys[t])
    return total / len(CORPUS)


@pytest.mark.parametrize("mode", ["last", "every"])
def test_a_cell_of_ones_own_is_traced_and_its_gradients_are_right(mode) -> None:
    events = list(run(CORPUS, Config(cell="nobias", hidden=3, loss=mode, check=True)))
    params = {k: np.asarray(v) for k, v in events[1].params.items()}
    assert list(params) == ["W", "W_h", "V", "b_output"]  # the cell's, then the output's
    grads = next(e for e in events if e.kind == "gradients").grads
    numeric = numeric_gradients(lambda q: dense_loss(q, mode), params)
    for name in params:
        assert max_relative_error(grads[name], numeric[name]) <= 1e-7, name
    check = next(e for e in events if e.kind == "check")
    assert check.passed and set(check.max_error) == set(params)
    backward = [e for e in events if e.kind == "backward"]
    assert set(backward[0].terms) == {"f_prime", "da", "h_prev", "dW_h", "sum_W", "sum_W_h"}
    for name in ("W", "W_h"):  # the running sums, after the last time step of every sentence
        assert_allclose(backward[-1].terms[f"sum_{name}"], grads[name], rtol=1e-12, atol=1e-15)


def rendered(events) -> str:
    out = io.StringIO()
    render(events, make_console(file=out, width=120))
    return out.getvalue()


def test_its_json_replays_to_the_same_tables(tmp_path: Path) -> None:
    events = list(run(CORPUS, Config(cell="nobias", hidden=3, loss="every", steps=2)))
    trace = tmp_path / "trace.jsonl"
    trace.write_text("".join(dumps(e) + "\n" for e in events))
    run_event = json.loads(trace.read_text().splitlines()[0])
    assert run_event["config"]["cell"] == "nobias"
    replayed = read_trace(trace)
    text = rendered(events)
    assert rendered(replayed) == text
    assert "RNN without a bias" in text and "aₜ = xₜ·W + hₜ₋₁·Wʰ,  hₜ = tanh(aₜ)" in text
    assert "+ from step 2: ∂L/∂a₂·Wʰᵀ" in text and "b ← b" not in text


def test_a_saved_model_of_it_loads(tmp_path: Path) -> None:
    events = list(run(CORPUS, Config(cell="nobias", hidden=2)))
    last = [e for e in events if e.kind == "params"][-1]
    final = {k: np.asarray(v) for k, v in last.params.items()}
    run_event = events[0]
    model = tmp_path / "m.npz"
    save_model(model, final, run_event.vocab, run_event.config)
    params, vocab, config = load_model(model)
    assert config["cell"] == "nobias" and vocab == VOCAB
    assert list(params) == ["W", "W_h", "V", "b_output"]
    for name in final:
        assert np.array_equal(params[name], final[name])
    again = list(run(CORPUS, Config(cell="nobias", hidden=2), params=params, vocab=vocab))
    assert again[1].params["W"] is params["W"]


def test_init_scale_follows_from_its_declaration() -> None:
    """--init-scale needs no line for a cell of one's own: its declared weights are scaled."""
    plain = list(run(CORPUS, Config(cell="nobias", hidden=2)))[1].params
    scaled = list(run(CORPUS, Config(cell="nobias", hidden=2, init_scale=4.0)))[1].params
    for name in ("W", "W_h", "V"):
        assert np.array_equal(scaled[name], 4.0 * plain[name]), name
    assert np.array_equal(scaled["b_output"], plain["b_output"]) and not scaled["b_output"].any()
