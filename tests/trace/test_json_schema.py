"""--schema: a JSON Schema (draft 2020-12) generated from the schema in code, checked with the
jsonschema package: it is a valid schema, it accepts every event of real traces, and it
refuses the malformed traces that --replay refuses."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from bptt_trace.cli.app import main

ROOT = Path(__file__).parents[2]


def schema_of(capsys, *args: str) -> dict:
    capsys.readouterr()
    assert main(["--schema", *args]) == 0
    text = capsys.readouterr().out
    if text not in CHECKED:  # checking a schema against the meta-schema takes seconds
        jsonschema.Draft202012Validator.check_schema(json.loads(text))
        CHECKED.add(text)
    return json.loads(text)


CHECKED: set[str] = set()


def validate(instance: object, schema: dict) -> None:
    """jsonschema.validate without checking the schema again (schema_of did)."""
    jsonschema.Draft202012Validator(schema).validate(instance)


def trace_lines(tmp_path: Path, capsys, *args: str) -> list[str]:
    """The run's JSON Lines trace, also saved as tmp_path/t.jsonl. Under --json, the same
    lines as --output writes, without laying out the tables, which no test here reads (they
    were half of this file's CPU time)."""
    capsys.readouterr()
    main([*args, "--json"])
    lines = capsys.readouterr().out.splitlines()
    (tmp_path / "t.jsonl").write_text("".join(line + "\n" for line in lines))
    return lines


RUNS = [
    ["I like NLP"],
    ["I like NLP", "--activation", "relu", "--detail", "summary", "--steps", "3"],
    [
        "--file",
        str(ROOT / "sentences" / "small.txt"),
        "--loss",
        "every",
        "--check",
        "--truncate",
        "2",
        "--clip",
        "0.5",
        "--steps",
        "2",
    ],
    ["a a a a", "--loss", "every", "--lr", "1e308", "--steps", "9"],  # diverges
]


@pytest.mark.parametrize("args", RUNS)
def test_every_event_of_a_trace_is_valid(args, tmp_path, capsys) -> None:
    lines = trace_lines(tmp_path, capsys, *args)
    validator = jsonschema.Draft202012Validator(schema_of(capsys))
    for number, line in enumerate(lines, start=1):
        errors = list(validator.iter_errors(json.loads(line)))
        assert not errors, (number, errors[0].message)
    trace = {**schema_of(capsys), "$ref": "#/$defs/trace"}
    whole = {"$schema": trace["$schema"], "$defs": trace["$defs"], "$ref": "#/$defs/trace"}
    validate([json.loads(line) for line in lines], whole)


def edit(lines: list[str], n: int, change) -> list[str]:
    data = json.loads(lines[n - 1])
    change(data)
    return [*lines[: n - 1], json.dumps(data), *lines[n:]]


# the mutations of tests/files/test_files.py, which --replay refuses
MUTATIONS = [
    lambda ls: [*ls[:3], "{not json", *ls[4:]],
    lambda ls: edit(ls, 1, lambda d: d.update(schema=2)),
    lambda ls: edit(ls, 2, lambda d: d.pop("W_h")),
    lambda ls: edit(ls, 4, lambda d: d.update(t="one")),
    lambda ls: edit(ls, 4, lambda d: d.update(h=[0.1, 0.2])),
    lambda ls: edit(ls, 2, lambda d: d.update(W=[[1.0] * 4] * 3)),
    lambda ls: edit(ls, 4, lambda d: d.update(event="teleport")),
    lambda ls: ls[1:],
    lambda ls: [*ls[:-1], ls[-1].replace("1.5", "NaN", 1)],
]


@pytest.mark.parametrize("mutate", MUTATIONS)
def test_the_schema_refuses_what_replay_refuses(mutate, tmp_path, capsys) -> None:
    lines = trace_lines(tmp_path, capsys, "I like NLP")
    bad = mutate(lines)
    (tmp_path / "bad.jsonl").write_text("\n".join(bad) + "\n")
    assert main(["--replay", str(tmp_path / "bad.jsonl")]) == 2
    schema = schema_of(capsys, "I like NLP", "--hidden", "4")  # the run's sizes
    whole = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/trace"}
    try:
        events = [json.loads(line) for line in bad]  # a strict parser: no NaN, no junk
        if any("NaN" in line for line in bad):
            raise ValueError("NaN is not JSON")
    except ValueError:
        return  # refused before any schema: not JSON
    with pytest.raises(jsonschema.ValidationError):
        validate(events, whole)


def test_sizes_are_fixed_only_when_given(capsys) -> None:
    free = json.dumps(schema_of(capsys))
    sized = json.dumps(schema_of(capsys, "I like NLP", "--hidden", "4"))
    assert '"minItems": 4' not in free and '"minItems": 4' in sized


# -- every cell: what --replay accepts, the schema accepts --------------------------------

CELL_RUNS = {
    "one step": [],
    "--loss every": ["--loss", "every"],
    "--detail full": ["--detail", "full"],
    "a corpus": ["--file", str(ROOT / "sentences" / "small.txt")],
    "--truncate": ["--truncate", "1"],
    "--clip": ["--clip", "0.5"],
    "--check": ["--check"],
    "--trace-every": ["--steps", "3", "--trace-every", "2"],
}


@pytest.fixture(scope="module")
def any_cell_schema() -> dict:
    """--schema's output, once (a module's worth of traces is checked against it)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "bptt_trace", "--schema"],
        capture_output=True,
        check=True,
        timeout=120,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )
    schema = json.loads(done.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    CHECKED.add(done.stdout.decode())
    return schema


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("run", CELL_RUNS)
def test_every_trace_replay_accepts_the_schema_accepts(
    cell: str, run: str, any_cell_schema: dict, tmp_path: Path, capsys
) -> None:
    args = CELL_RUNS[run] if run == "a corpus" else ["the cat sat", *CELL_RUNS[run]]
    lines = trace_lines(tmp_path, capsys, *args, "--cell", cell, "--hidden", "3")
    assert main(["--replay", str(tmp_path / "t.jsonl"), "--quiet"]) == 0  # replay accepts it
    capsys.readouterr()
    events = [json.loads(line) for line in lines]
    validator = jsonschema.Draft202012Validator(any_cell_schema)
    for number, event in enumerate(events, start=1):
        errors = list(validator.iter_errors(event))
        assert not errors, (number, event["event"], errors[0].message[:300])
    whole = {**any_cell_schema, "$ref": "#/$defs/trace"}
    validate(events, whole)


def test_a_trace_is_of_one_cell(any_cell_schema: dict, tmp_path: Path, capsys) -> None:
    """The run event's cell decides the lines after it: an LSTM's run, a GRU's lines, no."""
    lstm = [
        json.loads(line) for line in trace_lines(tmp_path, capsys, "I like NLP", "--cell", "lstm")
    ]
    gru = [
        json.loads(line) for line in trace_lines(tmp_path, capsys, "I like NLP", "--cell", "gru")
    ]
    whole = {**any_cell_schema, "$ref": "#/$defs/trace"}
    validate(lstm, whole)
    with pytest.raises(jsonschema.ValidationError):
        validate([lstm[0], *gru[1:]], whole)
