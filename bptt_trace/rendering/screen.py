"""The console every view is printed on: Rich's, escaping what a terminal would act on."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

from .plain import unsafe, visible
from .segments import one_line


class VisibleConsole(Console):
    """A console that never writes a control character it was given as text: each shows
    escaped (``visible``). Every input is checked before it reaches a table, so this is the
    last line of defence, not the rule."""

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
