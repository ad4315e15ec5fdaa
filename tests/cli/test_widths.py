"""At any terminal width, every label shows whole and every number the trace holds for a
shown vector shows whole: read back from a real pseudo-terminal through pyte, at 60, 80, 100
and 140 columns and H = 4, 16 and 64 (one run each, the trace written beside the tables)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pty_screen import run_on_pty

from bptt_trace.core.cells import make_cell
from bptt_trace.files.trace_reader import read_trace
from bptt_trace.rendering.tables import label
from bptt_trace.rendering.theme import fmt

SENTENCE = "I like NLP"


def numbers(values: Any) -> Iterator[str]:
    """Every entry of a vector or matrix as the tables print it (none of a summary): a vector
    (a matrix's row) in one notation, scientific for all its entries when one of them would
    be on its own."""
    if hasattr(values, "tolist"):  # a NumPy array
        values = values.tolist()
    if values is None or isinstance(values, dict):  # not shown, or a summary
        return
    if isinstance(values, int | float):
        yield fmt(values, 4)
    elif values and all(isinstance(v, int | float) for v in values):  # one vector
        scientific = any("e" in fmt(v, 4) for v in values if v != 0)
        yield from (f"{v or 0.0:+.4e}" if scientific else fmt(v, 4) for v in values)
    else:
        for value in values:
            yield from numbers(value)


def shown_numbers(events: list[Any]) -> Counter[str]:
    """The numbers of the vectors the forward, output, backward, contributions and update
    tables show, each as often as they show it."""
    want: Counter[str] = Counter()
    for e in events:
        if e.kind == "forward":
            for key in ("x_W", "h_prev_W_h", "b", "a"):
                want.update(numbers(e.terms[key]))
            want.update(numbers(e.h))
        elif e.kind == "output":
            arrays = [a for a in (e.o, e.y_hat, e.dL_do) if isinstance(a, list | tuple)]
            for entry in zip(*arrays, strict=True):  # a number a cell (none of a summary)
                want.update(n for value in entry for n in numbers([value]))
        elif e.kind == "backward":
            flows = [e.dh_from_output, e.dh_from_next, e.dh, e.terms["f_prime"]]
            want.update(numbers([v for v in flows if v is not None]))
            want.update(numbers(e.terms["da"]))  # ∂L/∂aₜ, in the backward table …
            want.update(numbers(e.terms["da"]))  # … as the contribution to W's row …
            want.update(numbers(e.terms["da"]))  # … and to b
            for key in ("dW_h", "sum_W", "sum_W_h", "sum_b"):
                if not isinstance(e.terms[key], dict):  # a summary shows no vector
                    want.update(numbers(e.terms[key]))
        elif e.kind == "update":
            for values in (e.old, e.applied, e.new):
                for array in values.values():
                    if not isinstance(array, dict):
                        want.update(numbers(array))
    return want


def on_screen(lines: list[str]) -> Counter[str]:
    """Every whole word on the screen, without the brackets and parentheses around it."""
    return Counter(word.strip("[]()") for line in lines for word in line.split())


def labels(events: list[Any]) -> Iterator[str]:
    """The labels of the rows of the forward, backward and contributions tables."""
    run = events[0]
    cell = make_cell(run.config)
    yield cell.state_label
    for e in events:
        if e.kind == "forward":
            yield from (label(term.label, e.t) for term in cell.forward_terms)
        elif e.kind == "backward":
            yield from (label(term.label, e.t) for term in cell.backward_terms)
            yield label(cell.next_label, e.t)
            yield f"= ∂L/∂h{label('{t}', e.t)} (total)"
            yield f"row {e.token}"
            yield label("h{p}ᵀ·∂L/∂a{t}", e.t)


@pytest.mark.parametrize("hidden", [4, 16, 64])
@pytest.mark.parametrize("columns", [60, 80, 100, 140])
def test_no_label_or_number_is_cut(columns: int, hidden: int, tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    args = [SENTENCE, "--hidden", str(hidden), "--output", str(trace), "--quiet"]
    session = run_on_pty(args, columns=columns)
    assert session.code == 0
    screen = session.lines()
    text = "\n".join(screen)
    events = read_trace(trace)
    for name in set(labels(events)):
        assert name in text, f"{name!r} not shown whole at {columns} columns, H = {hidden}"
    for e in (e for e in events if e.kind in ("forward", "backward")):
        row = re.compile(rf"^ *{e.t} +{re.escape(e.token)}( |$)")
        assert any(row.match(line) for line in screen), (e.kind, e.t, columns, hidden)
    shown = on_screen(screen)
    missing = {n: k - shown[n] for n, k in shown_numbers(events).items() if shown[n] < k}
    assert not missing, f"cut or missing at {columns} columns, H = {hidden}: {missing}"
    assert max(len(line) for line in screen) <= columns
    after = events[-1].loss_after  # the closing line: the loss after the update, whole
    closing = [line for line in screen if "finished after 1 step" in line]
    assert closing and "after 1 update" in closing[-1], (columns, hidden, screen[-3:])
    shown_after = float(re.search(r"→ ([0-9.e+-]+) after 1 update", closing[-1]).group(1))
    assert abs(shown_after - after) <= 0.5 * 10.0**-4, (shown_after, after)
    assert "Δ = new − old" in text
