"""From command-line values to a checked corpus and Config, before any computing.

Every check raises ``InputError`` with one line that names the problem and the fix. The
numbers are checked in ``number_checks``, a model's options and a loaded model in
``model_checks``; this module checks the run's size, its outputs, and puts them together.
"""

from __future__ import annotations

import sys
from typing import Any

from ..config import DEFAULT_FORGET_BIAS, DEFAULT_HIDDEN, EOS
from ..core.cells import make_cell
from ..core.cells.declaration import Cell
from ..core.model import parameter_count
from ..core.tokens import tokenize
from ..errors import InputError
from .gru_options import check_reset_after, check_reset_after_loaded
from .messages import warning
from .model_checks import check_cell, check_cell_options, check_loaded, loaded_from
from .number_checks import Numbers, check_numbers
from .request import Request
from .schemes import check_schemes

MAX_PARAMETERS = 50_000_000
"""Largest model accepted, in float64 parameters (400 MB)."""


MAX_RUN_BYTES = 1_500_000_000
"""The most a run may be estimated to hold at its peak (``core.footprint``): with Python,
NumPy and their libraries (about 0.2 GB of address space) it stays under 2 GB."""


def check_size(
    cells: list[Cell],
    vocab_size: int,
    hidden: int,
    lengths: list[int],
    truncate: int | None = None,
    check: bool = False,
    detail: str = "auto",
    tables: bool = False,
    window: int | None = None,
) -> None:
    """Refuse, from an estimate of everything the run holds at its peak (``run_bytes``: with
    ``--detail full``, its whole arrays in the events, and in the tables when ``tables`` are
    shown or recorded) and before allocating anything, a run that would not fit in memory; one
    line names the estimate, its largest part and what to change. With several cells, the
    largest."""
    from ..core.footprint import run_bytes

    parts = max(
        (
            run_bytes(c, vocab_size, hidden, lengths, truncate, check, detail, tables, window)
            for c in cells
        ),
        key=lambda p: sum(p.values()),
    )
    total = sum(parts.values())
    if total <= MAX_RUN_BYTES:
        return
    largest = max(parts, key=parts.__getitem__)
    gb = f"{gigabytes(parts[largest])} GB"
    if largest == "tables":
        why = f"--detail full's whole arrays in the tables' rows, {gb}"
        fix = "leave out --detail full (summaries), or add --json, or use a smaller --hidden"
    elif largest == "events":
        count = max(parameter_count(c, vocab_size, hidden) for c in cells)
        why = f"--detail full's whole arrays of {count:,} parameters in the events, {gb}"
        fix = f"leave out --detail full (summaries), or use a smaller --hidden (now {hidden})"
    elif largest == "parameters":
        count = max(parameter_count(c, vocab_size, hidden) for c in cells)
        why = f"{count:,} parameters and their copies, {gb}"
        fix = f"use a smaller --hidden (now {hidden}) or a corpus of fewer distinct tokens"
    else:
        tokens, longest = sum(lengths), max(lengths)
        why = (
            f"the {largest} pass over {tokens:,} tokens in sentences of up to {longest:,} at "
            f"--hidden {hidden}, {gb}"
        )
        shorter = ", or a smaller --truncate" if truncate is not None else ""
        shorter = ", or shorter windows (--chunks, --tbptt)" if window is not None else shorter
        fix = f"use a smaller --hidden, or fewer or shorter sentences{shorter}"
    raise InputError(
        f"this run would hold about {gigabytes(total)} GB of memory at once, more than the "
        f"limit of {MAX_RUN_BYTES / 1e9:.1f} GB (largest part: {why}); {fix}"
    )


def gigabytes(size: float) -> str:
    """``size`` bytes in GB, to one decimal (past a million GB, as 4.8e+32)."""
    return f"{size / 1e9:,.1f}" if size < 1e15 else f"{size / 1e9:.1e}"


def check_target(target: str | None) -> str:
    if target is None:
        return EOS
    from ..files.tokens import check_tokens

    one_token = f"--target must be one token (a word or a punctuation mark), not {target!r}"
    if not target or any(ch.isspace() for ch in target):
        raise InputError(one_token)
    check_tokens([target], "--target")  # the characters' rule, as for every token
    if target != EOS and tokenize(target) != [target]:
        raise InputError(one_token)
    return target


