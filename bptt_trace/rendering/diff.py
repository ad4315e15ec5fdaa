"""The view of ``--diff``: the config and vocabulary differences, then every quantity that
differs, with its largest difference and where the two traces first part."""

from __future__ import annotations

import math

from rich.console import Group, RenderableType
from rich.text import Text

from ..trace.diff import Quantity, TraceDiff
from .tables import noted_table


def diff_view(result: TraceDiff, first: str, second: str) -> RenderableType:
    parts: list[RenderableType] = []
    for key, (a, b) in result.config.items():
        parts.append(Text(f"config {key}: {a!r} in {first}, {b!r} in {second}"))
    if result.vocab is not None:
        parts.append(Text(f"vocab: {result.vocab[0]} in {first}, {result.vocab[1]} in {second}"))
    for kind, (n, m) in result.unpaired.items():
        parts.append(Text(f"{kind} events: {n} in {first}, {m} in {second}"))
    table = noted_table(
        f"Quantities that part beyond {result.tolerance:g} relative",
        "quantity",
        "max |difference|",
        "max relative",
        "first parts at",
        caption="Events paired by type and order; line numbers are those of the first trace.",
    )
    for q in result.quantities.values():
        if q.first is not None:
            where = ", ".join(f"{k} {v}" for k, v in q.first.items())
            table.add_row(Text(q.name, "label"), *differences(q), where)
    if table.row_count:
        parts.append(table)
    verdict = "✓ equal within the tolerance" if result.equal else "✗ the traces differ"
    parts.append(Text(verdict, "status.ok" if result.equal else "status.bad"))
    return Group(*parts)


def differences(q: Quantity) -> tuple[str, str]:
    """The largest absolute and relative differences as shown: a field that is not numbers
    of one shape on both sides has none, a difference past the floats says so."""
    if q.incomparable:
        return "not comparable", "—"
    shown = f"{q.max_abs:.2e}" if math.isfinite(q.max_abs) else "> 1.8e+308"
    return shown, f"{q.max_rel:.2e}"
