"""--export: the tables as a web page (.html), an image (.svg) or text (.txt).

Without --width the export is as wide as its widest table needs (from ``EXPORT_MIN`` to
``EXPORT_MAX`` columns), so that nothing wraps that need not. The page has a <title>; the
image has an explicit width and height and no address but its XML namespaces (Rich's own
template loads its font from a CDN: here the font is the reader's own), so that it shows
the same offline.

For a projector and a slide: the page's text is sized to the window's width (``FIT_CSS``), so
that every column shows without scrolling sideways, and both files use colours of at least
7:1 contrast with their background (WCAG AAA; Rich's own are 3.5–5:1): dark ones on the
page's white (``LIGHT``), light ones on the image's dark grey (``DARK``). Dim text (the notes,
an exact zero) is blended towards the background, which on white leaves 4:1: the page gives
it a grey of its own instead (``PAGE_STYLES``).
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable, Sequence

from rich._export_format import CONSOLE_HTML_FORMAT, CONSOLE_SVG_FORMAT
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Table
from rich.terminal_theme import TerminalTheme
from rich.theme import Theme

from ..core import interrupt
from ..trace.events import RunEvent
from .folding import Folded, Wrapped
from .plain import without_trailing_spaces
from .theme import THEME, VisibleConsole, plural, visible
from .update import UpdateView

EXPORT_MIN, EXPORT_MAX = 80, 200
"""The narrowest and the widest export (columns) when --width does not say."""

PROJECTED_MAX = 112
"""The widest page when --width does not say (a text file goes to EXPORT_MAX): 112 columns
keep the page's text, sized to the window, at (1280 − 16) / (112·ADVANCE) = 18.5 px or more
on a 1280-pixel projector; a wider table wraps or folds as on a terminal."""

SVG_ADVANCE = 12.2
"""The width of a character in Rich's image (20 px text, 0.61 em a character)."""

IMAGE_MAX = 102
"""The widest image when --width does not say. A browser shows an image of an explicit width
at that width, unscaled: at its 20 px, 102 columns are ceil(102·SVG_ADVANCE + 16) + 2 =
1263 px (Rich's padding and margins), which fit a 1280-pixel window less its vertical
scrollbar (15 px in Chromium on Linux, 17 in Windows' browsers) without sideways scrolling;
112 columns were 1385 px, cut at the right edge."""

SVG_TITLE_ADVANCE, SVG_TITLE_MARGIN = 11, 160
"""The title bar's bold 18 px sans-serif: at most 11 px a character; and the room the bar's
three buttons and the centring leave out of the image's width."""

SVG_FORMAT = re.sub(r"\s*@font-face \{\{.*?\}\}", "", CONSOLE_SVG_FORMAT, flags=re.DOTALL)
SVG_FORMAT = re.sub(r"\s*<!--.*?-->", "", SVG_FORMAT)  # Rich's comment names its web site
SVG_FORMAT = SVG_FORMAT.replace(
    'viewBox="0 0 {width} {height}"',
    'width="{width}" height="{height}" viewBox="0 0 {width} {height}"',
)
HTML_FORMAT = CONSOLE_HTML_FORMAT.replace("<head>\n", "<head>\n<title>{title}</title>\n")
HTML_FORMAT = HTML_FORMAT.replace("</style>", "{fit}\n</style>")

ADVANCE = 0.61
"""The width of a character in em of the monospace fonts the page names (0.55–0.60), rounded
up: a line of N characters takes at most N·ADVANCE em."""

FIT_CSS = (
    "body {{ margin: 8px; }}\n"
    "pre {{ margin: 0; font-size: clamp(9px, calc((100vw - 16px) / EMS), 24px); }}"
)
"""The page's text as large as the window's width allows for its widest line, EMS em (at most
24 px, at least 9 px: past that the page scrolls sideways rather than shrink beyond reading);
its braces doubled for Rich's ``str.format`` of the page."""


