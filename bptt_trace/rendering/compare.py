"""The view of ``--compare``: the forward pass first, then the gradients against the trace's,
the conventions that reproduce them, the catalogued mistake that does, or where they part."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from ..core.cells import make_cell
from ..core.model import declared
from ..usercode.comparison import Comparison, Where
from .compare_candidates import candidate_text, sci
from .compare_forward import evidence_text, forward_lines
from .tables import noted_table

FLOWS = {"dh": "∂L/∂hₜ", "dc": "∂L/∂cₜ"}


def symbols(cell: str) -> dict[str, str]:
    """Each parameter's table symbol, and the flows'."""
    found = {spec.name: spec.symbol for spec in declared(make_cell({"cell": cell}))}
    return {**found, "b_h_n": "bʰ_n", **FLOWS}


def compare_view(result: Comparison) -> RenderableType:
    names = symbols(result.cell)
    parts: list[RenderableType] = []
    forward = result.forward
    if forward is not None and not forward.matches and forward.evidence is None:
        return Group(*forward_lines(forward))
    given = result.scheme
    undone = [c for c in result.conventions if not c.id.startswith("scheme-")]
    for convention in undone:
        parts.append(Text(f"convention {convention.id}: {convention.text}", "note"))
    table = noted_table(
        "Your gradients against the trace's"
        + (f" (those of {given})" if given else "")
        + (" (after undoing the conventions)" if undone else "")
        + (
            f" (the trace's × {result.reference.factor:.6g}: the known factor under which the "
            "most agree)"
            if result.reference.factor != 1.0 and not undone
            else ""
        ),
        "θ",
        "max |difference|",
        "max relative",
        "",
        caption=f"Relative to the largest |entry| of either; the verdict at {result.tolerance:g} "
        f"(your arrays are {result.dtype}).{rounding_words(result, names)}",
    )
    fit = result.reference
    for name, rel in fit.max_rel.items():
        ok = rel <= result.tolerance and name not in result.transposed
        table.add_row(
            Text(names.get(name, name), "label"),
            sci(fit.max_abs[name]),
            sci(rel),
            Text("✓ matches" if ok else "✗ differs", "status.ok" if ok else "status.bad"),
        )
    parts.append(table)
    if forward is not None and forward.user_loss is not None:
        said = f"; {forward.explained_by[0]}" if forward.explained_by else ""
        parts.append(
            Text(
                f"loss: yours {forward.user_loss:.10g}, the trace's {forward.trace_loss:.10g} "
                f"(relative difference {sci(forward.rel or 0.0)}){said}: the forward passes agree"
            )
        )
    if not result.matches:
        parts += [where_text(name, w, result) for name, w in result.where.items()]
    if forward is not None and forward.evidence is not None:
        parts.append(evidence_text(forward.evidence, names))
    parts.append(verdict_text(result, names))
    return Group(*parts)


def rounding_words(result: Comparison, names: dict[str, str]) -> str:
    """What the check cannot tell at the user's precision, when rounding moves a quantity past
    the verdict's cap."""
    rounding = result.rounding
    if rounding is None:
        return ""
    worst = rounding.worst or ""
    on = FLOWS.get(worst, f"∂L/∂{names.get(worst, worst)}")
    return (
        f" Rounding at {result.dtype} alone moves the trace's {on} by up to {rounding.noise:.2g}"
        f" of its largest entry on this input, more than the verdict's {result.tolerance:g}: "
        "there a right answer and a wrong one look alike; save float64 gradients to check them."
    )


def where_text(name: str, where: Where, result: Comparison) -> Text:
    flow = FLOWS[name]
    t = where.t
    if t is None:
        return Text(
            f"where: your {flow} agrees with the trace's at every t; the difference is in the "
            "contributions to the gradients, not in the flow back"
        )
    part = (
        f"its part at t = {t} itself"
        if where.part == "at t"
        else f"its part from time step {t + 1}"
    )
    return Text(
        f"where: your {flow} first departs at t = {t} (from T down; relative difference "
        f"{sci(where.rel)}): {part} is off"
    )


