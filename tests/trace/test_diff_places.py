"""``--diff`` says in words where two traces' events are not the same events.

Specification (README, "Comparing two traces"): a difference in structure is described in
words, never as a number. The fields that say which event it is and where (its ``step``,
``sentence``, ``t``, and a window's ``chunk`` and ``window``) are such: chunk 2 against chunk
1 is another window, not a number 1 apart. So a difference in one of them is a difference in
structure at any tolerance, with both sides in words (``2 in a.jsonl, 1 in b.jsonl``), and
counts no numbers (no largest or relative difference: ``—`` in the table).
"""

from __future__ import annotations

import contextlib
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bptt_trace.cli.app import main
from bptt_trace.trace.diff import diff_traces
from bptt_trace.trace.events import from_json

SENTENCE = "a b c d e"


@cache
def written(*args: str) -> tuple[str, ...]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main([*args, "--json"]) == 0
    return tuple(out.getvalue().splitlines())


def events_of(lines: tuple[str, ...]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines]


CASES = [
    ("forward", "step", {}, 2),
    ("forward", "sentence", {}, 1),
    ("backward", "t", {}, 9),
    ("gradients", "chunk", {"chunk": 2}, 7),
    ("update", "chunk", {"chunk": 1}, 3),
    ("gradients", "window", {"chunk": 2}, [4, 4, 9]),
]


@pytest.mark.parametrize(("kind", "field", "where", "value"), CASES)
def test_a_difference_in_where_an_event_is_is_one_of_structure_in_words(
    kind: str, field: str, where: dict[str, Any], value: Any
) -> None:
    first = events_of(written(SENTENCE, "--chunks", "2", "--loss", "every"))
    second = [dict(e) for e in first]
    i = next(
        i
        for i, e in enumerate(second)
        if e["event"] == kind and all(e.get(k) == v for k, v in where.items())
    )
    before = second[i][field]
    second[i] = {**second[i], field: value}
    result = diff_traces([from_json(e) for e in first], [from_json(e) for e in second], 1e-9)
    quantity = next(q for q in result.to_json()["quantities"] if q["quantity"] == f"{kind}.{field}")
    words = (
        (f"[{', '.join(map(str, before))}]", f"[{', '.join(map(str, value))}]")
        if isinstance(value, list)
        else (str(before), str(value))
    )
    assert quantity["numbers"] == 0 and quantity["max_abs"] == 0 and quantity["max_rel"] == 0
    assert quantity["structure"] is not None
    assert quantity["first"] == quantity["structure"]
    assert (quantity["first"]["in_first"], quantity["first"]["in_second"]) == words
    assert quantity["first"]["structure"] is True and quantity["first"]["line"] == i + 1
    assert not result.equal


def test_the_table_shows_no_numbers_for_a_window_on_one_side_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Updates after each window against one update a step: the first update is chunk 1 in
    one trace and the whole step's in the other, said in words; no number in its row."""
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("\n".join(written(SENTENCE, "--chunks", "2")) + "\n")
    seq = written(SENTENCE, "--chunks", "2", "--update-every", "sequence")
    b.write_text("\n".join(seq) + "\n")
    capsys.readouterr()
    assert main(["--diff", str(a), str(b), "--no-pager"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("update.chunk"))
    row = " ".join(" ".join(lines[at : at + 6]).split())  # (the words wrap in their column)
    assert lines[at].split()[1:3] == ["—", "—"], row
    assert "step 1: 1 in " in row and "absent in" in row
    assert "e+" not in lines[at] and "e-" not in lines[at]
