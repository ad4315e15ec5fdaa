"""From command-line values to a checked corpus and Config, before any computing.

Every check raises ``InputError`` with one line that names the problem and the fix.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..config import EOS
from ..core.tokens import tokenize
from ..errors import InputError
from .modes import ignored_options

MAX_PARAMETERS = 50_000_000
"""Largest model accepted, in float64 parameters (400 MB)."""


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


ColorChoice = Literal["auto", "always", "never"]
"""--color: auto leaves colour to the terminal, NO_COLOR and FORCE_COLOR."""


@dataclass(frozen=True)
class Request:
    """The command line's values, as given; ``given`` names the options the user typed."""

    sentence: str | None
    lr: float
    hidden: int | None
    seed: int
    steps: int
    trace_every: int | None
    target: str | None
    activation: str | None
    loss: str
    truncate: int | None
    clip: float | None
    file: Path | None
    json_out: bool
    output: Path | None
    save: Path | None
    load: Path | None
    precision: int
    check: bool = False
    replay: Path | None = None
    export: Path | None = None
    pause: bool = False
    detail: str = "auto"
    quiet: bool = False
    color: ColorChoice = "auto"
    given: tuple[str, ...] = ()


def check_outputs(req: Request) -> None:
    """Refuse, before computing, options the mode ignores and files that cannot be written."""
    from ..rendering.display import EXPORTS

    refusal = ignored_options(req)
    if refusal is not None:
        raise InputError(refusal)
    for path, option in ((req.output, "--output"), (req.save, "--save"), (req.export, "--export")):
        if path is not None:
            check_writable(path, option)
    if req.export is not None and req.export.suffix.lower() not in EXPORTS:
        raise InputError(f"--export {req.export}: the name must end in .html, .svg or .txt")


def prepare(req: Request) -> tuple[Any, ...]:
    """Checked corpus, Config, and the loaded parameters and vocabulary, if any."""
    from ..config import Config
    from ..core.tokens import build_vocab
    from ..files.inputs import read_sentences

    check_numbers(
        Numbers(
            req.lr,
            req.hidden if req.hidden is not None else 1,
            req.steps,
            req.precision,
            req.trace_every,
            req.truncate,
            req.clip,
        )
    )
    corpus = read_sentences(req.sentence, req.file)
    target = check_target(req.target)
    params = vocab = None
    hidden, activation = req.hidden, req.activation
    if req.load is not None:
        from ..files.model_file import load_model

        params, vocab, saved = load_model(req.load)
        check_loaded(vocab, saved, corpus, target, req.hidden, req.activation)
        hidden, activation = saved["hidden"], saved["activation"]
    hidden = hidden if hidden is not None else 4
    check_size(len(vocab or build_vocab(corpus, target)), hidden)
    config = Config(
        hidden=hidden,
        lr=req.lr,
        seed=req.seed,
        activation=activation or "tanh",
        loss=req.loss,
        target=target,
        steps=req.steps,
        trace_every=req.trace_every,
        truncate=req.truncate,
        clip=req.clip,
        check=req.check,
        detail=req.detail,
    )
    return corpus, config, params, vocab
