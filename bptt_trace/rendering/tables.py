"""The table every view is made of: a heading above, a note below, labels never wrapped."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from .theme import subscript

ONE_HOT_MAX = 12
"""Up to this vocabulary size the one-hot vectors are drawn in full."""

ONE_HOT_ROWS = 24
"""At most this many input tokens are listed with their one-hot vectors."""

OUTPUT_COLUMNS_MAX = 6
"""Up to this vocabulary size a |vocab|-long vector is printed in a table row."""


class NotedTable(Table):
    """A table with a heading above and a note below, both at the console's full width."""

    heading: Text | None = None
    note: Text | None = None

    def __rich_console__(self, console: Any, options: Any) -> Any:
        if self.heading is not None:
            yield self.heading
        yield from super().__rich_console__(console, options)
        if self.note is not None:
            yield self.note


def noted_table(title: str, *columns: str, caption: str | None = None) -> Table:
    table = NotedTable(box=box.SIMPLE_HEAD, pad_edge=False)
    table.heading = Text(title, "title")
    table.note = Text(caption, "note") if caption else None
    for column in columns:
        table.add_column(Text(column, "bold"), no_wrap=True)  # Text: ŷ[y] is not markup
    return table


def label(template: str, t: int) -> str:
    """A cell's label for time step t: ``{t}`` becomes the subscript t, ``{p}`` t − 1, ``{n}``
    t + 1, and ``{next}`` the number t + 1."""
    return template.format(t=subscript(t), p=subscript(t - 1), n=subscript(t + 1), next=t + 1)
