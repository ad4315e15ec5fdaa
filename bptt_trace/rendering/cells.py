"""--compare-cells: the vanilla RNN, the LSTM and the GRU on the same input, side by side —
how much of the last loss's blame reaches each hidden state, and why.

The summary's cell columns go on in as many blocks as the width needs, each repeating the
row labels (``folding.Wrapped``); the heatmap folds its time steps and says so (``Folded``);
the closing paragraph (``cells_words``) is worded from the numbers above it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.console import Group, RenderableType
from rich.text import Text

from ..core.truncation import loss_starts, scheme_of, updates_per_step
from ..trace.events import (
    BlameEvent,
    EndEvent,
    Event,
    GatesEvent,
    JacobiansEvent,
    RunEvent,
    TrainStepEvent,
)
from .cells_words import CellFacts, paragraph
from .flow import heat, sci
from .folding import GAP, Folded, Steps, Wrapped
from .plain import plural
from .tables import NotedTable, Values, noted_table
from .theme import fmt_loss, subscript

TITLES = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}


def last_of(events: Sequence[Event], kind: type) -> Event | None:
    """The last event of a kind (the last traced step's), or None."""
    return next((e for e in reversed(events) if isinstance(e, kind)), None)


def title(name: str, events: Sequence[Event]) -> str:
    """A cell's name in the comparison; the GRU with --reset-after says so."""
    config = getattr(events[0], "config", {}) if events else {}
    return TITLES.get(name, name) + (" (reset after)" if config.get("reset_after") else "")


def facts_of(name: str, events: Sequence[Event]) -> CellFacts | None:
    """One cell's facts from its trace (None when it has no traced step to compare)."""
    first = [e for e in events if getattr(e, "sentence", 0) == 0]
    blame, jac = last_of(first, BlameEvent), last_of(first, JacobiansEvent)
    losses = [e.loss for e in events if isinstance(e, TrainStepEvent)]
    if not isinstance(blame, BlameEvent) or not isinstance(jac, JacobiansEvent) or not losses:
        return None
    end, run = last_of(events, EndEvent), events[0]
    after = end.loss_after if isinstance(end, EndEvent) else None
    per_step = updates_per_step(run.config, run.sentences) if isinstance(run, RunEvent) else 1
    extra = blame.extra.get("matrix_c")
    gates = last_of(first, GatesEvent)
    return CellFacts(
        title=title(name, events),
        first_loss=float(losses[0]),
        after=None if after is None else float(after),
        updates=(end.step if isinstance(end, EndEvent) else len(losses)) * per_step,
        blame=np.asarray(blame.matrix, dtype=float)[-1],
        blame_c1=None if extra is None else float(np.asarray(extra, dtype=float)[-1][0]),
        jacobians=jac,
        gates=gates if isinstance(gates, GatesEvent) else None,
    )


def loss_pair(first: float, after: float | None, precision: int) -> str:
    """``1.5078 → 1.3674``: the loss before the first update and of the final parameters, as
    a run's closing line shows them (more decimals when the two would look alike); ``—``
    after the arrow when the trace does not hold the latter."""
    if after is None:
        return f"{fmt_loss(first, precision)} → —"
    digits = precision
    while fmt_loss(first, digits) == fmt_loss(after, digits) and first != after and digits < 12:
        digits += 1
    return f"{fmt_loss(first, digits)} → {fmt_loss(after, digits)}"


def rows_of(facts: CellFacts, precision: int, first: int | None = None) -> list[tuple[str, str]]:
    """The summary's rows for one cell: each row's label and this cell's value. The Jacobian's
    norm is from the state at ``first``, every cell's (its diagnosis begins later where the
    product back to 1 overflowed); None: the cells' differ, and each value names its own."""
    jac, gates = facts.jacobians, facts.gates
    k = subscript(first) if first is not None else "ₖ"
    own = "" if first is not None else f" (k = {jac.first})"
    return [
        (
            f"loss → after {plural(facts.updates, 'update')}",
            loss_pair(facts.first_loss, facts.after, precision),
        ),
        ("‖∂L_T/∂h₁‖", sci(facts.blame_h1)),  # the last loss's, as the heatmap's
        ("‖∂L_T/∂c₁‖", "—" if facts.blame_c1 is None else sci(facts.blame_c1)),
        (f"‖∂state_T/∂state{k}‖₂", sci(jac.end_to_end) + own),
        ("  so the gradient is", jac.verdict),
        (
            "gate product to t = 1",
            f"∏ {gates.carry}ⱼ = {sci(float(gates.products[0]))}" if gates else "—",
        ),
    ]


def summary_of(facts: dict[str, CellFacts], precision: int) -> Wrapped:
    """A row a quantity, a column a cell, in as many blocks as the width needs."""
    names = list(facts)
    firsts = {f.jacobians.first for f in facts.values()}
    first = firsts.pop() if len(firsts) == 1 else None  # the row's k, when the cells agree
    rows = {name: rows_of(facts[name], precision, first) for name in names}
    finished = [name for name in names if facts[name].after is not None] or names
    labels = [label for label, _ in rows[finished[0]]] if names else []  # its update count
    caption = "The state is hₜ for the vanilla RNN and the GRU, (hₜ, cₜ) for the LSTM."
    if any(f.after is None for f in facts.values()):
        caption += (
            " — after a loss's arrow: that cell's run stopped (diverged or was stopped) "
            "before the loss of its final parameters."
        )

    def build(shown: Sequence[int]) -> NotedTable:
        table = noted_table(
            "Three cells on the same input (the last traced step, first sentence, last loss)",
            "",
            *[Values(facts[names[i]].title) for i in shown],
            caption=caption,
        )
        for r, label in enumerate(labels):
            table.add_row(Text(label, "label"), *[rows[names[i]][r][1] for i in shown])
        return table

    return Wrapped(build, len(names))


def heatmap_of(facts: dict[str, CellFacts]) -> Folded:
    """The last loss's blame on every hₖ, a row a cell, its time steps folded to the width."""
    T = max((f.blame.size for f in facts.values()), default=0)
    top = max((float(f.blame.max()) for f in facts.values()), default=0.0)

    def build(ks: Steps) -> NotedTable:  # folded to the width: h₁ and the last steps
        heatmap = noted_table(
            f"The last loss's blame ‖∂L_T/∂hₖ‖ on each hidden state, cell by cell (T = {T})",
            "cell",
            *[f"h{subscript(k + 1)}" if k is not None else GAP for k in ks],
        )
        for cell in facts.values():
            row = cell.blame
            cells = [
                Text(sci(float(row[k])), heat(float(row[k]), top)) if k is not None else GAP
                for k in ks
            ]
            heatmap.add_row(Text(cell.title, "label"), *cells)
        return heatmap

    return Folded(build, T, lambda k: f"h{subscript(k + 1)}")


def scheme_cut(runs: dict[str, Sequence[Event]]) -> tuple[str, int] | None:
    """(the scheme's option, the first state the last loss of the first sentence reaches)
    when a truncation scheme stops that loss's flow after h₁; None otherwise."""
    run = next((events[0] for events in runs.values() if events), None)
    if not isinstance(run, RunEvent) or not run.sentences:
        return None
    scheme = scheme_of(run.config)
    if scheme is None:
        return None
    T = len(run.sentences[0])
    if scheme.kind == "truncate":
        start = max(1, T - scheme.k1 + 1)
    else:  # the windows of the corpus's time axis, the longest sentence's
        start = int(loss_starts(scheme, max(len(s) for s in run.sentences))[T])
    return (scheme.flag(), start) if start > 1 else None


def cells_view(runs: dict[str, Sequence[Event]], precision: int) -> RenderableType:
    """One row a quantity, a column a cell: the loss before the first update and after the
    last, ‖∂L/∂h₁‖ (and ‖∂L/∂c₁‖), ‖∂state_T/∂stateₖ‖₂ from the first k the diagnosis has
    (1 unless the product overflowed; the state h, or (h, c) for the LSTM),
    ∏ of the carry gate; then the blame of the last loss on every hₖ, cell by cell; then what
    the numbers say."""
    facts = {name: f for name, events in runs.items() if (f := facts_of(name, events))}
    config = getattr(runs["rnn"][0], "config", {}) if runs.get("rnn") else {}
    activation = str(config.get("activation", "tanh"))
    words = paragraph(facts, activation, scheme_cut(runs))
    return Group(summary_of(facts, precision), heatmap_of(facts), Text(words, "note"))
