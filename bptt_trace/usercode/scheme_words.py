"""Truncation schemes beside each other on the user's input, in words: which candidates are the
scheme given on the command line under another name (never offered in its place), what input
tells two schemes apart, and what a user's ∂L/∂hₜ that is full BPTT's carries that the given
scheme cuts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..core.batch import Batch
from ..core.truncation import Scheme
from ..core.truncation_terms import first_kept
from .comparison import Candidate

FLOWS = {"dh": "∂L/∂hₜ", "dc": "∂L/∂cₜ"}

LONGEST = 256
"""A length that tells schemes apart is looked for up to T + LONGEST: the schemes tried have
K, K2 ≤ 64, so past twice the largest K2 their windows inside a sentence repeat, and their
ragged ends repeat every K1 ≤ 64 lengths."""


def candidate_scheme(candidate: Candidate) -> Scheme | None:
    """The scheme a candidate's numbers are: --chunks K and --tbptt K1:K2 (``schemes``),
    ``truncated-K`` (--truncate K) and ``missing-dh-next`` (--truncate 1); None for a
    mistake."""
    numbers = candidate.variant.numbers or {}
    if candidate.mistake.id == "scheme":
        if numbers["scheme"] == "tbptt":
            return Scheme("tbptt", int(numbers["K1"]), int(numbers["K2"]))
        return Scheme(str(numbers["scheme"]), int(numbers["K"]), int(numbers["K"]))
    if candidate.mistake.id == "truncated-K":
        return Scheme("truncate", int(numbers["K"]), int(numbers["K"]))
    if candidate.variant.id == "missing-dh-next":
        return Scheme("truncate", 1, 1)
    return None


def kept(scheme: Scheme, batch: Batch) -> bytes:
    """The first state each loss of each sentence reaches under ``scheme`` (the scheme's time
    axis is the longest sentence's): two schemes with the same keep the same terms."""
    T = int(batch.lengths.max())
    losses = [np.flatnonzero(np.asarray(batch.out[s])[: T + 1]) for s in range(len(batch.x))]
    return np.concatenate([first_kept(scheme, T, of) for of in losses]).tobytes()


def not_the_given(
    candidates: list[Candidate], given: Scheme | None, batch: Batch
) -> list[Candidate]:
    """``candidates`` less those that are the given scheme on this input (itself, or one that
    keeps the same terms, such as --tbptt K:K on a length that is a multiple of K for
    --chunks K): advising one of them in its place would change nothing."""
    if given is None:
        return candidates
    key = kept(given, batch)
    return [c for c in candidates if (s := candidate_scheme(c)) is None or kept(s, batch) != key]


def telling_length(schemes: Sequence[Scheme], T: int, loss: str) -> int | None:
    """The shortest sentence longer than T (tokens, with ``loss`` last or every) on which the
    schemes keep different terms, each from the others; None if none up to T + LONGEST."""
    for length in range(T + 1, T + LONGEST + 1):
        losses = np.arange(1, length + 1) if loss == "every" else np.array([length])
        keys = {first_kept(s, length, losses).tobytes() for s in schemes}
        if len(keys) == len(set(schemes)):
            return length
    return None


LOOP_STOPS_AT_2 = (
    "under --loss last a loop that stops at t = 2 is --truncate T − 1 on every sentence of T "
    "tokens (the loss at T flows back through T − 1 steps, to t = 2); --loss every tells them apart"
)


def apart(named: Sequence[Candidate], T: int, loss: str) -> str | None:
    """How another input tells the named candidates apart, when they are all schemes (they
    give the same numbers on this input), or that none does; None when one is a mistake."""
    ids = {c.variant.id for c in named}
    if loss == "last" and "first-step-missing" in ids and f"truncated-{T - 1}" in ids:
        return LOOP_STOPS_AT_2
    schemes = [candidate_scheme(c) for c in named]
    if len(schemes) < 2 or any(s is None for s in schemes):
        return None
    found = [s for s in schemes if s is not None]
    length = telling_length(found, T, loss)
    if length is None:
        return "no longer sentence tells them apart: they keep the same terms at every length"
    told = f"a sentence of {length} tokens tells them apart"
    kinds = {s.kind: s for s in found}
    if len(found) == 2 and set(kinds) == {"chunks", "tbptt"}:
        K = kinds["chunks"].k1
        if kinds["tbptt"] == Scheme("tbptt", K, K):
            return (
                f"{kinds['chunks'].flag()} and {kinds['tbptt'].flag()} differ only at a ragged "
                f"end, on a length that is not a multiple of {K}: {told}"
            )
    return told


def cut_words(scheme: Scheme, t: int) -> str:
    """What full BPTT's flow into hₜ carries from step t+1 that ``scheme`` cuts there."""
    flag = scheme.flag()
    if scheme.kind == "chunks":
        return f"the flow from t = {t + 1} across the chunk boundary, which {flag} cuts"
    if scheme.kind == "tbptt":
        return f"the flow from t = {t + 1} back past a window's start, which {flag} cuts"
    later = "1 step" if scheme.k1 == 1 else f"{scheme.k1} steps"
    return f"the flow from t = {t + 1} of the losses {later} or more later, which {flag} cuts"


def full_flows_words(full: dict[str, int], scheme: Scheme, gradients_match: bool) -> str:
    """The verdict of flows that are full BPTT's under a scheme: ``full`` the flows ("dh",
    "dc") that are, each with the t at which it first departs from the scheme's."""
    names = [FLOWS[name] for name in full]
    t = max(full.values())
    subject = " and ".join(names)
    are, carry = ("are", "carry") if len(names) > 1 else ("is", "carries")
    said = f"your {subject} {are} full BPTT's: {'they' if len(names) > 1 else 'it'} {carry} "
    said += cut_words(scheme, t)
    if gradients_match:
        said += f"; your gradients are {scheme.flag()}'s"
    them = "them" if len(names) > 1 else "it"
    return (
        f"{said}. Give {subject} as {scheme.flag()} computes {them} (the flows inside its "
        f"windows only), or leave {them} out of your gradients file"
    )
