"""An export is as wide as its widest table needs, folded tables included: a blame matrix or a
share table that folds its middle steps at 80 columns shows every step in an export whose
width is left to it, up to the export's own limit."""

import io

import pytest
from rich.console import RenderableType

from bptt_trace.config import Config
from bptt_trace.core.tokens import tokenize
from bptt_trace.rendering.exports import EXPORT_MAX, IMAGE_MAX, PROJECTED_MAX, export_console
from bptt_trace.rendering.renderer import TraceRenderer, make_console
from bptt_trace.trace.loop import run

SENTENCE = "one two three four five six seven eight nine ten eleven twelve"


def blame_views() -> list[RenderableType]:
    """The views of ``--only blame`` (the blame matrix and the shares fold; nothing is wider)."""
    renderer = TraceRenderer(only=["blame"])
    out = []
    for event in run([tokenize(SENTENCE)], Config(seed=0)):
        out += renderer.feed(event)
    return [*out, *renderer.close()]


def exported(suffix: str | None, width: int | None) -> tuple[str, int]:
    recorded = blame_views()
    console = export_console(recorded, width, suffix)
    for renderable in recorded:
        console.print(renderable)
    return console.export_text(), console.width


def folded_at(width: int) -> bool:
    buffer = io.StringIO()
    console = make_console(file=buffer, width=width, no_color=True)
    for renderable in blame_views():
        console.print(renderable)
    return " folded (" in buffer.getvalue()


def test_the_run_folds_on_an_80_column_terminal_but_not_at_the_export_limit() -> None:
    assert folded_at(80)  # else the tests below prove nothing
    assert folded_at(PROJECTED_MAX) and not folded_at(EXPORT_MAX)


def test_a_text_export_widens_until_its_folded_tables_unfold() -> None:
    text, width = exported(".txt", None)
    assert " folded (" not in text
    assert 80 < width <= EXPORT_MAX


@pytest.mark.parametrize(("suffix", "limit"), [(".html", PROJECTED_MAX), (".svg", IMAGE_MAX)])
def test_a_page_or_an_image_widens_to_its_limit_for_a_table_that_folds_there(
    suffix: str, limit: int
) -> None:
    _, width = exported(suffix, None)
    assert width == limit


def test_a_width_given_is_kept_and_the_tables_fold_to_it() -> None:
    text, width = exported(".txt", 80)
    assert width == 80 and " folded (" in text
