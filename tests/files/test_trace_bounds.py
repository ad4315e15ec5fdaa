"""What a trace's lines hold once parsed is bounded before each is parsed (``held_bytes``):
the bound is above what ``json.loads`` really holds for every kind of JSON value (measured with
tracemalloc, not computed by the code under test), close to it for a trace this tool writes,
and a line past the budget is refused with its number before it is parsed."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest
from bombs import hostile_trace_line

from bptt_trace.cli.app import main
from bptt_trace.files import trace_reader
from bptt_trace.files.trace_reader import held_bytes

UNITS = {
    "empty lists": b"[]",
    "empty dicts": b"{}",
    "nested lists": b"[[[[[[[[[[]]]]]]]]]]",
    "lists of one": b"[0]",
    "short strings": b'"ab"',
    "long strings": b'"' + b"x" * 100 + b'"',
    "escaped strings": b'"\\u00e9\\u00e9"',
    "floats": b"1e1",
    "negative floats": b"-1e-1",
    "large ints": b"12345678901234567890",
    "huge ints": b"1" * 4000,
    "dicts of one": b'{"a":1e1}',
    "dicts of containers": b'{"a":[],"b":{}}',
    "literals": b"true",
}


def held_by_json(line: bytes) -> int:
    """What ``json.loads(line)`` holds, measured."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        parsed = json.loads(line)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    del parsed
    return held


@pytest.mark.parametrize("unit", UNITS.values(), ids=UNITS.keys())
def test_the_bound_is_above_what_json_holds(unit: bytes) -> None:
    line = hostile_trace_line(unit, 200_000)
    assert held_bytes(line) >= held_by_json(line)


def test_the_bound_of_a_written_trace_is_near_what_it_holds(tmp_path: Path, capsys) -> None:
    """A trace of --detail full: bounded at under 4 bytes a byte, held at over 1 (so that
    every trace up to 768 MiB / 4 = 192 MiB is read)."""
    trace = tmp_path / "t.jsonl"
    args = ["I like NLP so much", "--hidden", "32", "--detail", "full", "--output", str(trace)]
    assert main([*args, "--json", "--quiet"]) == 0
    lines = trace.read_bytes().splitlines()
    bound = sum(map(held_bytes, lines))
    held = sum(map(held_by_json, lines))
    size = trace.stat().st_size
    assert held <= bound <= 4 * size and held >= size


@pytest.mark.parametrize("unit", [b"[]", b'{"a":1e1}'])
def test_a_line_past_the_budget_is_refused_unparsed(unit, tmp_path, refused, monkeypatch) -> None:
    """Lowered to 1 MiB here: the same rule as at 768 MiB (tests/cli/test_memory_caps.py)."""
    monkeypatch.setattr(trace_reader, "MAX_TRACE_MEMORY", 1 << 20)
    good = tmp_path / "good.jsonl"
    assert main(["I like NLP", "--quiet", "--output", str(good)]) == 0
    bad = tmp_path / "bad.jsonl"
    run = good.read_bytes().splitlines(keepends=True)[0]
    bad.write_bytes(run + hostile_trace_line(unit, 1 << 20))
    parsed: list[int] = []
    real = json.loads
    monkeypatch.setattr(
        json, "loads", lambda text, **kw: parsed.append(len(text)) or real(text, **kw)
    )
    for args in (["--replay", str(bad)], ["--diff", str(good), str(bad)]):
        refused(args, f"{bad}: line 2: ", "MiB of memory", "limit of 1 MiB")
    assert max(parsed) < 1 << 16  # the run lines, never the hostile one
