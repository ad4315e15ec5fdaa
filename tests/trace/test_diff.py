"""--diff: two traces that differ in one option part at the first event that option changes;
a trace and its re-export (read back, written again) are equal; the result is strict JSON.
(Entry by entry comparison of nested fields: test_diff_entries.py; the view: test_diff_view.py.)"""

from __future__ import annotations

import json
import math
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bptt_trace.cli.app import main
from bptt_trace.files.jsonl import JsonlWriter, json_document
from bptt_trace.files.trace_reader import read_trace
from bptt_trace.trace.diff import Quantity, compare_event
from bptt_trace.trace.entries import compare


def trace(tmp_path: Path, name: str, *args: str) -> str:
    """The run's trace, written to tmp_path/NAME by --output; --json (the same lines on stdout,
    which pytest captures) spares laying out the tables, which no test here reads."""
    path = tmp_path / name
    assert main([*args, "--json", "--output", str(path)]) in (0, 1)
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


# -- the result is strict JSON: finite numbers or null, never Infinity or NaN -----------------


def strict(text: str) -> dict:
    """JSON as the standard has it: Infinity, -Infinity and NaN are errors."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_diff_json_is_strict_json_with_differences_in_structure_in_words(
    tmp_path: Path, capsys
) -> None:
    # full against truncated BPTT: fields of other shapes (the cut, the blame's losses)
    a = trace(tmp_path, "a.jsonl", "I like NLP", "--steps", "2")
    b = trace(tmp_path, "b.jsonl", "I like NLP", "--steps", "2", "--truncate", "1")
    capsys.readouterr()
    assert main(["--diff", a, b, "--json"]) == 1
    result = strict(capsys.readouterr().out)
    quantities = {q["quantity"]: q for q in result["quantities"]}
    assert quantities["backward.cut"]["structure"] == {
        **quantities["backward.cut"]["first"],
        "structure": True,
    }
    cut = quantities["backward.cut"]["first"]
    assert (cut["in_first"], cut["in_second"], cut["entry"]) == ("false", "true", [])
    for q in result["quantities"]:
        assert math.isfinite(q["max_rel"]) and 0 <= q["max_rel"] <= 2
        assert q["max_abs"] is not None and math.isfinite(q["max_abs"]), q  # none beyond floats
        if q["structure"] is not None:
            assert q["first"] is not None
            assert isinstance(q["structure"]["in_first"], str), q


def exact_gap(x: float, y: float) -> Fraction:
    return abs(Fraction(x) - Fraction(y))


ROUNDS_TO_INFINITY = Fraction(2**1024 - 2**970)
"""The largest float plus half its last place: from here on a number rounds to infinity."""
assert float(ROUNDS_TO_INFINITY - 1) == sys.float_info.max

FINITE = st.floats(allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(FINITE, FINITE), min_size=1, max_size=6))
@settings(max_examples=300)
def test_differences_of_any_finite_numbers_are_numbers(pairs) -> None:
    """The largest absolute difference is the exact one rounded, or infinite exactly when the
    exact one is beyond the largest float; the relative one is always a number in [0, 2]."""
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    found = compare(xs, ys, 1e-9)
    assert found.structure is None
    abs_diff, rel = found.max_abs, found.max_rel
    gap = max(exact_gap(x, y) for x, y in pairs)
    if gap >= ROUNDS_TO_INFINITY:
        assert abs_diff == math.inf
    else:
        assert math.isfinite(abs_diff) and abs_diff == pytest.approx(float(gap), rel=1e-15)
    assert math.isfinite(rel) and 0.0 <= rel <= 2.0
    scale = max(abs(Fraction(v)) for v in xs + ys)
    expected = 0.0 if gap == 0 else float(gap / scale)
    assert rel == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_a_difference_beyond_the_floats_is_null_in_json_with_its_reason() -> None:
    q = Quantity("forward.h")
    compare_event("forward", 3, {"h": [1.7e308]}, {"h": [-1.7e308]}, 1e-9, {"forward.h": q})
    data = strict(json_document({"quantities": [q.to_json()]}))["quantities"][0]
    assert data["max_abs"] is None and data["beyond_floats"] is True
    assert data["max_rel"] == 2.0 and data["first"]["line"] == 3 and data["first"]["entry"] == [0]
    assert (data["first"]["in_first"], data["first"]["in_second"]) == (1.7e308, -1.7e308)


def test_json_documents_never_hold_infinity_or_nan() -> None:
    text = json_document({"a": [1.0, math.inf], "b": {"c": -math.inf, "d": math.nan}, "e": 2})
    data = strict(text)
    assert data["a"] == [1.0, None] and data["b"] == {"c": None, "d": None} and data["e"] == 2
    assert data["non_finite"] == {"a/1": "Infinity", "b/c": "-Infinity", "b/d": "NaN"}


def test_nan_and_missing_keys_are_differences_in_structure_in_strict_json() -> None:
    out: dict = {}
    x = {"event": "update", "step": 1, "new": {"W": [[0.5, math.nan]], "b": [0.0]}}
    y = {"event": "update", "step": 1, "new": {"W": [[0.5, 0.25]]}}
    compare_event("update", 7, x, y, 1e-9, out)
    data = strict(json_document({"quantities": [q.to_json() for q in out.values()]}))
    new = next(q for q in data["quantities"] if q["quantity"] == "update.new")
    assert new["first"] == {
        "line": 7,
        "step": 1,
        "entry": ["W", 0, 1],
        "in_first": "NaN",
        "in_second": "0.25",
        "structure": True,
    }
    assert new["max_abs"] == 0.0 and new["max_rel"] == 0.0 and new["numbers"] == 2
    assert "non_finite" not in data
