"""The console every view is printed on: Rich's, escaping what a terminal would act on, and,
off a terminal (a pipe, a file), with no line ending in the spaces a table pads it with."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

from .plain import unsafe, visible, without_trailing_spaces
from .segments import one_line


class VisibleConsole(Console):
    """A console that never writes a control character it was given as text: each shows
    escaped (``visible``). Every input is checked before it reaches a table, so this is the
    last line of defence, not the rule.

    Off a terminal its lines end at their last character: a table's rows are padded with
    spaces to the table's width, which a terminal shows as nothing but a pipe, a file or
    ``cat -A`` keeps. On a terminal (and with --color always) the output is Rich's own."""

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        if type(renderable) is Text:  # a plain Text on one line: its segments directly
            at = options or self.options
            fast = one_line(self, renderable, at.max_width, at.justify)
            if fast is not None:
                return fast
        segments = list(super().render(renderable, options))
        shown = "".join([segment.text for segment in segments if segment.control is None])
        if shown.replace("\n", "").isprintable():  # the common case: nothing to escape
            return segments
        return [
            Segment(visible(segment.text), segment.style)
            if segment.control is None and unsafe(segment.text)
            else segment
            for segment in segments
        ]

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        """What the console writes: Rich's text, less its lines' trailing spaces off a
        terminal (every view goes out here, whichever module made it)."""
        text = super()._render_buffer(buffer)
        return text if self.is_terminal else without_trailing_spaces(text)
