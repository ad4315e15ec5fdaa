"""The rows shown again above a blank's prompt, for every view and cell: the rows of the view
that hold the blank's box (as many as the whole view shows it in), the time step and token on
each row of the forward and backward views, never a number any blank hides (the entries that
only a blank's value shows, from the trace's JSON); and beside them the numbers the blank is
computed from, each input's entries as the tables show them (another blank's box may stand on
an input's row, as in the view)."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from exercise.exercise_tools import SENTENCE, Trace, distinctive, exercise_of, run
from rich.console import Console, RenderableType

from bptt_trace.rendering.blank_excerpt import blank_excerpt
from bptt_trace.rendering.exercise import exercise_view
from bptt_trace.trace.events import from_json
from bptt_trace.trace.exercise import Numbers, choose

NUMBER = re.compile(r"[+-]\d+\.\d+(?:e[+-]\d+)?")
"""A number as the tables show it: a sign, decimals, scientific past their reach."""


def in_a_row(entries: np.ndarray, shown: list[float]) -> bool:
    """Whether the entries are shown one after another, each to its shown decimals."""
    n = len(entries)
    return any(
        all(abs(shown[i + k] - x) <= 5e-5 + 1e-4 * abs(x) for k, x in enumerate(entries))
        for i in range(len(shown) - n + 1)
    )


WIDE = 240
"""Wide enough that every row of every view is laid out on its first line whole."""


def text_of(renderable: RenderableType) -> list[str]:
    console = Console(file=io.StringIO(), width=WIDE, color_system=None)
    console.print(renderable)
    return console.file.getvalue().splitlines()  # type: ignore[attr-defined]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("view", ["forward", "backward", "contributions", "update"])
def test_the_excerpt_is_the_blanks_rows_and_no_blanks_number(
    view: str, cell: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, SENTENCE, "--cell", cell, "--json").out
    trace = Trace(out)
    events = [from_json(json.loads(line)) for line in out.splitlines()]
    exercise = choose(Numbers(events), view, 3)
    blanks = exercise_of(capsys, "--cell", cell, "--exercise", view)["blanks"]
    assert [b.id for b in exercise.blanks] == [b["id"] for b in blanks]
    whole = text_of(exercise_view(exercise, 4))
    in_view = whole[: next(i for i, line in enumerate(whole) if line.startswith("Exercise ·"))]
    hidden = [entry for b in blanks for entry in distinctive(trace, b)]
    for blank, data in zip(exercise.blanks, blanks, strict=True):
        box = f"[?{blank.id}]"
        lines = text_of(blank_excerpt(exercise, blank, 4))
        rows = [line for line in lines if box in line]
        assert rows and len(rows) == sum(box in line for line in in_view), lines
        shown = [float(x) for x in NUMBER.findall(" ".join(lines))]
        for _, _, value in blank.inputs:  # every input's entries, as the tables round them
            for row in np.atleast_2d(value):
                assert in_a_row(row, shown), (blank.id, row, lines)
        assert not [entry for entry in hidden if any(entry in line for line in lines)]
        if view in ("forward", "backward"):
            token = data["t"], trace.forward[data["t"]]["token"]
            assert all(line.split()[:2] == [str(token[0]), token[1]] for line in rows), rows


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("view", ["forward", "backward", "contributions", "update"])
def test_a_blank_hides_only_numbers_shown_as_its_own(
    view: str, cell: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every place a blank's label stands in shows its number as the tables print it (4
    decimals): the LSTM's update exercise put blank B on new b_i and on new b_o, two numbers
    apart by up to 3 units of the last decimal, so that B computed from b_o's rows was
    marked wrong. The trace's own arrays, read at each place, are the expectation."""
    out = run(capsys, SENTENCE, "--cell", cell, "--loss", "every", "--json").out
    events = [from_json(json.loads(line)) for line in out.splitlines()]
    numbers = Numbers(events)
    exercise = choose(numbers, view, 26)
    for blank in exercise.blanks:
        for where, t, key in blank.hides:
            shown = np.round(np.asarray(numbers.get(where, t, key), dtype=float), 4)
            assert np.array_equal(shown, np.round(blank.value, 4)), (blank.id, where, t, key)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_update_exercise_names_each_parameter_by_its_symbol(
    cell: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The update view's rows are labelled as the trace's update tables label them (Wʰ_i), not
    by their JSON names (W_h_i), which the LSTM's update exercise showed."""
    from bptt_trace.core.cells import make_cell
    from bptt_trace.core.model import declared

    out = run(capsys, SENTENCE, "--cell", cell, "--json").out
    events = [from_json(json.loads(line)) for line in out.splitlines()]
    lines = text_of(exercise_view(choose(Numbers(events), "update", 1), 4))
    labels = {line.split()[0] for line in lines if line.startswith(" ") and line.split()}
    for spec in declared(make_cell({"cell": cell})):
        assert spec.symbol in labels, spec.symbol
        assert spec.name == spec.symbol or spec.name not in labels, spec.name
