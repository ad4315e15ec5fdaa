"""--diff: two traces that differ in one option part at the first event that option changes;
a trace and its re-export (read back, written again) are equal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bptt_trace.cli.app import main
from bptt_trace.files.jsonl import JsonlWriter
from bptt_trace.files.trace_reader import read_trace


def trace(tmp_path: Path, name: str, *args: str) -> str:
    path = tmp_path / name
    assert main([*args, "--output", str(path)]) in (0, 1)
    return str(path)


def diff(capsys, a: str, b: str, *extra: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(["--diff", a, b, "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def first_line_where(path: str, kind: str, field: str, other: str) -> int:
    """Independently: the first line of ``kind`` whose ``field`` differs between two traces."""
    mine = [json.loads(line) for line in Path(path).read_text().splitlines()]
    theirs = [json.loads(line) for line in Path(other).read_text().splitlines()]
    ours = [(n, e) for n, e in enumerate(mine, 1) if e["event"] == kind]
    others = [e for e in theirs if e["event"] == kind]
    return next(n for (n, x), y in zip(ours, others, strict=False) if x[field] != y[field])


@pytest.mark.parametrize(
    ("option", "quantity"),
    [
        (["--truncate", "1"], "backward.dh"),
        (["--activation", "relu"], "forward.h"),
        (["--lr", "0.5"], "update.new"),
    ],
)
def test_one_option_apart(option, quantity, tmp_path, capsys) -> None:
    base = ["the cat sat on the mat", "--steps", "2"]
    a = trace(tmp_path, "a.jsonl", *base)
    b = trace(tmp_path, "b.jsonl", *base, *option)
    code, result = diff(capsys, a, b)
    assert code == 1 and not result["equal"]
    key = option[0].removeprefix("--")
    assert key in result["config"]
    found = next(q for q in result["quantities"] if q["quantity"] == quantity)
    kind, field = quantity.split(".")
    assert found["first"]["line"] == first_line_where(a, kind, field, b)


def test_a_trace_and_its_reexport_are_equal(tmp_path: Path, capsys) -> None:
    a = trace(tmp_path, "a.jsonl", "I like NLP", "--steps", "3", "--loss", "every")
    again = tmp_path / "again.jsonl"
    with again.open("w") as handle:
        writer = JsonlWriter(handle, detail="full")
        for event in read_trace(Path(a)):
            writer.write(event)
    code, result = diff(capsys, a, str(again))
    assert code == 0 and result["equal"]
    capsys.readouterr()
    assert main(["--diff", a, str(again)]) == 0
    assert "equal" in capsys.readouterr().out


def test_a_bad_trace_is_refused(tmp_path: Path, refused) -> None:
    (tmp_path / "bad.jsonl").write_text("{}\n")
    a = trace(tmp_path, "a.jsonl", "I like NLP")
    assert "line 1" in refused(["--diff", a, str(tmp_path / "bad.jsonl")])
