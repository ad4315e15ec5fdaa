"""--pause, page by page: what a prompt calls the page just shown, and one set of column
widths for all the pages of a table, so that its columns stay put from page to page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.segment import Segment, Segments
from rich.table import Table
from rich.text import Text

from ..trace.events import Event, RunEvent
from .theme import subscript

PLACES = {
    "run": "the model and the inputs",
    "output": "output",
    "blame": "blame matrix",
    "jacobians": "vanishing or exploding?",
    "loss_gradients": "per-loss gradients",
    "check": "gradient check",
    "gradients": "gradients",
    "update": "update",
}
"""What a --pause prompt calls the page just shown (forward and backward pages: t of T)."""


def group(event: Event) -> tuple[Any, ...]:
    return (event.kind, getattr(event, "step", None), getattr(event, "sentence", None))


def where(event: Event, run: RunEvent | None) -> str:
    """The prompt's place: e.g. "step 1 · forward t = 2 of 3"."""
    parts = []
    step = getattr(event, "step", None)
    if step:
        parts.append(f"step {step}")
    sentence = getattr(event, "sentence", None)
    if run is not None and sentence is not None and len(run.sentences) > 1:
        parts.append(f"sentence {sentence + 1}")
    t = getattr(event, "t", None)
    if event.kind in ("forward", "backward") or (event.kind == "output" and t is not None):
        length = len(run.sentences[sentence]) if run is not None and sentence is not None else t
        if event.kind == "output" and run is not None and run.config.get("loss") == "last":
            parts.append("output")
        else:
            parts.append(f"{event.kind} t = {t} of {length}")
    else:
        parts.append(PLACES.get(event.kind, event.kind.replace("_", " ")))
    return " · ".join(parts)


HINTS = ("Enter: next · q: quit", "Enter/q")
"""What a --pause prompt asks, and the same shorter for a narrow terminal."""

SHORTER = (
    (re.compile(r"part (\d+) of (\d+)"), r"part \1/\2"),
    (re.compile(r" t = (\d+) of (\d+)"), r" t=\1/\2"),
    (re.compile(r"the model and the inputs"), "model, inputs"),
    (re.compile(r"vanishing or exploding\?"), "vanishing?"),
    (re.compile(r"per-loss gradients"), "per-loss ∂"),
    (re.compile(r"sentence (\d+)"), r"sent. \1"),
)
"""A place's words abbreviated, for a prompt on a narrow terminal."""


def prompt(place: str, width: int) -> str:
    """The --pause prompt for the place, on one line of a terminal ``width`` columns wide
    with a column left for the cursor: the rules dropped on a narrow terminal, then the place
    and the question abbreviated, then the place's first parts left out (whole words only)."""
    short = place
    for pattern, replacement in SHORTER:
        short = pattern.sub(replacement, short)
    parts = short.split(" · ")
    candidates = [
        f"── {place} ── {HINTS[0]} ",
        f"{place} · {HINTS[0]} ",
        f"{short} · {HINTS[0]} ",
        *(f"{' · '.join(parts[k:])} · {HINTS[1]} " for k in range(len(parts))),
        f"{HINTS[1]} ",
    ]
    for candidate in candidates:
        if cell_len(candidate) < width:
            return candidate
    return "›"[: width - 1]  # a terminal narrower than any word


def prompt_height(text: str, width: int) -> int:
    """The lines the prompt takes on a terminal ``width`` columns wide."""
    return max(1, -(-cell_len(text.rstrip()) // max(width, 1)))


def tables(renderables: list[RenderableType]) -> Iterator[Table]:
    for renderable in renderables:
        if isinstance(renderable, Table):
            yield renderable
        elif isinstance(renderable, Group):
            yield from tables(list(renderable.renderables))


def same_widths(pages: list[list[RenderableType]], console: Console) -> None:
    """Give the tables of one kind on every page (the same heading before its " · step …")
    the same column widths: the widest each needs. A page may hold another table besides
    (the first backward page, the output's), so tables are paired by kind, not by position.

    (Rich measures a table's columns only in ``Table._calculate_column_widths``.)
    """
    kinds: dict[Any, list[Table]] = {}
    for page in pages:
        for n, table in enumerate(tables(page)):
            heading = getattr(table, "heading", None)
            kind = heading.plain.split(" · ")[0] if isinstance(heading, Text) else n
            kinds.setdefault((kind, len(table.columns)), []).append(table)
    for same in kinds.values():
        if len(same) < 2:
            continue
        measured = [table._calculate_column_widths(console, console.options) for table in same]
        widest = [max(widths) for widths in zip(*measured, strict=True)]
        for table in same:
            for index, (column, width) in enumerate(zip(table.columns, widest, strict=True)):
                column.width = max(width - table._get_padding_width(index), 1)


PATH_MOST = 6
"""A backward page's path names at most this many states; a longer one elides its middle."""


def whole_path(renderables: list[RenderableType], event: Event, run: RunEvent | None) -> None:
    """A backward page (one time step t) titled with the whole path the gradient took to
    get there, ŷ → o → h_T → … → hₜ, not ŷ → o → hₜ as if it came from the output at once
    (the LSTM's logits are v: ŷ → v → h_T → … → hₜ)."""
    sentence, t = getattr(event, "sentence", None), getattr(event, "t", None)
    if event.kind != "backward" or run is None or sentence is None or t is None:
        return
    T = len(run.sentences[sentence])
    steps = [f"h{subscript(k)}" for k in range(T, t - 1, -1)]
    if len(steps) > PATH_MOST:
        steps = [*steps[:2], "…", *steps[-2:]]
    for table in tables(renderables):
        heading = getattr(table, "heading", None)
        if isinstance(heading, Text) and heading.plain.startswith("Backward pass"):
            head, found, path = heading.plain.rpartition(" · ŷ → ")
            if not found:
                continue
            logits = path.split(" → ")[0]  # o, or the LSTM's v
            path = " → ".join(["ŷ", logits, *steps])
            table.heading = Text(f"{head} · {path}", heading.style)  # type: ignore[attr-defined]


def screenfuls(renderables: list[RenderableType], console: Console, rows: int) -> list[list[Any]]:
    """The page in pieces of at most ``rows`` lines each (one piece when it fits): cut only
    between the rows of a table, each continued piece headed by the table's title and
    column header again (``paging``)."""
    height = sum(len(console.render_lines(r, console.options, pad=False)) for r in renderables)
    if height <= rows:
        return [renderables]
    from .paging import pack, page_blocks  # only for a page taller than the terminal

    blocks = page_blocks(renderables, console, console.options)
    return [
        [Segments([segment for line in piece for segment in (*line, Segment.line())])]
        for piece in pack(blocks, max(rows, 1))
    ]
