"""The truncation view: a scheme's gradient beside full BPTT's, the terms it keeps on the
blame matrix's grid, how far each loss reaches, and the bias against K."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from ..trace.truncation_event import TruncationEvent
from .flow import shown_steps
from .plain import losses_flow, plural
from .tables import Values, noted_table
from .theme import subscript


def what(scheme: str, k1: int, k2: int) -> str:
    """What the scheme does, in words (1 step, 2 steps)."""
    if scheme == "truncate":
        return (
            f"each loss flows back through at most {plural(k1, 'time step')}, one update per step"
        )
    if scheme == "chunks":
        return (
            f"chunks of {plural(k1, 'time step')}, each from the state carried out of the one "
            "before as a constant; the losses of a chunk reach back only inside it"
        )
    if scheme == "tbptt":
        return (
            f"every {plural(k1, 'time step')} the last {losses_flow(k1)} back through the last "
            f"{plural(k2, 'time step')}"
        )
    return ""


KEPT, CUT, ZERO = "■", "×", "·"

KEPT_SIGNS = (
    "Signs agree: the share of entries with the true gradient's sign, 0 a sign of its own: an "
    "entry the scheme leaves at 0 where the true one is not 0 disagrees, one 0 in both agrees "
    "(entries near 0, as where a gradient vanishes, flip easily: read it beside the cosine)."
)


ONE_LOSS = (
    " With one loss (--loss last) a scheme's gradient is fixed by how far that loss reaches: "
    "every K that gives it the same reach (for --chunks, a last chunk as long: T mod K time steps, "
    "or K when K divides T) "
    "has the same row, so the rows need not fall as K grows."
)


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
    said = what(event.scheme, event.k1, event.k2)
    over = (
        "each loss within its K time steps"
        if event.scheme == "truncate"
        else ("summed over its windows")
    )
    metrics = noted_table(
        f"Truncation · step {event.step} · {name}: {said}",
        "θ",
        Values("relative error"),
        Values("cosine"),
        Values("signs agree"),
        caption=f"The gradient of {name} ({over} at the step's starting parameters) against "
        f"full BPTT's of the same losses, over every sentence: relative "
        f"error ‖∂L/∂θ of {name} − ∂L/∂θ of BPTT‖ / ‖∂L/∂θ of BPTT‖. {KEPT_SIGNS}",
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
        "Lₛ does not depend on hₖ). The reach column: how many time steps each loss reaches."
        + folded_note(ks, rows, losses),
    )
    for r in rows:
        if r is None:
            table.add_row(Text("…", "note"), *[""] * len(ks), "")
            continue
        s, n = losses[r], reach[r]
        cells = [cell(k + 1, s, n) if k is not None else Text("…", "note") for k in ks]
        table.add_row(Text(f"L{subscript(s)}", "label"), *cells, str(n))
    return table


def folded_note(ks: list[int | None], rows: list[int | None], losses: list[int]) -> str:
    """What the ``…`` column and row stand for: the states and losses not drawn."""
    parts = []
    if None in ks:
        gap = ks.index(None)
        first, last = (ks[gap - 1] or 0) + 2, ks[gap + 1] or 0  # 0-based neighbours
        parts.append(f"the … column stands for h{subscript(first)}…h{subscript(last)}")
    if None in rows:
        gap = rows.index(None)
        first, last = losses[(rows[gap - 1] or 0) + 1], losses[(rows[gap + 1] or 0) - 1]
        parts.append(f"the … row for L{subscript(first)}…L{subscript(last)}")
    text = "; ".join(parts)
    return f" {text[:1].upper()}{text[1:]}, folded: not drawn." if parts else ""


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
                "No bias against K here: it is computed for sentences of up to 256 time steps "
                "while it costs less than the step (a wide state under --loss every costs "
                "more); the numbers above are exact.",
                "note",
            )
        ]
    varies = (
        f"tbptt at every K (K2 = K, K1 = min({event.k1}, K))"
        if event.scheme == "tbptt"
        else f"{event.scheme} at every K"
    )
    table = noted_table(
        f"Bias against K · sentence {event.sentence + 1}: {varies}, all of θ",
        "K",
        "scheme",
        Values("relative error"),
        Values("cosine"),
        Values("signs agree"),
        caption="Exact, from the terms of each loss at each state; the sentence's own losses. "
        + KEPT_SIGNS
        + " All of θ includes V and b_output, whose gradients no scheme changes."
        + (ONE_LOSS if len(event.losses) == 1 else ""),
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
