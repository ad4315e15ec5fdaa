"""The result of checking a user's BPTT (``compare.compare``), and its JSON form.

The JSON form is what ``--compare --json`` prints, one object (numbers always finite):

    {"verdict": "match" | "differs", "cell", "dtype", "tolerance",
     "rounding": {"noise", "on"} | null   (rounding at dtype moves "on" by "noise", past the
                                          tolerance: the verdict cannot tell there),
     "forward": {"user_loss", "trace_loss", "rel", "matches", "explained_by": [option…],
                 "gradients_then": "match" | "differs" | null,   under the first option
                 (differs: under every one listed; null: not known of every one),
                 "gradients_under": ["match" | "differs" | null, …],  beside each option
                 "evidence": "b_output" | null} | null,
     "conventions": [{"id": "scale-2" | "transposed-layout", "text", "factor"?, "keys"?}],
     "quantities": {name: {"max_abs", "max_rel", "matches"}},
     "transposed": [name…],                      square gradients given as the transpose
     "named": [candidate…], "same_numbers": bool,  the mistakes that explain every number
     "same_on_every_input": bool,                   (one computation under several names)
     "nearest": [candidate…],                      within 10 % when none explains them all
     "partial": {name: [id…]},                    the mistakes that reproduce that gradient
     "locations": {name: {"differ", "of", "labels", "row_sums_match", "column_sums_match"}},
     "where": {name: {"t", "part", "max_rel",     ∂L/∂hₜ (and ∂L/∂cₜ): where they depart
                      "full_bptt"}},              (under a scheme: full BPTT's at every t)
     "said": str | null,                          the verdict in words, when no candidate is
                                                  named (a scheme's gradients, full BPTT's dh)
     "apart": str | null}                         what input tells the named schemes apart

A candidate is {"id": "truncated-2", "mistake": "truncated-K", "numbers": {"K": 2},
"explanation", "should", "implied", "max_rel": {name: …}, "factor"}.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .catalogue import Mistake, Variant
from .fit import Fit
from .precision import Rounding

NEAR = 0.1
"""A mistake that reproduces no number within the tolerance is shown only this close."""


ALWAYS_SAME: tuple[frozenset[str], ...] = (frozenset({"missing-dh-next", "truncated-1"}),)
"""Mistakes that are one computation: ∂L/∂hₜ without the flow from step t+1 is each loss
flowing back one step, --truncate 1."""


@dataclass(frozen=True)
class Convention:
    id: str
    text: str
    factor: float | None = None
    keys: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "text": self.text}
        if self.factor is not None:
            data["factor"] = self.factor
        if self.keys:
            data["keys"] = list(self.keys)
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
        }


@dataclass(frozen=True)
class ForwardCheck:
    """The user's loss against the trace's; when they differ, the options that reproduce it
    and whether the gradients then match."""

    user_loss: float | None  # None: no loss given, the gradients told
    trace_loss: float | None
    rel: float | None
    matches: bool
    explained_by: list[str] = field(default_factory=list)
    gradients_then: str | None = None
    evidence: str | None = None
    """Without a loss: the gradient that tells the forward pass differs (∂L/∂b_output)."""
    gradients_under: list[str | None] = field(default_factory=list)
    """Beside each of ``explained_by``: "match" when the user's gradients are that option's,
    "differs" when not, None when not tried."""

    def to_json(self) -> dict[str, Any]:
        return {
            "user_loss": self.user_loss,
            "trace_loss": self.trace_loss,
            "rel": self.rel,
            "matches": self.matches,
            "explained_by": self.explained_by,
            "gradients_then": self.gradients_then,
            "evidence": self.evidence,
            "gradients_under": self.gradients_under,
        }


@dataclass(frozen=True)
class Where:
    """The first time step (from T down) at which the user's ∂L/∂hₜ (or ∂L/∂cₜ) departs, and
    which part of it is off ("the output at t" or "step t+1")."""

    t: int | None  # None: it agrees at every t
    part: str | None
    rel: float
    full_bptt: bool = False
    """Under a scheme given on the command line: the user's flow is full BPTT's at every t."""

    def to_json(self) -> dict[str, Any]:
        return {"t": self.t, "part": self.part, "max_rel": self.rel, "full_bptt": self.full_bptt}


@dataclass(frozen=True)
class Location:
    """Which entries of a differing gradient differ: rows (tokens, for W) or gates."""

    differ: int
    of: int
    labels: list[str]
    row_sums_match: bool | None
    column_sums_match: bool | None

    def to_json(self) -> dict[str, Any]:
        return {
            "differ": self.differ,
            "of": self.of,
            "labels": self.labels,
            "row_sums_match": self.row_sums_match,
            "column_sums_match": self.column_sums_match,
        }


@dataclass(frozen=True)
class Comparison:
    cell: str
    dtype: str
    tolerance: float
    reference: Fit
    forward: ForwardCheck | None = None
    conventions: list[Convention] = field(default_factory=list)
    transposed: list[str] = field(default_factory=list)
    grads_transposed: bool = False
    """The user said (--grads-transposed) that their square gradients are stored transposed."""
    scheme: str | None = None
    """The truncation scheme given on the command line ("--chunks 6"): the trace's gradients
    (and ∂L/∂hₜ) are that scheme's."""
    named: list[Candidate] = field(default_factory=list)
    nearest: list[Candidate] = field(default_factory=list)
    partial: dict[str, list[str]] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    where: dict[str, Where] = field(default_factory=dict)
    said: str | None = None
    """The verdict in words when no candidate is named and the numbers say more than the
    catalogue: under a scheme, a ∂L/∂hₜ that is full BPTT's beside the scheme's gradients."""
    apart: str | None = None
    """Several schemes named (the same numbers on this input): what input tells them apart."""
    rounding: Rounding | None = None
    """Rounding at the user's dtype moves a quantity further than the tolerance, held at its
    cap (``precision.CAP``): at that precision the check cannot tell right from wrong there."""

    @property
    def matches(self) -> bool:
        forward_ok = self.forward is None or self.forward.matches
        return forward_ok and not self.transposed and self.reference.worst <= self.tolerance

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

    @property
    def same_on_every_input(self) -> bool:
        """The mistakes named are one computation under several names (``ALWAYS_SAME``): no
        other input tells them apart."""
        ids = {c.variant.id for c in self.named}
        return len(ids) > 1 and any(ids <= same for same in ALWAYS_SAME)

    def to_json(self) -> dict[str, Any]:
        fit = self.reference
        return {
            "verdict": self.verdict,
            "cell": self.cell,
            "dtype": self.dtype,
            "tolerance": self.tolerance,
            "rounding": None
            if self.rounding is None
            else {"noise": self.rounding.noise, "on": self.rounding.worst},
            "forward": None if self.forward is None else self.forward.to_json(),
            "conventions": [c.to_json() for c in self.conventions],
            "quantities": {
                name: {
                    "max_abs": fit.max_abs[name],
                    "max_rel": rel,
                    "matches": rel <= self.tolerance,
                }
                for name, rel in fit.max_rel.items()
            },
            "transposed": self.transposed,
            "named": [c.to_json() for c in self.named],
            "scheme": self.scheme,
            "same_numbers": self.same_numbers,
            "same_on_every_input": self.same_on_every_input,
            "nearest": [c.to_json() for c in self.nearest],
            "partial": self.partial,
            "locations": {name: loc.to_json() for name, loc in self.locations.items()},
            "where": {name: w.to_json() for name, w in self.where.items()},
            "said": self.said,
            "apart": self.apart,
        }
