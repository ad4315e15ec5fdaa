"""After training: the loss curve, and the predictions before and after."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table
from rich.text import Text

from .tables import noted_table
from .theme import fmt


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


def predictions_table(before: Sequence[Any], after: Sequence[Any], precision: int) -> Table:
    """The top tokens of ŷₜ = softmax(hₜ·V + b_output) at every t, before and after training."""
    table = noted_table(
        f"Predictions · top {len(before[0].top[0])} of ŷₜ before (step {before[0].step}) "
        f"and after (step {after[0].step}) training",
        "sentence",
        "t",
        "xₜ",
        "target",
        "before",
        "after",
        caption="ŷₜ is read out at every t; only the steps with a target have a loss.",
    )
    for b, a in zip(before, after, strict=True):
        for t, token in enumerate(b.tokens):
            table.add_row(
                str(b.sentence + 1) if t == 0 else "",
                str(t + 1),
                Text(token, "token"),
                Text(b.targets[t] or "—", "token" if b.targets[t] else "note"),
                _top(b.top[t], b.targets[t], precision),
                _top(a.top[t], a.targets[t], precision),
            )
        table.add_section()
    return table


def _top(top: Sequence[Sequence[Any]], target: str | None, precision: int) -> Text:
    width = max(len(tok) for tok, _ in top)
    parts = [
        Text(f"{tok:<{width}} {fmt(prob, precision)[1:]}", "bold" if tok == target else "")
        for tok, prob in top
    ]
    return Text("\n").join(parts)
