"""Where an exercise's numbers are: what each view shows, and whether a trace's number is
what its rule computes from the numbers shown (only then is it a blank)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.cells.declaration import Outer
from .exercise_rules import Input, Rule

Numbers = Any
"""``exercise.Numbers`` (which imports this module): the numbers of the traced step."""

Place = tuple[str, int, str]
"""Where a number is: (where, t, key) as ``Numbers.get`` reads it."""


def shown_in(view: str, inp: Input) -> bool:
    """Whether the view's tables show this input."""
    if view == "update":
        return inp.where in ("old", "applied", "new", "lr")
    if view == "forward":
        return inp.where == "forward"
    if view == "backward":
        return inp.where == "backward" and inp.key not in ("h_prev",) and not inp.key[:4] == "sum_"
    return inp.where == "backward" and (inp.key.startswith(("sum_", "dW")) or inp.key[:2] == "da")


def follows(rule: Rule, numbers: Numbers, t: int, value: np.ndarray) -> bool:
    """Whether the trace's number is the rule's formula of its inputs (it is not, e.g., for
    a part of ∂L/∂hₜ that --truncate cut): only then can the learner compute it."""
    try:
        computed = np.asarray(rule.value(numbers.get, t), dtype=float)
    except KeyError:
        return False
    return computed.shape == value.shape and bool(
        np.allclose(computed, value, rtol=1e-9, atol=1e-12)
    )


def shown_places(numbers: Numbers, view: str) -> list[tuple[Place, np.ndarray]]:
    """Every number the view's tables show, and where it is in the trace."""
    cell = numbers.cell
    if view == "update":
        u = numbers.update
        names = list(u.old) if u is not None else []
        places = [(w, 0, n) for n in names for w in ("old", "applied", "new")]
    elif view == "forward":
        keys = [term.key for term in cell.forward_terms] + ["h"]
        places = [("forward", t, k) for t in numbers.forward for k in keys]
    elif view == "backward":
        keys = ["dh_from_output", "dh_from_next", "dh"] + [x.key for x in cell.backward_terms]
        places = [("backward", t, k) for t in numbers.backward for k in keys]
    else:
        keys = []
        for spec in cell.params:
            grad = spec.grad
            keys += [f"d{spec.name}" if isinstance(grad, Outer) else grad.key, f"sum_{spec.name}"]
        places = [("backward", t, k) for t in numbers.backward for k in keys]
    found = []
    for place in places:
        try:
            found.append((place, numbers.get(*place)))
        except KeyError:
            continue
    return found
