"""After training: the top tokens of ŷₜ at every t, before and after."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from .tables import Tokens, Values, noted_table
from .theme import fmt


def predictions_table(
    before: Sequence[Any], after: Sequence[Any], precision: int, sentences: int | None = None
) -> Table:
    """The top tokens of ŷₜ = softmax(hₜ·V + b_output) at every t, before and after training.

    ``sentences``: how many sentences the run has, when it has more than the events cover.
    """
    caption = "ŷₜ is read out at every t; only the time steps with a target have a loss."
    shown = len(before)
    if sentences is not None and sentences > shown:
        caption += (
            f" Sentences {shown + 1}–{sentences} ({sentences - shown} of {sentences}) are not "
            f"shown: predictions are made only for the first {shown}, the sentences a step "
            "traces in full, and the JSON trace holds only those (--detail full traces all)."
        )
    table = noted_table(
        f"Predictions · top {len(before[0].top[0])} of ŷₜ before (step {before[0].step}) "
        f"and after (step {after[0].step}) training",
        "sentence",
        "t",
        Tokens("xₜ"),
        Tokens("target"),
        Values("before"),
        Values("after"),
        caption=caption,
    )
    cells_before, cells_after = TopColumn(before, precision), TopColumn(after, precision)
    for b, a in zip(before, after, strict=True):
        for t, token in enumerate(b.tokens):
            table.add_row(
                str(b.sentence + 1) if t == 0 else "",
                str(t + 1),
                Text(token, "token"),
                Text(b.targets[t] or "—", "token" if b.targets[t] else "note"),
                cells_before.cell(b.top[t], b.targets[t]),
                cells_after.cell(a.top[t], a.targets[t]),
            )
        table.add_section()
    return table


class TopColumn:
    """One column of top-k lists: tokens padded to the column's widest, probabilities
    right-aligned, so that every line of the column lines up."""

    def __init__(self, events: Sequence[Any], precision: int) -> None:
        self.precision = precision
        pairs = [pair for e in events for top in e.top for pair in top]
        self.token_width = max((cell_len(tok) for tok, _ in pairs), default=0)
        self.prob_width = max((len(self.prob(p)) for _, p in pairs), default=0)

    def prob(self, p: float) -> str:
        return fmt(p, self.precision)[1:]

    def cell(self, top: Sequence[Sequence[Any]], target: str | None) -> Text:
        lines = []
        for tok, p in top:
            pad = " " * (self.token_width - cell_len(tok))
            line = f"{tok}{pad} {self.prob(p):>{self.prob_width}}"
            lines.append(Text(line, "bold" if tok == target else ""))
        return Text("\n").join(lines)
