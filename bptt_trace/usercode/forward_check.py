"""Forward first: the model a user's numbers are set against, and the plausible other models
(another activation, ``--loss``, ``--target``, token order) that may be the one their code ran.

A difference in the forward pass is not a BPTT mistake: when the user's loss differs from the
trace's (``forward_first``), the alternatives are run forward (cheap: one forward pass each) and
the options that reproduce the user's loss are named, before any gradient is fitted; without a
loss, ``by_gradients`` tries the alternatives' full BPTT against the user's gradients.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..core import interrupt
from ..core.bptt import backward, forward
from ..core.cells.declaration import Params
from .comparison import ForwardCheck
from .fit import fit, known_factors, relative
from .forward_choice import judged, leading, option_of, simplest_first
from .forward_losses import reproducing
from .forward_slips import slips
from .mistakes import Context, Knobs, Result, backprop
from .numbers import UserNumbers, quantities
from .setup import Setup, alternatives


def forward_first(
    setup: Setup,
    p: Params,
    mine: UserNumbers,
    trace_loss: float,
    factors: dict[float, str],
    tol: float,
) -> tuple[ForwardCheck, dict[float, str]]:
    """The user's loss against the trace's: the reduction that reproduces it (the gradients are
    then compared at that factor, either sign), or the alternatives that do."""
    user_loss = float(mine.extras["loss"])
    rel = relative(np.array(user_loss), np.array(trace_loss))
    for factor, text in factors.items():
        if factor > 0 and relative(np.array(user_loss), np.array(factor * trace_loss)) <= tol:
            kept = {c: t for c, t in factors.items() if abs(c) == factor}
            return ForwardCheck(user_loss, trace_loss, rel, True, [text] if text else []), kept
    user = mine.quantities()
    found = reproducing(setup, p, user_loss, tol)
    options = simplest_first([option_of(alt, setup, c, text, slip) for alt, c, text, slip in found])
    verdicts = judged(options, p, user, tol, alt_gradients_fit)
    said = [o.said for o in options]
    leak = leaked(setup, p)
    if leak is not None and relative(np.array(user_loss), np.array(leak.loss)) <= tol:
        fits = fit(user, dict(leak.grads), tol).worst <= tol
        said.append(PADDING_LEAK)
        verdicts.append("match" if fits else "differs")
    order = leading(verdicts)
    said, verdicts = [said[i] for i in order], [verdicts[i] for i in order]
    then = None
    if verdicts and verdicts[0] == "match":
        then = "match"
    elif verdicts and all(v == "differs" for v in verdicts):
        then = "differs"  # every option listed was tried: none makes the gradients agree
    return ForwardCheck(
        user_loss, trace_loss, rel, False, said, then, gradients_under=verdicts
    ), factors


PADDING_LEAK = (
    "padding-leak: the shorter sentences ran on through their padding and their outputs were "
    "read at T; read each sentence's output at its own last token"
)


def leaked(setup: Setup, p: Params) -> Result | None:
    """The vanilla RNN's pass with the padding leak, on a corpus of sentences of different
    lengths (None otherwise: there is no padding)."""
    if setup.cell != "rnn" or len({len(s) for s in setup.corpus}) < 2:
        return None
    return backprop(Context.of(p, setup.batch(), setup.activation), Knobs(padding_leak=True))


def alt_gradients_fit(
    alt: Setup, p: Params, user: Mapping[str, np.ndarray], tol: float, factors: tuple[float, ...]
) -> bool:
    cell, batch = alt.make_cell(), alt.batch()
    bw = backward(cell, p, batch, forward(cell, p, batch))
    return fit(user, quantities(bw, alt.cell, user), tol, factors).worst <= tol


def by_gradients(
    setup: Setup, p: Params, user: Mapping[str, np.ndarray], tol: float, factors: tuple[float, ...]
) -> ForwardCheck | None:
    """Without a loss: the alternatives (and the forward slips, at the setup's target) whose
    full BPTT gives every one of the user's numbers."""
    runs = [(alt, p, None) for alt in alternatives(setup, targets=False)]
    runs += [(slip.setup, slip.p, slip) for slip in slips(setup, p)]  # the same target
    found = []
    for alt, q, slip in runs:
        interrupt.poll()
        mine = user if slip is None else slip.mine(user)
        if alt_gradients_fit(alt, q, mine, tol, tuple(known_factors(alt.batch()))):
            found.append(option_of(alt, setup, 1.0, "", slip))
    if not found:
        return None
    said = [o.said for o in simplest_first(found)]
    return ForwardCheck(
        None, None, None, False, said, "match", gradients_under=["match"] * len(said)
    )
