"""--init and --compare: your weights in each layout, your gradients against the trace's, the
conventions, where ∂L/∂hₜ departs, and every catalogued mistake named from numbers computed by
the tests' own hand-written BPTT (tests/mistaken_bptt.py), never by the tool's mutants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from compare_runs import EOS, IDS, SENTENCE, TOKENS, H, run, weights
from mistaken_bptt import hand_bptt

from bptt_trace.cli.app import main


def first_departure(mine: np.ndarray, right: np.ndarray) -> int | None:
    """The first t from T down at which two T×H arrays of ∂L/∂hₜ part (relative 1e-6)."""
    for t in range(len(right), 0, -1):
        scale = max(np.abs(mine[t - 1]).max(), np.abs(right[t - 1]).max())
        if np.abs(mine[t - 1] - right[t - 1]).max() > 1e-6 * scale:
            return t
    return None


def test_the_vocabulary_is_the_documented_one() -> None:
    from bptt_trace.core.tokens import build_vocab, tokenize

    assert build_vocab([tokenize(SENTENCE)], "<eos>") == TOKENS
    assert [TOKENS.index(t) for t in tokenize(SENTENCE)] == IDS


def test_correct_gradients_match(tmp_path: Path, capsys) -> None:
    w = weights()
    g, dh = hand_bptt(w, [IDS], EOS)
    code, result = run(tmp_path, capsys, w, {**g, "dh": dh}, SENTENCE)
    assert code == 0 and result["verdict"] == "match" and result["conventions"] == []
    assert result["where"] == {} and result["named"] == [] and result["dtype"] == "float64"


def test_a_flipped_sign_is_a_convention(tmp_path: Path, capsys) -> None:
    w = weights()
    g, _ = hand_bptt(w, [IDS], EOS)
    code, result = run(tmp_path, capsys, w, {k: -v for k, v in g.items()}, SENTENCE)
    assert code == 0 and result["verdict"] == "match"
    [convention] = result["conventions"]
    assert convention["id"] == "scale--1" and convention["factor"] == -1.0


@pytest.mark.parametrize("factor", [0.5, 1 / 6, 3.0, 1 + 1e-6])
def test_a_factor_no_code_has_is_no_convention(factor: float, tmp_path: Path, capsys) -> None:
    """A factor that merely brings the numbers nearer explains nothing: it is not fitted."""
    w = weights()
    g, _ = hand_bptt(w, [IDS], EOS)
    code, result = run(tmp_path, capsys, w, {k: factor * v for k, v in g.items()}, SENTENCE)
    assert code == 1 and result["verdict"] == "differs" and result["conventions"] == []
    assert all(c["factor"] == 1.0 for c in result["named"] + result["nearest"])


@pytest.mark.parametrize("mode", ["last", "every"])
def test_a_sum_over_sentences_is_a_convention(mode: str, tmp_path: Path, capsys) -> None:
    w = weights()
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the cat sat on the mat\ncat sat\n")
    g, _ = hand_bptt(w, [IDS, [1, 2]], EOS, mode=mode)
    summed = {k: 2.0 * v for k, v in g.items()}  # the loss summed over the 2 sentences
    code, result = run(tmp_path, capsys, w, summed, "--file", str(corpus), "--loss", mode)
    assert code == 0
    [convention] = result["conventions"]
    assert convention["factor"] == 2.0 and "summed over the 2 sentences" in convention["text"]


def test_a_transposed_square_gradient_is_never_a_match(tmp_path: Path, capsys) -> None:
    w = weights()
    g, _ = hand_bptt(w, [IDS], EOS)
    code, result = run(tmp_path, capsys, w, {**g, "W_h": g["W_h"].T}, SENTENCE)
    assert code == 1 and result["verdict"] == "differs" and result["transposed"] == ["W_h"]
    assert result["conventions"] == []


def test_a_transposed_layout_is_a_convention_when_the_shapes_tell(tmp_path, capsys) -> None:
    """W and V are not square: their shape says they are transposed. Wʰ is square: only
    --grads-transposed says so."""
    w = weights()
    g, _ = hand_bptt(w, [IDS], EOS)
    turned = {k: v.T for k, v in g.items()}
    code, result = run(tmp_path, capsys, w, turned, SENTENCE)
    assert code == 1 and result["transposed"] == ["W_h"]
    code, result = run(tmp_path, capsys, w, turned, SENTENCE, "--grads-transposed")
    assert code == 0 and result["verdict"] == "match" and result["conventions"] == []
    code, result = run(tmp_path, capsys, w, {**turned, "W_h": g["W_h"]}, SENTENCE)
    assert code == 0
    [convention] = result["conventions"]
    assert convention["id"] == "transposed-layout" and set(convention["keys"]) == {"W", "V"}


MISTAKES = [
    ("missing-dh-next", {}),
    ("h-t-for-h-prev", {}),
    ("derivative-time-shift", {"shift": -1}),
    ("derivative-time-shift", {"shift": 1}),
    ("derivative-missing", {}),
    ("derivative-of-pre-activation", {}),
    ("derivative-applied-twice", {}),
    ("overwrite-not-accumulate", {}),
    ("not-reset", {"runs": 3}),
    ("transposed-recurrence", {}),
    ("initial-state-wrap", {}),
    ("softmax-missing-minus-one", {}),
    ("sign-flipped", {}),
    ("truncated-K", {"K": 3}),
    ("elementwise-clip-C", {"C": 0.05}),
    ("bias-gradient-missing", {}),
]


@pytest.mark.parametrize(("mistake", "numbers"), MISTAKES)
def test_each_mistake_is_named_with_its_first_time_step(mistake, numbers, tmp_path, capsys):
    w = weights()
    right, right_dh = hand_bptt(w, [IDS], EOS)
    g, dh = hand_bptt(w, [IDS], EOS, mistake=mistake, **numbers)
    assert any(not np.allclose(g[k], right[k]) for k in g)  # the mistake changes something
    code, result = run(tmp_path, capsys, w, {**g, "dh": dh}, SENTENCE)
    assert code == 1 and result["verdict"] == "differs"
    named = {c["mistake"] for c in result["named"]}
    assert mistake in named, result["nearest"][:2]
    assert result["where"]["dh"]["t"] == first_departure(dh, right_dh)
    best = next(c for c in result["named"] if c["mistake"] == mistake)
    for key, value in numbers.items():
        if key == "shift":
            assert best["numbers"]["shift"] == {-1: "before", 1: "after"}[value]
        else:
            assert best["numbers"][key] == pytest.approx(value)


def test_mistakes_that_give_the_same_numbers_are_named_together(tmp_path, capsys):
    """Under --loss last without dh, a missing flow from t+1, truncation at K = 1 (--truncate's
    definition) and '=' for '+=' in a loop from 1 to T all leave only step T's contribution."""
    w = weights()
    g, _ = hand_bptt(w, [IDS], EOS, mistake="missing-dh-next")
    code, result = run(tmp_path, capsys, w, g, SENTENCE)
    assert code == 1
    ids = {c["id"] for c in result["named"]}
    assert ids == {"missing-dh-next", "truncated-1", "overwrite-not-accumulate"}
    assert result["same_numbers"] is True


