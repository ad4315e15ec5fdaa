"""The model and input a user's numbers are set against (``Setup``), and the other setups
their code plausibly ran: another activation, --loss, --target or token order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from ..config import EOS
from ..core.batch import Batch, make_batch
from ..core.cells import make_cell
from ..core.cells.declaration import Cell

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
        if differs(self.vocab, default.vocab):
            said.append(
                "add a vocab array of your token order to your weights file "
                f"(vocab=np.array([{', '.join(repr(t) for t in self.vocab[:6])}"
                f"{', …' if len(self.vocab) > 6 else ''}]))"
            )
        return said


def differs(a: object, b: object) -> bool:
    """``a != b``, at once when they are one object (a vocabulary of 50,000 tokens compared
    for every target of every setup tried took minutes)."""
    return a is not b and a != b


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
