"""Training: the loss falls, corpora, save/load/continue, bad model files, divergence, Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from oracles import NAMES, corpus_loss, max_relative_error, numeric_gradients

from bptt_trace.cli.app import main
from bptt_trace.config import Config
from bptt_trace.core.batch import make_batch
from bptt_trace.core.bptt import backward, forward
from bptt_trace.core.cells import make_cell
from bptt_trace.core.optimizer import divergence
from bptt_trace.core.tokens import build_vocab
from bptt_trace.errors import InputError
from bptt_trace.files.inputs import parse_lines as parse_corpus
from bptt_trace.files.model_file import load_model, save_model
from bptt_trace.trace.loop import run

SEED = ["I", "like", "NLP"]
ROOT = Path(__file__).parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def losses(corpus, **config) -> list[float]:
    return [e.loss for e in run(corpus, Config(**config)) if e.kind == "train_step"]


def test_loss_halves_within_200_steps_at_the_default_settings() -> None:
    curve = losses([SEED], steps=200)
    assert min(curve) <= curve[0] / 2
    assert curve[99] < curve[0] / 2  # and learns visibly within 100 steps


def test_the_seeds_learning_rate_lowers_the_loss_too() -> None:
    curve = losses([SEED], steps=50, lr=0.001)
    assert curve[-1] < curve[0]


def test_corpus_gradients_are_those_of_the_mean_loss() -> None:
    text = "# sentences of different lengths\nI like NLP\n\nHi\nwe learn BPTT one step at a time\n"
    corpus = parse_corpus(text, "test")
    assert [len(s) for s in corpus] == [3, 1, 8]
    vocab = build_vocab(corpus)
    ids = [[vocab.index(t) for t in s] for s in corpus]
    eos = vocab.index("<eos>")
    events = list(run(corpus, Config(hidden=3, seed=4)))
    p = {n: np.asarray(events[1].params[n]) for n in NAMES}
    grads = next(e for e in events if e.kind == "gradients")
    numeric = numeric_gradients(lambda q: corpus_loss(q, ids, eos, "last", "tanh"), p)
    for name in NAMES:
        assert max_relative_error(grads.grads[name], numeric[name]) <= 1e-7, name
    assert abs(grads.loss - corpus_loss(p, ids, eos, "last", "tanh")) < 1e-14


def test_the_vocabulary_covers_the_corpus_in_order_of_first_appearance() -> None:
    corpus = parse_corpus("b a\nc a b\n", "test")
    assert build_vocab(corpus) == ["b", "a", "c", "<eos>"]
    assert build_vocab(corpus, "z") == ["b", "a", "c", "<eos>", "z"]


def test_save_load_continue_equals_an_uninterrupted_run(tmp_path: Path, capsys) -> None:
    model_a, model_b, model_c = (tmp_path / n for n in ("a.npz", "b.npz", "c.npz"))
    corpus = str(ROOT / "sentences" / "small.txt")
    assert main(["--file", corpus, "--steps", "30", "--save", str(model_a), "--json"]) == 0
    assert main(["--file", corpus, "--steps", "20", "--save", str(model_b), "--json"]) == 0
    assert (
        main(
            [
                "--file",
                corpus,
                "--steps",
                "10",
                "--load",
                str(model_b),
                "--save",
                str(model_c),
                "--json",
            ]
        )
        == 0
    )
    capsys.readouterr()
    whole, _, _ = load_model(model_a)
    continued, _, _ = load_model(model_c)
    for name in NAMES:
        assert np.array_equal(whole[name], continued[name]), name


def test_saving_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "m.npz"
    p = {
        "W": np.ones((2, 1)),
        "W_h": np.ones((1, 1)),
        "b": np.zeros(1),
        "V": np.ones((1, 2)),
        "b_output": np.zeros(2),
    }
    save_model(target, p, ["a", "<eos>"], {"hidden": 1, "activation": "tanh"})
    assert [f.name for f in tmp_path.iterdir()] == ["m.npz"]
    _, vocab, config = load_model(target)
    assert vocab == ["a", "<eos>"] and config["hidden"] == 1


def test_refused_model_files(tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.npz"
    assert main(["I like NLP", "--save", str(good), "--json"]) == 0
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, W=np.array([{"evil": 1}], dtype=object))
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    raw_pickle = tmp_path / "raw.pkl"
    import pickle

    raw_pickle.write_bytes(pickle.dumps({"W": 1}))
    other = tmp_path / "other.npz"
    np.savez(other, x=np.ones(3))
    capsys.readouterr()
    for path, words in (
        (pickled, "pickle"),
        (raw_pickle, "pickle"),
        (truncated, "truncated"),
        (other, "not a model"),
    ):
        assert main(["I like NLP", "--load", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err, (path, err)
    # a model whose vocabulary lacks the sentence's tokens
    assert main(["you like RNNs", "--load", str(good)]) == 2
    err = capsys.readouterr().err
    assert "lacks 'you', 'RNNs'" in err
    assert main(["I like NLP", "--load", str(good), "--hidden", "7"]) == 2
    assert "--hidden 7 differs" in capsys.readouterr().err


def test_mismatched_shapes_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    p = {
        "W": np.ones((3, 2)),
        "W_h": np.ones((2, 2)),
        "b": np.zeros(2),
        "V": np.ones((2, 3)),
        "b_output": np.zeros(2),
    }
    save_model(bad, p, ["a", "b", "<eos>"], {"hidden": 2, "activation": "tanh"})
    with pytest.raises(InputError, match="b_output has shape"):
        load_model(bad)


def test_divergence_stops_with_exit_1_a_message_and_the_diverged_event(capsys) -> None:
    code = main(["a a a a", "--loss", "every", "--lr", "1e308", "--steps", "50", "--json"])
    out, err = capsys.readouterr()
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[-1]["event"] == "diverged"
    step = lines[-1]["step"]
    assert [e["step"] for e in lines if e["event"] == "train_step"] == list(range(1, step))
    assert f"training diverged at step {step}" in err and "--lr" in err
    assert err.count("\n") == 1
    for line in out.splitlines():  # no NaN or Infinity as a number anywhere
        json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} in the trace"))


def test_divergence_names_the_first_quantity_that_is_nan_or_infinite() -> None:
    large = np.full(4, 1e200)  # finite, however large
    symbols = {"W": "W", "W_h": "Wʰ", "V": "V"}
    assert divergence("the updated", {"W": np.zeros(2), "V": large}, symbols) is None
    nan = {"W": np.zeros(2), "V": np.array([1.0, np.nan])}
    assert divergence("the updated", nan, symbols) == "the updated V became NaN"
    assert divergence("the gradient of", {"W_h": np.array([-np.inf, 1.0])}, symbols) == (
        "the gradient of Wʰ became infinite"
    )


def test_an_update_that_overflows_is_caught_at_its_step() -> None:
    """Parameters near the largest float: the loss and the gradients are finite, and the
    update of b_output (ŷ uniform, so the target's entry grows by α·(1 − 1/|vocab|)) is not."""
    vocab = ["a", "<eos>"]
    rng = np.random.default_rng(0)
    params = {
        "W": rng.normal(0, 0.1, (2, 3)),
        "W_h": rng.normal(0, 0.1, (3, 3)),
        "b": np.zeros(3),
        "V": np.zeros((3, 2)),
        "b_output": np.full(2, 1.7e308),
    }
    events = list(run([["a"]], Config(hidden=3, lr=1e308, steps=3), params, vocab))
    diverged = events[-1]
    assert diverged.kind == "diverged" and diverged.step == 1
    assert diverged.quantity == "the updated b_output became infinite"


def test_ctrl_c_stops_after_the_step_and_keeps_a_valid_trace(tmp_path: Path) -> None:
    trace, model = tmp_path / "t.jsonl", tmp_path / "m.npz"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bptt_trace",
            "I like NLP",
            "--steps",
            "10000000",
            "--output",
            str(trace),
            "--save",
            str(model),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    deadline = time.monotonic() + 120  # a safety net only: the run is at step 3 in about 1 s
    while not (trace.exists() and trace.read_text().count('"train_step"') >= 3):
        assert proc.poll() is None and time.monotonic() < deadline, "no third step"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=120) == 130
    lines = [json.loads(line) for line in trace.read_text().splitlines()]
    assert lines[-1]["event"] == "interrupted"
    last_step = lines[-1]["step"]
    final = [e for e in lines if e["event"] == "params"][-1]
    assert final["step"] == last_step
    params, vocab, _ = load_model(model)
    assert vocab == ["I", "like", "NLP", "<eos>"]
    assert np.array_equal(params["W"], np.asarray(final["W"]))
    assert b"Traceback" not in proc.stderr.read()


