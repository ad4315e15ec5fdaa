"""--diff end to end, the two examples of the issue: a trace and one of weights 1e-13 apart are
equal at the default tolerance (exit 0), and --lr 0.1 against --lr 0.2 reports update.new's
real difference, entry by entry, as the two traces' numbers give it (worked out here from their
JSON with NumPy).

The weights are written by the test as an --init file (the tables' ``rows`` layout), once as
drawn and once with every entry multiplied by 1 ± 1e-13."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bptt_trace.cli.app import main

SENTENCE = "the cat sat on the mat"
VOCAB, H = 6, 4  # the, cat, sat, on, mat and <eos>
NAMES = ("W", "W_h", "b", "V", "b_output")
RUN = [SENTENCE, "--loss", "every", "--steps", "2"]


def weights(seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = {"W": (VOCAB, H), "W_h": (H, H), "b": (H,), "V": (H, VOCAB), "b_output": (VOCAB,)}
    return {name: rng.normal(0.0, 0.4, shape) for name, shape in shapes.items()}


def strict(text: str) -> dict:
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def traced(tmp_path: Path, name: str, *args: str) -> Path:
    out = tmp_path / name
    assert main([*args, "--output", str(out)]) == 0
    return out


def diff(capsys, a: Path, b: Path) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(["--diff", str(a), str(b), "--json"])
    return code, strict(capsys.readouterr().out)


def events(path: Path, kind: str) -> list[dict]:
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    return [e for e in lines if e["event"] == kind]


def test_weights_1e_13_apart_give_equal_traces(tmp_path: Path, capsys) -> None:
    drawn = weights()
    rng = np.random.default_rng(1)
    apart = {k: v * (1 + 1e-13 * rng.choice([-1.0, 1.0], v.shape)) for k, v in drawn.items()}
    np.savez(tmp_path / "drawn.npz", **drawn)
    np.savez(tmp_path / "apart.npz", **apart)
    a = traced(tmp_path, "a.jsonl", *RUN, "--init", str(tmp_path / "drawn.npz"))
    b = traced(tmp_path, "b.jsonl", *RUN, "--init", str(tmp_path / "apart.npz"))
    # the traces are not the same text: their numbers part, by about 1e-13
    assert a.read_text() != b.read_text()
    first, second = events(a, "update")[-1]["new"], events(b, "update")[-1]["new"]
    gaps = [np.abs(np.subtract(first[n], second[n])).max() for n in NAMES]
    assert 0 < max(gaps) < 1e-11
    code, result = diff(capsys, a, b)
    assert code == 0 and result["equal"] is True, [q for q in result["quantities"] if q["first"]]
    nested = {q["quantity"]: q for q in result["quantities"]}
    for name in ("update.old", "update.applied", "update.new", "blame.shares", "predictions.top"):
        assert nested[name]["first"] is None and nested[name]["structure"] is None
        assert nested[name]["numbers"] > 0 and 0 < nested[name]["max_rel"] < 1e-9, nested[name]
    capsys.readouterr()
    assert main(["--diff", str(a), str(b)]) == 0
    assert "✓ equal within the tolerance" in capsys.readouterr().out


def test_lr_0_1_against_0_2_reports_the_new_parameters_real_difference(
    tmp_path: Path, capsys
) -> None:
    a = traced(tmp_path, "a.jsonl", "I like NLP", "--lr", "0.1")
    b = traced(tmp_path, "b.jsonl", "I like NLP", "--lr", "0.2")
    code, result = diff(capsys, a, b)
    assert code == 1 and result["config"] == {"lr": [0.1, 0.2]}
    new = next(q for q in result["quantities"] if q["quantity"] == "update.new")
    # independently: each parameter's entries, relative to that parameter's largest |value|
    first, second = events(a, "update")[0]["new"], events(b, "update")[0]["new"]
    line = next(n for n, e in enumerate(map(json.loads, a.read_text().splitlines()), 1)
                if e["event"] == "update")  # fmt: skip
    gaps, relative, entry = [], [], None
    for name in NAMES:
        x, y = np.asarray(first[name]), np.asarray(second[name])
        gap = np.abs(x - y)
        rel = gap / max(np.abs(x).max(), np.abs(y).max())
        gaps.append(gap.max())
        relative.append(rel.max())
        if entry is None and (rel > 1e-9).any():
            index = np.unravel_index(int(np.flatnonzero(rel > 1e-9)[0]), x.shape)
            entry = [name, *map(int, index)]
            values = (float(x[index]), float(y[index]))
    assert new["max_abs"] == max(gaps) and new["max_rel"] == max(relative)
    assert new["first"] == {
        "line": line,
        "step": 1,
        "entry": entry,
        "in_first": values[0],
        "in_second": values[1],
    }
    assert new["structure"] is None and new["numbers"] == sum(np.size(first[n]) for n in NAMES)
    capsys.readouterr()
    assert main(["--diff", str(a), str(b)]) == 1
    shown = capsys.readouterr().out
    row = next(r for r in shown.splitlines() if r.lstrip().startswith("update.new"))
    assert f"{max(gaps):.2e}" in row and f"{max(relative):.2e}" in row
    assert "inf" not in shown and "not comparable" not in shown
