"""--compare-cells: the vanilla RNN, the LSTM and the GRU on the same input, side by side —
how much of the last loss's blame reaches each hidden state, and why."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.console import Group, RenderableType
from rich.text import Text

from ..trace.events import BlameEvent, Event, GatesEvent, JacobiansEvent, TrainStepEvent
from .flow import heat, sci
from .folding import GAP, Folded, Steps
from .tables import NotedTable, noted_table
from .theme import fmt_loss, subscript

TITLES = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}

QUANTITIES = (
    "loss, first → last step",
    "‖∂L/∂h₁‖",
    "‖∂L/∂c₁‖",
    "‖∂state_T/∂state₁‖₂",
    "  so the gradient is",
    "gates' product to t = 1",
)
"""The rows of the comparison, one value per cell each (``facts``)."""


def last_of(events: Sequence[Event], kind: type) -> Event | None:
    """The last event of a kind (the last traced step's), or None."""
    return next((e for e in reversed(events) if isinstance(e, kind)), None)


def title(name: str, events: Sequence[Event]) -> str:
    """A cell's name in the comparison; the GRU with --reset-after says so."""
    config = getattr(events[0], "config", {}) if events else {}
    return TITLES.get(name, name) + (" (reset after)" if config.get("reset_after") else "")


def cells_view(runs: dict[str, Sequence[Event]], precision: int) -> RenderableType:
    """One row a cell: the loss, ‖∂L/∂h₁‖ (and ‖∂L/∂c₁‖), ‖∂state_T/∂state₁‖₂ (the state h,
    or (h, c) for the LSTM), ∏ of the carry gate;
    then the blame of the last loss on every hₖ, cell by cell; then what the numbers say."""
    first_blame: dict[str, float] = {}
    titles = {name: title(name, events) for name, events in runs.items()}
    T = 0
    rows: dict[str, np.ndarray] = {}
    facts: dict[str, list[str]] = {}  # per cell, in the order of QUANTITIES
    for name, events in runs.items():
        first = [e for e in events if getattr(e, "sentence", 0) == 0]
        blame, jac = last_of(first, BlameEvent), last_of(first, JacobiansEvent)
        gates = last_of(first, GatesEvent)
        losses = [e.loss for e in events if isinstance(e, TrainStepEvent)]
        if blame is None or jac is None or not losses:
            continue
        row = np.asarray(blame.matrix, dtype=float)[-1]
        rows[name], T = row, row.size
        first_blame[name] = float(row[0])
        extra = blame.extra.get("matrix_c")
        facts[name] = [  # one value a row of QUANTITIES
            f"{fmt_loss(losses[0], precision)} → {fmt_loss(losses[-1], precision)}",
            sci(first_blame[name]),
            sci(float(np.asarray(extra, dtype=float)[-1][0])) if extra is not None else "—",
            sci(jac.end_to_end),
            jac.verdict,
            f"∏ {gates.carry}ⱼ = {sci(float(gates.products[0]))}" if gates else "—",
        ]
    summary = noted_table(
        "Three cells on the same input (the last traced step, first sentence, last loss)",
        "",
        *[titles[name] for name in facts],
        caption="The state is hₜ for the vanilla RNN and the GRU, (hₜ, cₜ) for the LSTM.",
    )
    for i, quantity in enumerate(QUANTITIES):
        summary.add_row(Text(quantity, "label"), *[values[i] for values in facts.values()])
    assert all(len(values) == len(QUANTITIES) for values in facts.values())
    top = max((float(r.max()) for r in rows.values()), default=0.0)

    def build(ks: Steps) -> NotedTable:  # folded to the width: h₁ and the last steps
        heatmap = noted_table(
            f"The last loss's blame ‖∂L_T/∂hₖ‖ on each hidden state, cell by cell (T = {T})",
            "cell",
            *[f"h{subscript(k + 1)}" if k is not None else GAP for k in ks],
        )
        for name, row in rows.items():
            cells = [
                Text(sci(float(row[k])), heat(float(row[k]), top)) if k is not None else GAP
                for k in ks
            ]
            heatmap.add_row(Text(titles[name], "label"), *cells)
        return heatmap

    heatmap = Folded(build, T, lambda k: f"h{subscript(k + 1)}")
    config = getattr(runs["rnn"][0], "config", {}) if runs.get("rnn") else {}
    activation = str(config.get("activation", "tanh"))
    return Group(summary, heatmap, Text(verdict(first_blame, T, titles, activation), "note"))


def verdict(
    first_blame: dict[str, float],
    T: int,
    titles: dict[str, str] | None = None,
    activation: str = "tanh",
) -> str:
    """One paragraph on what the numbers show for this input; ``activation`` the vanilla RNN's,
    named as such (f is the LSTM's forget gate in the same paragraph)."""
    if not first_blame or T < 2:
        return "A one-token input has no earlier state to blame: try a longer sentence."
    titles = titles or {}
    ranked = sorted(first_blame.items(), key=lambda item: -item[1])
    best, most = ranked[0]
    parts = [
        f"Over {T} time steps the last loss's blame on h₁ is {sci(most)} with the "
        f"{titles.get(best, TITLES.get(best, best))}"
    ]
    for name, value in ranked[1:]:
        ratio = most / value if value > 0 else float("inf")
        times = "infinitely" if not np.isfinite(ratio) else f"{ratio:.1e} times"
        parts.append(
            f"{sci(value)} with the {titles.get(name, TITLES.get(name, name))} ({times} less)"
        )
    text = ", ".join(parts) + "."
    if "lstm" in first_blame:
        text += (
            " The LSTM's gradient reaches back through the cell path cₜ₋₁ → cₜ, scaled by fₜ alone "
            "at each time step (no matrix, no tanh′): its ∏ fⱼ above is what survives, so the "
            "forget bias (--forget-bias) decides how far it goes."
        )
    if "rnn" in first_blame:
        text += (
            f" The vanilla RNN's gradient is multiplied by diag({activation}′(aⱼ))·Wʰᵀ at every "
            "time step; "
            "when those products shrink, the blame vanishes geometrically."
        )
    return text
