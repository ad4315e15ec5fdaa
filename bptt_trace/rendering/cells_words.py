"""--compare-cells' closing paragraph: each sentence worded from the numbers it follows —
which cell keeps the most of the last loss's blame on h₁, by how many times (in plain
numbers: 11, 1.7, 12,000, 14 million), what reaches the LSTM's c₁ and h₁, the GRU's carry,
and whether the vanilla RNN's product of Jacobians vanishes, explodes or neither."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.jacobians import EXPLODING, VANISHING
from ..trace.events import GatesEvent, JacobiansEvent
from .flow import sci
from .theme import subscript

SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

LARGE = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
"""The words of large ratios, the largest first."""

WORDS_MAX = 1e15
"""From this ratio on, a ratio is written m × 10ⁿ (2.2 × 10¹⁷): a thousand trillion is no
longer read as a number."""


@dataclass(frozen=True)
class CellFacts:
    """What the comparison shows of one cell's run: its losses (``after`` the loss of its
    final parameters, None when its trace does not hold it; ``updates`` how many there were),
    the last loss's blame on each hₖ (``blame``) and on c₁, its Jacobians and carry gate."""

    title: str
    first_loss: float
    after: float | None
    updates: int
    blame: np.ndarray
    blame_c1: float | None
    jacobians: JacobiansEvent
    gates: GatesEvent | None

    @property
    def blame_h1(self) -> float:
        return float(self.blame[0])


def times(ratio: float) -> str:
    """A ratio ≥ 1 in plain numbers, to 2 significant digits: 1.7, 11, 350, 12,000, 14 million,
    2.3 billion; from ``WORDS_MAX`` on as 2.2 × 10¹⁷ (past the floats: over 1.8 × 10³⁰⁸)."""
    if not math.isfinite(ratio):  # 1e-320 against 1e-3
        return "over 1.8 × 10³⁰⁸"
    rounded = float(f"{ratio:.2g}")
    if rounded < 10:
        return f"{rounded:.1f}"
    if rounded < 1e6:
        return f"{rounded:,.0f}"
    if rounded < WORDS_MAX:
        scale, word = next((s, w) for s, w in LARGE if rounded >= s)
        value = rounded / scale
        return f"{value:.1f} {word}" if value < 10 else f"{value:.0f} {word}"
    exponent = math.floor(math.log10(rounded))
    return f"{rounded / 10**exponent:.1f} × 10{str(exponent).translate(SUPERSCRIPTS)}"


def less(most: float, value: float) -> str:
    """How ``value`` compares with ``most`` ≥ it: ``11 times less``, ``as much``."""
    if value == most:
        return "as much"
    if value <= 0:
        return "none"
    ratio = times(most / value)
    return "about as much" if ratio == "1.0" else f"{ratio} times less"


def listed(items: list[str]) -> str:
    """a; a and b; a, b and c."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def ranking(facts: dict[str, CellFacts], T: int) -> str:
    """Each cell's blame on h₁, the most first, the others against it, and which cell keeps
    the most (the cells, when several keep exactly as much)."""
    ranked = sorted(facts.values(), key=lambda f: -f.blame_h1)
    most = ranked[0].blame_h1
    if most <= 0:
        return (
            f"Over {T} time steps the last loss's blame on h₁ is 0 with "
            f"{'every cell' if len(ranked) > 1 else 'the ' + ranked[0].title}: none of it "
            "reaches h₁."
        )
    shown = [f"{sci(most)} with the {ranked[0].title}"]
    shown += [
        f"{sci(f.blame_h1)} with the {f.title} ({less(most, f.blame_h1)})" for f in ranked[1:]
    ]
    text = f"Over {T} time steps the last loss's blame on h₁ is {listed(shown)}"
    if len(ranked) == 1:
        return text + "."
    top = [f"the {f.title}" for f in ranked if f.blame_h1 == most]
    if len(top) == len(ranked):
        return text + ": every cell keeps as much."
    if len(top) > 1:
        return text + f": {listed(top)} keep the most, as much each."
    return text + f": {top[0]} keeps the most."


def lstm_words(f: CellFacts) -> str:
    """The LSTM's two paths back, each with its numbers: the cell path to c₁, the gates to h₁."""
    text = (
        "The LSTM's cell path cₜ₋₁ → cₜ scales the gradient by fₜ alone at each time step (no "
        "matrix, no tanh′)" + carried_back(f, "c₁")
    )
    text += ", so the forget bias (--forget-bias) decides how far it goes"
    c1, h1 = f.blame_c1, f.blame_h1
    if c1 is None:
        return text + "."
    text += f": the blame on c₁ is {sci(c1)}. h₁ gets its blame only through the gates at "
    text += f"t = 2 (Σ ∂L/∂a_gate·Wʰ_gateᵀ): {sci(h1)}"
    if h1 <= 0:
        return text + "."
    ratio = times(c1 / h1) if h1 < c1 else None
    if ratio is None:
        return text + ", no less than c₁'s."
    return text + (
        ", about as much as c₁'s." if ratio == "1.0" else f", {ratio} times less than c₁'s."
    )


