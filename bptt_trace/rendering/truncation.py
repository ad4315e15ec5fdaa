"""The truncation view: a scheme's gradient beside full BPTT's, the terms it keeps on the
blame matrix's grid, how far each loss reaches, and the bias against K."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from ..trace.truncation_event import TruncationEvent
from .flow import shown_steps
from .tables import Values, noted_table
from .theme import subscript

WHAT = {
    "truncate": "each loss flows back through at most {k1} steps, one update per step",
    "chunks": "chunks of {k1} steps, each from the state carried out of the one before as a "
    "constant; the losses of a chunk reach back only inside it",
    "tbptt": "every {k1} steps the last {k1} losses flow back through the last {k2} steps",
}

KEPT, CUT, ZERO = "■", "×", "·"


def flag(event: TruncationEvent) -> str:
    if event.scheme == "tbptt":
        return f"--tbptt {event.k1}:{event.k2}"
    return f"--{event.scheme} {event.k1}"


def flag_at(event: TruncationEvent, k: int) -> str:
    """The same kind of scheme at another K (for tbptt: K2 = K, K1 = min(K1, K))."""
    if event.scheme == "tbptt":
        return f"--tbptt {min(event.k1, k)}:{k}"
    return f"--{event.scheme} {k}"


def sci(x: float | None) -> str:
    return "—" if x is None else f"{x:.1e}"


def signed(x: float | None) -> str:
    return "—" if x is None else f"{x:+.4f}"


def share(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def truncation_view(event: TruncationEvent, symbols: dict[str, str]) -> RenderableType:
    """The metrics table, the kept-terms grid with the reach row, and the bias against K."""
    name = flag(event)
    what = WHAT.get(event.scheme, "").format(k1=event.k1, k2=event.k2)
    metrics = noted_table(
        f"Truncation · step {event.step} · {name}: {what}",
        "θ",
        Values("‖g − g_full‖/‖g_full‖"),
        Values("cosine"),
        Values("signs agree"),
        caption=f"The gradient of {name} (summed over its windows at the step's starting "
        "parameters) against full BPTT of the same losses, over every sentence.",
    )
    for param, values in event.metrics.items():
        metrics.add_row(
            Text(symbols.get(param, "?"), "label"),
            sci(values["relative_error"]),
            signed(values["cosine"]),
            share(values["sign_agreement"]),
        )
    return Group(metrics, kept_grid(event), *bias_table(event))


def kept_grid(event: TruncationEvent) -> RenderableType:
    """Loss × state: kept, cut and structurally zero terms; the reach of each loss."""
    losses, reach = event.losses, event.reach
    T = max(losses, default=0)  # the last loss is at T
    ks, rows = shown_steps(T), shown_steps(len(losses))
    table = noted_table(
        f"Kept terms · sentence {event.sentence + 1}: which hₖ each loss's flow reaches",
        "loss",
        *[Values(f"h{subscript(k + 1)}" if k is not None else "…") for k in ks],
        Values("reach"),
        caption=f"{KEPT} kept, {CUT} cut by {flag(event)}, {ZERO} structurally zero (k > s: "
        "Lₛ does not depend on hₖ). The reach row: how many steps each loss reaches.",
    )
    for r in rows:
        if r is None:
            table.add_row(Text("…", "note"), *[""] * len(ks), "")
            continue
        s, n = losses[r], reach[r]
        cells = [cell(k + 1, s, n) if k is not None else Text("…", "note") for k in ks]
        table.add_row(Text(f"L{subscript(s)}", "label"), *cells, str(n))
    return table


def cell(k: int, s: int, n: int) -> Text:
    if k > s:
        return Text(ZERO, "num.zero")
    if k > s - n:
        return Text(KEPT, "label")
    return Text(CUT, "cut")


def bias_table(event: TruncationEvent) -> list[RenderableType]:
    """Every K = 1 … T of the same kind, on the first sentence: pick K for a tolerable bias."""
    if event.bias is None:
        return [
            Text(
                "No bias against K here: it is computed for sentences of up to 256 steps "
                "while it costs less than the step (a wide state under --loss every costs "
                "more); the numbers above are exact.",
                "note",
            )
        ]
    table = noted_table(
        f"Bias against K · sentence {event.sentence + 1}: {event.scheme} at every K, all of θ",
        "K",
        "scheme",
        Values("‖g − g_full‖/‖g_full‖"),
        Values("cosine"),
        Values("signs agree"),
        caption="Exact, from the terms of each loss at each state; the sentence's own losses.",
    )
    current = event.k2
    for k in shown_steps(len(event.bias), 64):
        if k is None:
            table.add_row("…", "", "", "", "")
            continue
        row = event.bias[k]
        style = "title" if k + 1 == current else ""
        table.add_row(
            Text(str(k + 1), style or "label"),
            Text(flag_at(event, k + 1), style),
            sci(row["relative_error"]),
            signed(row["cosine"]),
            share(row["sign_agreement"]),
        )
    return [table]
