"""--diff compares what the runs did: a config field that a trace leaves out (written only when
it matters, or added after the trace was written) is its default, on both sides of the
comparison and in what --diff shows. Tested as a class over every config field with a default
(``config.Config``'s fields, enumerated), then through the program on the finding's example: an
RNN trace (no ``cell`` in its config) against an LSTM trace."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from bptt_trace.config import Config
from bptt_trace.trace.diff import diff_traces
from bptt_trace.trace.events import RunEvent
from tests.clitools import run_cli

WITH_DEFAULTS = [f for f in dataclasses.fields(Config) if f.default is not dataclasses.MISSING]

OTHER_VALUE: dict[str, Any] = {
    "hidden": 8,
    "lr": 0.5,
    "seed": 3,
    "activation": "relu",
    "loss": "every",
    "target": "NLP",
    "steps": 5,
    "trace_every": 2,
    "truncate": 2,
    "chunks": 2,
    "tbptt": [1, 2],
    "update_every": "sequence",
    "clip": 1.0,
    "check": True,
    "detail": "full",
    "cell": "gru",
    "forget_bias": 0.0,
    "reset_after": True,
    "init_scale": 0.5,
    "loaded": {"path": "model.npz", "updates": 3},
}
"""A value other than the default for each field (a field added to Config must be named here)."""


def run_event(config: dict[str, Any]) -> RunEvent:
    return RunEvent(1, "0", ["I", "like", "NLP", "<eos>"], [["I", "like", "NLP"]], config)


BASE = {"hidden": 4, "lr": 0.1, "seed": 0, "activation": "tanh", "loss": "last"}
BASE |= {"target": "<eos>", "steps": 1}
"""The fields every trace has (the schema requires them)."""


def without(name: str) -> dict[str, Any]:
    return {k: v for k, v in BASE.items() if k != name}


@pytest.mark.parametrize("field", WITH_DEFAULTS, ids=lambda f: f.name)
def test_a_field_left_out_equals_the_field_at_its_default(field: dataclasses.Field) -> None:
    left_out, given = without(field.name), {**without(field.name), field.name: field.default}
    result = diff_traces([run_event(left_out)], [run_event(given)], 1e-9)
    assert result.config == {} and result.equal


@pytest.mark.parametrize("field", WITH_DEFAULTS, ids=lambda f: f.name)
def test_a_field_left_out_shows_as_its_default_against_another_value(
    field: dataclasses.Field,
) -> None:
    assert field.name in OTHER_VALUE, f"name a non-default value of {field.name} in OTHER_VALUE"
    other = OTHER_VALUE[field.name]
    assert other != field.default
    left_out, changed = without(field.name), {**without(field.name), field.name: other}
    result = diff_traces([run_event(left_out)], [run_event(changed)], 1e-9)
    assert result.config == {field.name: (field.default, other)}
    assert result.to_json()["config"] == {field.name: [field.default, other]}
    result = diff_traces([run_event(changed)], [run_event(left_out)], 1e-9)
    assert result.config == {field.name: (other, field.default)}


def test_an_rnn_trace_against_an_lstm_trace_shows_the_rnn_by_name(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "l.jsonl"
    for path, cell in ((a, []), (b, ["--cell", "lstm"])):
        proc = run_cli(["I like NLP", *cell, "--output", str(path), "--quiet"])
        assert proc.returncode == 0, proc.stderr
    assert "cell" not in json.loads(a.read_text().splitlines()[0])["config"]  # as it is written
    proc = run_cli(["--diff", a.name, b.name], cwd=tmp_path)
    shown = proc.stdout.decode()
    assert proc.returncode == 1, proc.stderr
    assert 'config cell: "rnn" in a.jsonl, "lstm" in l.jsonl' in shown, shown
    assert "null" not in shown and "forget_bias" not in shown, shown
    proc = run_cli(["--diff", str(a), str(b), "--json"])
    assert json.loads(proc.stdout)["config"] == {"cell": ["rnn", "lstm"]}
