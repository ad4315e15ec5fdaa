"""The written-out sums of the update panel (``formulas``): a gradient as its terms, the
first TERMS_MAX of them shown and the rest summed, and ∂L/∂V's and ∂L/∂b_output's terms
from the output steps."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.cells.declaration import Param
from ..trace.events import OutputEvent
from ..trace.summary import is_summary
from .theme import fmt, subscript

TERMS_MAX = 6

ROUNDED = "summed before rounding the terms"
"""Why a written sum's total is not what its rounded terms add up to."""

Terms = list[tuple[str, float]]


def _output_lines(
    spec: Param,
    idx: tuple[int, ...],
    label: str,
    vocab: Sequence[str],
    outputs: Sequence[tuple[OutputEvent, Any]],
    sentences: int,
    grad: np.ndarray,
    precision: int,
) -> str:
    """∂L/∂V[i, j] = Σₜ hₜ[i]·(ŷₜ − yₜ)[j] (or ∂L/∂b_output[j] = Σₜ (ŷₜ − yₜ)[j]) with the
    numbers, over the output steps shown, divided by B; what was not shown is one more term."""
    j = idx[-1]
    token = vocab[j]  # V's and b_output's last axis is the vocabulary's
    names, terms = [], []
    products = False
    for e, h in outputs:
        if is_summary(e.dL_do) or (len(idx) == 2 and (h is None or is_summary(h))):
            continue
        t = subscript(e.t)
        dy = float(np.asarray(e.dL_do, dtype=float)[j])
        where = f"s{e.sentence + 1}:" if sentences > 1 else ""
        if len(idx) == 2:
            hi = float(np.asarray(h, dtype=float)[idx[0]])
            names.append(f"{where}h{t}[{idx[0] + 1}]·(ŷ{t} − y{t})[{token}]")
            terms.append((f"({fmt(hi, precision)}) × ({fmt(dy, precision)})", hi * dy))
            products = True
        else:
            names.append(f"{where}(ŷ{t} − y{t})[{token}]")
            terms.append((f"({fmt(dy, precision)})", dy))
    if not terms:
        return ""
    rule = "Σₜ hₜᵀ·(ŷₜ − yₜ)" if len(idx) == 2 else "Σₜ (ŷₜ − yₜ)"
    mean, close = (f"(1/{sentences})·(", ")") if sentences > 1 else ("", "")
    shown = " + ".join(n for n in names[:TERMS_MAX]) + (" + …" if len(names) > TERMS_MAX else "")
    body = " + ".join(text for text, _ in terms[:TERMS_MAX])
    if len(terms) > TERMS_MAX:
        hidden = sum(v for _, v in terms[TERMS_MAX:])
        body += f" + ({fmt(hidden, precision)}: {len(terms) - TERMS_MAX} more)"
    rest_value = float(grad[idx]) - sum(v for _, v in terms) / sentences
    shown_all = abs(rest_value) <= 1e-12 * max(1.0, abs(float(grad[idx])))
    rest = "" if shown_all else _rest("output time steps not shown", rest_value, precision)
    added = written_value(body) / sentences + written_value(rest)
    how = "computed before rounding the factors" if products else ROUNDED
    total = _total(added, float(grad[idx]), precision, True, how)
    return (
        f"  ∂L/∂{spec.symbol} = {rule}: ∂L/∂{label} = {mean}{shown}{close}\n"
        f"        = {mean}{body}{close}{rest}{total}\n"
    )


def _sum(terms: Terms, precision: int) -> str:
    """The first TERMS_MAX terms, then how many more there are and their sum."""
    shown = [f"({fmt(v, precision)})" for _, v in terms[:TERMS_MAX]]
    more = terms[TERMS_MAX:]
    hidden = sum(v for _, v in more)
    return " + ".join(shown) + (f" + ({fmt(hidden, precision)}: {len(more)} more)" if more else "")


def _total(added: float, value: float, precision: int, always: bool, how: str = ROUNDED) -> str:
    """ " = ∂L/∂θ" after a written sum: ``always`` (a sum with hidden terms or a rest, which
    the reader cannot add up), and wherever the numbers as written (``added``: what a reader
    adding them gets) round to another value than ∂L/∂θ, which is then said to be the sum of
    the unrounded terms: (+0.0000) + (-0.0173) + (-0.0826) = -0.0998, not the -0.0999 the
    rounded terms add to, with no word on why."""
    written = fmt(value, precision)
    if fmt(added, precision) != written:
        return f" = {written} ({how})"
    return f" = {written}" if always else ""


NUMBER = re.compile(r"\(([+-](?:\d+\.?\d*)(?:e[+-]?\d+)?)(?=[):])")
"""A number as a written sum shows it: "(-0.0173)", or "(+0.0012: 3 more)"."""

PRODUCT = re.compile(r"\(([^()]+)\) × \(([^()]+)\)")


def written_value(written: str) -> float:
    """What the numbers of a written sum add up to, each as written (rounded): a product
    "(a) × (b)" counts as a·b."""
    total = 0.0
    for a, b in PRODUCT.findall(written):
        total += float(a) * float(b)
    rest = PRODUCT.sub("", written)
    return total + sum(float(x) for x in NUMBER.findall(rest))


def _rest(what: str, value: float, precision: int) -> str:
    return f" + ({fmt(value, precision)}: {what})"
