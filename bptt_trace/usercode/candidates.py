"""The catalogue tried on one input: every catalogued mistake of the cell (and every
truncation scheme) run on the user's input, each fitted to the user's numbers, the best
fitting first; and which of them reproduce a differing quantity alone."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..core import interrupt
from ..core.cells.declaration import Params
from .catalogue import CATALOGUE, Mistake
from .comparison import Candidate
from .fit import fit, relative
from .forward_check import Setup
from .gated_catalogue import INSIDE
from .gated_catalogue import catalogue as gated_catalogue
from .gated_mistakes import GatedContext, gated_backprop, with_mistake
from .mistakes import Context, Result, backprop
from .numbers import quantities
from .schemes import scheme_candidates

SAME = 1e-12
"""Two computed sets this close are the same numbers."""


def ranked(
    setup: Setup,
    p: Params,
    batch: Any,
    user: Mapping[str, np.ndarray],
    computed: Mapping[str, np.ndarray],
    tol: float,
    factors: tuple[float, ...],
    every: list[Candidate],
) -> list[Candidate]:
    """Every catalogued mistake that changes the numbers on this input, its best variant only,
    the best fitting first; ``every`` receives each variant tried."""
    mistakes, run, ctx = catalogue_of(setup, p, batch)
    found: list[Candidate] = []
    for mistake in mistakes:
        tried = []
        for variant in mistake.variants(ctx, user):
            interrupt.poll()  # a variant is a backward pass: Ctrl-C is honoured between them
            numbers = quantities(run(ctx, variant.knobs), setup.cell, user)
            if all(relative(numbers[n], computed[n]) <= SAME for n in numbers):
                continue  # the trace's own numbers on this input
            tried.append(Candidate(mistake, variant, fit(user, numbers, tol, factors)))
        if tried:
            found.append(min(tried, key=lambda c: c.fit.worst))
            every += tried
    schemes = scheme_candidates(setup.make_cell(), p, batch, user, computed, tol, factors)
    every += schemes  # (--chunks K, --tbptt K1:K2: the catalogue names --truncate K)
    return sorted(found + schemes, key=lambda c: c.fit.worst)


def catalogue_of(
    setup: Setup, p: Params, batch: Any
) -> tuple[tuple[Mistake, ...], Callable[[Any, Any], Result], Any]:
    """The cell's mistakes, the mistaken pass that runs them, and its context."""
    if setup.cell == "rnn":
        return CATALOGUE, backprop, Context.of(p, batch, setup.activation)
    cell = setup.make_cell()
    inside = {id_: with_mistake(cell, id_) for id_, *_ in INSIDE[setup.cell]}
    return gated_catalogue(setup.cell), gated_backprop, GatedContext.of(cell, inside, p, batch)


def partial(names: list[str], candidates: list[Candidate], tol: float) -> dict[str, list[str]]:
    """For each differing quantity, the mistakes that reproduce it alone (several mistakes at
    once may each explain a part; a candidate that does not compute a quantity, such as a
    truncation scheme's ∂L/∂hₜ, explains none of it)."""
    found = {
        n: list(
            dict.fromkeys(c.variant.id for c in candidates if c.fit.max_rel.get(n, math.inf) <= tol)
        )
        for n in names
    }
    return {n: ids for n, ids in found.items() if ids}
