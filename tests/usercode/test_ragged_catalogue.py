"""--compare names every catalogued mistake on a corpus of sentences of different lengths, for
every cell: each sentence keeps its own length, so that a mistake made at "the last step" is
made at each sentence's own last step, never at a padded one.

The mistaken gradients come from the tests' own hand-written BPTT of the corpus
(tests/usercode/ragged_mutants.py, one sentence at a time, not importing bptt_trace), saved
to .npz files as a user would save them; its correct pass is proven first against central
finite differences of its own loss.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from usercode.ragged_mutants import Params, corpus_bptt, names, random_params

from bptt_trace.cli.app import main

CORPUS = "cat sat\nthe cat sat on the mat\nthe dog ran\n"  # 2, 6 and 3 tokens
TOKENS = ["cat", "sat", "the", "on", "mat", "dog", "ran", "<eos>"]  # first appearance, <eos>
SENTENCES = [[0, 1], [2, 0, 1, 3, 2, 4], [2, 5, 6]]
EOS, H = 7, 3
CELLS = {  # the options that name the cell, the seed of its weights
    "rnn": (["--cell", "rnn"], 5),
    "lstm": (["--cell", "lstm"], 6),
    "gru": (["--cell", "gru"], 7),
    "gru-after": (["--cell", "gru", "--reset-after"], 8),
}
LOSSES = ("last", "every")
EVERY_CELL = [  # (mistake, its numbers); C is a share of the right gradients' size
    ("softmax-missing-minus-one", {}),
    ("sign-flipped", {}),
    ("truncated-K", {"K": 2}),
    ("overwrite-not-accumulate", {"which": "first"}),
    ("overwrite-not-accumulate", {"which": "last"}),
    ("not-reset", {"runs": 3}),
    ("elementwise-clip-C", {"C": 0.5}),
    ("norm-clip-C", {"C": 0.5}),
    ("bias-gradient-missing", {"missing": "the cell's"}),
    ("bias-gradient-missing", {"missing": ("b_output",)}),
]
OWN = {
    "rnn": [
        ("missing-dh-next", {}),
        ("h-t-for-h-prev", {}),
        ("derivative-time-shift", {"shift": -1}),
        ("derivative-time-shift", {"shift": 1}),
        ("derivative-missing", {}),
        ("derivative-of-pre-activation", {}),
        ("derivative-applied-twice", {}),
        ("transposed-recurrence", {}),
        ("initial-state-wrap", {}),
        ("padding-leak", {}),
    ],
    "lstm": [
        ("cell-path-missing", {}),
        ("tanh-c-derivative-missing", {}),
        ("gate-derivative-missing", {}),
        ("hidden-path-missing", {}),
        ("forget-gate-gradient-missing", {}),
    ],
    "gru": [
        ("reset-path-missing", {}),
        ("update-gate-derivative-missing", {}),
        ("gate-derivative-missing", {}),
        ("hidden-path-missing", {}),
    ],
}
OWN["gru-after"] = OWN["gru"]
CASES = [(cell, m, n) for cell in CELLS for m, n in OWN[cell] + EVERY_CELL]


def label(case: Any) -> str:
    if isinstance(case, dict):
        return "-".join(str(v) for v in case.values()) or "_"
    return str(case)


def params(cell: str) -> Params:
    return random_params(cell, len(TOKENS), H, CELLS[cell][1])


def numbers_of(cell: str, mistake: str, numbers: dict[str, Any], right: Params) -> dict[str, Any]:
    """The mistake's numbers made concrete: C a share of the right gradients' largest |entry|
    (or, clipping by the global norm, of their global norm), the cell's biases by name."""
    found = dict(numbers)
    if mistake == "elementwise-clip-C":
        found["C"] = numbers["C"] * max(float(np.abs(g).max()) for g in right.values())
    if mistake == "norm-clip-C":
        found["C"] = numbers["C"] * float(np.sqrt(sum(float((g**2).sum()) for g in right.values())))
    if found.get("missing") == "the cell's":
        found["missing"] = tuple(k for k in names(cell) if k.startswith("b"))
    return found


