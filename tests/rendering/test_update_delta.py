"""Δ = new − old in the update view, in every layout it has: old, gradient, new and Δ side by
side (wide), one under another (stacked), wrapped with the index of each line's first entry,
and each value below its labels (vertical). The numbers read back from the text must be the
differences of the update event's own new and old values, computed here."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from bptt_trace import trace_sentence
from bptt_trace.config import Config
from bptt_trace.core.cells import make_cell
from bptt_trace.core.model import declared
from bptt_trace.rendering.renderer import make_console, render
from bptt_trace.rendering.update import UpdateView

DELTA = "Δ = new − old"
NUMBER = re.compile(r"[+-]\d+\.\d+(?:e[+-]\d+)?")
LABELS = ("old", "new", "∂L/∂", "κ·∂L/∂")


def shown(config: Config, width: int) -> tuple[str, list]:
    events = list(trace_sentence("I like NLP", config))
    out = io.StringIO()
    render(events, make_console(file=out, width=width))
    text = out.getvalue()
    start = text.index("W ← W − α·")
    update = next(e for e in events if e.kind == "update")
    return text[start : text.index("╭", start)], update  # up to the formula panel


def expected(update) -> np.ndarray:
    """new − old of every parameter, row after row, in the order of the tables."""
    rows = [
        np.atleast_2d(np.asarray(update.new[name], dtype=float))
        - np.atleast_2d(np.asarray(update.old[name], dtype=float))
        for name in update.new
    ]
    return np.concatenate([r.ravel() for r in rows])


def deltas_one_under_another(text: str) -> list[float]:
    """The numbers of every row labelled Δ and of the lines that continue it (led by blanks
    and an index [k] only)."""
    values: list[float] = []
    inside = False
    for line in text.splitlines():
        if DELTA in line:
            inside = True
            values += map(float, NUMBER.findall(line.split(DELTA, 1)[1]))
            continue
        lead = line.split("[", 1)[0]
        if inside and "[" in line and not lead.strip():
            values += map(float, NUMBER.findall(line))
        else:
            inside = False
    return values


def deltas_side_by_side(text: str) -> list[float]:
    """The last bracketed vector of every row that has one per column."""
    values: list[float] = []
    for line in text.splitlines():
        groups = re.findall(r"\[[^\]]*\]", line)
        if len(groups) >= 4:
            values += map(float, NUMBER.findall(groups[-1]))
    return values


def assert_shown(values: list[float], truth: np.ndarray, precision: int = 4) -> None:
    """Each number as the tables round it: ``precision`` decimals, or as many in scientific
    notation (a relative 0.5·10^-precision)."""
    assert len(values) == truth.size
    half = 0.5 * 10.0**-precision
    assert_allclose(values, truth, rtol=half * 1.0001, atol=half * 1.0001)


@pytest.mark.parametrize(
    ("width", "hidden", "layout"),
    [(240, 4, "wide"), (100, 4, "stacked"), (80, 16, "wrapped"), (40, 4, "vertical")],
)
def test_delta_is_shown_in_every_layout_and_equals_new_minus_old(width, hidden, layout) -> None:
    text, update = shown(Config(lr=0.001, hidden=hidden), width)
    assert all(len(line) <= width for line in text.splitlines())
    truth = expected(update)
    if layout == "wide":
        assert all(DELTA in header for header in re.findall(rf".*{DELTA}.*", text))
        assert re.search(rf"old +∂L/∂W +new +{DELTA}", text)
        values = deltas_side_by_side(text)
    else:
        assert text.count(DELTA) == sum(
            1 if np.ndim(update.old[n]) == 1 else np.shape(update.old[n])[0] for n in update.old
        )
        values = deltas_one_under_another(text)
    if layout == "wrapped":
        assert re.search(r"^ +\[5\] ", text, re.MULTILINE)  # a Δ vector of 16 entries wraps
    if layout == "vertical":
        assert re.search(rf"^  {DELTA} +\[1\] ", text, re.MULTILINE)
    assert_shown(values, truth)
    assert np.any((truth != 0) & (np.abs(truth) < 0.5e-4))  # would look like 0 at 4 decimals
    assert np.array_equal(np.asarray(values) == 0, truth == 0)  # only an exact 0 shows as 0


def test_delta_is_beside_the_clipped_step_too() -> None:
    text, update = shown(Config(clip=0.1), 260)
    assert re.search(rf"old +∂L/∂W +κ·∂L/∂W +new +{DELTA}", text)
    assert_shown(deltas_side_by_side(text), expected(update))


def test_summaries_say_why_delta_is_not_shown() -> None:
    text, _ = shown(Config(detail="summary"), 120)
    rows = [line for line in text.splitlines() if DELTA in line]
    said = [row for row in rows if "not computed from summaries" in row]
    assert len(said) == 3 and all("--detail full shows every entry" in row for row in said)
    assert len(rows) == 5  # W, Wʰ and V are summaries at --detail summary; b and b_output not


@settings(max_examples=40)
@given(
    hidden=st.integers(1, 6),
    precision=st.integers(1, 6),
    lr=st.sampled_from([1e-3, 0.1, 1e3]),
    cell=st.sampled_from(["rnn", "lstm", "gru"]),
    spoil=st.sampled_from([None, np.nan, np.inf]),
)
def test_the_side_by_side_floor_never_exceeds_the_measured_width(
    hidden: int, precision: int, lr: float, cell: str, spoil: float | None
) -> None:
    """The update view skips measuring its side-by-side tables when a floor from the shapes
    alone is already wider than the console: the floor must never exceed what Rich measures
    (else a layout that fits would be stacked), whatever the precision or a non-finite entry."""
    events = trace_sentence("I like NLP", Config(hidden=hidden, lr=lr, cell=cell))
    update = next(e for e in events if type(e).__name__ == "UpdateEvent")
    if spoil is not None:
        name = next(iter(update.new))
        update.new[name] = np.full_like(np.asarray(update.new[name], dtype=float), spoil)
    specs = declared(make_cell({"cell": cell}))
    view = UpdateView(update, ["I", "like", "NLP", "<eos>"], precision, specs)
    console = make_console(file=io.StringIO(), width=80)
    assert view._least_side_by_side() <= view.natural_width(console)


@pytest.mark.parametrize("lr", [1e-4, 1e-3, 1e-2, 0.1, 1.0])
@pytest.mark.parametrize("width", [240, 80])
def test_every_delta_keeps_three_significant_digits(lr: float, width: int) -> None:
    """Δ exists to show a small change: at any α each nonzero Δ shown is within 0.5 % of
    new − old (three significant digits), where fixed notation at 4 decimals would show
    7.9e-05 as +0.0001."""
    text, update = shown(Config(lr=lr), width)
    truth = expected(update)
    values = np.asarray(
        deltas_side_by_side(text) if width == 240 else deltas_one_under_another(text)
    )
    assert values.size == truth.size
    nonzero = truth != 0
    assert_allclose(values[nonzero], truth[nonzero], rtol=5e-3)
    assert np.all(values[~nonzero] == 0)
