"""Save and load a model: the parameters, the vocabulary and the configuration, as .npz.

Saving is atomic (a temporary file in the same folder, then a rename), and loading never
unpickles: every array is numeric or a fixed-width string, its header checked before its
data is read (``npz``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..core.activations import ACTIVATIONS
from ..core.params import NAMES, Params
from ..errors import InputError
from .atomic import write_atomically
from .npz import read_model_arrays

FORMAT = "bptt-trace-model"
FORMAT_VERSION = 1


def save_model(path: Path, params: Params, vocab: list[str], config: dict[str, Any]) -> None:
    """Write ``path`` atomically: readers see the old file or the new one, never half."""
    arrays = {
        "format": np.array(FORMAT),
        "format_version": np.array(FORMAT_VERSION),
        "vocab": np.array(vocab, dtype=str),
        "config": np.array(json.dumps(config)),
        **params.as_dict(),
    }
    write_atomically(path, lambda handle: np.savez(handle, **arrays))


def load_model(path: Path) -> tuple[Params, list[str], dict[str, Any]]:
    """The parameters, vocabulary and configuration saved in ``path``, checked."""
    where = f"--load {path}"
    arrays = read_model_arrays(path, where)  # every header checked before any data is read
    try:
        params, vocab, config = parse_model(arrays, where)
    except (ValueError, TypeError, KeyError, IndexError) as err:
        raise InputError(
            f"{where}: not a model saved by bptt-trace ({err}); save one with --save"
        ) from None
    check_shapes(params, len(vocab), where)
    if config["hidden"] != params.hidden:
        raise InputError(
            f"{where}: its configuration says H = {config['hidden']} but its "
            f"matrices have H = {params.hidden}; save the model again"
        )
    return params, vocab, config


def parse_model(arrays: dict[str, np.ndarray], where: str) -> tuple[Params, list[str], dict]:
    """The parts of a model file, or InputError / ValueError when they are not ours."""
    if "format" not in arrays or str(arrays["format"]) != FORMAT:
        raise InputError(f"{where}: not a model saved by bptt-trace; save one with --save")
    version = int(arrays.get("format_version", np.array(-1)))
    if version != FORMAT_VERSION:
        raise InputError(
            f"{where}: model format {version} is not supported (this version reads "
            f"{FORMAT_VERSION}); save the model again with --save"
        )
    missing = [name for name in (*NAMES, "vocab", "config") if name not in arrays]
    if missing:
        raise InputError(f"{where}: the model lacks {', '.join(missing)}; save it again")
    if arrays["vocab"].ndim != 1 or arrays["vocab"].dtype.kind != "U":
        raise ValueError("its vocabulary is not a list of tokens")
    vocab = [str(token) for token in arrays["vocab"].tolist()]
    config = json.loads(str(arrays["config"]))
    if not isinstance(config, dict) or config.get("activation") not in ACTIVATIONS:
        raise ValueError("its configuration names no known activation")
    if not isinstance(config.get("hidden"), int) or isinstance(config["hidden"], bool):
        raise ValueError("its configuration has no hidden size")
    params = Params(**{name: np.asarray(arrays[name]) for name in NAMES})
    return params, vocab, config


def check_shapes(params: Params, vocab_size: int, where: str) -> None:
    """Refuse parameters whose shapes do not fit each other and the vocabulary."""
    H = params.W_h.shape[0] if params.W_h.ndim == 2 else -1
    expected = {
        "W": (vocab_size, H),
        "W_h": (H, H),
        "b": (H,),
        "V": (H, vocab_size),
        "b_output": (vocab_size,),
    }
    for name, shape in expected.items():
        array = getattr(params, name)
        if array.shape != shape or array.dtype.kind != "f":
            raise InputError(
                f"{where}: {name} has shape {array.shape} ({array.dtype}), "
                f"expected {shape} floats; the file is not a model of this tool"
            )
        if not np.isfinite(array).all():
            raise InputError(
                f"{where}: {name} holds NaN or infinite values; "
                "load a model saved before training diverged"
            )
