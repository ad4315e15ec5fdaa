"""Save and load a model: the parameters, the vocabulary and the configuration, as .npz.

Saving is atomic (a temporary file in the same folder, then a rename), and loading never
unpickles: every array is numeric or a fixed-width string, its header checked before its
data is read (``npz``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..config import ACTIVATIONS
from ..core.cells import CELLS, make_cell
from ..core.cells.declaration import Cell, Params
from ..core.model import declared, shape_problem
from ..errors import InputError
from .atomic import write_atomically
from .npz import read_model_arrays
from .tokens import check_tokens

FIX_SAVE = "save the model again with --save"
FORMAT = "bptt-trace-model"
FORMAT_VERSION = 1


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


def load_model(path: Path, where: str | None = None) -> tuple[Params, list[str], dict[str, Any]]:
    """The parameters, vocabulary and configuration saved in ``path``, checked; ``where``
    leads every error (``--load PATH`` unless given: the Python API names the file alone)."""
    where = where if where is not None else f"--load {path}"
    arrays = read_model_arrays(path, where)  # every header checked before any data is read
    try:
        cell, vocab, config = parse_model(arrays, where)
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
    problem = shape_problem(cell, arrays, len(vocab))
    if problem is not None:
        fix = (
            "load a model saved before training diverged"
            if "NaN" in problem
            else "the file is not a model of this tool"
        )
        raise InputError(f"{where}: {problem}; {fix}")
    # float16 and float32 are read as float64, the engine's type (its norms and LAPACK calls
    # take no float16)
    params = {spec.name: arrays[spec.name].astype(np.float64) for spec in declared(cell)}
    if config["hidden"] != params["V"].shape[0]:
        raise InputError(
            f"{where}: its configuration says H = {config['hidden']} but its "
            f"matrices have H = {params['V'].shape[0]}; save the model again"
        )
    return params, vocab, config


def parse_model(arrays: dict[str, np.ndarray], where: str) -> tuple[Cell, list[str], dict]:
    """The cell, vocabulary and configuration of a model file, or InputError / ValueError when
    they are not ours."""
    if "format" not in arrays or str(arrays["format"]) != FORMAT:
        raise InputError(f"{where}: not a model saved by bptt-trace; save one with --save")
    version = int(arrays.get("format_version", np.array(-1)))
    if version != FORMAT_VERSION:
        raise InputError(
            f"{where}: model format {version} is not supported (this version reads "
            f"{FORMAT_VERSION}); save the model again with --save"
        )
    missing = [name for name in ("vocab", "config") if name not in arrays]
    if missing:
        raise InputError(f"{where}: the model lacks {', '.join(missing)}; save it again")
    if arrays["vocab"].ndim != 1 or arrays["vocab"].dtype.kind != "U":
        raise ValueError("its vocabulary is not a list of tokens")
    vocab = [str(token) for token in arrays["vocab"].tolist()]
    check_tokens(vocab, f"{where}: its vocabulary")  # the same rule as a sentence's tokens
    if len(set(vocab)) != len(vocab):
        raise InputError(f"{where}: its vocabulary lists a token twice; {FIX_SAVE}")
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
    if not vocab:
        raise InputError(f"{where}: its vocabulary is empty; {FIX_SAVE}")
    bias = config.get("forget_bias", 1.0)
    if not isinstance(bias, (int, float)) or isinstance(bias, bool) or not math.isfinite(bias):
        raise ValueError("its configuration's forget_bias is not a finite number")
    return make_cell(config), vocab, config