def test_dh_tells_apart_mistakes_with_the_same_gradients(tmp_path, capsys):
    w = weights()
    g, dh = hand_bptt(w, [IDS], EOS, mistake="missing-dh-next")
    code, result = run(tmp_path, capsys, w, {**g, "dh": dh}, SENTENCE)
    assert code == 1
    assert {c["id"] for c in result["named"]} == {"missing-dh-next", "truncated-1"}
    assert result["where"] == {
        "dh": {"t": 5, "part": "step t+1", "max_rel": 1.0, "full_bptt": False}
    }
    assert result["same_on_every_input"] is True  # no longer sentence tells them apart


def test_mistakes_that_are_one_computation_are_not_sent_to_a_longer_sentence(tmp_path, capsys):
    """missing-dh-next is --truncate 1 on any input: the verdict says so, and asks for no
    longer sentence; mistakes equal only on this input are still sent to one."""
    w = weights()
    g, dh = hand_bptt(w, [IDS], EOS, mistake="missing-dh-next")
    np.savez(tmp_path / "w.npz", **w)
    np.savez(tmp_path / "g.npz", **g, dh=dh)
    capsys.readouterr()
    main([SENTENCE, "--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz")])
    text = " ".join(capsys.readouterr().out.split())
    assert "missing-dh-next, truncated-1 are one computation under two names" in text
    assert "longer sentence" not in text
    g, _ = hand_bptt(w, [IDS], EOS, mistake="missing-dh-next")
    np.savez(tmp_path / "g.npz", **g)  # without dh: overwrite-not-accumulate too, here only
    main([SENTENCE, "--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz")])
    assert "try a longer sentence" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("mode", ["last", "every"])
