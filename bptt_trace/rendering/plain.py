"""Plain text for the tables and the command line's messages: counts with their nouns, and
characters a terminal would act on shown escaped. No Rich and no NumPy, so that an error
message or ``--help`` costs neither."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["UNSAFE", "plural", "unsafe", "visible", "without_trailing_spaces"]


def plural(count: int, noun: str) -> str:
    """1 step, 2 steps: a count and its noun, never "step(s)"."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def losses_flow(k: int) -> str:
    """``the last 1 loss flows``, ``the last 2 losses flow``: the count and its verb."""
    return "1 loss flows" if k == 1 else f"{k:,} losses flow"


UNSAFE = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))
"""Categories of characters a terminal may act on instead of showing (ESC, C1 controls, bidi
overrides…); the newline is the tables' own."""


def unsafe(text: str) -> bool:
    """Whether ``text`` holds a character of the UNSAFE categories other than the newline."""
    if text.isprintable():  # the common case, and quick: no Cc, Cf, Cs, Zl, Zp in it
        return False
    return any(ch != "\n" and unicodedata.category(ch) in UNSAFE for ch in text)


def visible(text: str) -> str:
    """``text`` with every UNSAFE character escaped as Python writes it: \\x1b, \\u202e."""
    if not unsafe(text):
        return text
    return "".join(
        ascii(ch)[1:-1] if ch != "\n" and unicodedata.category(ch) in UNSAFE else ch for ch in text
    )


TRAILING_SPACES = re.compile(r" +(?=(?:\x1b\[[0-9;]*m)+\n)")
"""Spaces that end a line before its styles' closing escapes (a coloured text's)."""


def without_trailing_spaces(text: str) -> str:
    """``text`` with no line ending in spaces: what a table pads its rows with to its width
    shows nowhere, but ``cat -A``, ``diff`` and a reviewer's editor see it. Its last line,
    without a newline yet, may go on in the next write: its spaces stay."""
    if " " not in text:
        return text
    lines = text.split("\n")
    last = lines.pop()
    lines = [line.rstrip(" ") for line in lines]
    text = "\n".join([*lines, last])
    found = "\x1b" in text  # coloured: spaces may sit between escapes, before the newline
    while found:
        text, found = TRAILING_SPACES.subn("", text)
    return text
