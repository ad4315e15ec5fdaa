"""A short float's tolerance is measured on the input (how far rounding moves the trace's
numbers), but it never lets a wrong gradient pass: a quantity the trace computes as exactly
zero is not measured relative to itself (where any change is 100 %), and the tolerance is
held at ``precision.CAP``, with a line saying what rounding does past it. Gradients of mixed
float widths are refused (one float16 array would loosen the check of all).

Every expectation comes from ``mistaken_bptt.hand_bptt``, a BPTT written apart from the
engine: the true gradients, then each quantity zeroed, scaled or sign-flipped in turn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from compare_runs import EOS, IDS, SENTENCE, run, weights
from mistaken_bptt import hand_bptt

from bptt_trace.cli.app import main
from bptt_trace.usercode.precision import CAP

NAMES = ("W", "W_h", "b", "V", "b_output")


def symmetric(seed: int) -> dict[str, np.ndarray]:
    """Weights whose logits are tied: every entry of V the same, so ŷ is uniform and no flow
    reaches h (∂L/∂h_T = (ŷ − y)·Vᵀ = 0): the trace's W, Wʰ and b gradients are exactly 0."""
    w = weights(seed)
    w["V"] = np.full_like(w["V"], 0.5)
    w["b_output"] = np.zeros_like(w["b_output"])
    return w


def nearly_symmetric(seed: int) -> dict[str, np.ndarray]:
    """As ``symmetric``, with V moved by 1e-6: the flows into h nearly cancel, so rounding at
    float32 moves the trace's W, Wʰ and b gradients by far more than 1 % of themselves."""
    w = symmetric(seed)
    w["V"] = w["V"] + 1e-6 * np.random.default_rng(seed).normal(size=w["V"].shape)
    return w


INPUTS = {"random": weights, "symmetric": symmetric, "nearly symmetric": nearly_symmetric}


def as_dtype(arrays: dict[str, np.ndarray], dtype: str) -> dict[str, np.ndarray]:
    return {k: v.astype(dtype) for k, v in arrays.items()}


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("made", list(INPUTS))
def test_a_quantity_wrong_by_its_whole_size_never_matches(
    made: str, dtype: str, tmp_path: Path, capsys
) -> None:
    """The true gradients (rounded to the dtype) match; zeroing, doubling or flipping any one
    quantity the trace has nonzero makes the verdict differ (the table may be read at a known
    factor that fits the others: then another quantity shows it), and all-zero gradients
    differ."""
    w = as_dtype(INPUTS[made](3), dtype)
    true, _ = hand_bptt({k: v.astype(float) for k, v in w.items()}, [IDS], EOS)
    if dtype == "float32" or made == "random":  # (float16 rounds the tied V itself apart)
        code, result = run(tmp_path, capsys, w, as_dtype(true, dtype), SENTENCE)
        assert (code, result["verdict"]) == (0, "match"), result["quantities"]
    wrong = {"zero": 0.0, "double": 2.0, "flip": -1.0}
    for name in NAMES:
        if not np.any(true[name].astype(dtype)):
            continue
        for how, factor in wrong.items():
            g = as_dtype({**true, name: factor * true[name]}, dtype)
            code, result = run(tmp_path, capsys, w, g, SENTENCE)
            assert (code, result["verdict"]) == (1, "differs"), (name, how)
            assert result["tolerance"] <= CAP[dtype]
    zeros = {k: np.zeros_like(v) for k, v in as_dtype(true, dtype).items()}
    code, result = run(tmp_path, capsys, w, zeros, SENTENCE)
    assert code == 1 and result["verdict"] == "differs"


def test_rounding_past_the_cap_is_said(tmp_path: Path, capsys) -> None:
    """Nearly tied logits at float32: the noise measured on Wʰ's gradient is past the cap; the
    verdict is held at it and the JSON and the caption say what rounding does there."""
    w = as_dtype(nearly_symmetric(3), "float32")
    true, _ = hand_bptt({k: v.astype(float) for k, v in w.items()}, [IDS], EOS)
    _, result = run(tmp_path, capsys, w, as_dtype(true, "float32"), SENTENCE)
    assert result["tolerance"] == CAP["float32"]
    assert result["rounding"]["noise"] > CAP["float32"]
    assert result["rounding"]["on"] in ("W", "W_h", "b")
    np.savez(tmp_path / "w.npz", **w)
    np.savez(tmp_path / "g.npz", **as_dtype(true, "float32"))
    capsys.readouterr()
    main([SENTENCE, "--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz")])
    shown = " ".join(capsys.readouterr().out.split())
    assert "Rounding at float32 alone moves the trace's ∂L/∂" in shown
    assert "save float64 gradients to check them" in shown


