"""What a traced step shows under --detail auto, so that it stays within a few screens.

The forward, output and backward tables of a sentence longer than 12 tokens show its first and
last ``AUTO_EDGE`` time steps (``GROUP_EDGE`` under --detail full), and say how many they leave
out.
A traced step holds the forward, output, backward, contributions and blame tables of every
traced sentence (up to 8 under --detail auto): on a corpus that is thousands of lines. The
tables show the first ``SENTENCES_SHOWN`` sentences' only; the update and the formulas still
cover every sentence, the trace keeps them all, and one line says what was left out and how to
see it (``hidden_note``). --detail full shows every traced sentence's tables.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from ..trace.events import Event, RunEvent
from .groups import GROUP_EDGE

AUTO_EDGE = 3
"""Under --detail auto (and summary) a table shows a sentence's first and last 3 time steps."""

SENTENCES_SHOWN = 1
"""Under --detail auto (and summary) a traced step shows the tables of its first sentence."""


def sentence_shown(event: Event | None, run: RunEvent | None) -> bool:
    """Whether the tables of ``event``'s sentence show (any event of no sentence does)."""
    sentence = getattr(event, "sentence", None)
    if sentence is None or sentence < SENTENCES_SHOWN or run is None:
        return True
    return bool(run.config.get("detail", "auto") == "full")


def hidden_note(hidden: list[int], traced: int) -> list[RenderableType]:
    """One line: which sentences' tables were not shown, and how to see them."""
    if not hidden:
        return []
    first, last = hidden[0] + 1, hidden[-1] + 1
    which = f"sentence {first}" if first == last else f"sentences {first}–{last}"
    return [
        Text(
            f"Not shown, to keep a step within a few screens: the tables of {which} (of the "
            f"{traced} traced); the update and the formulas cover every sentence. --detail full "
            "shows them all, --only picks views, --output FILE keeps the whole trace.",
            "note",
        ),
        Text(),  # a blank line below it, before what follows
    ]


def time_step_edge(run: RunEvent | None, event: Event | None = None) -> int:
    """How many of a long sentence's first and last time steps a table shows: under
    --detail auto, 3 of a sentence longer than 2 × GROUP_EDGE (a shorter one shows whole)."""
    if run is None or run.config.get("detail", "auto") == "full":
        return GROUP_EDGE
    sentence = getattr(event, "sentence", None)
    if sentence is None or len(run.sentences[sentence]) <= 2 * GROUP_EDGE:
        return GROUP_EDGE
    return AUTO_EDGE


def every_k(run: RunEvent | None) -> bool:
    """Whether the gated path and the vanishing/exploding table show every k (--detail full),
    not the first and last or 12 spread evenly, with a ⋯ row for the others."""
    return run is not None and run.config.get("detail", "auto") == "full"
