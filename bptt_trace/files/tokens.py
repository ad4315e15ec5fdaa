"""One rule for every token, wherever it comes from: the SENTENCE argument, a ``--file``
corpus, a model's vocabulary (``--load``) or a trace's vocabulary (``--replay``).

A token is at most ``MAX_TOKEN_CHARS`` characters, holds no whitespace, no control or format
character, and no lone surrogate (what Python makes of a byte that is not UTF-8 in the
command line). Longer tokens make tables no one can read, and tables that take minutes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from ..errors import InputError

MAX_TOKEN_CHARS = 1_000
"""Longest token accepted, in characters."""


def token_problem(token: object) -> str | None:
    """What is wrong with ``token`` and the fix, in one line, or None for a good token."""
    if not isinstance(token, str):
        return f"the token {token!r} is not text"
    if not token:
        return "a token is empty"
    if len(token) > MAX_TOKEN_CHARS:
        return (
            f"a token of {len(token):,} characters ({token[:12]!r}…) is longer than the "
            f"limit of {MAX_TOKEN_CHARS:,}; shorten it or leave it out"
        )
    for ch in token:
        category = unicodedata.category(ch)
        if 0xDC80 <= ord(ch) <= 0xDCFF:  # how Python keeps a byte of the command line
            return f"the byte 0x{ord(ch) - 0xDC00:02X} is not UTF-8; give UTF-8 text"
        if category == "Cs":
            return f"U+{ord(ch):04X} is half of a character; give whole characters"
        if category in ("Cc", "Cf"):
            return f"the control character U+{ord(ch):04X} is not text; remove it and try again"
        if ch.isspace():
            return f"the token {token[:12]!r} holds whitespace; a token is one word"
    return None


def check_tokens(tokens: Iterable[object], where: str) -> None:
    """Raise InputError, prefixed by ``where``, for the first token that breaks the rule."""
    for token in tokens:
        problem = token_problem(token)
        if problem is not None:
            raise InputError(f"{where}: {problem}")
