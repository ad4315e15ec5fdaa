"""From command-line values to a checked corpus and Config, before any computing.

Every check raises ``InputError`` with one line that names the problem and the fix.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .tokenize import EOS, InputError, parse_corpus, tokenize

MAX_TOKENS = 50_000
"""Longest corpus accepted, in tokens: a traced step shows every one of them."""

MAX_PARAMETERS = 50_000_000
"""Largest model accepted, in float64 parameters (400 MB)."""


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


@dataclass(frozen=True)
class Numbers:
    lr: float
    hidden: int
    steps: int
    precision: int
    trace_every: int | None
    truncate: int | None
    clip: float | None


def check_numbers(n: Numbers) -> None:
    """Refuse numbers that cannot make a run."""
    if not math.isfinite(n.lr) or n.lr <= 0:
        raise InputError(f"--lr must be a finite number above 0, not {n.lr}; try --lr 0.1")
    if n.hidden < 1:
        raise InputError(f"--hidden must be at least 1, not {n.hidden}; try --hidden 4")
    if n.steps < 1:
        raise InputError(f"--steps must be at least 1, not {n.steps}; try --steps 100")
    if n.precision < 0 or n.precision > 17:
        raise InputError(f"--precision must be from 0 to 17 decimals, not {n.precision}")
    if n.trace_every is not None and n.trace_every < 1:
        raise InputError(f"--trace-every must be at least 1, not {n.trace_every}")
    if n.truncate is not None and n.truncate < 1:
        raise InputError(
            f"--truncate must be at least 1 step, not {n.truncate}; leave it out for full BPTT"
        )
    if n.clip is not None and (not math.isfinite(n.clip) or n.clip <= 0):
        raise InputError(f"--clip must be a finite number above 0, not {n.clip}; try --clip 1")


def check_size(vocab_size: int, hidden: int) -> None:
    """Refuse, from an estimate and before allocating, a model too large for memory."""
    count = 2 * vocab_size * hidden + hidden * hidden + hidden + vocab_size
    if count > MAX_PARAMETERS:
        raise InputError(
            f"--hidden {hidden} with |vocab| = {vocab_size} makes {count:,} "
            f"parameters, more than the limit of {MAX_PARAMETERS:,}; "
            "use a smaller --hidden"
        )


def check_target(target: str | None) -> str:
    if target is None:
        return EOS
    tokens = tokenize(target)
    if target != EOS and (len(tokens) != 1 or tokens[0] != target):
        raise InputError(
            f"--target must be one token (a word or a punctuation mark), not {target!r}"
        )
    return target


def check_writable(path: Path, option: str) -> None:
    """Fail before computing when ``path`` cannot be written."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError(f"{option} {path}: is a folder; give a file name")
    if not folder.is_dir():
        raise InputError(f"{option} {path}: the folder {folder} does not exist; create it first")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{option} {path}: cannot be written; choose another place")
    try:  # a real try, so that read-only file systems are found too (even for root)
        fd, probe = tempfile.mkstemp(prefix=".bptt-trace-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise InputError(
            f"{option} {path}: cannot be written there ({err.strerror}); choose another place"
        ) from None


def check_loaded(
    vocab: list[str],
    config: dict[str, Any],
    corpus: list[list[str]],
    target: str,
    hidden: int | None,
    activation: str | None,
) -> None:
    """A loaded model must know every token, and fit the options given."""
    known = set(vocab)
    missing = list(dict.fromkeys(t for s in [*corpus, [target]] for t in s if t not in known))
    if missing:
        shown = ", ".join(repr(t) for t in missing[:8]) + (" …" if len(missing) > 8 else "")
        raise InputError(
            f"the loaded model's vocabulary lacks {shown}; "
            "train a new model on a corpus that has them"
        )
    if hidden is not None and hidden != config["hidden"]:
        raise InputError(
            f"--hidden {hidden} differs from the loaded model's "
            f"{config['hidden']}; leave --hidden out with --load"
        )
    if activation is not None and activation != config["activation"]:
        raise InputError(
            f"--activation {activation} differs from the loaded model's "
            f"{config['activation']}; leave --activation out with --load"
        )
