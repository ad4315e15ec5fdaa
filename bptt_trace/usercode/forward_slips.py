"""Slips of a user's forward pass that no option of the tool makes, tried beside the options
(one forward pass each): the recurrence multiplied by Wʰᵀ (torch's ``weight_hh`` convention
applied to the tables' layout, where hₜ₋₁·Wʰ belongs), and each sentence's last token left
out of the loop (``range(len(x) - 1)``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from ..core.cells.declaration import Params
from .setup import Setup

TRANSPOSED = (
    "your forward pass multiplies hₜ₋₁ by Wʰᵀ, not Wʰ (torch's weight_hh is Wʰᵀ; the tables' "
    "layout writes hₜ₋₁·Wʰ): give {names} transposed in your weights file and your gradients "
    "of {them} transposed too"
)
DROPPED = (
    "your forward pass leaves out each sentence's last token (a loop over range(len(x) - 1)?): "
    "run it over every token"
)
PREDICTED = (
    "your forward pass stops before the last token {token!r} and predicts it, where the trace "
    "reads it and predicts {target!r} after it: run it over every token"
)


@dataclass(frozen=True)
class Slip:
    """A forward slip: its id, the setup and parameters it runs, and the recurrent matrices it
    turns (the user's gradients of them are then the transposes of the trace's)."""

    id: str
    setup: Setup
    p: Params
    turned: tuple[str, ...] = ()

    def mine(self, user: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The user's numbers as this slip's model has them: the turned matrices' gradients
        turned back; without ∂L/∂hₜ, ∂L/∂cₜ when the slip runs other time steps (the user's
        rows are for the trace's)."""
        found = turned(user, self.turned)
        if self.id == "last-token-dropped":
            found = {n: v for n, v in found.items() if n not in ("dh", "dc")}
        return found

    def words(self, candidate: Setup, default: Setup) -> str:
        """The slip in words, for ``candidate`` (this slip's setup at some target)."""
        if self.turned:
            names = ", ".join(self.turned)
            them = "it" if len(self.turned) == 1 else "them"
            return TRANSPOSED.format(names=names, them=them)
        corpus = default.corpus
        if len(corpus) == 1 and candidate.target == corpus[0][-1] != default.target:
            return PREDICTED.format(token=corpus[0][-1], target=default.target)
        return DROPPED

    def others(self, candidate: Setup, default: Setup) -> list[str]:
        """The options besides the slip that ``candidate`` changes."""
        said = candidate.options(default)
        if self.words(candidate, default).startswith("your forward pass stops"):
            said = [s for s in said if not s.startswith("--target ")]  # said in the words
        return said


def recurrent(p: Mapping[str, np.ndarray]) -> tuple[str, ...]:
    """The names of the recurrent matrices: W_h, or each gate's W_h_…"""
    return tuple(n for n in p if n == "W_h" or n.startswith("W_h_"))


def turned(values: Mapping[str, np.ndarray], names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """``values`` with the matrices ``names`` transposed (those present)."""
    return {n: (v.T if n in names else v) for n, v in values.items()}


def slips(setup: Setup, p: Params) -> list[Slip]:
    """The slips to try on this input: Wʰᵀ in the recurrence; each sentence's last token left
    out, when every sentence has two or more."""
    names = recurrent(p)
    found = [Slip("recurrence-transposed", setup, turned(p, names), names)]
    if all(len(s) > 1 for s in setup.corpus):
        shorter = replace(setup, corpus=tuple(s[:-1] for s in setup.corpus))
        found.append(Slip("last-token-dropped", shorter, p))
    return found
