"""A window's carried state and its recomputation, replayed from a file: their distance (the
staleness the tables show) is a finite float, computed without NumPy's warnings.

Specification: ``--replay`` refuses, in one line (exit 2), a window whose ``carried_state`` and
``carried_state_now`` are apart by more than the floats hold (1e308 against −1e308); any other
pair of finite vectors replays, nothing but the closing line on stderr, its staleness shown as
the distance it is (1e308 against 0.5 is 1.00e+308, not inf) — with every warning an error.
The expected distances are worked out here by scaling by hand, not by the code under test.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bptt_trace.cli.app import main

ARGS = ["a b c d e f g h i", "--chunks", "3", "--loss", "every"]


def trace(args: list[str]) -> list[dict[str, Any]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main([*args, "--json"]) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def window(events: list[dict[str, Any]], chunk: int) -> dict[str, Any]:
    return next(e for e in events if e["event"] == "gradients" and e.get("chunk") == chunk)


def written(events: list[dict[str, Any]], folder: Path) -> Path:
    path = folder / "edited.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


def distance(a: list[float], b: list[float]) -> float:
    """‖b − a‖ by hand: the differences scaled by the largest, so that no square overflows."""
    diffs = [y - x for x, y in zip(a, b, strict=True)]
    top = max(abs(d) for d in diffs)
    return top * math.sqrt(sum((d / top) ** 2 for d in diffs)) if top else 0.0


@pytest.mark.parametrize("entry", [1e308, -1.7976931348623157e308, 1e200, 5e-324, 1e-300])
def test_a_large_or_tiny_carried_state_replays_without_a_warning(
    tmp_path: Path, entry: float
) -> None:
    events = trace(ARGS)
    carried = window(events, 2)
    carried["carried_state"][0] = entry
    expected = distance(carried["carried_state"], carried["carried_state_now"])
    assert math.isfinite(expected)
    path = written(events, tmp_path)
    out, err = io.StringIO(), io.StringIO()
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        warnings.simplefilter("error")
        code = main(["--replay", str(path), "--width", "120", "--quiet"])
    assert (code, err.getvalue()) == (0, "")
    shown = out.getvalue()
    assert "inf" not in shown and "nan" not in shown
    assert f"{expected:.2e}" in shown or f"{expected:.4f}" in shown or f"{expected:.3e}" in shown


@pytest.mark.parametrize(("then", "now"), [(1e308, -1e308), (-1.7e308, 1.7e308)])
def test_a_staleness_beyond_the_floats_is_refused(
    tmp_path: Path, refused: Callable[..., str], then: float, now: float
) -> None:
    events = trace(ARGS)
    carried = window(events, 3)
    carried["carried_state"][1], carried["carried_state_now"][1] = then, now
    assert math.isinf(now - then)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        err = refused(["--replay", str(written(events, tmp_path))], "finite distance apart")
    line = 1 + next(i for i, e in enumerate(events) if e is carried)
    assert f"line {line}: gradients event:" in err
