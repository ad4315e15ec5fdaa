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

CORPORA = {  # the text of --file, its vocabulary (first appearance, then <eos>), its sentences
    "ragged": (  # 1, 6 and 3 tokens, the longest in the middle
        "cat\nthe cat sat on the mat\nthe dog ran\n",
        ["cat", "the", "sat", "on", "mat", "dog", "ran", "<eos>"],
        [[0], [1, 0, 2, 3, 1, 4], [1, 5, 6]],
    ),
    "one": (
        "the cat sat on the mat\n",
        ["the", "cat", "sat", "on", "mat", "<eos>"],
        [[0, 1, 2, 3, 0, 4]],
    ),
}
H = 3
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


def params(cell: str, corpus: str) -> Params:
    return random_params(cell, len(CORPORA[corpus][1]), H, CELLS[cell][1])


def bptt(cell: str, p: Params, corpus: str, loss: str, *mistake: str, **n: Any):
    """The hand-written BPTT of the corpus: (∂L/∂θ, L)."""
    _, tokens, sentences = CORPORA[corpus]
    return corpus_bptt(cell, p, sentences, tokens.index("<eos>"), loss, *mistake, **n)


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


def compare(cell: str, corpus: str, mode: str, grads: Params, tmp_path, capsys, **extra: Any):
    """(exit code, JSON result) of --compare of ``grads`` on the corpus, as a user runs it."""
    text = tmp_path / "corpus.txt"
    text.write_text(CORPORA[corpus][0])
    np.savez(tmp_path / "w.npz", **params(cell, corpus))
    np.savez(tmp_path / "g.npz", **grads, **extra)
    args = ["--file", str(text), *CELLS[cell][0], "--loss", mode]
    args += ["--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz"), "--json"]
    capsys.readouterr()
    code = main(args)
    out, err = capsys.readouterr()
    assert err == "", err

    def refuse(token: str) -> None:
        raise AssertionError(f"{token} is not JSON")

    return code, json.loads(out, parse_constant=refuse)


@pytest.mark.parametrize("corpus", list(CORPORA))
def test_the_corpora_and_their_vocabularies_are_the_documented_ones(corpus: str) -> None:
    text, tokens, sentences = CORPORA[corpus]
    assert [[tokens.index(w) for w in line.split()] for line in text.splitlines()] == sentences
    assert tokens[-1] == "<eos>" and len(tokens) == len(set(tokens))
    assert [t for t in dict.fromkeys(text.split())] == tokens[:-1]  # first appearance
    if corpus == "ragged":
        lengths = [len(s) for s in sentences]
        assert len(set(lengths)) == 3 and max(lengths) not in (lengths[0], lengths[-1])


def finite_differences(cell: str, p: Params, loss: str, eps: float = 1e-5) -> Params:
    def at(name: str, index: tuple[int, ...], delta: float) -> float:
        q = {k: v.copy() for k, v in p.items()}
        q[name][index] += delta
        return bptt(cell, q, "ragged", loss)[1]

    return {
        name: np.array(
            [(at(name, i, eps) - at(name, i, -eps)) / (2 * eps) for i in np.ndindex(v.shape)]
        ).reshape(v.shape)
        for name, v in p.items()
    }


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_the_hand_written_pass_is_finite_differences_of_its_own_loss(cell: str, loss: str):
    p = params(cell, "ragged")
    grads, _ = bptt(cell, p, "ragged", loss)
    assert worst_relative(grads, finite_differences(cell, p, loss)) < 1e-6


@pytest.mark.parametrize("corpus", list(CORPORA))
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("cell", list(CELLS))
def test_the_hand_written_pass_matches(cell, loss, corpus, tmp_path: Path, capsys) -> None:
    grads, total = bptt(cell, params(cell, corpus), corpus, loss)
    code, result = compare(cell, corpus, loss, grads, tmp_path, capsys, loss=total)
    assert code == 0 and result["verdict"] == "match" and result["named"] == [], result


@pytest.mark.parametrize("corpus", list(CORPORA))
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize(("cell", "mistake", "numbers"), CASES, ids=label)
def test_each_mistake_is_named(cell, mistake, numbers, loss, corpus, tmp_path, capsys) -> None:
    """On the ragged corpus, and on one sentence."""
    if mistake == "padding-leak" and corpus == "one":
        pytest.skip("one sentence has no padding")
    p = params(cell, corpus)
    right, total = bptt(cell, p, corpus, loss)
    n = numbers_of(cell, mistake, numbers, right)
    grads, _ = bptt(cell, p, corpus, loss, mistake, **n)
    assert worst_relative(grads, right) > 1e-3  # the mistake changes the numbers
    leak = mistake == "padding-leak"  # its loss differs: the forward check would name it
    extra = {} if leak else {"loss": total}
    code, result = compare(cell, corpus, loss, grads, tmp_path, capsys, **extra)
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