def gru_words(f: CellFacts) -> str:
    """The GRU's carry: one path back scaled by zₜ alone, beside those through its weights."""
    text = (
        "The GRU's hₜ = zₜ ⊙ hₜ₋₁ + (1 − zₜ) ⊙ h̃ₜ passes the gradient to hₜ₋₁ scaled by zₜ "
        "alone on one path (no matrix)" + carried_back(f, "h₁")
    )
    return text + ", beside the paths through its gates' weights."


def carried_back(f: CellFacts, state: str) -> str:
    """ ", by ∏ fⱼ = 5.7e-01 back to c₁ (a mean over units)": the carry gate's product, if any."""
    if f.gates is None:
        return ""
    product = sci(float(f.gates.products[0]))
    return f", by ∏ {f.gates.carry}ⱼ = {product} back to {state} (a mean over units)"


def rnn_words(f: CellFacts, activation: str) -> str:
    """The vanilla RNN's product of Jacobians back to h₁, and what it does to the blame."""
    jac = f.jacobians
    k = subscript(jac.first)
    text = (
        f"The vanilla RNN's gradient is multiplied by diag({activation}′(aⱼ))·Wʰᵀ at every time "
        f"step: back to h{k} their product's norm ‖∂h_T/∂h{k}‖₂ is {sci(jac.end_to_end)}"
    )
    if jac.verdict == "vanishing":
        return text + ", so the blame vanishes geometrically."
    if jac.verdict == "exploding":
        return text + ", so the gradient explodes."
    return text + f", neither vanishing (below {VANISHING:g}) nor exploding (above {EXPLODING:g})."


def paragraph(
    facts: dict[str, CellFacts], activation: str = "tanh", cut: tuple[str, int] | None = None
) -> str:
    """What the numbers show for this input; ``activation`` the vanilla RNN's, named as
    such (f is the LSTM's forget gate in the same paragraph). ``cut``: a scheme's option and
    the first state the last loss reaches under it, when that is after h₁ (its blame on h₁
    is then the scheme's 0, whatever the cell)."""
    if not facts:
        return "No cell's run reached a traced step: there is nothing to compare."
    T = max(f.blame.size for f in facts.values())
    if T < 2:
        return "A one-token input has no earlier state to blame: try a longer sentence."
    if cut is not None:
        flag, start = cut
        before = "h₁" if start == 2 else f"h₁ … h{subscript(start - 1)}"
        return (
            f"Under {flag} the last loss's flow stops at h{subscript(start)}, where its window "
            f"starts: its blame on {before} is 0 with every cell, by the "
            "scheme, not by the cells. The rows ‖∂state_T/∂state₁‖₂ and the gate product are "
            "each cell's own path back to t = 1, as it would carry the gradient without the cut; "
            "leave the scheme out to compare how far each cell's blame reaches."
        )
    text = ranking(facts, T)
    if "lstm" in facts:
        text += " " + lstm_words(facts["lstm"])
    if "gru" in facts:
        text += " " + gru_words(facts["gru"])
    if "rnn" in facts:
        text += " " + rnn_words(facts["rnn"], activation)
    return text
