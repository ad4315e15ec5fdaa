"""--compare on real framework models: torch's nn.RNN (tanh, relu), nn.LSTM and nn.GRU with an
nn.Linear, trained one backward() as a practitioner does, exported exactly as README's "Check
your own BPTT" says, in float64 and float32 (tests/usercode/make_fixtures.py made the stored
fixtures; the gradients are torch's autograd, never the tool's). The same numbers in the keras
and rows layouts, converted by hand. And the slips a practitioner makes: a relu network
compared as tanh, a loss summed over every step compared as --loss last, their own vocabulary
order, ∂L/∂Wʰ saved transposed: --compare must say which option or file explains them.

Each case runs from the stored .npz files, and again built live when torch is importable.
Every run goes through the command line's entry point (``main``), in this process: a
subprocess would add half a second of start-up to each of some sixty runs and prove nothing
more about --compare (the process itself with --compare, its stdout's pipe and its exit
codes, is tested in tests/cli/test_stdout_whole.py).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from clitools import assert_refused
from usercode.framework_layouts import as_get_weights, to_keras, to_rows
from usercode.make_fixtures import FIXTURES, files_for

from bptt_trace.cli.app import main

CASES: list[dict[str, Any]] = json.loads((FIXTURES / "cases.json").read_text(encoding="utf-8"))
BY_NAME = {case["name"]: case for case in CASES}
MATCHING = [c["name"] for c in CASES if c["expect"] == "match"]


def strict_json(text: str) -> Any:
    """json.loads that refuses NaN, Infinity and -Infinity (not JSON)."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def compare(
    capsys: pytest.CaptureFixture[str], case: dict[str, Any], weights: Path, grads: Path, *more: str
) -> subprocess.CompletedProcess[bytes]:
    """``bptt-trace SENTENCE ARGS --init WEIGHTS --layout L --compare GRADS MORE``: its exit
    code, stdout and stderr (as a subprocess would give them)."""
    args = [case["sentence"], *case["args"], "--init", str(weights)]
    args += ["--layout", case["layout"], "--compare", str(grads), *more]
    capsys.readouterr()
    code = main(args)
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.encode(), err.encode())


def assert_matches(capsys, case: dict[str, Any], weights: Path, grads: Path) -> None:
    """Exit 0 and '✓ match' in the tables."""
    proc = compare(capsys, case, weights, grads)
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0, (case["name"], proc.returncode, out[-2000:], err)
    assert "✓ match: your BPTT gives the trace's gradients" in out, out[-2000:]
    assert "Traceback" not in err, err


def assert_verdict(capsys, case: dict[str, Any], weights: Path, grads: Path) -> None:
    """The case's verdict in the tables and under --json (strict JSON, one object)."""
    text = compare(capsys, case, weights, grads)
    as_json = compare(capsys, case, weights, grads, "--json")
    out, err = text.stdout.decode(), text.stderr.decode() + as_json.stderr.decode()
    codes = (text.returncode, as_json.returncode)
    assert "Traceback" not in err, err
    assert codes == ((0, 0) if case["expect"] == "match" else (1, 1)), (codes, out[-2000:], err)
    result = strict_json(as_json.stdout.decode())
    verdicts = [line for line in out.splitlines() if line.startswith(("✓", "✗"))]
    if case["expect"] == "match":
        assert verdicts == ["✓ match: your BPTT gives the trace's gradients"], out[-2000:]
        assert result["verdict"] == "match" and result["named"] == [], result
        assert result["forward"] is None or result["forward"]["matches"] is True, result
        return
    assert verdicts and all(v.startswith("✗") for v in verdicts), out[-2000:]
    assert result["verdict"] == "differs"
    word = case["names"]
    assert word in out, (word, out[-2000:])
    if word == "transpose":
        assert word in as_json.stdout.decode()
    else:  # the forward pass differs, and the option (or the vocab array) explains it
        forward = result["forward"]
        assert forward is not None and forward["matches"] is False, forward
        assert any(word in reason for reason in forward["explained_by"]), forward


def stored(case: dict[str, Any]) -> tuple[Path, Path]:
    return FIXTURES / case["weights"], FIXTURES / case["grads"]


@pytest.mark.parametrize("name", list(BY_NAME))
def test_stored_case(name: str, capsys) -> None:
    case = BY_NAME[name]
    assert_verdict(capsys, case, *stored(case))


