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
from .gated_mistakes import GatedContext, GatedKnobs, gated_backprop, with_mistake
from .mistakes import Context, Knobs, Result, backprop
from .numbers import quantities
from .schemes import scheme_candidates
from .variants import Variant

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
    full = quantities(run(ctx, correct(setup)), setup.cell, user)  # full BPTT, no mistake

    def same(numbers: Mapping[str, np.ndarray], than: Mapping[str, np.ndarray]) -> bool:
        return all(relative(numbers[n], than[n]) <= SAME for n in numbers)

    def near_full(numbers: Mapping[str, np.ndarray]) -> bool:
        return all(relative(numbers[n], full[n]) <= tol for n in numbers)

    found: list[Candidate] = []
    scheme_given = not same(full, computed)
    if scheme_given:  # full BPTT is an answer of its own
        found.append(Candidate(FULL, FULL_VARIANT, fit(user, full, tol, factors)))
        every.append(found[0])
    for mistake in mistakes:
        tried = []
        for variant in mistake.variants(ctx, user):
            interrupt.poll()  # a variant is a backward pass: Ctrl-C is honoured between them
            numbers = quantities(run(ctx, variant.knobs), setup.cell, user)
            if same(numbers, computed) or (scheme_given and near_full(numbers)):
                continue  # the trace's own numbers; under a scheme, full BPTT's to within the
                # tolerance (a clip at the largest entry, which clips nothing but rounding)
            tried.append(Candidate(mistake, variant, fit(user, numbers, tol, factors)))
        if tried:
            found.append(min(tried, key=lambda c: c.fit.worst))
            every += tried
    schemes = scheme_candidates(setup.make_cell(), p, batch, user, computed, tol, factors)
    every += schemes  # (--chunks K, --tbptt K1:K2: the catalogue names --truncate K)
    return sorted(found + schemes, key=lambda c: c.fit.worst)


FULL = Mistake(
    "full-bptt",
    "full BPTT's gradient, not the given scheme's",
    "the gradient of the scheme given",
    lambda ctx, user: [],
)
"""Under a scheme given on the command line: the user's gradients are full BPTT's."""
FULL_VARIANT = Variant("full-bptt", None, "full BPTT: every loss flows back to t = 1", {})


def correct(setup: Setup) -> Any:
    """The knobs of the catalogue's pass without a mistake (full BPTT)."""
    return Knobs() if setup.cell == "rnn" else GatedKnobs()


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
