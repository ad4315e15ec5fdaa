"""The result of checking a user's BPTT (``compare.compare``), and its JSON form.

The JSON form is what ``--compare --json`` prints, one object:

    {"verdict": "match" | "differs", "tolerance", "name_tolerance",
     "conventions": [{"id": "scale-0.5" | "transposed-layout", "text", "factor"?, "params"?}],
     "quantities": {name: {"max_abs", "max_rel", "matches"}},   after undoing the conventions
     "named": [candidate…], "same_numbers": bool,               the mistakes that explain all
     "ranking": [candidate…], "partial": {name: [id…]},          when none explains all
     "where": {"t", "part", "max_rel"} | null, "loss": {"user", "trace", "expected", "rel"} | null}

A candidate is {"id": "truncated-2", "mistake": "truncated-K", "numbers": {"K": 2},
"explanation", "should", "implied", "max_rel": {name: …}, "factor", "transposed"}.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .catalogue import Mistake, Variant
from .fit import Fit


@dataclass(frozen=True)
class Convention:
    id: str
    text: str
    factor: float | None = None
    params: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "text": self.text}
        if self.factor is not None:
            data["factor"] = self.factor
        if self.params:
            data["params"] = list(self.params)
        return data


@dataclass(frozen=True)
class Candidate:
    """A catalogued mistake (its best variant) and how well it reproduces the user's numbers."""

    mistake: Mistake
    variant: Variant
    fit: Fit

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.variant.id,
            "mistake": self.mistake.id,
            "numbers": self.variant.numbers,
            "explanation": self.mistake.explanation,
            "should": self.mistake.should,
            "implied": self.variant.implied,
            "max_rel": self.fit.max_rel,
            "factor": self.fit.factor,
            "transposed": list(self.fit.transposed),
        }


@dataclass(frozen=True)
class Where:
    """The first time step (from T down) at which the user's ∂L/∂hₜ departs, and which part of
    it is off ("the output at t" or "step t+1"); t is None when it never departs."""

    t: int | None
    part: str | None
    rel: float
    user: np.ndarray | None
    trace: np.ndarray | None

    def to_json(self) -> dict[str, Any]:
        return {"t": self.t, "part": self.part, "max_rel": self.rel}


@dataclass(frozen=True)
class Comparison:
    tolerance: float
    name_tolerance: float
    reference: Fit
    conventions: list[Convention]
    named: list[Candidate]
    ranking: list[Candidate]
    partial: dict[str, list[str]] = field(default_factory=dict)
    where: Where | None = None
    loss: dict[str, float] | None = None

    @property
    def matches(self) -> bool:
        loss_ok = self.loss is None or self.loss["rel"] <= self.tolerance
        return self.reference.worst <= self.tolerance and loss_ok

    @property
    def verdict(self) -> str:
        return "match" if self.matches else "differs"

    @property
    def exit_code(self) -> int:
        """0 when everything matches (after the conventions), 1 when something differs."""
        return 0 if self.matches else 1

    @property
    def same_numbers(self) -> bool:
        """Several mistakes named: they give the same numbers on this input."""
        return len(self.named) > 1

    def to_json(self) -> dict[str, Any]:
        fit = self.reference
        return {
            "verdict": self.verdict,
            "tolerance": self.tolerance,
            "name_tolerance": self.name_tolerance,
            "conventions": [c.to_json() for c in self.conventions],
            "quantities": {
                name: {
                    "max_abs": fit.max_abs[name],
                    "max_rel": rel,
                    "matches": rel <= self.tolerance,
                }
                for name, rel in fit.max_rel.items()
            },
            "named": [c.to_json() for c in self.named],
            "same_numbers": self.same_numbers,
            "ranking": [c.to_json() for c in self.ranking],
            "partial": self.partial,
            "where": None if self.where is None else self.where.to_json(),
            "loss": self.loss,
        }
