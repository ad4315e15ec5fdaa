"""Your own BPTT: your weights (``--init``) and gradients (``--compare``) read from .npz files or
given as arrays, checked, turned into the tool's parameters, and compared.

The vocabulary is the ``vocab`` array of strings in the weights, or else the one built from the
input (tokens in order of first appearance, then <eos>, then the target if new), so that row i
of W (column i of torch's weight_ih_l0) is token i.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..config import EOS
from ..core.batch import make_batch
from ..core.cells.declaration import Params
from ..core.cells.rnn import VanillaRNN
from ..core.compare import NAME_TOLERANCE, TOLERANCE, compare
from ..core.comparison import Comparison
from ..core.model import declared
from ..core.tokens import build_vocab, tokenize
from ..errors import InputError
from .layouts import checked, hidden_size, sources, user_shape
from .tokens import check_tokens

MAX_ENTRIES = 50_000_000
"""Largest array read from a user's file, in entries (the model size limit)."""
FLOAT32_TOLERANCE = 1e-4
"""float32 keeps about 7 digits, which add up over time steps: its verdicts use this."""


def read_npz(path: Path, option: str) -> dict[str, np.ndarray]:
    """Every array of an .npz file, never unpickled, read by the one bounded reader: every
    header read within a cap and checked, the totals bounded, before any data is read."""
    from .npz import read_user_arrays

    return read_user_arrays(path, f"{option} {path}")


def vocabulary(
    arrays: Mapping[str, np.ndarray], corpus: list[list[str]], target: str, where: str
) -> list[str]:
    """The file's ``vocab``, checked to hold the input's tokens, or the input's own."""
    if "vocab" not in arrays:
        return build_vocab(corpus, target)
    vocab = arrays["vocab"]
    if vocab.ndim != 1 or vocab.dtype.kind != "U" or len(set(vocab.tolist())) != vocab.size:
        raise InputError(
            f"{where}: vocab should be a 1-D array of distinct strings "
            "(np.array(tokens)); fix it or leave it out"
        )
    tokens = [str(t) for t in vocab.tolist()]
    check_tokens(tokens, f"{where}: its vocab")  # the rule every source of tokens follows
    missing = [
        t for t in dict.fromkeys([*(t for s in corpus for t in s), target]) if t not in tokens
    ]
    if missing:
        raise InputError(
            f"{where}: its vocab lacks {', '.join(map(repr, missing[:8]))}; "
            "add them or leave vocab out"
        )
    return tokens


def user_params(
    arrays: Mapping[str, np.ndarray], layout: str, vocab: list[str], where: str
) -> Params:
    """The tool's parameters from the user's weights: each key checked, then transposed and
    summed as the layout says."""
    found = sources(arrays, layout, where, "weights")
    dims = {"V": len(vocab), "H": hidden_size(arrays, found, where)}
    specs = {spec.name: spec for spec in declared(VanillaRNN())}
    params: Params = {}
    for source in found:
        shape, letters = user_shape(specs[source.name], source, dims)
        letters += f", |vocab| = {dims['V']} ({' '.join(vocab[:6])}{' …' if dims['V'] > 6 else ''})"
        values = [checked(arrays[k], k, shape, letters, where) for k in source.keys]
        total = np.sum(values, axis=0)
        params[source.name] = total.T if source.transpose else total
    return params


def user_grads(
    arrays: Mapping[str, np.ndarray], layout: str, dims: dict[str, int], where: str
) -> dict[str, np.ndarray]:
    """The user's gradients by parameter name; a matrix may be in either layout (a
    convention, reported), so it is transposed as the layout says and left so."""
    found = sources(arrays, layout, where, "gradients")
    specs = {spec.name: spec for spec in declared(VanillaRNN())}
    grads = {}
    for source in found:
        shape, letters = user_shape(specs[source.name], source, dims)
        values = [checked(arrays[k], k, shape, letters, where, True) for k in source.keys]
        for key, other in zip(source.keys[1:], values[1:], strict=True):
            if other.shape != values[0].shape or not np.allclose(other, values[0], 1e-12, 0):
                raise InputError(
                    f"{where}: {key} differs from {source.keys[0]}; both are ∂L/∂b "
                    "(the biases add up to b), so save the same gradient"
                )
        grads[source.name] = values[0].T if source.transpose else values[0]
    return grads


def extras(
    arrays: Mapping[str, np.ndarray], T: int, H: int, sentences: int, where: str
) -> tuple[np.ndarray | None, float | None]:
    """The optional ``dh`` (T×H, one sentence) and ``loss`` of a gradients file."""
    dh = loss = None
    if "dh" in arrays:
        if sentences != 1:
            raise InputError(f"{where}: dh is for a one-sentence input; give one sentence")
        dh = checked(arrays["dh"], "dh", (T, H), "T×H: ∂L/∂hₜ for t = 1 … T", where)
    if "loss" in arrays:
        loss = float(checked(np.asarray(arrays["loss"]).reshape(()), "loss", (), "a number", where))
    return dh, loss


def compare_arrays(
    weights: Mapping[str, Any],
    grads: Mapping[str, Any],
    sentences: str | list[list[str]],
    layout: str = "rows",
    activation: str = "tanh",
    loss: str = "last",
    target: str = EOS,
    where: tuple[str, str] = ("weights", "gradients"),
) -> Comparison:
    """Your gradients ``grads`` of your weights ``weights`` (NumPy arrays by key, in
    ``layout``) on ``sentences`` against the trace's: the result of ``--compare``."""
    weights = {k: np.asarray(v) for k, v in weights.items()}
    grads = {k: np.asarray(v) for k, v in grads.items()}
    corpus = [tokenize(sentences)] if isinstance(sentences, str) else sentences
    if not corpus or not all(corpus):
        raise InputError("give at least one non-empty sentence")
    vocab = vocabulary(weights, corpus, target, where[0])
    params = user_params(weights, layout, vocab, where[0])
    dims = {"V": len(vocab), "H": params["W_h"].shape[0]}
    user = user_grads(grads, layout, dims, where[1])
    index = {token: i for i, token in enumerate(vocab)}
    batch = make_batch([[index[t] for t in s] for s in corpus], index[target], loss)
    dh, user_loss = extras(grads, batch.T, dims["H"], len(corpus), where[1])
    single = [a.dtype == np.float32 for a in grads.values() if a.dtype.kind == "f"]
    tol, name_tol = (FLOAT32_TOLERANCE,) * 2 if any(single) else (TOLERANCE, NAME_TOLERANCE)
    return compare(params, batch, activation, user, dh, user_loss, tol, name_tol)


def load_init(
    path: Path, layout: str, corpus: list[list[str]], target: str
) -> tuple[Params, list[str]]:
    """--init: the user's weights as the tool's parameters, and the vocabulary."""
    where = f"--init {path}"
    arrays = read_npz(path, "--init")
    vocab = vocabulary(arrays, corpus, target, where)
    return user_params(arrays, layout, vocab, where), vocab
