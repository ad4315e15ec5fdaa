"""Your own BPTT: your weights (``--init``) and gradients (``--compare``) read from .npz files or
given as arrays, checked, turned into the tool's parameters, and compared.

The vocabulary is the ``vocab`` array of strings in the weights, or else the one built from the
input (tokens in order of first appearance, then <eos>, then the target if new), so that row i
of W (column i of torch's weight_ih_l0) is token i.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..config import EOS
from ..core.cells.declaration import Param, Params
from ..core.model import declared
from ..core.tokens import build_vocab, tokenize
from ..errors import InputError
from ..usercode.arrays import Reader
from ..usercode.compare import compare
from ..usercode.comparison import Comparison
from ..usercode.extras import check_extras, extras
from ..usercode.forward_check import Setup
from ..usercode.layouts import refusal
from ..usercode.numbers import UserNumbers
from ..usercode.precision import dtype_of, floor, mixed_widths
from .bounded_npz import Declared, Npz
from .tokens import check_tokens


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
    mixed = mixed_widths(grads)
    if mixed is not None:
        raise InputError(
            f"{where[1]}: {mixed}; save every gradient in the dtype your code computed it in "
            "(one float16 array would loosen the check of all of them)"
        )
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
    fits: Callable[[int, int], None] | None = None,
) -> tuple[Params, list[str]]:
    """--init: the user's weights as the tool's parameters, and the vocabulary. Before any
    array's data is read: every header, the keys and each one's shape (H from the recurrent
    matrix's, |vocab| from the vocab's or the input's), and ``fits(|vocab|, H)`` (the run's
    memory); only then the vocabulary and the weights."""
    from .npz import open_user_npz

    where = f"--init {path}"
    with open_user_npz(path, where) as npz:
        first = small(npz)
        size = first_vocabulary(npz, first, corpus, target, where)
        hidden = declared_weights(npz.declared, layout, size, cell, reset_after, where)
        if fits is not None:
            fits(size, hidden)
        arrays = {**first, **npz.read_all(skip=first)}
    vocab = vocabulary(arrays, corpus, target, where)
    setup = Setup(cell, "tanh", reset_after, (), tuple(vocab), True, target, "last")
    return user_params(arrays, setup, layout, where), vocab


def small(npz: Npz) -> dict[str, np.ndarray]:
    """A weights file's vocab, read before the rest when it is small (``Declared.small``): the
    other keys' shapes follow from its length."""
    vocab = npz.declared.get("vocab")
    return {"vocab": npz.read("vocab")} if vocab is not None and vocab.small else {}


def first_vocabulary(
    npz: Npz, first: Mapping[str, np.ndarray], corpus: list[list[str]], target: str, where: str
) -> int:
    """|vocab|: the weights' vocab checked when it was read first, else its header's length
    (a large one is checked once read), or the input's."""
    if "vocab" in npz.declared and "vocab" not in first:
        return npz.declared["vocab"].shape[0]
    return len(vocabulary(first, corpus, target, where))


def declared_weights(
    declared: Mapping[str, Declared],
    layout: str,
    vocab_size: int,
    cell: str,
    reset_after: bool,
    where: str,
) -> int:
    """H, once every key of the weights and its shape is checked from the headers alone."""
    refused = refusal(cell, layout, reset_after)
    if refused:
        raise InputError(f"--layout {layout} with --cell {cell}: {refused}")
    reader = Reader(cell, layout, reset_after, where, "weights")
    hidden = reader.hidden(declared, reader.sources(declared))
    setup = Setup(cell, "tanh", reset_after, (), (), True, EOS, "last")
    dims = {"V": vocab_size, "H": hidden}
    reader.check_declared(declared, specs_of(setup), dims)
    return hidden


def compare_files(
    init: Path,
    grads: Path,
    sentences: list[list[str]],
    layout: str,
    activation: str,
    loss: str,
    target: str,
    cell: str,
    reset_after: bool,
    grads_transposed: bool,
    scheme: Any,
    fits: Callable[[int, int], None] | None = None,
) -> Comparison:
    """--compare: ``compare_arrays`` of the two files, every key and shape of both checked
    from their headers, and ``fits(|vocab|, H)`` (the comparison's memory), before any array's
    data but the weights' vocab is read."""
    from .npz import open_user_npz

    where = (f"--init {init}", f"--compare {grads}")
    with open_user_npz(init, where[0]) as weights, open_user_npz(grads, where[1]) as gradients:
        first = small(weights)
        size = first_vocabulary(weights, first, sentences, target, where[0])
        hidden = declared_weights(weights.declared, layout, size, cell, reset_after, where[0])
        corpus = tuple(tuple(sentence) for sentence in sentences)
        vocab = tuple(build_vocab(sentences, target))  # the input's: T is the same for any
        setup = Setup(cell, activation, reset_after, corpus, vocab, True, target, loss)
        T = setup.batch().T
        dims = {"V": size, "H": hidden}
        reader = Reader(cell, layout, reset_after, where[1], "gradients")
        reader.check_declared(gradients.declared, specs_of(setup), dims, True)
        check_extras(gradients.declared, T, hidden, len(sentences), cell, where[1])
        if fits is not None:
            fits(size, hidden)
        arrays = {**first, **weights.read_all(skip=first)}, gradients.read_all()
    return compare_arrays(
        *arrays,
        sentences,
        layout,
        activation,
        loss,
        target,
        where,
        cell,
        reset_after,
        grads_transposed,
        scheme,
    )
