"""A folded table (rendering/folding.py) chooses its steps by the widths its tables would
measure: the arithmetic ``Folded.widths`` gives, for every table the choice may weigh (the first
steps, the gap, any number of the last), the width Rich measures of that table built; and a
builder whose tables do not measure column by column is measured table by table.

The reference is ``width_of``: Rich's ``Measurement.get`` of the table itself."""

from __future__ import annotations

import io

import numpy as np
import pytest
from rich import box
from rich.table import Table
from rich.text import Text

from bptt_trace.rendering.flow import heatmap
from bptt_trace.rendering.folding import Folded, Steps, folded_steps, width_of
from bptt_trace.rendering.header import one_hot_table
from bptt_trace.rendering.renderer import make_console


def every_choice(n: int) -> list[Steps]:
    return [list(range(n))] + [
        folded_steps(n, last, first) for first in (0, 1, 2) for last in range(1, n)
    ]


def heatmaps(n: int) -> list[Folded]:
    rng = np.random.default_rng(n)
    matrix = np.tril(rng.uniform(0, 1, size=(n, n))) * 10.0 ** rng.integers(-6, 3, size=(n, n))
    folded, _ = heatmap("A title", matrix, list(range(1, n + 1)), "h")
    return [folded]


def one_hot(n: int) -> list[Folded]:
    vocab = [f"w{i}" * (1 + i % 3) for i in range(n - 1)] + ["<eos>"]
    table = one_hot_table(vocab, [vocab[: min(n, 5)]])
    return [table] if isinstance(table, Folded) else []


@pytest.mark.parametrize("n", [1, 2, 7, 12, 30])
def test_a_folded_tables_widths_are_those_rich_measures(n: int) -> None:
    console = make_console(file=io.StringIO(), width=80)
    checked = 0
    for folded in heatmaps(n) + one_hot(n):
        width = folded.widths(console, console.options)
        for steps in every_choice(n):
            assert width(steps) == width_of(folded.build(steps), console, console.options), steps
            checked += 1
    assert checked >= len(every_choice(n))


def test_a_builder_whose_tables_set_their_widths_is_measured_table_by_table() -> None:
    def build(steps: Steps) -> Table:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, min_width=30)
        table.add_column("label")
        for k in steps:
            table.add_column("⋯" if k is None else f"step {k}", min_width=5)
        table.add_row("x", *[Text("1") for _ in steps])
        return table

    console = make_console(file=io.StringIO(), width=80)
    folded = Folded(build, 20, str)
    width = folded.widths(console, console.options)
    for steps in every_choice(20):
        assert width(steps) == width_of(build(steps), console, console.options)
