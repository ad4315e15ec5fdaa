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
from ..core.cells.declaration import Param, Params
from ..core.model import declared
from ..core.tokens import build_vocab, tokenize
from ..errors import InputError
from ..usercode.arrays import Reader, extras
from ..usercode.compare import compare
from ..usercode.comparison import Comparison
from ..usercode.forward_check import Setup
from ..usercode.layouts import refusal
from ..usercode.numbers import UserNumbers
from ..usercode.precision import dtype_of, floor
from .tokens import check_tokens


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


def user_params(arrays: Mapping[str, np.ndarray], setup: Setup, layout: str, where: str) -> Params:
    """The tool's parameters from the user's weights: each key checked, then sliced,
    transposed and summed as the layout says."""
    refused = refusal(setup.cell, layout, setup.reset_after)
    if refused:
        raise InputError(f"--layout {layout} with --cell {setup.cell}: {refused}")
    reader = Reader(setup.cell, layout, setup.reset_after, where, "weights")
    dims = {"V": len(setup.vocab), "H": reader.hidden(arrays, reader.sources(arrays))}
    params, _ = reader.read(arrays, specs_of(setup), dims)
    return params


def specs_of(setup: Setup) -> dict[str, Param]:
    return {spec.name: spec for spec in declared(setup.make_cell())}


def compare_arrays(
    weights: Mapping[str, Any],
    grads: Mapping[str, Any],
    sentences: str | list[list[str]],
    layout: str = "rows",
    activation: str = "tanh",
    loss: str = "last",
    target: str = EOS,
    where: tuple[str, str] = ("weights", "gradients"),
    cell: str = "rnn",
    reset_after: bool = False,
    grads_transposed: bool = False,
    scheme: Any = None,
) -> Comparison:
    """Your gradients ``grads`` of your weights ``weights`` (NumPy arrays by key, in
    ``layout``) on ``sentences`` against the trace's: the result of ``--compare``.
    ``grads_transposed``: your code stores every gradient matrix transposed to its weight.
    ``scheme`` (``core.truncation.Scheme``): check them as that scheme's gradients."""
    weights = {k: np.asarray(v) for k, v in weights.items()}
    grads = {k: np.asarray(v) for k, v in grads.items()}
    corpus = [tokenize(sentences)] if isinstance(sentences, str) else sentences
    if not corpus or not all(corpus):
        raise InputError("give at least one non-empty sentence")
    vocab = vocabulary(weights, corpus, target, where[0])
    setup = Setup(
        cell=cell,
        activation=activation,
        reset_after=reset_after,
        corpus=tuple(tuple(s) for s in corpus),
        vocab=tuple(vocab),
        vocab_given="vocab" in weights,
        target=target,
        loss=loss,
    )
    params = user_params(weights, setup, layout, where[0])
    T = setup.batch().T
    dims = {"V": len(vocab), "H": params["V"].shape[0]}
    dtype = dtype_of(grads)
    reader = Reader(cell, layout, reset_after, where[1], "gradients", floor(dtype, T))
    user, flipped = reader.read(grads, specs_of(setup), dims, True, grads_transposed)
    found = extras(grads, T, dims["H"], len(corpus), cell, where[1])
    mine = UserNumbers(user, found, () if grads_transposed else flipped, grads_transposed)
    return compare(setup, params, mine, dtype, scheme)


def load_init(
    path: Path,
    layout: str,
    corpus: list[list[str]],
    target: str,
    cell: str = "rnn",
    reset_after: bool = False,
) -> tuple[Params, list[str]]:
    """--init: the user's weights as the tool's parameters, and the vocabulary."""
    where = f"--init {path}"
    arrays = read_npz(path, "--init")
    vocab = vocabulary(arrays, corpus, target, where)
    setup = Setup(cell, "tanh", reset_after, (), tuple(vocab), True, target, "last")
    return user_params(arrays, setup, layout, where), vocab
