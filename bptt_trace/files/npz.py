"""The rules of the two kinds of .npz the tool reads, for the one bounded reader
(``bounded_npz``): a model file (``--load``: a model saved with ``--save``) and a user's
weights or gradients (``--init``, ``--compare``: any ``np.savez`` of arrays). Every member's
.npy header is read within a small cap and checked, and the totals bounded from the headers,
before any data is decompressed; nothing is ever unpickled.

What the arrays mean is for ``model_file.load_model`` (and ``user_bptt``) to check; the tokens
of a vocabulary go through ``tokens.check_tokens``, the rule every other source of tokens
follows.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

from ..core.cells import every_form
from ..core.model import declared
from ..errors import quoted
from .bounded_npz import Npz, open_npz, read_arrays
from .inputs import MAX_TOKENS
from .npz_rules import Member, Policy
from .tokens import MAX_TOKEN_CHARS

MAX_PARAMETERS = 50_000_000
"""Largest model accepted, in parameters (the same limit as ``cli.checks.MAX_PARAMETERS``)."""

MAX_VOCAB = MAX_TOKENS + 2
"""A vocabulary comes from a corpus of at most MAX_TOKENS tokens, plus <eos> and a target."""

MAX_TEXT_CHARS = 1 << 16
"""Longest text scalar (the format name, the configuration as JSON)."""

MAX_ENTRIES = MAX_PARAMETERS
"""Most numbers a user's file holds, in all (the model size limit): read as float64 they take
at most 400 MB."""

MAX_USER_MEMBERS = 64
"""Most arrays in a user's file: an LSTM's 12 parameters in the rows layout and 2 of the
output, the extra keys, and room to spare."""

FIX = "give a model saved with --save"
USER_FIX = "write it with np.savez(path, **arrays)"


def parameters() -> dict[str, int]:
    """Every parameter that a known cell (or the output layer) declares, with its dimensions."""
    return {spec.name: len(spec.shape) for cell in every_form() for spec in declared(cell)}


def members() -> dict[str, Member]:
    """What each array of a model file may be: the known cells' parameters and the metadata."""
    return {
        **{name: Member("f", ndim, MAX_PARAMETERS, 8) for name, ndim in parameters().items()},
        **METADATA,
    }


VOCAB = Member("U", 1, MAX_VOCAB, 4 * MAX_TOKEN_CHARS)
"""A vocabulary: at most MAX_VOCAB tokens of at most MAX_TOKEN_CHARS characters."""

METADATA = {
    "vocab": VOCAB,
    "format": Member("U", 0, 1, 4 * 64),
    "format_version": Member("iu", 0, 1, 8),
    "config": Member("U", 0, 1, 4 * MAX_TEXT_CHARS),
}


def max_members() -> int:
    """The most arrays a model file holds: the largest known cell's parameters and the
    metadata (9 for the vanilla RNN, 18 for the LSTM). The zip directory is read whole by
    ``zipfile``, so its size is checked first (millions of entries would fill the memory)."""
    return max(len(declared(cell)) for cell in every_form()) + len(METADATA)


MAX_TEXT_BYTES = 4 * MAX_TOKEN_CHARS * MAX_VOCAB + 4 * (MAX_TEXT_CHARS + 64)
"""The text a file may hold in all: the largest vocabulary, a configuration and a name."""


def model_policy() -> Policy:
    rules = members()
    return Policy(
        rule=rules.get,
        unknown=lambda name: f"not a model saved by bptt-trace (it holds {quoted(name)})",
        fix=FIX,
        max_members=max_members(),
        max_numbers=MAX_PARAMETERS,
        numbers="parameters",
        max_bytes=8 * MAX_PARAMETERS + 8 + MAX_TEXT_BYTES,  # and format_version
    )


def user_rule(name: str) -> Member | None:
    """Any name: numbers (floats, or integers such as a saved model's format_version) of any
    shape, or text; ``vocab`` as a model's, ``loss`` one number."""
    if name == "vocab":
        return VOCAB
    if name == "loss":
        return Member("f", None, 1, 8)
    if name in METADATA:
        return METADATA[name]
    return Member("fiu", None, MAX_ENTRIES, 8)


def user_policy() -> Policy:
    return Policy(
        rule=user_rule,
        unknown=lambda name: f"holds {quoted(name)}, which is not a NumPy array (.npy)",
        fix=USER_FIX,
        max_members=MAX_USER_MEMBERS,
        max_numbers=MAX_ENTRIES,
        numbers="numbers",
        max_bytes=8 * MAX_ENTRIES + 8 * MAX_USER_MEMBERS + MAX_TEXT_BYTES,
    )


def read_model_arrays(path: Path, where: str) -> dict[str, np.ndarray]:
    """Every array of the model file at ``path``, each checked before it is read."""
    return read_arrays(path, where, model_policy(), what_it_is)


def read_user_arrays(path: Path, where: str) -> dict[str, np.ndarray]:
    """Every array of a user's weights or gradients at ``path``, each checked before it is
    read; the floats as they are stored (float16, float32 or float64)."""
    return read_arrays(path, where, user_policy(), lambda head: what_it_is(head, "an .npz file"))


def open_model_npz(path: Path, where: str) -> AbstractContextManager[Npz]:
    """The model file at ``path``, its headers checked, its data read when asked."""
    return open_npz(path, where, model_policy(), what_it_is)


def open_user_npz(path: Path, where: str) -> AbstractContextManager[Npz]:
    """A user's weights or gradients at ``path``, the headers checked, the data read when
    asked."""
    return open_npz(path, where, user_policy(), lambda head: what_it_is(head, "an .npz file"))


def what_it_is(head: bytes, noun: str = "a model file") -> str:
    """What a file that is not a zip archive holds, from its first bytes."""
    if not head:
        return f"is empty, not {noun}"
    if head.startswith(npy.MAGIC_PREFIX):
        whole = "a model (.npz)" if "model" in noun else noun
        return f"is a single NumPy array (.npy), not {whole}"
    if head[0] == 0x80 and len(head) > 1 and 2 <= head[1] <= 5:
        return "holds a pickled object, which is never loaded"
    if head.startswith(b'{"event":"run"'):
        return f"is a JSON Lines trace, not {noun} (a trace is replayed with --replay)"
    if b"\0" not in head:
        try:
            head.decode("utf-8")
            return f"is a text file, not {noun}"
        except UnicodeDecodeError as err:
            if err.start >= len(head) - 3:  # a character cut at the 512th byte
                return f"is a text file, not {noun}"
    return f"is not {noun} (not a zip archive)"
