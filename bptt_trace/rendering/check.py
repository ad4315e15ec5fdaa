"""The gradient check: BPTT against central finite differences, per parameter."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from ..trace.events import CheckEvent
from .flow import sci
from .tables import noted_table

CAPTION = (
    "Relative error (|g − n| − noise) / max(|g| + |n| + noise, 1e-6) of the BPTT gradient g "
    "against five-point central differences n, with ε = 1e-3 (or 1e-4 … 1e-8 where that one "
    "disagrees); noise bounds the differences' own rounding, from the rounding of the loss "
    "measured along each parameter, so that rounding never counts."
)


def check_view(event: CheckEvent, symbols: dict[str, str]) -> RenderableType:
    """The largest relative error per parameter, and whether the check passed."""
    truncated = event.truncation_error is not None
    skipped = any(event.skipped.values())
    raw = event.raw_error is not None
    caption = CAPTION.format(tolerance=event.tolerance)
    if raw:
        caption += (
            " The raw error |g − n| / max(|g| + |n|, 1e-6) leaves nothing out: how far apart "
            "the two numbers are, rounding included."
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
    table = noted_table(
        f"Gradient check · step {event.step} · BPTT against central finite differences (float64)",
        "θ",
        "entries checked",
        "max relative error",
        "",
        *(["raw error"] * raw),
        *(["skipped"] * skipped),
        *(["truncation error"] * truncated),
        caption=caption,
    )
    for name, symbol in symbols.items():
        err = event.max_error[name]
        ok = err <= event.tolerance
        extra = [sci(event.raw_error[name])] if event.raw_error is not None else []
        extra += [str(event.skipped[name])] if skipped else []
        if event.truncation_error:
            extra.append(sci(event.truncation_error[name]))
        table.add_row(
            Text(symbol, "label"),
            f"{event.checked[name]} of {event.total[name]}",
            sci(err),
            Text("✓" if ok else "✗ too large", "status.ok" if ok else "status.bad"),
            *extra,
        )
    failure = check_failure(event, symbols)
    if failure is None:
        line = Text(f"gradient check passed: every error ≤ {event.tolerance:g}", "status.ok")
    else:
        line = Text(failure, "status.bad")
    return Group(table, line)


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