def test_a_stdin_corpus(capsys, monkeypatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"I like NLP\nyou too\n")))
    assert main(["--file", "-", "--json"]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert first["sentences"] == [SEED, ["you", "too"]]


def test_padded_batch_equals_sentence_by_sentence() -> None:
    corpus = parse_corpus("I like NLP\nHi\nwe learn BPTT one step at a time\n", "test")
    vocab = build_vocab(corpus)
    ids = [[vocab.index(t) for t in s] for s in corpus]
    rng = np.random.default_rng(3)
    p = {
        "W": rng.normal(size=(len(vocab), 3)),
        "W_h": rng.normal(size=(3, 3)) * 0.5,
        "b": rng.normal(size=3),
        "V": rng.normal(size=(3, len(vocab))),
        "b_output": rng.normal(size=len(vocab)),
    }
    cell = make_cell({"activation": "tanh"})
    eos = vocab.index("<eos>")
    batch = make_batch(ids, eos, "every")
    together = backward(cell, p, batch, forward(cell, p, batch)).grads
    alone = [
        backward(cell, p, b, forward(cell, p, b)).grads
        for b in (make_batch([s], eos, "every") for s in ids)
    ]
    for name in NAMES:
        np.testing.assert_allclose(together[name], sum(g[name] for g in alone) / 3, atol=1e-14)


def test_the_model_file_is_a_zip_of_plain_arrays(tmp_path: Path, capsys) -> None:
    model = tmp_path / "m.npz"
    assert main(["I like NLP", "--save", str(model), "--json"]) == 0
    names = sorted(zipfile.ZipFile(model).namelist())
    assert names == sorted(
        f"{n}.npy" for n in (*NAMES, "vocab", "config", "format", "format_version")
    )
