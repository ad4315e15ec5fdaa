"""The gradient check: BPTT against central finite differences, per parameter.

Its value columns go on in as many blocks as the width needs, each block repeating θ
(``folding.Wrapped``); a parameter's ✓ or ✗ stays in the cell of its error."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from ..trace.events import CheckEvent
from .flow import sci
from .folding import Wrapped
from .tables import NotedTable, Values, noted_table

CAPTION = (
    "Relative error (|bptt − fd| − noise) / max(|bptt| + |fd| + noise, 1e-6) of each entry "
    "of the BPTT gradient (bptt) against the loss's five-point central difference (fd), with "
    "ε = 1e-3 (or 1e-4 … 1e-8 where that one disagrees); noise bounds the differences' own "
    "rounding, from the rounding of the loss measured along each parameter, so that rounding "
    "never counts."
)

Cell = Callable[[str], "str | Text"]
"""A value column's cell for one parameter (by its JSON name)."""


def caption_of(event: CheckEvent, raw: bool, skipped: bool, truncated: bool) -> str:
    """The note below the table: what each of its columns means."""
    caption = CAPTION
    if raw:
        caption += (
            " The raw error |bptt − fd| / max(|bptt| + |fd|, 1e-6) leaves nothing out: how far "
            "apart the two numbers are, rounding included."
        )
    if skipped:
        caption += (
            " Skipped: entries whose stencil crosses a kink of ReLU (some aₜ changes sign) at "
            "every ε, where the loss has no derivative to compare with; not errors."
        )
    if truncated:
        caption += (
            " With a truncation scheme (--truncate, --chunks, --tbptt) the full BPTT gradient "
            "is checked: the scheme's is the derivative of no loss. Its truncation error is "
            "‖g_scheme − g‖ / ‖g‖, g_scheme its gradient at this step's θ summed over its "
            "windows (the truncation table has more); not a failure."
        )
    return caption


def columns_of(event: CheckEvent, skipped: bool) -> list[tuple[str, Cell]]:
    """The value columns, each a heading and its cells: entries checked, the max relative
    error with its ✓ or ✗, and the raw error, skipped entries and truncation error when the
    event has them."""

    def error(name: str) -> Text:
        err = event.max_error[name]
        ok = err <= event.tolerance
        mark = Text("✓" if ok else "✗ too large", "status.ok" if ok else "status.bad")
        return Text.assemble(sci(err), "  ", mark)

    columns: list[tuple[str, Cell]] = [
        ("entries checked", lambda name: f"{event.checked[name]} of {event.total[name]}"),
        ("max relative error", error),
    ]
    raw, truncation = event.raw_error, event.truncation_error
    if raw is not None:
        columns.append(("raw error", lambda name: sci(raw[name])))
    if skipped:
        columns.append(("skipped", lambda name: str(event.skipped[name])))
    if truncation is not None:
        columns.append(("truncation error", lambda name: sci(truncation[name])))
    return columns


def check_view(event: CheckEvent, symbols: dict[str, str]) -> RenderableType:
    """The largest relative error per parameter, and whether the check passed."""
    skipped = any(event.skipped.values())
    truncated = event.truncation_error is not None
    caption = caption_of(event, event.raw_error is not None, skipped, truncated)
    columns = columns_of(event, skipped)

    def build(shown: Sequence[int]) -> NotedTable:
        table = noted_table(
            f"Gradient check · step {event.step} · BPTT against central finite differences "
            "(float64)",
            "θ",
            *[Values(columns[i][0]) for i in shown],
            caption=caption,
        )
        for name, symbol in symbols.items():
            table.add_row(Text(symbol, "label"), *[columns[i][1](name) for i in shown])
        return table

    failure = check_failure(event, symbols)
    if failure is None:
        line = Text(f"gradient check passed: every error ≤ {event.tolerance:g}", "status.ok")
    else:
        line = Text(failure, "status.bad")
    return Group(Wrapped(build, len(columns)), line, Text())  # a blank line ends the view


def check_failure(event: CheckEvent, symbols: dict[str, str] | None = None) -> str | None:
    """The one line that says which parameters failed the check and by how much (None: none
    did), naming them by ``symbols`` (by their JSON names when None)."""
    names = symbols or {name: name for name in event.max_error}
    tolerance = event.tolerance
    bad = [(sym, event.max_error[n]) for n, sym in names.items() if event.max_error[n] > tolerance]
    if not bad:
        return None
    worst = ", ".join(f"{sym} ({sci(err)})" for sym, err in bad)
    return f"gradient check failed for {worst}: relative errors above {event.tolerance:g}"
