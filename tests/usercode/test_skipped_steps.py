"""--compare names a backward loop whose bounds are off by one: ``for t in range(T, 1, -1)``
never adds step 1's contributions (first-step-missing), ``range(T − 1, 0, -1)`` never visits
step T (last-step-missing), for the vanilla RNN, the LSTM and the GRU. Under --loss last,
a loop that stops at t = 2 is --truncate T − 1: both are named, and the verdict says why.

The users' numbers come from loops written here (the vanilla RNN) and in
tests/usercode/mistaken_gated.py (the gated cells), from the equations, not from bptt_trace."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from usercode.mistaken_gated import BPTT, SKIPS, random_params

from bptt_trace.cli.app import main

H = 4


def vocabulary(sentence: str) -> list[str]:
    return [*dict.fromkeys(sentence.split()), "<eos>"]


def rnn_loop(
    p: dict,
    sentence: str,
    loss: str,
    skip: str,
    visited: bool = False,
    outputs_in_loop: bool = False,
    vocab: list[str] | None = None,
) -> tuple[dict, np.ndarray]:
    """(gradients, ∂L/∂hₜ as T×H) of a hand-written tanh RNN whose backward loop skips the
    first step (``range(T, 1, -1)``) or the last (``range(T − 1, 0, -1)``). ``visited``: the
    skipped step's ∂L/∂hₜ is still computed and flows on (∂L/∂h₁ carried out of the loop;
    step T handled before the loop), only its contributions are never added. The outputs'
    gradients are computed before the loop, or in it (``outputs_in_loop``)."""
    vocab = vocab or vocabulary(sentence)
    ids = [vocab.index(t) for t in sentence.split()]
    T, n = len(ids), len(vocab)
    targets = [*ids[1:], vocab.index("<eos>")]
    hs = [np.zeros(H)]
    for i in ids:
        hs.append(np.tanh(p["W"][i] + hs[-1] @ p["W_h"] + p["b"]))
    g = {k: np.zeros_like(v) for k, v in p.items()}
    has_output = set(range(1, T + 1)) if loss == "every" else {T}

    def output(t: int) -> np.ndarray:  # adds into ∂L/∂V, ∂L/∂b_output; ∂L/∂hₜ's part
        o = hs[t] @ p["V"] + p["b_output"]
        dy = np.exp(o - o.max()) / np.exp(o - o.max()).sum() - np.eye(n)[targets[t - 1]]
        g["V"] += np.outer(hs[t], dy)
        g["b_output"] += dy
        return dy @ p["V"].T

    dh_out = {t: np.zeros(H) for t in range(1, T + 1)}
    if not outputs_in_loop:
        dh_out.update({t: output(t) for t in sorted(has_output)})
    dhs, dh_next = np.zeros((T, H)), np.zeros(H)
    if skip == "last" and visited:  # step T handled before the loop, its terms never added
        dhs[T - 1] = dh_out[T]
        dh_next = (dh_out[T] * (1 - hs[T] ** 2)) @ p["W_h"].T
    top, bottom = (T - 1, 1) if skip == "last" else (T, 2)
    for t in range(top, bottom - 1, -1):
        if outputs_in_loop and t in has_output:
            dh_out[t] = output(t)
        dh = dh_out[t] + dh_next
        dhs[t - 1] = dh
        da = dh * (1 - hs[t] ** 2)
        g["W"][ids[t - 1]] += da
        g["W_h"] += np.outer(hs[t - 1], da)
        g["b"] += da
        dh_next = da @ p["W_h"].T
    if skip == "first" and visited:  # ∂L/∂h₁ carried out of the loop
        dhs[0] = dh_out[1] + dh_next
    return g, dhs


def rnn_weights(sentence: str, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    n = len(vocabulary(sentence))
    shapes = {"W": (n, H), "W_h": (H, H), "b": (H,), "V": (H, n), "b_output": (n,)}
    return {k: rng.normal(0.0, 0.5, s) for k, s in shapes.items()}


def compare(tmp_path: Path, capsys, sentence: str, w: dict, g: dict, *more: str) -> tuple:
    """(exit code, the JSON verdict, the verdict on screen in one line)."""
    np.savez(tmp_path / "w.npz", **w)
    np.savez(tmp_path / "g.npz", **g)
    args = [
        *([sentence] if sentence else []),
        "--init",
        str(tmp_path / "w.npz"),
        "--compare",
        str(tmp_path / "g.npz"),
    ]
    capsys.readouterr()
    code = main([*args, *more, "--json"])
    out, err = capsys.readouterr()
    assert err == "" and main([*args, *more]) == code
    return code, json.loads(out), " ".join(capsys.readouterr().out.split())


def named(result: dict) -> list[str]:
    return [c["id"] for c in result["named"]]


SEVEN = "we like to trace how gradients flow"


@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("skip", ["first", "last"])
@pytest.mark.parametrize("visited", [True, False])
@pytest.mark.parametrize("with_dh", [True, False])
def test_a_loop_that_skips_a_step_is_named(skip, loss, visited, with_dh, tmp_path, capsys):
    w = rnn_weights(SEVEN)
    g, dh = rnn_loop(w, SEVEN, loss, skip, visited)
    given = {**g, "dh": dh} if with_dh else g
    code, result, text = compare(tmp_path, capsys, SEVEN, w, given, "--loss", loss)
    assert code == 1 and f"{skip}-step-missing" in named(result), result["partial"]
    said = {"first": "does your loop stop at t = 2?", "last": "start at t = T − 1?"}[skip]
    assert said in text


@pytest.mark.parametrize("skip", ["first", "last"])
def test_outputs_computed_in_the_loop_miss_the_skipped_steps_output(skip, tmp_path, capsys):
    w = rnn_weights(SEVEN)
    g, dh = rnn_loop(w, SEVEN, "every", skip, outputs_in_loop=True)
    code, result, _ = compare(tmp_path, capsys, SEVEN, w, {**g, "dh": dh}, "--loss", "every")
    assert code == 1 and named(result) == [f"{skip}-step-missing"]
    assert result["named"][0]["numbers"] == {"visited": False, "outputs": "in the loop"}


def test_under_loss_last_a_loop_stopping_at_2_is_truncate_t_minus_1(tmp_path, capsys) -> None:
    """The tryout: without dh on 7 tokens the verdict named only --truncate 6."""
    w = rnn_weights(SEVEN)
    g, dh = rnn_loop(w, SEVEN, "last", "first", visited=True)
    code, result, text = compare(tmp_path, capsys, SEVEN, w, g)
    assert code == 1 and named(result) == ["first-step-missing", "truncated-6"]
    assert "a loop that stops at t = 2 is --truncate T − 1" in text
    assert "--loss every tells them apart" in text
    # ∂L/∂h₁ carried out of the loop is full BPTT's, not --truncate 6's (0): dh tells
    code, result, _ = compare(tmp_path, capsys, SEVEN, w, {**g, "dh": dh})
    assert named(result) == ["first-step-missing"]
    g, _ = rnn_loop(w, SEVEN, "every", "first", visited=True)
    code, result, _ = compare(tmp_path, capsys, SEVEN, w, g, "--loss", "every")
    assert named(result) == ["first-step-missing"]  # no truncation gives it


def test_the_tryouts_case_with_dh_is_named(tmp_path, capsys) -> None:
    """'I like NLP' with dh: 'no single catalogued mistake', ∂L/∂W alone by truncated-2."""
    w = rnn_weights("I like NLP", seed=1)
    g, dh = rnn_loop(w, "I like NLP", "last", "first", visited=True)
    code, result, text = compare(tmp_path, capsys, "I like NLP", w, {**g, "dh": dh})
    assert code == 1 and named(result) == ["first-step-missing"]
    assert "no single catalogued mistake" not in text


@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("skip", ["first", "last"])
def test_on_a_corpus_each_sentences_own_step_is_skipped(skip, loss, tmp_path, capsys):
    """Sentences of 7 and 2 tokens: the loop skips each one's own first (or last) step, never
    a padded one; L is the mean over the sentences."""
    corpus = [SEVEN, "gradients flow"]
    vocab = vocabulary(" ".join(corpus))
    w = rnn_weights(" ".join(corpus))
    runs = [rnn_loop(w, s, loss, skip, vocab=vocab) for s in corpus]
    g = {k: sum(grads[k] for grads, _ in runs) / len(corpus) for k in w}
    (tmp_path / "corpus.txt").write_text("\n".join(corpus) + "\n")
    args = ["--file", str(tmp_path / "corpus.txt"), "--loss", loss]
    code, result, _ = compare(tmp_path, capsys, "", w, g, *args)
    assert code == 1 and f"{skip}-step-missing" in named(result), result["partial"]


GATED = {"lstm": ["--cell", "lstm"], "gru": ["--cell", "gru", "--reset-after"]}
SENTENCE = "the dog saw the cat and the bird"


@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("mistake", SKIPS)
@pytest.mark.parametrize("cell", list(GATED))
def test_the_gated_cells_loops_that_skip_a_step(cell, mistake, loss, tmp_path, capsys):
    vocab = vocabulary(SENTENCE)
    p = random_params(cell, len(vocab), 3, seed=5)
    ids = [vocab.index(t) for t in SENTENCE.split()]
    g, total = BPTT[cell](p, ids, vocab.index("<eos>"), loss, mistake)
    args = [*GATED[cell], "--loss", loss]
    code, result, _ = compare(tmp_path, capsys, SENTENCE, p, {**g, "loss": total}, *args)
    assert code == 1 and result["forward"]["matches"] is True
    assert mistake in named(result), result["partial"]
