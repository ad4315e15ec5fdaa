"""Check a user's BPTT: forward first, then their gradients against the trace's, the
conventions that reproduce them, the catalogued mistake that does, or where they part.

1. Forward first: with the user's ``loss``, a loss the trace does not reproduce (at any of
   the known reductions) is a forward difference: the alternatives that reproduce it are
   named (``forward_check``), and no gradient is fitted.
2. The gradients at the known factors (``fit.known_factors``): all within the tolerance is a
   match, the factor (if not 1) a convention. A square gradient that is the transpose of the
   trace's is never a match.
3. Otherwise the catalogue of the cell, tried on this input (``candidates``): every mistake
   that reproduces every number is named; with none, and no loss to go by, the forward
   alternatives' gradients are tried; then where the numbers differ, and the mistakes within
   10 %.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core import interrupt
from ..core.bptt import Backward, backward, cell_gradients, forward, full_bptt
from ..core.cells.declaration import Params
from ..core.cells.lstm import parts
from ..core.output import log_softmax, logits
from . import precision
from .candidates import partial, ranked
from .comparison import NEAR, Candidate, Comparison, Convention, ForwardCheck, Where
from .fit import Fit, fit, known_factors, relative
from .forward_check import Setup, by_gradients, forward_first
from .numbers import UserNumbers, quantities
from .scheme_words import apart, full_flows_words, not_the_given
from .schemes import Scheme, as_scheme, scheme_convention
from .where import departure, locations


def compare(
    setup: Setup, p: Params, mine: UserNumbers, dtype: str, scheme: Scheme | None = None
) -> Comparison:
    """The user's numbers ``mine`` of the loss of ``setup`` at ``p``, against the trace's (the
    gradients of ``scheme`` when given). Numbers near the largest float may overflow on the
    way (a ratio, a sum): such a step then fits nothing, quietly; the differences reported
    are of scaled arrays, always finite."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return compared(setup, p, mine, dtype, scheme)


