"""When a run stops being meaningful, in words: diverged (a number left the floats, the loop's
``finite`` check), or ran away (every number finite, the parameters or the loss absurdly
large), and what to try."""

from __future__ import annotations

from ..core.cells.declaration import Params
from ..core.optimizer import largest_entry

ABSURD = 1e6
"""A parameter entry or a loss beyond this is finite but meaningless: the end warns of it."""


def runaway(p: Params, loss: float, lr: float) -> str | None:
    """The warning of a run whose parameters or loss grew absurdly large (None if they did not)."""
    largest = largest_entry(p)
    if largest <= ABSURD and loss <= ABSURD:
        return None
    grew = (
        f"the parameters grew to {largest:.3g}"
        if largest > ABSURD
        else f"the loss grew to {loss:.3g}"
    )
    return (
        f"{grew} (beyond {ABSURD:.0e}): training ran away although no number overflowed; "
        f"try a lower --lr (now {lr:g}) or clip the gradient with --clip"
    )


BEFORE_THE_UPDATE = frozenset(
    {"forward", "output", "backward", "blame", "gates", "jacobians", "loss_gradients"}
    | {"gradients", "check"}
)
"""The events of a traced step that show its parameters before its update."""


def diverged_message(step: int, problem: str, lr: float, first_pass: bool = False) -> str:
    """The one line of a divergence. Before any update (step 0, or step 1's own forward and
    backward pass, ``first_pass``) it is the starting parameters', which no --lr changes."""
    if step == 0:  # before any update: the starting (loaded) parameters
        return f"cannot trace at step 0: {problem}; the model is beyond what float64 can follow"
    if first_pass:
        return (
            f"cannot train at step 1: {problem} before any update; the starting parameters "
            "are beyond what float64 can follow (start from smaller weights)"
        )
    return (
        f"training diverged at step {step}: {problem}; "
        f"try a lower --lr (now {lr:g}) or clip the gradient with --clip"
    )
