"""Save and load a model: the parameters, the vocabulary and the configuration, as .npz.

Saving is atomic (a temporary file in the same folder, then a rename), and loading never
unpickles: every array is numeric or a fixed-width string, its header checked before its
data is read (``npz``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Container, Mapping
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..config import ACTIVATIONS
from ..core.cells import CELLS, make_cell
from ..core.cells.declaration import Cell, Params
from ..core.model import declared as declared_params
from ..core.model import shape_problem
from ..errors import InputError
from .atomic import write_atomically
from .bounded_npz import Declared
from .npz import open_model_npz
from .tokens import check_tokens

FIX_SAVE = "save the model again with --save"
FORMAT = "bptt-trace-model"
FORMAT_VERSION = 1
Result = TypeVar("Result")


def save_model(path: Path, params: Params, vocab: list[str], config: dict[str, Any]) -> None:
    """Write ``path`` atomically: readers see the old file or the new one, never half."""
    arrays = {
        "format": np.array(FORMAT),
        "format_version": np.array(FORMAT_VERSION),
        "vocab": np.array(vocab, dtype=str),
        "config": np.array(json.dumps(config)),
        **params,
    }
    write_atomically(path, lambda handle: np.savez(handle, **arrays))


def load_model(
    path: Path, where: str | None = None, fits: Fits | None = None
) -> tuple[Params, list[str], dict[str, Any]]:
    """The parameters, vocabulary and configuration saved in ``path``, checked; ``where``
    leads every error (``--load PATH`` unless given: the Python API names the file alone).

    Before any parameter's data is read: every header (``npz``), the keys, the small members
    (``SMALL``: the format, the vocabulary, the configuration), every parameter's shape against
    them, and ``fits(config, vocabulary size)`` (the run's memory); only then the parameters."""
    where = where if where is not None else f"--load {path}"
    with open_model_npz(path, where) as npz:
        declared = npz.declared
        small = {n: npz.read(n) for n in SMALL if n in declared and declared[n].small}
        cell, vocab, config = guarded_parse(lambda: parse_model(small, where, declared), where)
        vocab_size = len(vocab) if vocab is not None else declared["vocab"].shape[0]
        problem = declared_problem(cell, declared, vocab_size)
        if problem is not None:
            raise InputError(f"{where}: {problem}; the file is not a model of this tool")
        hidden = declared["V"].shape[0]
        if config["hidden"] != hidden:
            raise InputError(
                f"{where}: its configuration says H = {config['hidden']} but its "
                f"matrices have H = {hidden}; save the model again"
            )
        if fits is not None:
            fits(config, vocab_size)
        if vocab is None:  # a large one: read once the headers passed
            read = {**small, "vocab": npz.read("vocab")}
            _, vocab, _ = guarded_parse(lambda: parse_model(read, where, declared), where)
        assert vocab is not None
        arrays = {spec.name: npz.read(spec.name) for spec in declared_params(cell)}
    problem = shape_problem(cell, arrays, len(vocab))
    if problem is not None:
        fix = (
            "load a model saved before training diverged"
            if "NaN" in problem
            else "the file is not a model of this tool"
        )
        raise InputError(f"{where}: {problem}; {fix}")
    # float16 and float32 are read as float64, the engine's type (its norms and LAPACK calls
    # take no float16); float64 as it is, not copied
    params = {name: array.astype(np.float64, copy=False) for name, array in arrays.items()}
    return params, vocab, config


Fits = Callable[[dict[str, Any], int], None]
"""Refuses, from a model's configuration and vocabulary size, a run that would not fit."""

SMALL = ("format", "format_version", "vocab", "config")
"""The members read before the others, when small (``Declared.small``; a name, a number, the
tokens, the configuration's JSON: each bounded by its header's rule), being what says what the
others must be."""


def guarded_parse(parse: Callable[[], Result], where: str) -> Result:
    """``parse``, whose failures are one line: not a model of ours."""
    try:
        return parse()
    except InputError:  # a ValueError too, but already one line that says it all
        raise
    except RecursionError:  # json.loads of "[[[[…" nested deeper than Python recurses
        raise InputError(
            f"{where}: its configuration nests JSON too deeply to be ours; {FIX_SAVE}"
        ) from None
    except (ValueError, TypeError, KeyError, IndexError) as err:
        raise InputError(
            f"{where}: not a model saved by bptt-trace ({err}); save one with --save"
        ) from None


def parse_model(
    arrays: dict[str, np.ndarray], where: str, names: Container[str]
) -> tuple[Cell, list[str] | None, dict]:
    """The cell, vocabulary and configuration of a model file (``names``: its members), or
    InputError / ValueError when they are not ours; the vocabulary None if it is not in
    ``arrays`` (not read yet)."""
    if "format" not in arrays or str(arrays["format"]) != FORMAT:
        raise InputError(f"{where}: not a model saved by bptt-trace; save one with --save")
    version = int(arrays.get("format_version", np.array(-1)))
    if version != FORMAT_VERSION:
        raise InputError(
            f"{where}: model format {version} is not supported (this version reads "
            f"{FORMAT_VERSION}); save the model again with --save"
        )
    missing = [name for name in ("vocab", "config") if name not in names]
    if missing:
        raise InputError(f"{where}: the model lacks {', '.join(missing)}; save it again")
    if "config" not in arrays:
        raise ValueError("its configuration is not a short text")
    vocab = parse_vocab(arrays["vocab"], where) if "vocab" in arrays else None
    config = json.loads(str(arrays["config"]))
    if not isinstance(config, dict) or config.get("activation") not in ACTIVATIONS:
        raise ValueError("its configuration names no known activation")
    if config.get("cell", "rnn") not in CELLS:
        raise ValueError("its configuration names no known cell")
    if not isinstance(config.get("hidden"), int) or isinstance(config["hidden"], bool):
        raise ValueError("its configuration has no hidden size")
    if config["hidden"] < 1:
        raise InputError(
            f"{where}: its configuration says H = {config['hidden']}, and a model has at least "
            f"one hidden unit; {FIX_SAVE}"
        )
    if vocab == []:
        raise InputError(f"{where}: its vocabulary is empty; {FIX_SAVE}")
    bias = config.get("forget_bias", 1.0)
    if not isinstance(bias, (int, float)) or isinstance(bias, bool) or not math.isfinite(bias):
        raise ValueError("its configuration's forget_bias is not a finite number")
    return make_cell(config), vocab, config


def parse_vocab(array: np.ndarray, where: str) -> list[str]:
    """A model's vocabulary: its tokens, each following the rule of every token, none twice."""
    if array.ndim != 1 or array.dtype.kind != "U":
        raise ValueError("its vocabulary is not a list of tokens")
    vocab = [str(token) for token in array.tolist()]
    check_tokens(vocab, f"{where}: its vocabulary")  # the same rule as a sentence's tokens
    if len(set(vocab)) != len(vocab):
        raise InputError(f"{where}: its vocabulary lists a token twice; {FIX_SAVE}")
    return vocab


def declared_problem(cell: Cell, declared: Mapping[str, Declared], vocab_size: int) -> str | None:
    """What is wrong with the parameters' headers for ``cell`` over a vocabulary of this size:
    a missing one, a shape that does not fit, not floats (None if fine): ``shape_problem``'s
    words, from the headers alone."""
    missing = [spec.name for spec in declared_params(cell) if spec.name not in declared]
    if missing:
        return f"it lacks {', '.join(missing)}"
    V = declared["V"]
    dims = {"V": vocab_size, "H": V.shape[0] if V.ndim == 2 else -1}
    for spec in declared_params(cell):
        array, shape = declared[spec.name], spec.shape_in(dims)
        if array.shape != shape or array.dtype.kind != "f":
            return f"{spec.name} has shape {array.shape} ({array.dtype}), expected {shape} floats"
    return None
