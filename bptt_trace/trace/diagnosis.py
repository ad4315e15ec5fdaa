"""Checking a learner's answers to an exercise, and naming the mistake behind a wrong one.

An entry is right within half a unit of the last shown decimal plus what the rounding of the
shown inputs carries into it (the value recomputed from the inputs as the tables round them),
or 1e-3 of its size, whichever is larger; ``--tolerance R`` makes it R, or R of the size
beyond 1. A wrong answer is held against each mistake of its rule, recomputed from the
trace's numbers (and a flipped sign, a transposed matrix): the one that reproduces every entry
names the misconception. The verdict says which entries are off, never what they should be.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .exercise import Blank, Exercise, Numbers, spell
from .exercise_rules import Mistake

RIGHT, WRONG, REVEALED, SKIPPED = "right", "wrong", "revealed", "not attempted"

SIGN = Mistake("sign", "the sign is flipped: {label} has the opposite sign", lambda g, t: g)
TRANSPOSED = Mistake(
    "transposed", "the product is transposed: rows and columns are swapped", lambda g, t: g
)


def words(template: str, blank: Blank) -> str:
    return spell(template, blank.t, label=title(blank))


def title(blank: Blank) -> str:
    """The blank's quantity, e.g. ∂L/∂h₂."""
    return spell(blank.rule.label, blank.t)


def tolerance(blank: Blank, numbers: Numbers, precision: int, override: float | None) -> np.ndarray:
    """Each entry's tolerance (see the module)."""
    size = np.abs(blank.value)
    if override is not None:
        return override * np.maximum(1.0, size)
    unit = 0.5 * 10.0**-precision

    def rounded(where: str, t: int, key: str) -> np.ndarray:
        return np.round(numbers.get(where, t, key), precision)

    try:
        carried = np.abs(np.asarray(blank.rule.value(rounded, blank.t)) - blank.value)
    except (KeyError, ValueError):
        carried = np.zeros_like(size)
    return np.maximum(unit + 2.0 * carried, 1e-3 * size)


def mistaken(blank: Blank, numbers: Numbers) -> list[tuple[Mistake, np.ndarray]]:
    """Each mistake of the blank's rule and its wrong value (those the trace can give)."""
    found = []
    for mistake in blank.rule.mistakes:
        try:
            value = np.asarray(mistake.value(numbers.get, blank.t), dtype=float)
        except KeyError:  # e.g. f′ of step t + 1 at t = T
            if mistake.key in ("no_next", "no_output"):
                value = np.zeros_like(blank.value)
            else:
                continue
        if value.shape == blank.value.shape:
            found.append((mistake, value))
    found.append((SIGN, -blank.value))
    if blank.value.ndim == 2 and blank.value.shape[0] == blank.value.shape[1]:
        found.append((TRANSPOSED, blank.value.T))
    return found


@dataclass(frozen=True)
class Verdict:
    id: str
    status: str
    off: tuple[int, ...] = ()
    """The entries (1-based, row-major) beyond the tolerance."""
    mistake: str | None = None
    words: str | None = None


def check(
    blank: Blank,
    answer: Sequence[float] | None,
    numbers: Numbers,
    precision: int,
    override: float | None = None,
) -> Verdict:
    """The verdict on one answer (None: not attempted)."""
    if answer is None:
        return Verdict(blank.id, SKIPPED)
    given = np.asarray(answer, dtype=float).reshape(blank.value.shape)
    tol = tolerance(blank, numbers, precision, override)
    off = np.abs(given - blank.value) > tol
    if not off.any():
        return Verdict(blank.id, RIGHT)
    entries = tuple(int(k) + 1 for k in np.flatnonzero(off))
    for mistake, wrong in mistaken(blank, numbers):
        if not (np.abs(wrong - blank.value) > tol).any():
            continue  # this mistake gives the right number here: it cannot be told
        if np.all(np.abs(given - wrong) <= np.maximum(tol, 1e-3 * np.abs(wrong))):
            return Verdict(blank.id, WRONG, entries, mistake.key, words(mistake.words, blank))
    return Verdict(blank.id, WRONG, entries)


def parse_line(text: str, blank: Blank) -> list[float]:
    """The numbers of one answer typed on a line (spaces or commas between them)."""
    parts = text.replace(",", " ").replace("[", " ").replace("]", " ").split()
    try:
        numbers = [_number(p) for p in parts]
    except ValueError:
        bad = next(p for p in parts if not _is_number(p))
        raise InputError(
            f"answer {blank.id}: {bad[:20]!r} is not a number; type {blank.value.size} numbers "
            "separated by spaces"
        ) from None
    return checked(numbers, blank)


def checked(numbers: list[float], blank: Blank) -> list[float]:
    if len(numbers) != blank.value.size:
        raise InputError(
            f"answer {blank.id}: {len(numbers)} numbers where {title(blank)} has "
            f"{blank.value.size}; give all of them, row by row"
        )
    if not all(math.isfinite(x) for x in numbers):
        raise InputError(f"answer {blank.id}: a number is not finite; give finite numbers")
    return numbers


DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)", re.I | re.A)
"""A number as typed: ASCII digits, a sign, a point, an exponent (float() would also take
1_0 and other scripts' digits)."""


def _number(text: str) -> float:
    text = text.replace("−", "-")
    if DECIMAL.fullmatch(text) is None:
        raise ValueError(text)
    return float(text)


def _is_number(text: str) -> bool:
    try:
        _number(text)
    except ValueError:
        return False
    return True


def from_mapping(data: object, exercise: Exercise) -> dict[str, list[float] | None]:
    """The answers of an --answers file: {"A": [numbers], …} (nested lists row by row)."""
    if not isinstance(data, dict):
        raise InputError('--answers: the file must hold one JSON object, {"A": [numbers], …}')
    ids = [blank.id for blank in exercise.blanks]
    unknown = [str(k) for k in data if k not in ids]
    if unknown:
        raise InputError(
            f"--answers: no blank {unknown[0][:20]!r} in this exercise; its blanks are "
            f"{', '.join(ids)}"
        )
    answers: dict[str, list[float] | None] = {}
    for blank in exercise.blanks:
        value = data.get(blank.id)
        if value is None:
            answers[blank.id] = None
            continue
        flat = flattened(value)
        if flat is None:
            raise InputError(
                f"--answers: blank {blank.id} must be a list of numbers (a matrix: a list of rows)"
            )
        answers[blank.id] = checked(flat, blank)
    return answers


def flattened(value: object, depth: int = 0) -> list[float] | None:
    """The numbers of a number, a list of numbers or a list of rows; None for anything else."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [float(value)]
    if not isinstance(value, list) or depth > 1:
        return None
    numbers: list[float] = []
    for item in value:
        part = flattened(item, depth + 1)
        if part is None:
            return None
        numbers += part
    return numbers
