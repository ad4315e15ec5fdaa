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
from ..core.tokens import tokenize
from ..errors import InputError
from .gru_options import check_reset_after, check_reset_after_loaded
from .memory_checks import check_size
from .messages import warning
from .model_checks import (
    check_cell,
    check_cell_options,
    check_loaded,
    check_loaded_options,
    loaded_from,
)
from .number_checks import Numbers, check_numbers
from .request import Request
from .schemes import check_schemes

MAX_PARAMETERS = 50_000_000
"""Largest model accepted, in float64 parameters (400 MB)."""


CELL_NAMES = ("rnn", "lstm", "gru")
"""The cells --compare-cells runs."""


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
    if "truncation" in req.only and not (schemes.truncate or schemes.chunks or schemes.tbptt):
        raise InputError(
            "--only truncation shows a truncation scheme beside full BPTT, and this run has "
            "none; add --truncate K, --chunks K or --tbptt K1:K2, or name another view"
        )
    corpus = read_sentences(req.sentence, req.file)
    target = check_target(req.target)
    params = vocab = loaded = None
    hidden, activation, cell_name = req.hidden, req.activation, req.cell or "rnn"
    forget_bias = req.forget_bias if req.forget_bias is not None else DEFAULT_FORGET_BIAS
    reset_after = req.reset_after
    lengths = [len(sentence) for sentence in corpus]

    def fits(model: dict[str, Any], vocab_size: int, hidden: int) -> None:
        """The run's memory estimate (``check_size``) for a model of this configuration."""
        tables = not req.json_out or req.export is not None  # tables shown or recorded
        check_size(
            cells_of(model),
            vocab_size,
            hidden,
            lengths,
            req.truncate,
            req.check,
            req.detail,
            tables,
            schemes.window,
        )

    def cells_of(model: dict[str, Any]) -> list[Any]:
        """The run's cells: the model's, or the three of --compare-cells."""
        if req.compare_cells:
            return [make_cell({"cell": c, "reset_after": model["reset_after"]}) for c in CELL_NAMES]
        return [make_cell(model)]

    def loaded_options(saved: dict[str, Any]) -> dict[str, Any]:
        """A loaded model's cell, checked against the options given."""
        assert req.load is not None
        check_loaded_options(saved, req.hidden, req.activation)
        return {
            "cell": check_cell(saved.get("cell", "rnn"), req.cell, req.load),
            "activation": saved["activation"],
            "forget_bias": saved.get("forget_bias", DEFAULT_FORGET_BIAS),
            "reset_after": check_reset_after_loaded(saved, req.reset_after, req.load),
        }

    if req.load is not None:
        from ..files.model_file import load_model

        # the configuration and the shapes are checked, and the run's memory estimated, from
        # the file's headers and small members before its parameters are read
        params, vocab, saved = load_model(
            req.load,
            fits=lambda saved, size: fits(loaded_options(saved), size, saved["hidden"]),
        )
        check_loaded(vocab, saved, corpus, target, req.hidden, req.activation)
        model = loaded_options(saved)
        hidden, activation, cell_name = saved["hidden"], saved["activation"], model["cell"]
        forget_bias, reset_after = model["forget_bias"], model["reset_after"]
        loaded = loaded_from(req.load, saved)
    check_cell_options(cell_name, req.activation, req.forget_bias)
    check_reset_after(cell_name, req.reset_after, req.compare_cells)
    model = {
        "cell": cell_name,
        "activation": activation or "tanh",
        "forget_bias": forget_bias,
        "reset_after": reset_after,
    }
    if req.init is not None:
        from ..files.user_bptt import load_init

        if req.load is not None or req.hidden is not None:
            raise InputError("--init gives the weights and H; leave out --load and --hidden")
        params, vocab = load_init(
            req.init,
            req.layout,
            corpus,
            target,
            cell_name,
            reset_after,
            fits=lambda size, hidden: fits(model, size, hidden),
        )
        hidden = params["V"].shape[0]
    hidden = hidden if hidden is not None else DEFAULT_HIDDEN
    fits(model, len(vocab or build_vocab(corpus, target)), hidden)
    from ..core.truncation import scheme_of
    from .work_checks import check_work

    scheme = scheme_of({"truncate": req.truncate, "chunks": schemes.chunks, "tbptt": schemes.tbptt})
    check_work(  # the time steps a scheme runs, estimated before anything runs
        cells_of(model),
        hidden,
        lengths,
        scheme,
        req.steps,
        schemes.update_every,
        req.loss,
        req.trace_every,
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
