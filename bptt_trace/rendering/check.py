"""The gradient check: BPTT against central finite differences, per parameter."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from ..trace.events import CheckEvent
from .flow import sci
from .tables import noted_table


def check_view(event: CheckEvent, symbols: dict[str, str]) -> RenderableType:
    """The largest relative error per parameter, and whether the check passed."""
    truncated = event.truncation_error is not None
    table = noted_table(
        f"Gradient check · step {event.step} · BPTT against central finite differences (float64)",
        "θ",
        "entries checked",
        "max relative error",
        "",
        *(["truncation error"] * truncated),
        caption="Relative error |g − n| / max(|g| + |n|, 1e-6), five-point central differences, "
        "ε = 1e-3."
        + (
            " With --truncate the full BPTT gradient is checked; the truncation "
            "error is ‖g_truncated − g‖ / ‖g‖, not a failure."
            if truncated
            else ""
        ),
    )
    for name, symbol in symbols.items():
        err = event.max_error[name]
        ok = err <= event.tolerance
        extra = [sci(event.truncation_error[name])] if event.truncation_error else []
        table.add_row(
            Text(symbol, "label"),
            f"{event.checked[name]} of {event.total[name]}",
            sci(err),
            Text("✓" if ok else "✗ too large", "status.ok" if ok else "status.bad"),
            *extra,
        )
    if event.passed:
        line = Text(f"gradient check passed: every error ≤ {event.tolerance:g}", "status.ok")
    else:
        bad = ", ".join(sym for n, sym in symbols.items() if event.max_error[n] > event.tolerance)
        line = Text(
            f"gradient check failed for {bad}: errors above {event.tolerance:g}", "status.bad"
        )
    return Group(table, line)
