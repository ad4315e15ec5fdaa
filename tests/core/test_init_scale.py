"""--init-scale C: every weight a cell (or the output layer) declares as drawn at random is C
times the weight drawn at 1, from the same draws; biases and constants stay. The expectation is
NumPy's own draws in declaration order, made here, not the package's initialisation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bptt_trace.config import Config
from bptt_trace.core.cells import make_cell
from bptt_trace.core.model import declared, init_params
from bptt_trace.trace.loop import run

CORPUS = [["I", "like", "NLP"]]
DATA = Path(__file__).parents[1] / "files" / "data"


def drawn_by_hand(cell_name: str, vocab: int, hidden: int, seed: int, scale: float) -> dict:
    """N(0, (0.5/√H)²) for every weight, in declaration order from one generator, × scale."""
    rng = np.random.default_rng(seed)
    cell = make_cell({"cell": cell_name})
    sizes = {"V": vocab, "H": hidden}
    out = {}
    for spec in declared(cell):
        shape = tuple(sizes[letter] for letter in spec.shape)
        if spec.init == "normal":
            out[spec.name] = scale * rng.normal(0.0, 0.5 / np.sqrt(hidden), size=shape)
    return out


@pytest.mark.parametrize("cell_name", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("scale", [0.25, 3.0, 1e3])
def test_every_weight_of_every_cell_is_scaled_and_no_bias(cell_name, scale) -> None:
    cell = make_cell({"cell": cell_name})
    plain = init_params(cell, 5, 3, np.random.default_rng(7))
    scaled = init_params(cell, 5, 3, np.random.default_rng(7), scale)
    by_hand = drawn_by_hand(cell_name, 5, 3, 7, scale)
    assert list(scaled) == list(plain)
    weights = [spec.name for spec in declared(cell) if spec.init == "normal"]
    assert set(by_hand) == set(weights) and "V" in weights
    for name in plain:
        if name in by_hand:
            assert np.array_equal(scaled[name], by_hand[name]), name
            assert np.array_equal(scaled[name], scale * plain[name]), name
        else:  # a bias: zeros, or the LSTM's forget bias, whatever the scale
            assert np.array_equal(scaled[name], plain[name]), name
    if cell_name == "lstm":
        assert np.all(scaled["b_f"] == 1.0)


def test_a_run_starts_from_the_scaled_weights_and_its_config_records_the_scale() -> None:
    events = list(run(CORPUS, Config(init_scale=2.5, hidden=3)))
    config = events[0].config
    assert config["init_scale"] == 2.5
    by_hand = drawn_by_hand("rnn", 4, 3, 0, 2.5)
    for name, value in by_hand.items():
        assert np.array_equal(events[1].params[name], value), name
    assert not np.any(events[1].params["b"])


def test_the_default_scale_leaves_the_config_as_it_always_was() -> None:
    assert "init_scale" not in Config().to_json()
    assert "init_scale" not in Config(init_scale=1.0).to_json()
    assert Config(init_scale=0.5).to_json()["init_scale"] == 0.5
    first = (DATA / "trace-0.1.0.jsonl").read_text().splitlines()[0]
    assert list(Config().to_json()) == list(json.loads(first)["config"])  # as 0.1.0 wrote it