def verdict_text(result: Comparison, names: dict[str, str]) -> RenderableType:
    if result.matches:
        return Text("✓ match: your BPTT gives the trace's gradients", "status.ok")
    if result.transposed:
        lines = [
            Text(
                f"✗ your ∂L/∂{names.get(n, n)} is the transpose of the trace's: {names.get(n, n)} "
                "is square, so θ − α·∂L/∂θ would update it the wrong way round",
                "status.bad",
            )
            for n in result.transposed
        ]
        hint = (
            "  you gave --grads-transposed, which turns every square gradient: this one is "
            "stored the trace's way round; leave the option out, or store them all turned"
            if result.grads_transposed
            else "  if your code stores its gradients transposed on purpose, add --grads-transposed"
        )
        lines.append(Text(hint, "note"))
        return Group(*lines)
    if result.said is not None and not result.named:  # the numbers in words (usercode)
        return Group(Text("✗ differs", "status.bad"), Text(result.said))
    if result.named:
        lines = [candidate_text(c, result.scheme) for c in result.named]
        if result.same_numbers:
            ids = ", ".join(c.variant.id for c in result.named)
            why = (
                "are one computation under two names (each loss flowing back one step)"
                if result.same_on_every_input
                else "give the same numbers on this input: either explains them; "
                + (result.apart or "try a longer sentence to tell them apart")
            )
            lines.append(Text(f"{ids} {why}", "note"))
        return Group(Text("✗ differs", "status.bad"), *lines)
    evidence = result.forward is not None and result.forward.evidence is not None
    rows = [
        Text("  where they differ:")
        if evidence  # the forward pass differs: not a mix of BPTT mistakes
        else Text(
            "✗ differs: no single catalogued mistake reproduces your numbers (several at once?)",
            "status.bad",
        )
    ]
    rows += location_lines(result, names)
    rows += [
        Text(f"  ∂L/∂{names.get(n, n)} alone is reproduced by: {', '.join(ids)}")
        for n, ids in result.partial.items()
    ]
    if result.nearest:
        near = ", ".join(f"{c.variant.id} ({sci(c.fit.worst)})" for c in result.nearest)
        rows.append(Text(f"  nearest (within 10 %): {near}", "note"))
    else:
        rows.append(Text("  no catalogued mistake is close (within 10 %)", "note"))
    return Group(*rows)


def location_lines(result: Comparison, names: dict[str, str]) -> list[Text]:
    lines = []
    for name, loc in result.locations.items():
        shown = ", ".join(loc.labels) + (" …" if loc.differ > len(loc.labels) else "")
        what = "entries" if loc.row_sums_match is None else "rows"
        tokens = name == "b_output" or (name.startswith("W") and not name.startswith("W_h"))
        what += " of" if tokens else ""  # a token's row (entry), or a unit's by number
        text = f"  ∂L/∂{names.get(name, name)}: {what} {shown} differ ({loc.differ} of {loc.of})"
        if loc.row_sums_match:
            text += "; summed over its rows it matches: the right contributions in the wrong rows"
        elif loc.column_sums_match:
            text += "; each row's sum matches: the contributions are spread differently in a row"
        lines.append(Text(text))
    gates = gate_summary(result)
    if gates:
        lines.append(Text(f"  {gates}"))
    return lines


def gate_summary(result: Comparison) -> str:
    """For a gated cell: which gates' parameters differ."""
    if result.cell == "rnn":
        return ""
    gates = {"lstm": "ifgo", "gru": "zrn"}[result.cell]
    differing = {
        g
        for name in result.reference.differing(result.tolerance)
        for g in gates
        if name.endswith(f"_{g}")
    }
    if not differing:
        return ""
    agree = [g for g in gates if g not in differing]
    text = f"the gates that differ: {', '.join(g for g in gates if g in differing)}"
    return text + (f"; {', '.join(agree)} match" if agree else "")
