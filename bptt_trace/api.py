"""The Python API's functions that the layers below do not already give as they are: a saved
model, loaded with its configuration, and a sentence traced from given parameters.

    from bptt_trace import load_model, trace_sentence, render
    model = load_model("model.npz")             # saved by bptt-trace … --save model.npz
    render(trace_sentence("I like NLP", model.config, params=model.params, vocab=model.vocab))
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .cli.model_checks import check_loaded, loaded_from
from .config import DEFAULT_FORGET_BIAS, EOS, Config
from .core.cells import make_cell
from .core.model import declared, shape_problem
from .core.tokens import tokenize
from .errors import InputError
from .files.model_file import load_model as read_model
from .trace.events import Event
from .trace.loop import run


class Model(NamedTuple):
    """A model saved with ``--save``: its parameters (θ by name, float64), its vocabulary and
    the configuration it was trained with (its cell, H, activation; the other fields are
    ``Config``'s defaults, to be replaced as you like: ``model.config`` is a dataclass)."""

    params: dict[str, np.ndarray]
    vocab: list[str]
    config: Config


def load_model(path: str | os.PathLike[str]) -> Model:
    """The model saved at ``path`` by ``bptt-trace … --save``, checked as ``--load`` checks
    it (``InputError`` with one line saying what is wrong)."""
    where = Path(path)
    params, vocab, saved = read_model(where, str(where))
    config = Config(
        hidden=saved["hidden"],
        activation=saved["activation"],
        cell=saved.get("cell", "rnn"),
        forget_bias=saved.get("forget_bias", DEFAULT_FORGET_BIAS),
        reset_after=bool(saved.get("reset_after", False)),
        loaded=loaded_from(where, saved),
    )
    return Model(params=params, vocab=vocab, config=config)


def trace_sentence(
    sentence: str,
    config: Config | None = None,
    *,
    params: dict[str, np.ndarray] | None = None,
    vocab: list[str] | None = None,
) -> Iterator[Event]:
    """The events of a run on one sentence, tokenized as the command line does.

    ``params`` and ``vocab`` (both, or neither) start from given parameters, such as a
    ``load_model``'s: the vocabulary must hold every token of the sentence and the target.
    Without them the parameters are drawn from ``config.seed``, as the command line does.
    """
    tokens = tokenize(sentence)
    if not tokens:
        raise InputError('the sentence is empty; give at least one word, as in "I like NLP"')
    config = config or Config()
    if (params is None) != (vocab is None):
        raise InputError("give params and vocab together (a load_model's), or neither")
    if params is not None and vocab is not None:
        arrays = {name: np.asarray(value) for name, value in params.items()}
        cell = make_cell(config.to_json())
        problem = shape_problem(cell, arrays, len(vocab))
        if problem is not None:
            raise InputError(f"params: {problem}; give the arrays of a model of this cell")
        params = {spec.name: arrays[spec.name].astype(np.float64) for spec in declared(cell)}
        saved = {"hidden": params["V"].shape[0], "activation": config.activation}
        check_loaded(list(vocab), saved, [tokens], config.target or EOS, None, None)
        config = replace(config, hidden=saved["hidden"])
    return run([tokens], config, params=params, vocab=vocab)
