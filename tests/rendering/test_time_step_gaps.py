"""A long sentence's forward, backward and contributions tables show its first and last time
steps (the first and last AUTO_EDGE of the events, which hold every step): each marks the
steps between with a ⋯ row and says below which they are."""

from __future__ import annotations

import io
import re

import pytest

from bptt_trace import Config, trace_sentence
from bptt_trace.rendering.budget import AUTO_EDGE
from bptt_trace.rendering.renderer import make_console, render

SENTENCE = " ".join(f"w{i}" for i in range(36))
TITLES = ("Forward pass ·", "Backward pass (BPTT) ·", "Contributions of each time step")


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("width", [60, 80, 120])
def test_each_time_step_table_marks_and_names_the_steps_it_leaves_out(cell, width) -> None:
    events = list(trace_sentence(SENTENCE, Config(cell=cell)))
    out = io.StringIO()
    render(events, make_console(file=out, width=width, no_color=True))
    text = out.getvalue()
    T = len(SENTENCE.split())
    start, end = AUTO_EDGE + 1, T - AUTO_EDGE  # the steps between the first and last AUTO_EDGE
    assert {e.t for e in events if e.kind == "forward"} == set(range(1, T + 1))  # all traced
    note = f"The ⋯ row stands for t = {start} … {end}: {end - start + 1} time steps not shown"
    flat = " ".join(text.split())
    for title in TITLES:  # from the title to the note below the table: one ⋯ row
        at = text.index(title)
        part = text[at : at + text[at:].index("The ⋯ row stands for t =") + 1]
        assert len(re.findall(r"^ ⋯ *$", part, re.M)) == 1, (title, part[-400:])
        assert note in flat[flat.index(" ".join(title.split())) :], title


@pytest.mark.parametrize("width", [60, 80])
def test_the_outputs_table_marks_its_gap_and_sums_only_a_whole_sentence(width) -> None:
    """With every loss shown, Σ is the sentence's Σₜ Lₜ (from the events); with time steps
    left out, a Σ of the rows shown would not be the sentence's loss: no Σ row, one ⋯ row."""
    for sentence, whole in ((SENTENCE, False), ("I like NLP very much", True)):
        events = list(trace_sentence(sentence, Config(loss="every")))
        out = io.StringIO()
        render(events, make_console(file=out, width=width, no_color=True))
        text = out.getvalue()
        at = text.index("Outputs and losses ·")
        table = text[at : at + text[at:].index("A common shorthand")]
        total = sum(e.loss for e in events if e.kind == "output" and e.step == 1)
        sigmas = re.findall(r"Σ = (\d+\.\d+)", table)
        if whole:
            assert sigmas == [f"{total:.4f}"]
            assert "⋯" not in table
        else:
            assert sigmas == []
            assert len(re.findall(r"^ ⋯ *$", table, re.M)) == 1
