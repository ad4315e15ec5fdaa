"""The ``truncation`` event: a traced step's scheme beside full BPTT, and what replay accepts.

For the step's starting parameters: each parameter's gradient under the scheme (summed over
its windows, the mean over sentences) against full BPTT of the same losses (``metrics``);
for the first traced sentence (its windows those of the corpus's time axis, the longest
sentence's), how many states each loss reaches (``reach``: loss s keeps
the terms of the states k with s − reach < k ≤ s, the others up to s are cut, and those past
s are structurally zero) and the bias of every K = 1 … T (``bias``; None past
``BIAS_STEPS`` or when it would cost more than ``BIAS_WORK``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..config import Config
from ..core.cells.declaration import Cell, Params
from ..core.corpus import Corpus, corpus_backward
from ..core.truncation import KINDS, Scheme, scheme_of
from .base_event import Event
from .checks import number

METRICS = ("relative_error", "cosine", "sign_agreement")


@dataclass(frozen=True)
class TruncationEvent(Event):
    """The scheme (``scheme`` its kind, ``k1`` its K or K1, ``k2`` = k1 or K2), per parameter
    ``metrics`` {relative_error, cosine, sign_agreement} of its gradient against full BPTT's,
    and for sentence ``sentence`` (the first traced one) its ``losses``, each one's ``reach``
    and ``bias``: per K = 1 … T the metrics of every parameter at once."""

    kind: ClassVar[str] = "truncation"
    whole: ClassVar[tuple[str, ...]] = ("losses", "reach", "metrics", "bias")
    step: int
    sentence: int
    scheme: str
    k1: int
    k2: int
    losses: list[int]
    reach: list[int]
    metrics: dict[str, dict[str, float | None]]
    bias: list[dict[str, float | None]] | None


def truncation_events(
    step: int, cell: Cell, p: Params, corpus: Corpus, fw: Any, bw: Any, config: Config
) -> Iterator[TruncationEvent]:
    """The step's truncation event when ``config`` names a scheme (else nothing). ``bw`` is
    the traced step's backward pass at ``p``: under a scheme its gradients are the scheme's,
    summed over its windows (``scheme_gradients``), and are not computed again."""
    scheme = scheme_of(config)
    if scheme is None:
        return
    from ..core.truncation_terms import affordable, bias_against_k, parameter_metrics, reach

    T, axis = int(corpus.lengths[0]), int(corpus.lengths.max())  # the scheme's time axis
    x, y, out, state, cache = (
        np.asarray(a[0])[: T + 1] for a in (corpus.x, corpus.y, corpus.out, fw.state, fw.cache)
    )
    losses = np.flatnonzero(out)
    full = corpus_backward(cell, p, corpus, fw, None, record=False).grads
    rows = (x, y, out, state, cache)
    H = int(p["V"].shape[0])
    cheap = affordable(T, losses.size, state.shape[1], cell.delta_width(H))
    yield TruncationEvent(
        step=step,
        sentence=0,
        scheme=scheme.kind,
        k1=scheme.k1,
        k2=scheme.k2,
        losses=losses.tolist(),
        reach=reach(scheme, axis, losses).tolist(),
        metrics=parameter_metrics(bw.grads, full),
        bias=bias_against_k(cell, p, rows, scheme, axis) if cheap else None,
    )


def run_scheme(config: dict[str, Any]) -> Scheme | None:
    """The scheme a trace's (checked) config names, or None."""
    try:
        return scheme_of(config)
    except (TypeError, ValueError):
        return None


def truncation_problem(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    """What a truncation event says that its run contradicts (None if nothing): its scheme is
    the config's, its losses and reach those of the scheme on its sentence, its metrics
    numbers in their ranges, one per parameter of the run's cell."""
    scheme = run_scheme(run["config"])
    if scheme is None:
        return "the run's config names no truncation scheme"
    if data["scheme"] not in KINDS or (data["scheme"], data["k1"], data["k2"]) != (
        scheme.kind,
        scheme.k1,
        scheme.k2,
    ):
        return f"'scheme', 'k1' and 'k2' should be those of the run's {scheme.flag()}"
    if data["sentence"] != 0:
        return "'sentence' should be 0, the first traced sentence"
    T = len(run["sentences"][0])
    every = run["config"]["loss"] == "every"
    losses = list(range(1, T + 1)) if every else [T]
    if data["losses"] != losses:
        return "'losses' should be the time steps of the sentence's losses"
    axis = max(len(sentence) for sentence in run["sentences"])
    from ..core.truncation_terms import reach  # only under a scheme: not a plain run's start-up

    if data["reach"] != reach(scheme, axis, np.array(losses)).tolist():
        return f"'reach' should be how far each loss reaches under {scheme.flag()}"
    extra = sorted(set(data["metrics"]) - set(_param_names(run)))
    if extra:
        return "'metrics' should name the run's parameters only"
    for name, values in data["metrics"].items():
        problem = _metrics_problem(values)
        if problem:
            return f"'metrics' of {name}: {problem}"
    bias = data["bias"]
    if bias is not None:
        if len(bias) != T:
            return f"'bias' should have a row for each K = 1 … {T}"
        for k, row in enumerate(bias, start=1):
            problem = _metrics_problem(row)
            if problem:
                return f"'bias' at K = {k}: {problem}"
    return None


def _param_names(run: dict[str, Any]) -> list[str]:
    from ..core.cells import make_cell
    from ..core.model import declared

    config = run["config"]
    cell = make_cell(
        {
            "cell": config.get("cell") or "rnn",
            "activation": config["activation"],
            "reset_after": config.get("reset_after") is True,
        }
    )
    return [spec.name for spec in declared(cell)]


def _metrics_problem(values: Any) -> str | None:
    if not isinstance(values, dict) or sorted(values) != sorted(METRICS):
        return f"should be an object of {', '.join(METRICS)}"
    for name in METRICS:
        x = values[name]
        if x is None:
            continue
        if number(x, {}) is not None:  # a finite float, or a whole number a float holds
            return f"{name} should be a finite number or null"
    ranges = {"relative_error": (0.0, math.inf), "cosine": (-1.0, 1.0), "sign_agreement": (0, 1)}
    for name, (low, high) in ranges.items():
        x = values[name]
        if x is not None and not low - 1e-9 <= x <= high + 1e-9:
            return f"{name} should be between {low:g} and {high:g}"
    return None