def prepare(req: Request) -> tuple[Any, ...]:
    """Checked corpus, Config, and the loaded parameters and vocabulary, if any."""
    from ..config import Config
    from ..core.tokens import build_vocab
    from ..files.inputs import read_sentences

    check_numbers(
        Numbers(
            req.lr,
            req.seed,
            req.hidden if req.hidden is not None else 1,
            req.steps,
            req.precision,
            req.trace_every,
            req.truncate,
            req.clip,
            req.init_scale,
        )
    )
    schemes = check_schemes(req)
    corpus = read_sentences(req.sentence, req.file)
    target = check_target(req.target)
    params = vocab = loaded = None
    hidden, activation, cell_name = req.hidden, req.activation, req.cell or "rnn"
    forget_bias = req.forget_bias if req.forget_bias is not None else DEFAULT_FORGET_BIAS
    reset_after = req.reset_after
    if req.load is not None:
        from ..files.model_file import load_model

        params, vocab, saved = load_model(req.load)
        check_loaded(vocab, saved, corpus, target, req.hidden, req.activation)
        hidden, activation = saved["hidden"], saved["activation"]
        cell_name = check_cell(saved.get("cell", "rnn"), req.cell, req.load)
        forget_bias = saved.get("forget_bias", DEFAULT_FORGET_BIAS)
        reset_after = check_reset_after_loaded(saved, req.reset_after, req.load)
        loaded = loaded_from(req.load, saved)
    check_cell_options(cell_name, req.activation, req.forget_bias)
    check_reset_after(cell_name, req.reset_after, req.compare_cells)
    if req.init is not None:
        from ..files.user_bptt import load_init

        if req.load is not None or req.hidden is not None:
            raise InputError("--init gives the weights and H; leave out --load and --hidden")
        params, vocab = load_init(req.init, req.layout, corpus, target, cell_name, reset_after)
        hidden = params["V"].shape[0]
    hidden = hidden if hidden is not None else DEFAULT_HIDDEN
    cell = make_cell(
        {
            "cell": cell_name,
            "activation": activation or "tanh",
            "forget_bias": forget_bias,
            "reset_after": reset_after,
        }
    )
    cells = (
        [make_cell({"cell": c, "reset_after": reset_after}) for c in ("rnn", "lstm", "gru")]
        if req.compare_cells
        else [cell]
    )
    lengths = [len(sentence) for sentence in corpus]
    check_size(
        cells,
        len(vocab or build_vocab(corpus, target)),
        hidden,
        lengths,
        req.truncate,
        req.check,
        req.detail,
        not req.json_out or req.export is not None,  # tables shown or recorded
        schemes.window,
    )
    from ..core.truncation import scheme_of
    from .work_checks import check_work

    scheme = scheme_of({"truncate": None, "chunks": schemes.chunks, "tbptt": schemes.tbptt})
    check_work(
        cells, hidden, lengths, scheme, req.steps, schemes.update_every, req.loss, req.trace_every
    )
    config = Config(
        cell=cell_name,
        forget_bias=forget_bias,
        reset_after=reset_after,
        hidden=hidden,
        lr=req.lr,
        seed=req.seed,
        activation=activation or "tanh",
        loss=req.loss,
        target=target,
        steps=req.steps,
        trace_every=req.trace_every,
        truncate=req.truncate,
        chunks=schemes.chunks,
        tbptt=schemes.tbptt,
        update_every=schemes.update_every,  # type: ignore[arg-type]
        clip=req.clip,
        check=req.check,
        detail=req.detail,
        init_scale=req.init_scale,
        loaded=loaded,
    )
    return corpus, config, params, vocab


def pause_wanted(req: Request) -> bool:
    """--pause, unless stdin is not a terminal (then a one-line warning)."""
    if not req.pause:
        return False
    if not sys.stdin.isatty():
        warning("--pause is ignored: stdin is not a terminal")
        return False
    return True
