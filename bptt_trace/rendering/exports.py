"""--export: the tables as a web page (.html), an image (.svg) or text (.txt).

Without --width the export is as wide as its widest table needs (from ``EXPORT_MIN`` to
``EXPORT_MAX`` columns), so that nothing wraps that need not. The page has a <title>; the
image has an explicit width and height and no address but its XML namespaces (Rich's own
template loads its font from a CDN: here the font is the reader's own), so that it shows
the same offline.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence

from rich._export_format import CONSOLE_HTML_FORMAT, CONSOLE_SVG_FORMAT
from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.table import Table

from ..trace.events import RunEvent
from .theme import THEME, VisibleConsole, visible
from .update import UpdateView

EXPORT_MIN, EXPORT_MAX = 80, 200
"""The narrowest and the widest export (columns) when --width does not say."""

SVG_FORMAT = re.sub(r"\s*@font-face \{\{.*?\}\}", "", CONSOLE_SVG_FORMAT, flags=re.DOTALL)
SVG_FORMAT = re.sub(r"\s*<!--.*?-->", "", SVG_FORMAT)  # Rich's comment names its web site
SVG_FORMAT = SVG_FORMAT.replace(
    'viewBox="0 0 {width} {height}"',
    'width="{width}" height="{height}" viewBox="0 0 {width} {height}"',
)
HTML_FORMAT = CONSOLE_HTML_FORMAT.replace("<head>\n", "<head>\n<title>{title}</title>\n")


def natural_width(renderable: RenderableType, console: Console) -> int:
    """The columns a table needs to show every vector on one line (0: not a table)."""
    if isinstance(renderable, UpdateView):
        return renderable.natural_width()
    if isinstance(renderable, Table):
        return Measurement.get(console, console.options, renderable).maximum
    if isinstance(renderable, Group):
        return max((natural_width(r, console) for r in renderable.renderables), default=0)
    return 0


def export_console(recorded: Sequence[RenderableType], width: int | None) -> Console:
    """A recording console at ``width``, or at the width the widest table needs."""
    if width is None:
        measuring = Console(file=io.StringIO(), width=EXPORT_MAX, theme=THEME)
        widest = max((natural_width(r, measuring) for r in recorded), default=0)
        width = min(EXPORT_MAX, max(EXPORT_MIN, widest))
    return VisibleConsole(
        file=io.StringIO(),
        record=True,
        width=width,
        force_terminal=True,
        color_system="truecolor",
        theme=THEME,
        highlight=False,
    )


def title(run: RunEvent | None) -> str:
    """bptt-trace · the first sentence (and how many more)."""
    if run is None or not run.sentences:
        return "bptt-trace"
    first = visible(" ".join(run.sentences[0]))
    more = len(run.sentences) - 1
    return f"bptt-trace · {first}" + (f" (and {more} more sentences)" if more else "")


def exported(recorder: Console, suffix: str, run: RunEvent | None) -> str:
    """What the recording console holds, as the file type ``suffix`` says."""
    name = title(run)
    if suffix == ".html":
        escaped = html.escape(name).replace("{", "{{").replace("}", "}}")
        return recorder.export_html(code_format=HTML_FORMAT.replace("{title}", escaped))
    if suffix == ".svg":
        return recorder.export_svg(title=name, code_format=SVG_FORMAT)
    return recorder.export_text()