def _hex(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def terminal_theme(background: str, foreground: str, colours: list[str]) -> TerminalTheme:
    """A palette for black, red, green, yellow, blue, magenta, cyan, white (bright alike)."""
    palette = [_hex(c) for c in colours]
    return TerminalTheme(_hex(background), _hex(foreground), palette, palette)


LIGHT = terminal_theme(
    "#ffffff",
    "#000000",
    ["#000000", "#a40e26", "#116329", "#6a4a00", "#0a3069", "#7d1f84", "#03585e", "#595959"],
)
"""The page's colours on white, each at least 7:1 (Rich's: green 5.1, olive 4.2, teal 4.8)."""

DARK = terminal_theme(
    "#1e1e1e",
    "#f0f0f0",
    ["#9c9c9c", "#ff8a8a", "#7ee08a", "#f0c24b", "#8cc8ff", "#e0a8ff", "#6fd8e0", "#f0f0f0"],
)
"""The image's colours on dark grey, each at least 7:1, its dim text 6:1 (Rich's: red 3.5)."""

PAGE_STYLES = {"note": "italic #595959", "num.zero": "#595959"}
"""The page's dim text: a grey of 7:1 on white instead of a blend of 4:1."""


def natural_width(renderable: RenderableType, console: Console) -> int:
    """The columns a table needs to show every vector on one line (0: not a table)."""
    if isinstance(renderable, UpdateView):
        return renderable.natural_width(console)
    if isinstance(renderable, (Table, Folded, Wrapped)):  # a folded table: unfolded
        return Measurement.get(console, console.options, renderable).maximum
    if isinstance(renderable, Group):
        return max((natural_width(r, console) for r in renderable.renderables), default=0)
    return 0


def measured(renderable: RenderableType, console: Console) -> int:
    """``natural_width``, a unit of the export's work (it polls ``interrupt``)."""
    interrupt.poll()
    return natural_width(renderable, console)


class ExportConsole(VisibleConsole):
    """The recording console of --export: it looks for a stop at every renderable it lays
    out, a table's cells included (``Console.render`` is called for each), so that a stop
    is not held up by one large table (a full-detail table of 64 steps took 0.9 s)."""

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        interrupt.poll(0)
        return super().render(renderable, options)


def export_console(
    recorded: Sequence[RenderableType], width: int | None, suffix: str | None = None
) -> Console:
    """A recording console at ``width``, or at the width the widest table needs; its styles
    those of the file type ``suffix`` (``PAGE_STYLES`` for a page)."""
    theme = Theme({**THEME.styles, **PAGE_STYLES}) if suffix == ".html" else THEME
    if width is None:
        measuring = Console(file=io.StringIO(), width=EXPORT_MAX, theme=THEME)
        widest = max((measured(r, measuring) for r in recorded), default=0)
        widest_export = {".html": PROJECTED_MAX, ".svg": IMAGE_MAX}.get(suffix or "", EXPORT_MAX)
        width = min(widest_export, max(EXPORT_MIN, widest))
    return ExportConsole(
        file=io.StringIO(),
        record=True,
        width=width,
        force_terminal=True,
        color_system="truecolor",
        theme=theme,
        highlight=False,
    )


def title(run: RunEvent | None) -> str:
    """bptt-trace · the first sentence (and how many more)."""
    if run is None or not run.sentences:
        return "bptt-trace"
    first = re.sub(r" ([.,;:!?)\]}])", r"\1", visible(" ".join(run.sentences[0])))  # "NLP."
    first = re.sub(r"([(\[{]) ", r"\1", first)  # "( b" → "(b"
    more = len(run.sentences) - 1
    return f"bptt-trace · {first}" + (f" (and {plural(more, 'more sentence')})" if more else "")


def fitted(name: str, width: int) -> str:
    """``name`` cut at a word, with "…", to fit the title bar of an image ``width`` columns
    wide (the bar is one line: a long sentence's title would run past the image's edges)."""
    room = max(12, int((width * SVG_ADVANCE - SVG_TITLE_MARGIN) / SVG_TITLE_ADVANCE))
    if len(name) <= room:
        return name
    cut = name[: room - 1]
    words = cut.rsplit(" ", 1)[0] if " " in cut[len("bptt-trace · ") :] else cut
    return words.rstrip(" ·,;:") + "…"


def exported(recorder: Console, suffix: str, run: RunEvent | None) -> str:
    """What the recording console holds, as the file type ``suffix`` says."""
    name = title(run)
    if suffix == ".html":
        escaped = html.escape(name).replace("{", "{{").replace("}", "}}")
        fit = FIT_CSS.replace("EMS", f"{recorder.width * ADVANCE:.2f}")
        page = HTML_FORMAT.replace("{title}", escaped).replace("{fit}", fit)
        return recorder.export_html(theme=LIGHT, code_format=page)
    if suffix == ".svg":
        return recorder.export_svg(
            title=fitted(name, recorder.width), code_format=SVG_FORMAT, theme=DARK
        )
    return without_trailing_spaces(recorder.export_text())  # as the console's, off a terminal
