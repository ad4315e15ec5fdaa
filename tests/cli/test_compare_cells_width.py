"""--compare-cells lays its tables out for --width N, as a run does (it drew them as wide as
its heatmap wanted, 97 columns, whatever --width said)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from bptt_trace.cli.app import main

LONG = Path(__file__).parents[2].joinpath("sentences", "long.txt").read_text().splitlines()[-1]


@pytest.mark.parametrize("width", [60, 80])
def test_compare_cells_keeps_to_the_width_given(width: int, capsys) -> None:
    args = [LONG, "--compare-cells", "--width", str(width), "--quiet", "--color", "never"]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any("⋯" in line and "folded" in line for line in lines)  # the heatmap folded
    assert max(cell_len(line) for line in lines) <= width
