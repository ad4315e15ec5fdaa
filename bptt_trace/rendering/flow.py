"""Views of the gradient flow: the blame heatmap, each time step's contribution (in norm), the
Jacobian norms, and the per-loss terms."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from rich.console import Group, RenderableType
from rich.text import Text

from ..trace.events import BlameEvent, GatesEvent, LossGradientsEvent
from .folding import GAP, Folded, Steps, Wrapped
from .gaps import GAP_ROW, left_out_note, with_gaps
from .tables import NotedTable, noted_table
from .theme import heat_style, subscript

ROWS_MAX = 9
"""At most this many losses are drawn down; longer sentences show the first and the last."""


def sci(x: float) -> str:
    """A magnitude in one short format: 3.9e-01."""
    return f"{x:.1e}"


def heat(value: float, top: float) -> str:
    """The style of a heatmap cell: more vivid for larger, on a log scale relative to ``top``
    over HEAT_DECADES (``theme.heat_style``); 0 and below the scale the grey at its foot."""
    if value <= 0 or top <= 0:
        return heat_style(0.0)
    decades = math.log10(value) - math.log10(top)  # value / top may underflow to 0
    return heat_style(1.0 + decades / HEAT_DECADES)


HEAT_DECADES = 4
"""The heatmap's scale spans four decades below the table's largest value."""


def shown_steps(n: int, most: int = ROWS_MAX) -> list[int | None]:
    """Indices 0 … n−1 to draw: all of them when they fit, else the first 3 and the last
    ``most`` − 3 with None for the gap between, so that both ends of a long sentence show."""
    if n <= most:
        return list(range(n))
    return [0, 1, 2, None, *range(n - (most - 3), n)]


def gap_heading(k: int | None, name: str) -> str:
    return name if k is not None else GAP


def heatmap(title: str, matrix: np.ndarray, losses: list[int], state: str) -> tuple[Folded, bool]:
    """One heatmap: a row per loss Lₛ, a column per k, ‖∂Lₛ/∂(state)ₖ‖ in each cell, its
    columns folded to the console's width (the last ones kept); and whether rows were left
    out."""
    T = matrix.shape[1]
    rows = shown_steps(len(losses))
    top = float(matrix.max()) if matrix.size else 0.0

    def build(ks: Steps) -> NotedTable:
        names = [gap_heading(k, f"{state}{subscript((k or 0) + 1)}") for k in ks]
        table = noted_table(title, "loss", *names)
        for r in rows:
            if r is None:
                table.add_row(Text(GAP_ROW, "note"), *[""] * len(ks))
                continue
            cells = []
            for k in ks:
                v = float(matrix[r, k]) if k is not None else None
                if v is None:
                    cells.append(Text(GAP, "note"))
                else:
                    cells.append(Text(sci(v), heat(v, top)) if v > 0 else Text("0", "num.zero"))
            table.add_row(Text(f"L{subscript(losses[r])}", "label"), *cells)
        return table

    return Folded(build, T, lambda k: f"{state}{subscript(k + 1)}"), len(rows) < len(losses)


def blame_view(
    event: BlameEvent, symbols: dict[str, str], cut_by: str | None = None
) -> RenderableType:
    """The heatmap ‖∂Lₛ/∂hₖ‖ (and ‖∂Lₛ/∂cₖ‖ for the LSTM) and each time step's contribution
    to each gradient, in norm; ``cut_by`` the option of the run's truncation scheme, if any."""
    matrix = np.atleast_2d(np.asarray(event.matrix, dtype=float))
    T = matrix.shape[1]
    where = f"step {event.step} · sentence {event.sentence + 1}"
    title = f"Blame matrix ‖∂Lₛ/∂hₖ‖ · {where}: how much each loss blames each hidden state"
    table, cut = heatmap(title, matrix, event.losses, "h")
    tables: list[RenderableType] = [table]
    for values in event.extra.values():  # the LSTM's cell state
        title = f"Blame through the cell state ‖∂Lₛ/∂cₖ‖ · {where}"
        extra, _ = heatmap(title, np.atleast_2d(np.asarray(values, dtype=float)), event.losses, "c")
        tables.append(extra)
    notes = [
        "From grey through mauve and rose to orange, the more the cell blames (log scale, "
        "relative to the table's largest value: orange for it, grey at 1/10,000 of it or less); "
        "0 where k > s" + (f", or where {cut_by} cut the flow." if cut_by else ".")
    ]
    if cut:
        drawn = [r for r in shown_steps(len(event.losses)) if r is not None]
        left = [s for r, s in enumerate(event.losses) if r not in drawn]
        names = f"L{subscript(left[0])}…L{subscript(left[-1])}" if len(left) > 1 else ""
        notes.append(
            f"The {GAP_ROW} row stands for the losses {names or f'L{subscript(left[0])}'}, not "
            f"drawn ({len(left)} of {len(event.losses)}); the JSON trace has them all."
        )
    values = {name: np.asarray(event.shares[name], dtype=float) for name in symbols}

    def build(ks: Steps) -> NotedTable:
        shares = noted_table(
            "Each time step's contribution to each gradient, ‖contribution of time step t‖ · "
            + where,
            "θ",
            *[gap_heading(k, f"t={(k or 0) + 1}") for k in ks],
        )
        for name, symbol in symbols.items():
            top_share = float(values[name].max()) if values[name].size else 0.0
            shares.add_row(
                Text(symbol, "label"),
                *[
                    Text(sci(values[name][k]), heat(values[name][k], top_share))
                    if k is not None
                    else Text(GAP, "note")
                    for k in ks
                ],
            )
        return shares

    shares = Folded(build, T, lambda k: f"t={k + 1}")
    return Group(*tables, Text(" ".join(notes), "note"), Text(), shares)


