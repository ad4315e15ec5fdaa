"""Which of the options that reproduce a user's loss to lead with.

Several options can give the same loss: a network whose units are all dead (or saturated)
loses the input, so every token order gives its loss; logits that tie give every tied target
the same loss. Then the loss does not tell them apart, and the gradients may: each option is
tried on them (∂L/∂b_output = Σₜ (ŷₜ − yₜ)/B first, from the forward pass alone, then full
BPTT for the options it leaves), and the verdict leads with the simplest option under which
the gradients agree. The others follow simplest first: fewer options changed before more, and
among as many, an activation before --loss, --target, a token order and a reduction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..core import interrupt
from ..core.batch import output_chunks
from ..core.bptt import forward
from ..core.cells.declaration import Params
from ..core.output import log_softmax, logits
from .forward_slips import Slip
from .setup import Setup, differs

GradientsFit = Callable[["Setup", Params, Mapping[str, np.ndarray], float, tuple[float, ...]], bool]

GRADIENT_TRIES = 32
"""Full BPTT is run for at most this many options (those whose ∂L/∂b_output agrees); the
rest are left untried (their verdict unknown, never said to differ)."""

KINDS = ("activation", "loss", "target", "vocab", "reduction", "slip")
"""The kinds of option in the order the simplest first puts them."""


@dataclass(frozen=True)
class Option:
    """One way to reproduce the user's loss: the setup, the factor of
    its reduction (0: none relates the gradients), the reduction in words, and what to give
    on the command line."""

    setup: Setup
    factor: float
    text: str
    said: str
    kinds: tuple[int, ...]
    slip: Slip | None = None
    """A forward slip no option makes (``forward_slips``): its parameters are run, and the
    user's gradients of the matrices it turns are turned back."""


def option_of(alt: Setup, default: Setup, factor: float, text: str, slip: Slip | None) -> Option:
    """The option ``alt`` (at ``factor``, a reduction in words ``text``; a ``slip``) in words."""
    said = [*alt.options(default), *([text] if text else [])]
    kinds = kinds_changed(alt, default, text)
    if slip is not None:
        said = [slip.words(alt, default), *slip.others(alt, default), *([text] if text else [])]
        kinds = (*kinds, KINDS.index("slip"))
    return Option(alt, factor, text, ", ".join(said), kinds, slip)


def kinds_changed(alt: Setup, default: Setup, text: str) -> tuple[int, ...]:
    """The ranks (in ``KINDS``) of what ``alt`` changes from ``default``."""
    names = ("activation", "loss", "target", "vocab")
    ranks = [KINDS.index(n) for n in names if differs(getattr(alt, n), getattr(default, n))]
    return (*ranks, KINDS.index("reduction")) if text else tuple(ranks)


def simplest_first(options: Sequence[Option]) -> list[Option]:
    """Fewer changes first; among as many, by kind (``KINDS``); then as they were found. An
    option said twice is kept once."""
    order = sorted(range(len(options)), key=lambda i: (len(options[i].kinds), options[i].kinds, i))
    found: dict[str, Option] = {}
    for i in order:
        if options[i].said:
            found.setdefault(options[i].said, options[i])
    return list(found.values())


def output_bias_gradients(setup: Setup, p: Params) -> tuple[np.ndarray, float]:
    """∂L/∂b_output of ``setup`` for every target at once, as (the part every target shares,
    the weight of the target's one-hot): Σ over the outputs of (ŷ − y)/B, only the last
    outputs' y being the target. Target k's is ``shared − weight·e_k``."""
    batch = setup.batch()
    fw = forward(setup.make_cell(), p, batch)
    shared, lasts = np.zeros(len(setup.vocab)), 0
    for s, t in output_chunks(batch, len(setup.vocab)):  # (outputs × |vocab| at once: GBs)
        interrupt.poll(0)
        shared += np.exp(log_softmax(logits(p, fw.h[s, t]))).sum(axis=0)
        last = t == batch.lengths[s]
        np.subtract.at(shared, batch.y[s, t][~last], 1.0)  # the targets: the next tokens
        lasts += int(last.sum())
    B = batch.x.shape[0]
    return shared / B, float(lasts) / B


def others_max(a: np.ndarray) -> np.ndarray:
    """For each k, the largest entry of ``a`` (≥ 0) but the k-th: in O(len(a))."""
    if a.size < 2:
        return np.zeros_like(a)
    i = int(np.argmax(a))
    found = np.full_like(a, a[i])
    found[i] = np.delete(a, i).max()
    return found


def bias_misfits(user: np.ndarray, shared: np.ndarray, weight: float, c: float) -> np.ndarray:
    """``relative(user, c·(shared − weight·e_k))`` for every target k at once, in O(|vocab|):
    the k-th row differs from ``shared`` in its k-th entry alone."""
    d = np.abs(user - c * shared)
    at_k = np.abs(user - c * (shared - weight))  # entry k, with the target's one-hot
    diff = np.maximum(others_max(d), at_k)
    r = np.abs(c * shared)
    scale = np.maximum(np.maximum(others_max(r), np.abs(c * (shared - weight))), np.abs(user).max())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), 0.0)


def judged(
    options: Sequence[Option],
    p: Params,
    user: Mapping[str, np.ndarray],
    tol: float,
    gradients_fit: GradientsFit,
) -> list[str | None]:
    """For each option (simplest first): "match" when the user's gradients are its full BPTT's
    (at its factor, either sign), "differs" when they are not, None when not tried (no factor
    relates them, or past ``GRADIENT_TRIES`` full passes). ∂L/∂b_output, from one forward pass
    per setup, tells every target at once; full BPTT runs only for the options it leaves."""
    misfits: dict[tuple[object, ...], tuple[dict[str, int], np.ndarray]] = {}
    mine = user.get("b_output")
    found: list[str | None] = []
    tries = 0
    for option in options:
        alt = option.setup
        if not option.factor:
            found.append(None)
            continue
        q = p if option.slip is None else option.slip.p
        slip = "" if option.slip is None else option.slip.id
        key = (alt.activation, alt.loss, id(alt.vocab), id(alt.corpus), slip, option.factor)
        if mine is not None and key not in misfits:
            interrupt.poll()
            shared, weight = output_bias_gradients(alt, q)
            worse = [bias_misfits(mine, shared, weight, c) for c in (option.factor, -option.factor)]
            index = {token: i for i, token in enumerate(alt.vocab)}
            misfits[key] = (index, np.minimum(*worse))
        if mine is not None and misfits[key][1][misfits[key][0][alt.target]] > tol:
            found.append("differs")  # ∂L/∂b_output alone already differs
            continue
        if tries >= GRADIENT_TRIES:
            found.append(None)
            continue
        tries += 1
        interrupt.poll()
        factors = (option.factor, -option.factor)
        mine_all = user if option.slip is None else option.slip.mine(user)
        fits = gradients_fit(alt, q, mine_all, tol, factors)
        found.append("match" if fits else "differs")
    return found


def leading(verdicts: Sequence[str | None]) -> list[int]:
    """The order to show the options in (given simplest first, with their ``judged``
    verdicts): the first under which the gradients agree, then the rest as they are."""
    order = list(range(len(verdicts)))
    agree = [i for i in order if verdicts[i] == "match"]
    if agree:
        order.remove(agree[0])
        order.insert(0, agree[0])
    return order
