"""The tables a run shows, as objects to read: a view rendered from a real trace of a corpus of
two ragged sentences, each table's rows and cells, and the numbers a value cell prints."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from named_quantities import Sentence, sentences
from rich.console import Group
from rich.text import Text

from bptt_trace.config import Config
from bptt_trace.core.cells import make_cell
from bptt_trace.core.model import declared
from bptt_trace.rendering.folding import Folded, Wrapped
from bptt_trace.rendering.renderer import TraceRenderer
from bptt_trace.rendering.tables import NotedTable
from bptt_trace.rendering.vectors import Vector
from bptt_trace.trace.loop import run

CORPUS = [["the", "cat", "sat", "on", "mats"], ["a", "cat"]]

CELLS = {
    "rnn": Config(hidden=3),
    "lstm": Config(hidden=3, cell="lstm"),
    "gru": Config(hidden=3, cell="gru"),
    "gru-reset-after": Config(hidden=3, cell="gru", reset_after=True),
}


def tables(renderables: list[Any]) -> Iterator[NotedTable]:
    """The tables among ``renderables``; a table folded or wrapped to the width (``folding``)
    is read whole, every time step or column of it."""
    for item in renderables:
        if isinstance(item, NotedTable):
            yield item
        elif isinstance(item, Group):
            yield from tables(list(item.renderables))
        elif isinstance(item, Folded):
            yield from tables([item.build(list(range(item.n)))])
        elif isinstance(item, Wrapped):
            yield from tables([item.build(list(range(item.n)))])


def rows(table: NotedTable) -> Iterator[list[Any]]:
    for i in range(table.row_count):
        yield [column._cells[i] for column in table.columns]


def plain(cell: Any) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def number(cell: Any) -> Any:
    """The array a value cell prints, or None for "— none" (and "" for an empty cell)."""
    if isinstance(cell, Vector):
        return cell.rows
    text = plain(cell)
    if "none" in text:
        return None
    return float(text) if re.fullmatch(r"[+-]?\d+\.\d+(e[+-]\d+)?", text) else ""


def sentence_of(table: NotedTable) -> int:
    return int(re.search(r"sentence (\d+)", table.heading.plain).group(1)) - 1


def traced(
    cell: str, loss: str, view: str | None, step_through: bool = False
) -> tuple[list[NotedTable], list[Sentence], dict]:
    """The tables of one view (every view, the header too, when None), the corpus's sentences
    as ``named_quantities`` computes them, and the run's parameter symbols and vocabulary;
    ``step_through``: a table a time step, as --pause shows them."""
    config = CELLS[cell]
    # --detail full: every sentence's tables (auto shows the first sentence's only)
    events = list(run(CORPUS, Config(**{**config.__dict__, "loss": loss, "detail": "full"})))
    renderer = TraceRenderer(4, step_through, only=[view] if view else None)
    shown = [r for e in events for r in renderer.feed(e)] + renderer.close()
    run_event, params = events[0], next(e for e in events if e.kind == "params").params
    corpus = sentences(cell, params, run_event.vocab, CORPUS, loss)
    symbols = {spec.name: spec.symbol for spec in declared(make_cell(run_event.config))}
    known = {"symbols": symbols, "vocab": run_event.vocab, "shown": shown}
    return list(tables(shown)), corpus, known
