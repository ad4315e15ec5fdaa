"""Every float an event carries is finite: the check made where events are made.

The loop checks the loss, the gradient norm and the parameters, but the quantities derived
from them for display (blame norms, Jacobian norms, logits, predictions, the norms of the
summaries a large array is written as) can leave the floats while those are still finite. An
event that would carry NaN or ±inf is never written: the run stops with a ``diverged`` event
that names the quantity (``nonfinite`` says which).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.norms import norm
from .base_event import Event, field_names
from .summary import is_summary, too_large

LARGE = 1e150
"""Past this an array's norm (written in its summary) may exceed the floats: it is looked at."""

NAMES: dict[tuple[str, str], str] = {
    ("forward", "terms"): "a forward term (xₜ·W, hₜ₋₁·Wʰ or aₜ)",
    ("forward", "h"): "the hidden state hₜ",
    ("output", "o"): "the logits",
    ("output", "y_hat"): "the prediction ŷₜ",
    ("output", "loss"): "the loss Lₜ",
    ("output", "dL_do"): "∂Lₜ/∂(the logits)",
    ("backward", "terms"): "a backward term (∂L/∂aₜ, a contribution or a running sum)",
    ("blame", "matrix"): "the blame norms ‖∂Lₛ/∂hₖ‖",
    ("blame", "shares"): "a time step's contribution ‖contribution of time step t‖",
    ("loss_gradients", "grads"): "a per-loss gradient ∂Lₛ/∂θ",
    ("jacobians", "norms"): "the Jacobian norms ‖∂h_T/∂hₖ‖",
    ("jacobians", "sigma_max"): "the recurrent matrix's largest singular value",
    ("jacobians", "spectral_radius"): "the recurrent matrix's spectral radius",
    ("predictions", "top"): "the predictions softmax(hₜ·V + b_output)",
    ("end", "loss_after"): "the loss L after the last update",
}


def nonfinite(event: Event, detail: str = "auto") -> str | None:
    """What the event carries that is not a finite float (or whose norm is not), named for a
    reader; None when every number is finite. An array's norm matters only where ``detail``
    writes it as a summary."""
    for name in field_names(type(event)):
        found = _problem(getattr(event, name), detail)
        if found is not None:
            key, problem = found
            what = NAMES.get((event.kind, name), f"{name} of the {event.kind} event")
            if key is not None and event.kind in ("params", "update", "gradients"):
                what = f"{name} {key}" if event.kind == "update" else key
            where = f" (sentence {event.sentence + 1})" if hasattr(event, "sentence") else ""
            return f"{what}{where} {problem}"
    return None


def _problem(value: Any, detail: str, key: str | None = None) -> tuple[str | None, str] | None:
    """(the mapping key it is under, what is wrong) for the first number that is not finite."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind != "f":
            return None
        if not np.isfinite(value).all():
            return key, "became NaN" if np.isnan(value).any() else "became infinite"
        if (
            too_large(value, detail)
            and np.max(np.abs(value)) > LARGE
            and not math.isfinite(norm(value))
        ):
            return key, "has a norm beyond the floats"
        return None
    if isinstance(value, float):
        if math.isfinite(value):
            return None
        return key, "became NaN" if math.isnan(value) else "became infinite"
    if is_summary(value):  # min and max carry a NaN or ±inf of the array, norm an overflow
        found = _problem([value["min"], value["max"]], detail, key)
        if found is None and not math.isfinite(value["norm"]):
            return key, "has a norm beyond the floats"
        return found
    if isinstance(value, dict):
        items = [(k if key is None and isinstance(k, str) else key, v) for k, v in value.items()]
    elif isinstance(value, (list, tuple)):
        items = [(key, v) for v in value]
    else:
        return None
    for inner_key, item in items:
        if type(item) is float:  # (the common case, without a call)
            if item - item == 0.0:  # finite: ±inf − ±inf and NaN − NaN are NaN
                continue
            return inner_key, "became NaN" if math.isnan(item) else "became infinite"
        found = _problem(item, detail, inner_key)
        if found is not None:
            return found
    return None