def gates_view(event: GatesEvent, every: bool = False) -> RenderableType:
    """The gated path ∏ (carry gate) back to each k, and how saturated each gate is; a long
    sentence's first and last k, a ⋯ row for those between, named below (``every``, under
    --detail full: every k)."""
    products = np.asarray(event.products, dtype=float)
    T = products.size
    g = event.carry
    where = f"step {event.step} · sentence {event.sentence + 1}"
    shown = [k + 1 for k in shown_steps(T, T if every else 12) if k is not None]
    left_out = left_out_note(shown, 1, T)
    table = noted_table(
        f"The gated path · {where}: mean over units of ∏ⱼ {g}ⱼ for j = k+1 … T",
        "k",
        f"∏ {g}ⱼ",
        "",
        caption=f"What the state at T passes back to k through {g} alone, with no matrix: "
        "a product near 1 keeps the blame alive; one near 0 forgets."
        + f" {left_out}"
        * bool(left_out),
    )
    for k in with_gaps(shown, 1, T):
        if k is None:
            table.add_row(Text(GAP_ROW, "note"), "", "")
            continue
        v = float(products[k - 1])
        table.add_row(str(k), sci(v), Text("█" * max(0, round(30 * v)), "label"))
    saturated = noted_table(
        f"Gate saturation · {where}",
        "gate",
        "below 0.1",
        "above 0.9",
        caption="A saturated gate passes or blocks almost everything, and passes almost no "
        "gradient to its own weights.",
    )
    for name, (low, high) in event.saturation.items():
        saturated.add_row(Text(name, "label"), f"{100 * low:.0f}%", f"{100 * high:.0f}%")
    return Group(table, saturated)


def loss_gradients_view(event: LossGradientsEvent, symbols: dict[str, str]) -> RenderableType:
    """The per-loss terms ∂Lₜ/∂θ under --loss every: the gradient of each loss alone; its
    parameters' columns on as many blocks as the width needs."""
    names = list(symbols)
    norms = {
        name: [float(np.linalg.norm(row)) for row in np.asarray(event.grads[name])]
        for name in names
    }

    def build(columns: Sequence[int]) -> NotedTable:
        table = noted_table(
            f"The per-loss terms ‖∂Lₛ/∂θ‖ · step {event.step} · sentence {event.sentence + 1}",
            "loss",
            *[f"‖∂Lₛ/∂{symbols[names[i]]}‖" for i in columns],
            caption="∂L/∂W = ∂L₁/∂W + ∂L₂/∂W + …: the gradient of L = Σₛ Lₛ is the sum of the "
            "gradients of each loss, as the classic walk-through writes it.",
        )
        for row, s in enumerate(event.losses):
            table.add_row(
                Text(f"L{subscript(s)}", "label"),
                *[sci(norms[names[i]][row]) for i in columns],
            )
        return table

    return Wrapped(build, len(names))
