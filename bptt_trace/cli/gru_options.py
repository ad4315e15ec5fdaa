"""--reset-after: the GRU's choice of form (the reset gate before or after the recurrent
product), checked against the cell and a loaded model before anything is computed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError


def check_reset_after(cell: str, reset_after: bool, compare_cells: bool) -> None:
    """--reset-after is the GRU's (with --compare-cells: the form of the comparison's GRU)."""
    if reset_after and cell != "gru" and not compare_cells:
        raise InputError(
            "--reset-after is the GRU's (the reset gate after the recurrent product): give "
            f"--cell gru, or leave --reset-after out with --cell {cell}"
        )


def check_reset_after_loaded(saved: dict[str, Any], asked: bool, path: Path) -> bool:
    """A loaded GRU's form is the model's: --reset-after, if given, must be it (another cell's
    model has no such form, whatever its file says)."""
    reset_after = saved.get("reset_after", False) is True and saved.get("cell") == "gru"
    if asked and not reset_after:
        cell = saved.get("cell", "rnn")
        what = (
            "a GRU with the reset gate before the product"
            if cell == "gru"
            else f"a model of the {cell} cell"
        )
        raise InputError(f"--load {path} is {what}; leave --reset-after out with --load")
    return reset_after
