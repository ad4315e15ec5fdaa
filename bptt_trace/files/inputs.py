"""Reading the user's input files: sentences from an argument, a corpus file or stdin.

Every check raises ``InputError`` with one line that names the problem and the fix.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..core.tokens import parse_corpus, tokenize
from ..errors import InputError

MAX_TOKENS = 50_000
"""Longest corpus accepted, in tokens: a traced step shows every one of them."""


def read_sentences(sentence: str | None, file: Path | None) -> list[list[str]]:
    """The corpus: the SENTENCE argument or the lines of ``--file`` (``-`` is stdin)."""
    if sentence is not None and file is not None:
        raise InputError("give either a SENTENCE or --file, not both")
    if file is None:
        if sentence is None:
            raise InputError('give a sentence to trace, as in: bptt-trace "I like NLP"')
        tokens = tokenize(sentence)
        if not tokens:
            raise InputError('the sentence is empty; give at least one word, as in "I like NLP"')
        corpus = [tokens]
    else:
        corpus = parse_corpus(read_text(file), "--file -" if str(file) == "-" else f"--file {file}")
    total = sum(len(tokens) for tokens in corpus)
    if total > MAX_TOKENS:
        raise InputError(
            f"the input has {total} tokens, more than the limit of {MAX_TOKENS}; "
            "trace a shorter text"
        )
    return corpus


def read_bytes(path: Path, option: str, wanted: str) -> bytes:
    """The bytes of ``path``, or of stdin for ``-``; ``wanted`` says what belongs there."""
    where = f"{option} {path}"
    if str(path) == "-":
        return sys.stdin.buffer.read()
    if not path.exists():
        raise InputError(f"{where}: no such file; give {wanted}")
    if path.is_dir():
        raise InputError(f"{where}: is a folder; give {wanted}")
    try:
        return path.read_bytes()
    except OSError as err:
        raise InputError(
            f"{where}: cannot be read ({err.strerror}); check its permissions"
        ) from None


def read_text(file: Path) -> str:
    """The UTF-8 text of ``file``, or of stdin for ``-``."""
    where = f"--file {file}"
    data = read_bytes(file, "--file", "a text file with one sentence a line")
    if b"\0" in data:
        raise InputError(f"{where}: is a binary file; give a text file with one sentence a line")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(
            f"{where}: is not UTF-8 text (byte {err.start}); save it as UTF-8"
        ) from None
