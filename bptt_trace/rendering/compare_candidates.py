"""One candidate of --compare's verdict in words: a truncation scheme the gradients are, full
BPTT under a scheme given, --truncate K, or a catalogued mistake with what it should be."""

from __future__ import annotations

from rich.text import Text

from ..usercode.comparison import Candidate
from .plain import plural


def sci(x: float) -> str:
    return f"{x:.2e}"


def candidate_text(c: Candidate, given: str | None = None) -> Text:
    if c.mistake.id == "full-bptt":  # a scheme was given; the user's numbers are full BPTT's
        return Text(
            f"your gradients are those of full BPTT (every loss flows back to t = 1), not of "
            f"{given}: they keep the terms it cuts.\n  reproduces every gradient within "
            f"{sci(c.fit.worst)} relative; to check them as such, leave out {given}"
        )
    if c.mistake.id == "scheme":  # a truncation scheme's gradient (usercode.schemes)
        flag = c.variant.numbers["flag"]
        fix = f"use {flag} instead of {given}" if given else f"add {flag}"
        return Text(
            f"your gradients are those of {c.variant.implied}.\n"
            f"  {c.mistake.should}\n"
            f"  reproduces every gradient within {sci(c.fit.worst)} relative; to check them "
            f"as such, {fix}"
        )
    if c.mistake.id == "truncated-K":
        K = c.variant.numbers["K"]
        return Text(
            f"your gradients are those of --truncate {K}: each loss flows back through at "
            f"most {plural(int(K), 'step')}.\n  as a mistake, {c.variant.id}: should be "
            f"{c.mistake.should}\n"
            f"  reproduces every gradient within {sci(c.fit.worst)} relative; to check them "
            f"as such, add --truncate {K}"
        )
    return Text(
        f"mistake {c.variant.id}: {c.mistake.explanation}.\n"
        f"  should be:      {c.mistake.should}\n"
        f"  your numbers:   {c.variant.implied}\n"
        f"  reproduces every gradient within {sci(c.fit.worst)} relative"
    )