def test_float64_has_no_rounding_line(tmp_path: Path, capsys) -> None:
    w = weights(3)
    true, _ = hand_bptt(w, [IDS], EOS)
    code, result = run(tmp_path, capsys, w, true, SENTENCE)
    assert code == 0 and result["rounding"] is None and result["tolerance"] == 1e-9


@pytest.mark.parametrize(("narrow", "wide"), [("float16", "float64"), ("float32", "float64")])
def test_gradients_of_mixed_float_widths_are_refused(
    narrow: str, wide: str, tmp_path: Path, capsys
) -> None:
    """One narrow array among wide ones would loosen the verdict on all: W off by 0.5 %
    passed at float16's tolerance when only Wʰ was float16."""
    w = weights(3)
    true, _ = hand_bptt(w, [IDS], EOS)
    g = {**true, "W": 1.005 * true["W"], "W_h": true["W_h"].astype(narrow)}
    g = {k: v if k == "W_h" else v.astype(wide) for k, v in g.items()}
    np.savez(tmp_path / "w.npz", **w)
    np.savez(tmp_path / "g.npz", **g)
    capsys.readouterr()
    code = main([SENTENCE, "--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz")])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    [line] = err.strip().splitlines()
    assert "the gradients mix float widths" in line and f"W_h {narrow}" in line
    assert "save every gradient in the dtype your code computed it in" in line


def loss_of(w: dict[str, np.ndarray]) -> float:
    """L of the sentence's one loss (--loss last) at ``w``: −log ŷ[<eos>] at T, in NumPy."""
    h = np.zeros(w["W_h"].shape[0])
    for i in IDS:
        h = np.tanh(w["W"][i] + h @ w["W_h"] + w["b"])
    o = h @ w["V"] + w["b_output"]
    return float(np.log(np.exp(o - o.max()).sum()) + o.max() - o[EOS])


def test_a_wider_loss_beside_float32_gradients_is_not_mixed(tmp_path: Path, capsys) -> None:
    """A float64 loss (a Python float: loss.item()) beside float32 gradients is no mix."""
    w = as_dtype(weights(3), "float32")
    true, _ = hand_bptt({k: v.astype(float) for k, v in w.items()}, [IDS], EOS)
    loss = loss_of({k: v.astype(float) for k, v in w.items()})
    code, result = run(tmp_path, capsys, w, {**as_dtype(true, "float32"), "loss": loss}, SENTENCE)
    assert code == 0 and result["dtype"] == "float32"


@pytest.mark.parametrize("narrow", ["float16", "float32"])
def test_a_loss_narrower_than_the_gradients_is_refused(narrow: str, tmp_path, capsys) -> None:
    """A float16 loss beside float64 gradients set the verdict at float16's tolerance: W off
    by 0.9 % matched (exit 0)."""
    w = weights(3)
    true, _ = hand_bptt(w, [IDS], EOS)
    g = {**true, "W": 1.009 * true["W"], "loss": np.array(loss_of(w), dtype=narrow)}
    np.savez(tmp_path / "w.npz", **w)
    np.savez(tmp_path / "g.npz", **g)
    capsys.readouterr()
    code = main([SENTENCE, "--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz")])
    _, err = capsys.readouterr()
    assert code == 2 and f"loss float{8 * np.dtype(narrow).itemsize}" in err
    assert "the gradients mix float widths" in err


def test_the_table_says_the_factor_it_is_read_at(tmp_path: Path, capsys) -> None:
    """Every gradient's sign flipped but V doubled: the table is read at the known factor −1
    (four of five agree there), and its title says so; the verdict differs."""
    w = weights(3)
    true, _ = hand_bptt(w, [IDS], EOS)
    g = {k: (2.0 if k == "V" else -1.0) * v for k, v in true.items()}
    np.savez(tmp_path / "w.npz", **w)
    np.savez(tmp_path / "g.npz", **g)
    capsys.readouterr()
    code = main([SENTENCE, "--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz")])
    shown = " ".join(capsys.readouterr().out.split())
    assert code == 1
    assert "(the trace's × -1: the known factor under which the most agree)" in shown
