"""Your weights and gradients in each layout (rows, torch, keras), built from the independent
oracle (tests/oracles.py: a dense RNN and its finite-difference gradients), read back as the
tool's parameters and compared: a match in every layout; bad files refused, naming the key."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from oracles import corpus_loss, numeric_gradients

import bptt_trace
from bptt_trace.cli.app import main

SENTENCE = "I like NLP"
IDS, EOS, H = [0, 1, 2], 3, 3


def oracle(activation: str = "tanh", seed: int = 0) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    shapes = {"W": (4, H), "W_h": (H, H), "b": (H,), "V": (H, 4), "b_output": (4,)}
    p = {k: rng.normal(0.2, 0.6, size=s) for k, s in shapes.items()}
    grads = numeric_gradients(lambda q: corpus_loss(q, [IDS], EOS, "last", activation), p)
    return p, grads


def torch_layout(a: dict, split: float = 0.3, grads: bool = False) -> dict:
    """A state_dict of a module with an nn.RNN ``rnn`` and an nn.Linear ``fc``."""
    return {
        "rnn.weight_ih_l0": a["W"].T,
        "rnn.weight_hh_l0": a["W_h"].T,
        "rnn.bias_ih_l0": a["b"] if grads else a["b"] - split,
        "rnn.bias_hh_l0": a["b"] if grads else np.full(H, split),
        "fc.weight": a["V"].T,
        "fc.bias": a["b_output"],
    }


def keras_layout(a: dict) -> dict:
    return {
        "simple_rnn/simple_rnn_cell/kernel": a["W"],
        "simple_rnn/simple_rnn_cell/recurrent_kernel": a["W_h"],
        "simple_rnn/simple_rnn_cell/bias": a["b"],
        "dense/kernel": a["V"],
        "dense/bias": a["b_output"],
    }


LAYOUTS = {
    "rows": (lambda a: dict(a), lambda a: dict(a)),
    "torch": (torch_layout, lambda a: torch_layout(a, grads=True)),
    "keras": (keras_layout, keras_layout),
    "keras-list": (
        lambda a: {f"arr_{i}": a[k] for i, k in enumerate(a)},
        lambda a: {f"arr_{i}": a[k] for i, k in enumerate(a)},
    ),
}


def save(tmp_path: Path, name: str, arrays: dict) -> str:
    np.savez(tmp_path / name, **arrays)
    return str(tmp_path / name)


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_each_layout_matches_the_oracle(layout, activation, tmp_path, capsys) -> None:
    p, g = oracle(activation)
    to_weights, to_grads = LAYOUTS[layout]
    w, gr = save(tmp_path, "w.npz", to_weights(p)), save(tmp_path, "g.npz", to_grads(g))
    args = [SENTENCE, "--init", w, "--compare", gr, "--layout", layout.split("-")[0]]
    code = main([*args, "--activation", activation, "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["verdict"] == "match", result["quantities"]
    assert result["conventions"] == []


def test_a_state_dict_starts_the_trace(tmp_path: Path, capsys) -> None:
    """--init: the trace's initial parameters are the state_dict's, transposed, the two
    biases added up."""
    p, _ = oracle()
    w = save(tmp_path, "w.npz", torch_layout(p))
    assert main([SENTENCE, "--init", w, "--layout", "torch", "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    first = next(e for e in events if e["event"] == "params")
    for name, value in p.items():
        np.testing.assert_allclose(first[name], value, rtol=1e-15, atol=1e-15)


def test_a_vocab_array_orders_the_rows(tmp_path: Path, capsys) -> None:
    p, g = oracle()
    order = [2, 0, 3, 1]  # row i of the file's W is token vocab[i]
    vocab = np.array(["NLP", "I", "<eos>", "like"])
    w = {
        "W": p["W"][order],
        "W_h": p["W_h"],
        "b": p["b"],
        "V": p["V"][:, order],
        "b_output": p["b_output"][order],
        "vocab": vocab,
    }
    gr = {
        "W": g["W"][order],
        "W_h": g["W_h"],
        "b": g["b"],
        "V": g["V"][:, order],
        "b_output": g["b_output"][order],
    }
    code = main(
        [
            SENTENCE,
            "--init",
            save(tmp_path, "w.npz", w),
            "--compare",
            save(tmp_path, "g.npz", gr),
            "--json",
        ]
    )
    assert code == 0, capsys.readouterr()


def test_the_python_api_gives_the_command_lines_result(tmp_path: Path, capsys) -> None:
    p, g = oracle()
    g = {**g, "W_h": g["W_h"] + 0.1}
    result = bptt_trace.compare(
        torch_layout(p), torch_layout(g, grads=True), SENTENCE, layout="torch"
    )
    code = main(
        [
            SENTENCE,
            "--init",
            save(tmp_path, "w.npz", torch_layout(p)),
            "--compare",
            save(tmp_path, "g.npz", torch_layout(g, grads=True)),
            "--layout",
            "torch",
            "--json",
        ]
    )
    assert code == result.exit_code == 1
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(result.to_json()))


def rows(p: dict, **change) -> dict:
    return {**p, **change}


@pytest.mark.parametrize(
    ("weights", "grads", "message"),
    [
        (lambda p: rows(p, W=p["W"][:3]), None, "W has shape (3, 3)"),
        (lambda p: {k: v for k, v in p.items() if k != "b"}, None, "lacks b"),
        (lambda p: rows(p, W_h=p["W_h"] * np.nan), None, "W_h holds NaN"),
        (lambda p: rows(p, extra=p["b"]), None, "does not use: extra"),
        (lambda p: rows(p, vocab=np.array(["I", "like"])), None, "its vocab lacks 'NLP'"),
        (None, lambda g: rows(g, dh=np.zeros((2, H))), "dh has shape (2, 3)"),
        (None, lambda g: rows(g, V=g["V"].astype(int)), "V has shape (3, 4) (int64)"),
        (None, lambda g: {k: v for k, v in g.items() if k != "V"}, "lacks V"),
    ],
)
def test_bad_files_are_refused_naming_the_key(weights, grads, message, tmp_path, refused):
    p, g = oracle()
    w = save(tmp_path, "w.npz", weights(p) if weights else p)
    gr = save(tmp_path, "g.npz", grads(g) if grads else g)
    assert message in refused([SENTENCE, "--init", w, "--compare", gr])


def test_torch_keys_missing_are_named(tmp_path: Path, refused) -> None:
    p, g = oracle()
    state = torch_layout(p)
    del state["rnn.bias_hh_l0"]
    w, gr = save(tmp_path, "w.npz", state), save(tmp_path, "g.npz", torch_layout(g, grads=True))
    assert "lacks rnn.bias_hh_l0" in refused(
        [SENTENCE, "--init", w, "--compare", gr, "--layout", "torch"]
    )


def test_pickles_and_non_npz_files_are_refused(tmp_path: Path, refused) -> None:
    _, g = oracle()
    np.savez(tmp_path / "obj.npz", W=np.array([{"a": 1}], dtype=object))
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    gr = save(tmp_path, "g.npz", g)
    for name in ("obj.npz", "junk.npz", "missing.npz"):
        refused([SENTENCE, "--init", str(tmp_path / name), "--compare", gr])


def test_compare_needs_init_and_refuses_the_seed_layout(tmp_path: Path, refused) -> None:
    gr = save(tmp_path, "g.npz", oracle()[1])
    assert "add --init" in refused([SENTENCE, "--compare", gr])
    assert "seed" in refused([SENTENCE, "--compare", gr, "--init", gr, "--layout", "seed"])


def test_a_saved_model_is_a_weights_file(tmp_path: Path, capsys) -> None:
    model = tmp_path / "model.npz"
    assert main([SENTENCE, "--steps", "3", "--save", str(model)]) == 0
    capsys.readouterr()
    assert main([SENTENCE, "--init", str(model), "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    first = next(e for e in events if e["event"] == "params")
    with np.load(model) as saved:
        assert all(np.array_equal(first[k], saved[k]) for k in ("W", "W_h", "b", "V"))
