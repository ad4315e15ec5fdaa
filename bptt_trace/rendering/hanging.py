"""Lines of text that wrap under where they begin: the update rule's panel, whose lines are
indented by what they are (an entry's head at the edge, its sum and its terms below it), so
that a line too long for the width goes on indented, not at the panel's left edge where it
would read as a line of its own.

``hanging(text)`` is one renderable a line of ``text``: each line keeps its own indent, and
the rows it wraps onto begin ``HANG`` columns further in (a formula's: further in than the
lines below an entry's head, too), or under its first character (a text in the note style is
prose, and wraps as a paragraph).
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Console, ConsoleOptions, Group
from rich.measure import Measurement
from rich.segment import Segment
from rich.text import Text

HANG = 4
"""How much further in than its line a formula's wrapped rows begin (an entry's lines are 2
and 8 columns in: a head's rows go on past the first, a sum's short of the second)."""


class Hanging:
    """One line of text, ``indent`` columns in; the rows it wraps onto ``indent + hang`` in."""

    def __init__(self, text: Text, indent: int, hang: int = HANG) -> None:
        self.text, self.indent, self.hang = text, indent, hang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        for number, row in enumerate(self.rows(console, options.max_width)):
            lead = self.indent + (self.hang if number else 0)
            yield from Text.assemble(" " * lead, row).render(console, end="")
            yield Segment.line()

    def rows(self, console: Console, width: int) -> list[Text]:
        """The line's rows: the first as wide as the width leaves it, the others ``hang``
        columns narrower."""
        first = self.text.wrap(console, max(1, width - self.indent), overflow="fold")
        if len(first) <= 1:
            return [self.text.copy()]
        taken = len(first[0].plain.rstrip())
        rest = self.text[taken:]
        rest = rest[len(rest.plain) - len(rest.plain.lstrip()) :]  # the space it broke at
        room = max(1, width - self.indent - self.hang)
        return [first[0], *rest.wrap(console, room, overflow="fold")]

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        words = self.text.plain.split() or [""]
        least = max(Text(word).cell_len for word in words)
        return Measurement(
            min(options.max_width, self.indent + self.hang + least),
            min(options.max_width, self.indent + self.text.cell_len),
        )


def hanging(text: Text) -> Group:
    """``text`` a line at a time, each wrapping under its own start (``Hanging``): ``HANG``
    columns further in, or none for a text in the note style (prose)."""
    hang = 0 if text.style == "note" else HANG
    rows = []
    for line in text.split("\n", allow_blank=True):
        indent = len(line.plain) - len(line.plain.lstrip(" "))
        rows.append(Hanging(line[indent:], indent, hang))
    return Group(*rows)
