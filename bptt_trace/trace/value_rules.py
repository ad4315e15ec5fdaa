"""What any value a trace holds must be to be shown: a number finite and within JSON's safe
integers, a count, free text without control characters, an array written whole (no summary).
The consistency checks (``consistency``, ``sentence_checks``) are made of these."""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from .checks import MAX_INTEGER

MAX_TEXT = 1_000
"""Longest free text (a verdict, a warning, a message) a trace may hold, in characters."""


def is_number(x: Any) -> bool:
    if isinstance(x, int) and not isinstance(x, bool):
        return abs(x) <= MAX_INTEGER  # a 401-digit integer is no float
    return isinstance(x, float) and math.isfinite(x)


def is_count(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= MAX_INTEGER


def text_problem(text: str) -> str | None:
    """Free text shown as it is: bounded, no control, format or half character in it."""
    if len(text) > MAX_TEXT:
        return f"text of at most {MAX_TEXT:,} characters"
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            return f"text without control characters (it holds U+{ord(ch):04X})"
    return None


def is_whole(value: Any) -> bool:
    """Whether an array written whole at every detail is whole (holds no summary)."""
    if isinstance(value, dict):
        return False
    return all(is_whole(item) for item in value) if isinstance(value, list) else True
