"""Check a user's BPTT: their gradients against the trace's, the conventions that separate them,
where their ∂L/∂hₜ departs, and which catalogued mistake reproduces their numbers.

Quantities are the parameters by name and, when the user gives it, ``dh``: their ∂L/∂hₜ for
t = 1 … T of a one-sentence input (T×H). ``compare`` returns a ``Comparison`` (``comparison``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .batch import Batch
from .bptt import backward, forward
from .catalogue import CATALOGUE, Mistake, Variant
from .cells.declaration import Params
from .cells.rnn import VanillaRNN
from .comparison import Candidate, Comparison, Convention, Where
from .fit import Fit, describe_factor, fit, relative
from .mistakes import Context, backprop

TOLERANCE = 1e-6
"""The verdict: every quantity within this relative difference of the trace's."""
NAME_TOLERANCE = 1e-9
"""A catalogued mistake is named when it reproduces every quantity within this."""
SAME = 1e-12
"""Two computed sets this close are the same numbers."""


def compare(
    params: Params,
    batch: Batch,
    activation: str,
    user: Mapping[str, np.ndarray],
    dh: np.ndarray | None = None,
    loss: float | None = None,
    tolerance: float = TOLERANCE,
    name_tolerance: float = NAME_TOLERANCE,
) -> Comparison:
    """The user's gradients ``user`` (by parameter name, a matrix in either layout) of the loss
    on ``batch`` at ``params``, set against full BPTT and against every catalogued mistake."""
    cell = VanillaRNN(activation)
    fw = forward(cell, params, batch)
    bw = backward(cell, params, batch, fw)
    trace_dh = bw.dh_from_output + bw.from_next  # the vanilla RNN: the state is hₜ
    mine = dict(user) if dh is None else {**user, "dh": np.asarray(dh)}
    computed = dict(bw.grads) if dh is None else {**bw.grads, "dh": trace_dh[0, 1:]}
    reference = fit(mine, computed, tolerance)
    ctx = Context.of(params, batch, activation)
    candidates = [] if reference.worst <= tolerance else ranked(ctx, mine, computed, name_tolerance)
    named = [c for c in candidates if c.fit.worst <= name_tolerance]
    best = named[0].fit if named else reference
    if best.factor != reference.factor:  # the mistake explains the numbers at another factor
        reference = fit(mine, computed, tolerance, best.factor)
    where = None
    if dh is not None:
        parts = (bw.dh_from_output[0, 1:], bw.from_next[0, 1:])
        where = departure(np.asarray(dh), best.factor, *parts, tolerance)
    loss_row = None
    if loss is not None:
        expected = abs(best.factor) * bw.loss
        loss_row = {
            "user": loss,
            "trace": bw.loss,
            "expected": expected,
            "rel": relative(np.array(loss), np.array(expected)),
        }
    return Comparison(
        tolerance=tolerance,
        name_tolerance=name_tolerance,
        reference=reference,
        conventions=conventions(best, batch),
        named=named,
        ranking=candidates[:5],
        partial=partial(reference, candidates, tolerance, name_tolerance) if not named else {},
        where=where,
        loss=loss_row,
    )


def ranked(
    ctx: Context, user: Mapping[str, np.ndarray], computed: Params, name_tolerance: float
) -> list[Candidate]:
    """Every catalogued mistake that changes the numbers on this input, its best variant only,
    the best fitting first."""
    found: list[Candidate] = []
    for mistake in CATALOGUE:
        tried = [
            try_variant(ctx, mistake, v, user, computed, name_tolerance)
            for v in mistake.variants(ctx, user)
        ]
        kept = [c for c in tried if c is not None]
        if kept:
            found.append(min(kept, key=lambda c: c.fit.worst))
    return sorted(found, key=lambda c: c.fit.worst)


def try_variant(
    ctx: Context,
    mistake: Mistake,
    variant: Variant,
    user: Mapping[str, np.ndarray],
    computed: Params,
    tolerance: float,
) -> Candidate | None:
    """The variant's numbers against the user's; None when it gives the trace's own numbers."""
    result = backprop(ctx, variant.knobs)
    numbers = dict(result.grads)
    if "dh" in user:
        numbers["dh"] = result.dh[0, 1:]
    if all(relative(numbers[n], computed[n]) <= SAME for n in numbers):
        return None
    return Candidate(mistake=mistake, variant=variant, fit=fit(user, numbers, tolerance))


def conventions(best: Fit, batch: Batch) -> list[Convention]:
    found = []
    if best.factor != 1.0:
        text = describe_factor(
            best.factor, batch.x.shape[0], int(batch.mask.sum()), int(batch.out.sum())
        )
        found.append(Convention(f"scale-{best.factor:.6g}", text, factor=best.factor))
    if best.transposed:
        square = [n for n in best.transposed if n == "W_h"]
        note = (
            "; Wʰ is square: if your update subtracts it as it is, that is a bug" if square else ""
        )
        found.append(
            Convention(
                "transposed-layout",
                f"{', '.join(best.transposed)} given transposed{note}",
                params=best.transposed,
            )
        )
    return found


def partial(
    reference: Fit, candidates: list[Candidate], tolerance: float, name_tolerance: float
) -> dict[str, list[str]]:
    """For each quantity that differs from the trace's: the mistakes that reproduce it alone
    (within the naming tolerance), or else the one that comes nearest."""
    out: dict[str, list[str]] = {}
    for name, rel in reference.max_rel.items():
        if rel <= tolerance or not candidates:
            continue
        exact = [c.variant.id for c in candidates if c.fit.max_rel[name] <= name_tolerance]
        nearest = min(candidates, key=lambda c: c.fit.max_rel[name])
        out[name] = exact or [f"{nearest.variant.id} (nearest, {nearest.fit.max_rel[name]:.1e})"]
    return out


def departure(
    dh: np.ndarray, factor: float, from_output: np.ndarray, from_next: np.ndarray, tol: float
) -> Where:
    """The first t from T down to 1 at which the user's ∂L/∂hₜ departs from the trace's, and
    which part of it is off."""
    T = dh.shape[0]
    trace = factor * (from_output + from_next)
    for t in range(T, 0, -1):
        i = t - 1
        rel = relative(dh[i], trace[i])
        if rel <= tol:
            continue
        if t == T or not np.any(from_next[i]):
            part = "the output at t"
        elif np.any(from_output[i]) and relative(dh[i], factor * from_next[i]) <= tol:
            part = "the output at t"
        else:
            part = "step t+1"
        return Where(t=t, part=part, rel=rel, user=dh[i], trace=trace[i])
    return Where(t=None, part=None, rel=0.0, user=None, trace=None)