@pytest.mark.parametrize("name", list(BY_NAME))
def test_live_case(name: str, tmp_path: Path, capsys) -> None:
    pytest.importorskip("torch")
    case = BY_NAME[name]
    assert_verdict(capsys, case, *files_for(case, tmp_path))


@pytest.mark.parametrize("name", list(BY_NAME))
def test_the_stored_fixture_is_what_make_fixtures_builds(name: str, tmp_path: Path) -> None:
    """Built live, each case's files hold the stored numbers (else: run make_fixtures.py)."""
    pytest.importorskip("torch")
    case = BY_NAME[name]
    for live, kept in zip(files_for(case, tmp_path), stored(case), strict=True):
        live_arrays, kept_arrays = dict(np.load(live)), dict(np.load(kept))
        assert live_arrays.keys() == kept_arrays.keys()
        for key, value in kept_arrays.items():
            if value.dtype.kind == "f":
                rounding = 1e-5 if value.dtype == np.float32 else 1e-12
                scale = max(float(np.abs(value).max()), 1e-300)
                gap = float(np.abs(live_arrays[key] - value).max())
                assert gap <= rounding * scale, (key, gap)
            else:
                assert np.array_equal(live_arrays[key], value), key


def torch_arrays(case: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    w, g = stored(case)
    return dict(np.load(w)), dict(np.load(g))


KERAS = [  # (case, form): every cell, both dtypes, each way Keras's arrays get saved
    ("rnn-64-h4-short-last", "names"),
    ("rnn-relu-32-h4-short-every", "get_weights"),
    ("lstm-64-h5-long-every", "names"),
    ("lstm-32-h5-long-every", "get_weights"),
    ("gru-64-h4-short-last", "get_weights"),
    ("gru-32-h5-long-every", "names"),
    ("gru-64-h5-long-every", "names:0"),
]


@pytest.mark.parametrize(("name", "form"), KERAS)
def test_keras_layout(name: str, form: str, tmp_path: Path, capsys) -> None:
    case = BY_NAME[name]
    weights, grads = torch_arrays(case)
    saved = []
    for arrays, gradients in ((weights, False), (grads, True)):
        keras = to_keras(arrays, case["cell"], gradients)
        if form == "get_weights":
            keras = as_get_weights(keras)
        elif form == "names:0":
            keras = {k if k in ("loss", "vocab") else k + ":0": v for k, v in keras.items()}
        path = tmp_path / f"{'g' if gradients else 'w'}.npz"
        np.savez(path, **keras)
        saved.append(path)
    assert_matches(capsys, {**case, "layout": "keras"}, *saved)


@pytest.mark.parametrize(
    "name", ["rnn-64-h4-long-every", "lstm-64-h4-short-last", "gru-64-h5-long-every"]
)
def test_rows_layout(name: str, tmp_path: Path, capsys) -> None:
    case = BY_NAME[name]
    weights, grads = torch_arrays(case)
    np.savez(tmp_path / "w.npz", **to_rows(weights, case["cell"]))
    np.savez(tmp_path / "g.npz", **to_rows(grads, case["cell"], gradients=True))
    assert_matches(capsys, {**case, "layout": "rows"}, tmp_path / "w.npz", tmp_path / "g.npz")


@pytest.mark.parametrize(
    "name", ["rnn-32-h5-long-every", "lstm-64-h5-long-every", "lstm-32-h5-long-every"]
)
def test_the_two_bias_gradients_may_part_by_rounding(name: str, tmp_path: Path, capsys) -> None:
    """torch sums ∂L/∂bias_ih and ∂L/∂bias_hh in different orders: they are both ∂L/∂b, but
    part by rounding (7.6e-8 of the largest entry in the stored rnn-32-h5-long-every). A gap of
    32 ulps of the largest |entry| (1e-12 of a small entry in float64) is still the same
    gradient."""
    case = BY_NAME[name]
    weights, grads = torch_arrays(case)
    ih = grads["rnn.bias_ih_l0"]
    signs = np.where(np.arange(ih.size) % 2 == 0, 1.0, -1.0).astype(ih.dtype)
    grads["rnn.bias_hh_l0"] = ih + signs * (32 * np.finfo(ih.dtype).eps * np.abs(ih).max())
    assert not np.array_equal(grads["rnn.bias_hh_l0"], ih)
    np.savez(tmp_path / "w.npz", **weights)
    np.savez(tmp_path / "g.npz", **grads)
    assert_matches(capsys, case, tmp_path / "w.npz", tmp_path / "g.npz")


def test_a_torch_gru_needs_reset_after(capsys) -> None:
    """nn.GRU applies the reset gate after the product: the tool's default GRU (Cho et al.'s)
    is another model, so comparing a torch GRU without --reset-after is bad input."""
    case = BY_NAME["gru-64-h4-short-last"]
    proc = compare(capsys, {**case, "args": ["--cell", "gru"]}, *stored(case))
    assert_refused(proc, "--reset-after")


def test_the_fixtures_are_what_cases_json_says() -> None:
    """Each file is a torch export of the case's model: its keys, shapes and dtype; torch's two
    bias gradients of a gate are alike (b = b_ih + b_hh) except the GRU's n, where rₜ
    multiplies b_hh_n; and the fixtures stay small."""
    vocabs = {"I like NLP": 4, "the cat saw the dog chase the cat": 6}
    gates = {"rnn": 1, "lstm": 4, "gru": 3}
    for case in CASES:
        if case["layout"] != "torch":
            continue
        weights, grads = torch_arrays(case)
        size, hidden = vocabs[case["sentence"]], case["hidden"]
        rows = gates[case["cell"]] * hidden
        shapes = {
            "rnn.weight_ih_l0": (rows, size),
            "rnn.weight_hh_l0": (rows, hidden),
            "rnn.bias_ih_l0": (rows,),
            "rnn.bias_hh_l0": (rows,),
            "fc.weight": (size, hidden),
            "fc.bias": (size,),
        }
        extra = {"vocab": (size,)} if case["vocab_array"] else {}
        assert {k: v.shape for k, v in weights.items()} == {**shapes, **extra}
        assert {k: v.shape for k, v in grads.items()} == {**shapes, "loss": ()}
        assert {str(v.dtype) for k, v in grads.items() if k != "loss"} == {case["dtype"]}
        same = slice(0, 2 * hidden) if case["cell"] == "gru" else slice(None)
        ih, hh = grads["rnn.bias_ih_l0"][same], grads["rnn.bias_hh_l0"][same]
        rounding = 1e-6 if case["dtype"] == "float32" else 1e-14  # summed in another order
        assert np.abs(ih - hh).max() <= rounding * np.abs(ih).max(), case["name"]
    assert sum(f.stat().st_size for f in FIXTURES.iterdir()) < 160_000


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_near_convergence_float32_still_tells_a_one_percent_error(
    cell: str, tmp_path: Path, capsys
) -> None:
    """The float32 tolerance grows with the rounding noise of a trained network (ŷ − y small
    beside ŷ), yet stays below what a real mistake makes: ∂L/∂Wʰ 1 % off differs."""
    [record] = [c for c in CASES if c["name"] == f"{cell}-32-h16-long-every-trained300"]
    weights, grads = stored(record)
    arrays = dict(np.load(grads))
    key = next(k for k in arrays if k.endswith("weight_hh_l0"))
    arrays[key] = (arrays[key] * np.float32(1.01)).astype(np.float32)
    np.savez(tmp_path / "g.npz", **arrays)
    proc = compare(capsys, record, weights, tmp_path / "g.npz", "--json")
    result = strict_json(proc.stdout.decode())
    assert proc.returncode == 1 and result["verdict"] == "differs"
    assert result["tolerance"] < 0.01 / 2


FULL_CASES = [
    c["name"]
    for c in CASES
    if c["expect"] == "match" and c["trained"] == 0 and len(c["sentence"].split()) >= 4
]


@pytest.mark.parametrize("name", FULL_CASES)
@pytest.mark.parametrize("scheme", [["--chunks", "2"], ["--tbptt", "1:2"]], ids=" ".join)
def test_full_bptt_gradients_checked_under_a_scheme_are_called_full_bptt(
    name: str, scheme: list[str], capsys
) -> None:
    """A framework's full-BPTT gradients (the stored exports, float32 and float64) compared
    with a scheme given: the answer is that they are full BPTT's, to be checked without the
    scheme; never a mistake that reproduces them only by changing nothing, as a clip at their
    own largest entry does (it was called 'mistake elementwise-clip-C')."""
    case = next(c for c in CASES if c["name"] == name)
    proc = compare(capsys, case, *stored(case), *scheme)
    out = " ".join(proc.stdout.decode().split())
    assert proc.returncode == 1, out[-1500:]
    flag = " ".join(scheme)
    said = f"your gradients are those of full BPTT (every loss flows back to t = 1), not of {flag}"
    assert said in out, out[-1500:]
    assert f"leave out {flag}" in out
    assert "mistake elementwise-clip" not in out and "mistake norm-clip" not in out