def worst_relative(a: Params, b: Params) -> float:
    worst = 0.0
    for k in b:
        scale = max(float(np.abs(a[k]).max()), float(np.abs(b[k]).max()))
        if scale > 0:
            worst = max(worst, float(np.abs(a[k] - b[k]).max()) / scale)
    return worst


def compare(cell: str, mode: str, grads: Params, tmp_path: Path, capsys, **extra: Any):
    """(exit code, JSON result) of --compare of ``grads`` on the corpus, as a user runs it."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(CORPUS)
    np.savez(tmp_path / "w.npz", **params(cell))
    np.savez(tmp_path / "g.npz", **grads, **extra)
    args = ["--file", str(corpus), *CELLS[cell][0], "--loss", mode]
    args += ["--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz"), "--json"]
    capsys.readouterr()
    code = main(args)
    out, err = capsys.readouterr()
    assert err == "", err

    def refuse(token: str) -> None:
        raise AssertionError(f"{token} is not JSON")

    return code, json.loads(out, parse_constant=refuse)


def test_the_corpus_is_ragged_and_its_vocabulary_the_documented_one() -> None:
    lines = CORPUS.split("\n")[:-1]
    assert [[TOKENS.index(w) for w in line.split()] for line in lines] == SENTENCES
    assert len({len(s) for s in SENTENCES}) == 3 and max(SENTENCES, key=len) != SENTENCES[0]
    assert TOKENS[EOS] == "<eos>" and len(TOKENS) == len(set(TOKENS))


def finite_differences(cell: str, p: Params, loss: str, eps: float = 1e-5) -> Params:
    def at(name: str, index: tuple[int, ...], delta: float) -> float:
        q = {k: v.copy() for k, v in p.items()}
        q[name][index] += delta
        return corpus_bptt(cell, q, SENTENCES, EOS, loss)[1]

    return {
        name: np.array(
            [(at(name, i, eps) - at(name, i, -eps)) / (2 * eps) for i in np.ndindex(v.shape)]
        ).reshape(v.shape)
        for name, v in p.items()
    }


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_the_hand_written_pass_is_finite_differences_of_its_own_loss(cell: str, loss: str):
    p = params(cell)
    grads, _ = corpus_bptt(cell, p, SENTENCES, EOS, loss)
    assert worst_relative(grads, finite_differences(cell, p, loss)) < 1e-6


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_the_hand_written_pass_matches(cell: str, loss: str, tmp_path: Path, capsys) -> None:
    grads, total = corpus_bptt(cell, params(cell), SENTENCES, EOS, loss)
    code, result = compare(cell, loss, grads, tmp_path, capsys, loss=total)
    assert code == 0 and result["verdict"] == "match" and result["named"] == [], result


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize(("cell", "mistake", "numbers"), CASES, ids=label)
def test_each_mistake_is_named_on_a_ragged_corpus(cell, mistake, numbers, loss, tmp_path, capsys):
    p = params(cell)
    right, total = corpus_bptt(cell, p, SENTENCES, EOS, loss)
    n = numbers_of(cell, mistake, numbers, right)
    grads, _ = corpus_bptt(cell, p, SENTENCES, EOS, loss, mistake, **n)
    assert worst_relative(grads, right) > 1e-3  # the mistake changes the numbers
    leak = mistake == "padding-leak"  # its loss differs: the forward check would name it
    code, result = compare(cell, loss, grads, tmp_path, capsys, **({} if leak else {"loss": total}))
    assert code == 1 and result["verdict"] == "differs"
    named = {c["mistake"]: c for c in result["named"]}
    assert mistake in named, (sorted(named), result["nearest"][:2])
    said = named[mistake]["numbers"]
    expected = {
        "shift": ("shift", {-1: "before", 1: "after"}.get(n.get("shift"))),
        "which": ("kept_step", n.get("which")),
        "runs": ("runs", n.get("runs")),
        "K": ("K", n.get("K")),
        "missing": ("missing", list(n.get("missing", ()))),
    }
    for key in numbers:
        if key == "C":
            assert said["C"] == pytest.approx(n["C"], rel=1e-9)
        else:
            name, value = expected[key]
            assert said[name] == value, said
