"""Forward first: the model a user's numbers are set against, and the plausible other models
(another activation, ``--loss``, ``--target``, token order) that may be the one their code ran.

A difference in the forward pass is not a BPTT mistake: when the user's loss differs from the
trace's (``forward_first``), the alternatives are run forward (cheap: one forward pass each) and
the options that reproduce the user's loss are named, before any gradient is fitted; without a
loss, ``by_gradients`` tries the alternatives' full BPTT against the user's gradients.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

import numpy as np

from ..config import EOS
from ..core import interrupt
from ..core.batch import Batch, make_batch
from ..core.bptt import backward, forward
from ..core.cells import make_cell
from ..core.cells.declaration import Cell, Params
from ..core.output import log_softmax, logits
from .comparison import ForwardCheck
from .fit import fit, known_factors, relative
from .forward_choice import Option, judged, kinds_changed, leading, simplest_first
from .mistakes import Context, Knobs, Result, backprop
from .numbers import UserNumbers, quantities

ACTIVATIONS = ("tanh", "sigmoid", "relu")


@dataclass(frozen=True)
class Setup:
    """The model and input the trace computes: the cell and its options, the sentences, the
    vocabulary (row i of W is token i), the target and the loss."""

    cell: str
    activation: str
    reset_after: bool
    corpus: tuple[tuple[str, ...], ...]
    vocab: tuple[str, ...]
    vocab_given: bool
    target: str
    loss: str

    def make_cell(self) -> Cell:
        config = {"cell": self.cell, "activation": self.activation}
        return make_cell({**config, "reset_after": True} if self.reset_after else config)

    def batch(self) -> Batch:
        index = {token: i for i, token in enumerate(self.vocab)}
        return make_batch(
            [[index[t] for t in s] for s in self.corpus], index[self.target], self.loss
        )

    def options(self, default: Setup) -> list[str]:
        """What to give on the command line (or in the file) to make ``default`` this."""
        said = []
        if self.activation != default.activation:
            said.append(f"--activation {self.activation}")
        if self.loss != default.loss:
            said.append(f"--loss {self.loss}")
        if self.target != default.target:
            said.append(f"--target {self.target}")
        if self.vocab != default.vocab:
            said.append(
                "add a vocab array of your token order to your weights file "
                f"(vocab=np.array([{', '.join(repr(t) for t in self.vocab[:6])}"
                f"{', …' if len(self.vocab) > 6 else ''}]))"
            )
        return said


def orders(setup: Setup) -> list[tuple[str, ...]]:
    """The token orders a user's code may have: first appearance (the trace's), sorted,
    <eos> first, <eos> first then sorted."""
    if setup.vocab_given:
        return [setup.vocab]
    rest = tuple(t for t in setup.vocab if t != EOS)
    found = [setup.vocab, tuple(sorted(setup.vocab)), (EOS, *rest), (EOS, *sorted(rest))]
    return list(dict.fromkeys(found))


def alternatives(setup: Setup, targets: bool) -> Iterator[Setup]:
    """Every other setup a user's code plausibly ran (the targets too when ``targets``)."""
    activations = ACTIVATIONS if setup.cell == "rnn" else (setup.activation,)
    for activation in activations:
        for vocab in orders(setup):
            for loss in ("last", "every"):
                base = replace(setup, activation=activation, vocab=vocab, loss=loss)
                for target in vocab if targets else (setup.target,):
                    if target in vocab:
                        alt = replace(base, target=target)
                        if alt != setup:
                            yield alt


def losses_by_target(setup: Setup, p: Params) -> dict[str, tuple[float, float]]:
    """(L, each sentence's loss averaged over its outputs then over the sentences) of
    ``setup`` for every target at once (one forward pass): the target is only the last
    output's."""
    batch = setup.batch()
    fw = forward(setup.make_cell(), p, batch)
    s, t = np.nonzero(batch.out)
    log_y = log_softmax(logits(p, fw.h[s, t]))
    last = t == batch.lengths[s]
    B = batch.x.shape[0]
    per_output = -log_y[np.arange(s.size), batch.y[s, t]]
    weight = 1.0 / np.bincount(s, minlength=B)[s]  # 1/(the sentence's outputs)
    fixed = np.array([per_output[~last].sum(), (weight * per_output)[~last].sum()])
    at_last = -log_y[last]  # each target's loss at the last outputs
    found = {}
    for i, token in enumerate(setup.vocab):
        summed = fixed[0] + at_last[:, i].sum()
        averaged = fixed[1] + (weight[last] * at_last[:, i]).sum()
        found[token] = (float(summed / B), float(averaged / B))
    return found


PER_SENTENCE_MEAN = (
    "your loss averages each sentence's outputs, then the sentences (the trace sums each "
    "sentence's outputs; no option does that: compare one sentence at a time)"
)


def reproducing(
    setup: Setup, p: Params, user_loss: float, tolerance: float
) -> list[tuple[Setup, float, str]]:
    """The alternatives (with the reduction that makes them so, a factor and its words) whose
    loss is the user's within ``tolerance``."""
    found = []
    seen: set[tuple[str, tuple[str, ...], str]] = set()
    candidates = [setup, *alternatives(setup, targets=True)]
    for alt in candidates:
        key = (alt.activation, alt.vocab, alt.loss)
        if key in seen:
            continue
        seen.add(key)
        interrupt.poll()
        factors = known_factors(alt.batch())
        for target, (loss, averaged) in losses_by_target(alt, p).items():
            candidate = replace(alt, target=target)
            tried = [(c, c * loss, text) for c, text in factors.items() if c > 0]
            if candidate.loss == "every" and candidate.corpus and len(candidate.corpus) > 1:
                tried.append((0.0, averaged, PER_SENTENCE_MEAN))
            for factor, value, text in tried:
                if candidate == setup and factor == 1.0:
                    continue
                if relative(np.array(user_loss), np.array(value)) <= tolerance:
                    found.append((candidate, factor, text))
    return found


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
    options = simplest_first(
        [
            Option(
                alt,
                c,
                text,
                ", ".join([*alt.options(setup), *([text] if text else [])]),
                kinds_changed(alt, setup, text),
            )
            for alt, c, text in reproducing(setup, p, user_loss, tol)
        ]
    )
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
    """Without a loss: the alternatives whose full BPTT gives every one of the user's numbers."""
    found = []
    for alt in alternatives(setup, targets=False):
        interrupt.poll()
        if alt_gradients_fit(alt, p, user, tol, tuple(known_factors(alt.batch()))):
            said = ", ".join(alt.options(setup))
            found.append(Option(alt, 1.0, "", said, kinds_changed(alt, setup, "")))
    if not found:
        return None
    said = [o.said for o in simplest_first(found)]
    return ForwardCheck(
        None, None, None, False, said, "match", gradients_under=["match"] * len(said)
    )
