"""The view of ``--compare``: conventions, per-parameter differences, where ∂L/∂hₜ departs, and
the catalogued mistake that reproduces the user's numbers."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from ..core.comparison import Candidate, Comparison
from .tables import noted_table

SYMBOLS = {"W": "W", "W_h": "Wʰ", "b": "b", "V": "V", "b_output": "b_output", "dh": "∂L/∂hₜ"}


def sci(x: float) -> str:
    return f"{x:.2e}"


def compare_view(result: Comparison) -> RenderableType:
    parts: list[RenderableType] = []
    for convention in result.conventions:
        factor = f" (factor {convention.factor:.6g})" if convention.factor is not None else ""
        parts.append(Text(f"convention {convention.id}: {convention.text}{factor}", "note"))
    table = noted_table(
        "Your gradients against the trace's"
        + (" (after undoing the conventions)" if result.conventions else ""),
        "θ",
        "max |difference|",
        "max relative",
        "",
        caption=f"Relative to the largest |entry| of either; the verdict at {result.tolerance:g}.",
    )
    fit = result.reference
    for name, rel in fit.max_rel.items():
        ok = rel <= result.tolerance
        table.add_row(
            Text(SYMBOLS.get(name, name), "label"),
            sci(fit.max_abs[name]),
            sci(rel),
            Text("✓ matches" if ok else "✗ differs", "status.ok" if ok else "status.bad"),
        )
    parts.append(table)
    if result.loss is not None:
        loss = result.loss
        parts.append(
            Text(
                f"loss: yours {loss['user']:.10g}, the trace's {loss['trace']:.10g} "
                f"(relative difference {sci(loss['rel'])})"
            )
        )
    if result.where is not None:
        parts.append(where_text(result))
    parts.append(verdict_text(result))
    return Group(*parts)


def where_text(result: Comparison) -> Text:
    where = result.where
    assert where is not None
    if where.t is None:
        return Text(
            "where: your ∂L/∂hₜ agrees with the trace's at every t; the difference is in "
            "the contributions to the gradients, not in the flow back"
        )
    part = (
        "its part from the output at t (ŷₜ − yₜ)·Vᵀ"
        if where.part == "the output at t"
        else f"its part from step {where.t + 1} (∂L/∂a{where.t + 1}·Wʰᵀ)"
    )
    return Text(
        f"where: your ∂L/∂hₜ first departs at t = {where.t} (from T down; relative "
        f"difference {sci(where.rel)}): {part} is off"
    )


def verdict_text(result: Comparison) -> RenderableType:
    if result.matches:
        return Text("✓ match: your BPTT gives the trace's gradients", "status.ok")
    if result.named:
        lines = [candidate_text(c) for c in result.named]
        if result.same_numbers:
            names = ", ".join(c.variant.id for c in result.named)
            lines.append(
                Text(
                    f"{names} give the same numbers on this input: either explains "
                    "them; try a longer sentence to tell them apart",
                    "note",
                )
            )
        return Group(Text("✗ differs", "status.bad"), *lines)
    rows = [
        Text(
            "✗ differs: no single catalogued mistake explains your numbers "
            "(several at once?); the best partial matches per parameter:",
            "status.bad",
        )
    ]
    rows += [Text(f"  {SYMBOLS.get(n, n)}: {', '.join(ids)}") for n, ids in result.partial.items()]
    if result.ranking:
        best = ", ".join(f"{c.variant.id} ({sci(c.fit.worst)})" for c in result.ranking[:3])
        rows.append(Text(f"  nearest overall: {best}", "note"))
    return Group(*rows)


def candidate_text(c: Candidate) -> Text:
    return Text(
        f"mistake {c.variant.id}: {c.mistake.explanation}.\n"
        f"  should be:      {c.mistake.should}\n"
        f"  your numbers:   {c.variant.implied}\n"
        f"  reproduces every gradient within {sci(c.fit.worst)} relative"
    )