def test_padding_leak_on_sentences_of_different_lengths(mode, tmp_path, capsys, monkeypatch):
    w = weights()
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the cat sat on the mat\ncat sat\n")
    g, _ = hand_bptt(w, [IDS, [1, 2]], EOS, mode=mode, mistake="padding-leak")
    code, result = run(tmp_path, capsys, w, g, "--file", str(corpus), "--loss", mode)
    assert code == 1 and [c["id"] for c in result["named"]] == ["padding-leak"]


def test_two_mistakes_at_once_get_no_single_name(tmp_path: Path, capsys) -> None:
    w = weights()
    g, _ = hand_bptt(w, [IDS], EOS, mistake="h-t-for-h-prev")
    g["b"][:] = 0.0  # and the bias gradient left out
    code, result = run(tmp_path, capsys, w, g, SENTENCE)
    assert code == 1 and result["named"] == []
    assert result["partial"]["W_h"] == ["h-t-for-h-prev"]
    # ∂L/∂b = 0 is also a loop that never visits t = T under --loss last: nothing flows back
    assert set(result["partial"]["b"]) == {"bias-gradient-missing", "last-step-missing"}
    assert result["nearest"] == []  # each is 100 % off in the other's gradient
    assert set(result["locations"]) == {"W_h", "b"}
    assert result["locations"]["b"]["differ"] == H  # every entry of ∂L/∂b is 0


def test_the_text_names_the_mistake_and_the_equations(tmp_path: Path, capsys) -> None:
    w = weights()
    g, _ = hand_bptt(w, [IDS], EOS, mistake="derivative-of-pre-activation")
    np.savez(tmp_path / "w.npz", **w)
    np.savez(tmp_path / "g.npz", **g)
    code = main([SENTENCE, "--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz")])
    out = capsys.readouterr().out
    assert code == 1
    assert "mistake derivative-of-pre-activation" in out
    assert "should be:" in out and "your numbers:" in out


@pytest.mark.parametrize("size", [1e300, 1.7976931348623157e308, 1e-320])
def test_gradients_at_the_ends_of_the_floats_differ_quietly(size, tmp_path, capsys) -> None:
    """No overflow reaches stderr, the JSON stays strict, and no sum 'matches' by overflowing
    to infinity on both sides."""
    w = weights()
    g = {k: np.full(v.shape, size) for k, v in w.items()}
    g["W"][0, 0] = -size
    code, result = run(tmp_path, capsys, w, g, SENTENCE)  # run() asserts stderr is empty
    assert code == 1 and result["verdict"] == "differs"
    assert all(0.0 <= q["max_rel"] <= 2.0 for q in result["quantities"].values())
    assert all(loc["row_sums_match"] is not True for loc in result["locations"].values())


def test_gradients_clipped_by_their_global_norm_are_named(tmp_path, capsys) -> None:
    """torch.nn.utils.clip_grad_norm_(…, C): every gradient times C/‖g‖, computed here."""
    w = weights()
    g, _ = hand_bptt(w, [IDS], EOS)
    total = np.sqrt(sum(float(np.vdot(v, v)) for v in g.values()))
    clipped = {k: v * (0.4 * total / total) for k, v in g.items()}  # C = 0.4·‖g‖
    code, result = run(tmp_path, capsys, w, clipped, SENTENCE)
    assert code == 1 and result["conventions"] == []
    [named] = result["named"]
    assert named["mistake"] == "norm-clip-C"
    assert named["numbers"]["C"] == pytest.approx(0.4 * total, rel=1e-12)