def compared(
    setup: Setup, p: Params, mine: UserNumbers, dtype: str, scheme: Scheme | None = None
) -> Comparison:
    cell, batch = setup.make_cell(), setup.batch()
    fw = forward(cell, p, batch)
    full = backward(cell, p, batch, fw)
    bw = as_scheme(full, cell, p, batch, scheme)
    user = mine.quantities()
    computed = quantities(bw, setup.cell, user)

    def numbers(q: Params) -> dict[str, np.ndarray]:
        bw_q = backward(cell, q, batch, forward(cell, q, batch))
        return quantities(as_scheme(bw_q, cell, q, batch, scheme), setup.cell, user)

    def output_noise(u: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return noise_of_outputs(cell, p, batch, fw, u, rng, setup.cell, user)

    rounding = precision.tolerance(dtype, batch.T, p, numbers, computed, output_noise)
    tolerance = rounding.tolerance
    factors = known_factors(batch)
    base: dict[str, Any] = {"cell": setup.cell, "dtype": dtype, "tolerance": tolerance}
    base["rounding"] = rounding if rounding.beyond else None
    base["scheme"] = scheme.flag() if scheme is not None else None
    fwd = None
    if "loss" in mine.extras:
        fwd, factors = forward_first(setup, p, mine, bw.loss, factors, tolerance)
        if not fwd.matches:
            return Comparison(**base, reference=fit(user, computed, tolerance), forward=fwd)
    allowed = tuple(factors)
    reference = fit(user, computed, tolerance, allowed)
    if reference.worst <= tolerance:
        return Comparison(
            **base,
            reference=reference,
            forward=fwd,
            conventions=conventions(reference, mine, factors) + scheme_convention(scheme),
        )
    transposed = square_transposes(user, computed, reference, tolerance)
    if transposed:
        turned = {**user, **{n: user[n].T for n in transposed}}
        if fit(turned, computed, tolerance, (reference.factor,)).worst <= tolerance:
            return Comparison(
                **base,
                reference=reference,
                forward=fwd,
                transposed=transposed,
                grads_transposed=mine.grads_transposed,
            )
    every: list[Candidate] = []  # every variant tried, for the partial explanations
    with interrupt.phase("catalogue"):
        candidates = ranked(setup, p, batch, user, computed, tolerance, allowed, every)
    candidates = not_the_given(candidates, scheme, batch)  # never itself under another name
    every = not_the_given(every, scheme, batch)
    named = [c for c in candidates if c.fit.worst <= tolerance]
    if not named and fwd is None:
        fwd = by_gradients(setup, p, user, tolerance, allowed)
        if fwd is not None:
            return Comparison(**base, reference=reference, forward=fwd)
    best = named[0].fit if named else reference
    differing = reference.differing(tolerance)
    parts = {} if named else partial(differing, every, tolerance)
    if not named and not transposed and "b_output" in differing and "b_output" not in parts:
        # ∂L/∂b_output = Σₜ (ŷₜ − yₜ)/B is the forward pass's alone, and no catalogued
        # mistake of the output layer gives it: the forward pass differs
        fwd = ForwardCheck(None, None, None, False, evidence="b_output")
    grads = [n for n in differing if n in bw.grads]
    where = flows_departing(bw, setup.cell, user, best.factor, tolerance, full, scheme)
    said = None
    if scheme is not None and not named:
        full_flows = {n: w.t for n, w in where.items() if w.full_bptt and w.t is not None}
        if full_flows:
            said = full_flows_words(full_flows, scheme, not grads)
    return Comparison(
        **base,
        reference=reference,
        forward=fwd,
        conventions=conventions(best, mine, factors) if named else [],
        transposed=transposed,
        grads_transposed=mine.grads_transposed,
        named=named,
        nearest=[] if named else [c for c in candidates if c.fit.worst <= NEAR][:3],
        partial=parts,
        locations={}
        if named
        else locations(user, computed, reference.factor, grads, tolerance, setup.vocab),
        where=where,
        said=said,
        apart=apart(named, batch.T, setup.loss) if len(named) > 1 else None,
    )


def noise_of_outputs(
    cell: Any,
    p: Params,
    batch: Any,
    fw: Any,
    u: float,
    rng: np.random.Generator,
    name: str,
    user: Mapping[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """The quantities that an error δₜ of u·(ŷₜ + yₜ), random signs, in every ∂L/∂oₜ brings:
    BPTT is linear in ∂L/∂o, so they are BPTT of δ itself."""
    B = batch.x.shape[0]
    s, t = np.nonzero(batch.out)
    y_hat = np.exp(log_softmax(logits(p, fw.h[s, t])))
    y_hat[np.arange(s.size), batch.y[s, t]] += 1.0
    delta = u * y_hat * rng.choice((-1.0, 1.0), y_hat.shape) / B
    dh_out = np.zeros(fw.h.shape)
    dh_out[s, t] = delta @ p["V"].T
    q = cell.prepare(p)
    from_next, cell_delta, _ = full_bptt(cell, q, fw, dh_out)
    grads = cell_gradients(cell, q, batch, fw, cell_delta, p["V"].shape[1])
    grads.update(V=fw.h[s, t].T @ delta, b_output=delta.sum(axis=0))
    found = {n: g for n, g in grads.items() if n in user}
    H = fw.hidden
    if "dh" in user:
        found["dh"] = (dh_out + from_next[..., :H])[0, 1:]
    if "dc" in user and name == "lstm":
        found["dc"] = parts(cell_delta, 5)[4][0, 1:]
    return found


def conventions(best: Fit, mine: UserNumbers, factors: Mapping[float, str]) -> list[Convention]:
    """The conventions that, undone, let every number match: a known factor, a layout."""
    found = []
    if best.factor != 1.0:
        found.append(Convention(f"scale-{best.factor:g}", factors[best.factor], factor=best.factor))
    if mine.transposed_keys:
        keys = mine.transposed_keys
        found.append(
            Convention(
                "transposed-layout",
                f"{', '.join(keys)} given transposed (told by the shape)",
                keys=keys,
            )
        )
    return found


def square_transposes(
    user: Mapping[str, np.ndarray], computed: Mapping[str, np.ndarray], ref: Fit, tol: float
) -> list[str]:
    """The square gradients that differ and are the transpose of the trace's."""
    return [
        n
        for n in ref.differing(tol)
        if user[n].ndim == 2
        and user[n].shape[0] == user[n].shape[1]
        and relative(user[n], ref.factor * computed[n].T) <= tol
    ]


def flows_departing(
    bw: Backward,
    cell: str,
    user: Mapping[str, np.ndarray],
    factor: float,
    tol: float,
    full: Backward | None = None,
    scheme: Scheme | None = None,
) -> dict[str, Where]:
    """Where the user's ∂L/∂hₜ (and ∂L/∂cₜ) first depart, from T down (shown only when
    something differs), from the flows of ``bw``: under a ``scheme``, its own (from the output
    at t, and from t+1 inside its windows), beside full BPTT's (``full``)."""
    H = bw.dh_from_output.shape[2]
    beside = full if scheme is not None else None
    found: dict[str, Where] = {}
    if "dh" in user:
        own, nxt = bw.dh_from_output[0, 1:], bw.from_next[0, 1:, :H]
        whole = None if beside is None else factor * flow(beside, "dh", H)
        found["dh"] = departure(user["dh"], factor * own, factor * nxt, tol, whole)
    if "dc" in user and cell == "lstm":
        nxt = bw.from_next[0, 1:, H:]
        dc = flow(bw, "dc", H)
        whole = None if beside is None else factor * flow(beside, "dc", H)
        found["dc"] = departure(user["dc"], factor * (dc - nxt), factor * nxt, tol, whole)
    return found


def flow(bw: Backward, name: str, H: int) -> np.ndarray:
    """The first sentence's ∂L/∂hₜ ("dh") or the LSTM's ∂L/∂cₜ ("dc"), t = 1 … T."""
    if name == "dh":
        return bw.dh_from_output[0, 1:] + bw.from_next[0, 1:, :H]
    return parts(bw.delta, 5)[4][0, 1:]
