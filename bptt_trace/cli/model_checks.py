"""A model's options checked against each other and a loaded model: --load's vocabulary, H, f
and cell against the options given, --activation only for the vanilla RNN, --forget-bias only
for the LSTM; and where a loaded model came from, for the run's config and header."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from ..errors import InputError


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
    check_loaded_options(config, hidden, activation)


def check_loaded_options(
    config: dict[str, Any], hidden: int | None, activation: str | None
) -> None:
    """--hidden and --activation, if given, must be the loaded model's."""
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


def loaded_from(path: Path, saved: dict[str, Any]) -> dict[str, Any]:
    """Where a loaded model came from, for the run's config and header: its path (control
    characters escaped: it is a file's name) and how many updates it had, when its file says
    (``updates``, written by --save since this field exists; None for older files)."""
    from ..rendering.header import printable

    updates = saved.get("updates")
    known = isinstance(updates, int) and not isinstance(updates, bool) and updates >= 0
    return {"path": printable(os.fsdecode(path)), "updates": updates if known else None}


def check_cell(saved: str, asked: str | None, path: Path) -> str:
    """A loaded model's cell: the model's, and --cell, if given, must name it."""
    if asked is not None and asked != saved:
        raise InputError(
            f"--load {path} is a model of the {saved} cell, not {asked}; "
            f"leave --cell out or give --cell {saved}"
        )
    return saved


def check_cell_options(cell: str, activation: str | None, forget_bias: float | None) -> None:
    """--activation belongs to the vanilla RNN, --forget-bias to the LSTM."""
    if activation is not None and cell != "rnn":
        raise InputError(
            f"--activation sets the vanilla RNN's f; the {cell} has its own σ and tanh: "
            "leave --activation out, or trace --cell rnn"
        )
    if forget_bias is not None:
        if cell != "lstm":
            raise InputError(f"--forget-bias is the LSTM's; leave it out with --cell {cell}")
        if not math.isfinite(forget_bias):
            raise InputError(f"--forget-bias must be a finite number, not {forget_bias}")
