"""The loss curve: loss against step, drawn with text in the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text


class LossCurve:
    """A dot plot of (step, loss) pairs; many steps share a column (their mean is drawn)."""

    def __init__(self, steps: Sequence[int], losses: Sequence[float], height: int = 10) -> None:
        self.steps = list(steps)
        self.losses = list(losses)
        self.height = height

    def columns(self, width: int) -> list[float]:
        """The mean loss of the steps that fall in each of ``width`` columns."""
        n = len(self.losses)
        width = min(width, n)
        cols = []
        for c in range(width):
            chunk = self.losses[c * n // width : (c + 1) * n // width]
            cols.append(sum(chunk) / len(chunk))
        return cols

    def __rich_console__(self, console: Any, options: Any) -> Any:
        if not self.losses:
            return
        top, bottom = max(self.losses), min(self.losses)
        label = max(len(f"{top:.4f}"), len(f"{bottom:.4f}"))
        cols = self.columns(max(8, min(options.max_width - label - 3, 80)))
        span = (top - bottom) or 1.0
        levels = [round((top - v) / span * (self.height - 1)) for v in cols]
        yield Text(
            f"Loss curve · loss against step (steps {self.steps[0]}–{self.steps[-1]})", "title"
        )
        for row in range(self.height):
            tick = f"{top:.4f}" if row == 0 else f"{bottom:.4f}" if row == self.height - 1 else ""
            line = Text(f"{tick:>{label}} ┤", "note")
            line.append("".join("•" if level == row else " " for level in levels), "label")
            yield line
        axis = f"{'':>{label}} └" + "─" * len(cols)
        yield Text(axis, "note")
        first, last = str(self.steps[0]), str(self.steps[-1])
        yield Text(
            f"{'':>{label}}  {first}{last:>{max(len(cols) - len(first), len(last))}}", "note"
        )
