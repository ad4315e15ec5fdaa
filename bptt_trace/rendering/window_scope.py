"""What a window's update (--chunks, --tbptt with --update-every chunk) is made of: its time
steps, the time steps of its losses, and the steps only its own flows reach, from the run's
configuration and sentence lengths (``core.truncation.windows``).

The step's backward, output and per-loss events are computed at the step's starting θ and sum
every window's flows. The first window runs with that θ from h₀, and so does every window
until one with a loss has updated θ (``fresh``), so its gradient is the sum of the terms of its
losses (and of the steps no other window reaches); a later window runs with θ updated by the
windows before it, and none of its terms are in the trace."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..core.truncation import Scheme, scheme_of, windows
from ..trace.events import BackwardEvent, GradientsEvent, RunEvent


@dataclass(frozen=True)
class WindowScope:
    """Window ``chunk`` (1-based): time steps ``start`` … ``end``; ``losses`` the time steps
    in it where some sentence has a loss; ``own`` the steps of it no other window reaches."""

    chunk: int
    start: int
    end: int
    losses: tuple[int, ...]
    own: frozenset[int]
    fresh: bool = False
    """No window before it has a loss: it ran at the step's starting θ, unchanged."""

    @property
    def first(self) -> bool:
        """The first window: it ran with the step's starting θ, as the trace's terms were."""
        return self.chunk == 1

    @property
    def shared(self) -> bool:
        """Some of its steps are reached by another window too (--tbptt K1:K2 with K1 < K2)."""
        return len(self.own) < self.end - self.start + 1


def loss_steps(config: Mapping[str, Any], lengths: Sequence[int]) -> set[int]:
    """The time steps where some sentence has a loss: every step under --loss every, each
    sentence's last under --loss last."""
    if config.get("loss") == "every":
        return set(range(1, max(lengths, default=0) + 1))
    return {n for n in lengths if n > 0}


def window_scope(
    event: GradientsEvent | None, config: Mapping[str, Any], lengths: Sequence[int]
) -> WindowScope | None:
    """The scope of the window ``event`` is the gradient of, or None when it is no window's."""
    chunk = getattr(event, "chunk", None)
    window = getattr(event, "window", None)
    if event is None or chunk is None or window is None:
        return None
    start, first, end = (int(t) for t in window)
    every = tuple(sorted(loss_steps(config, lengths)))
    losses = tuple(t for t in every if first <= t <= end)
    scheme = scheme_of(config)
    if scheme is None or not lengths:
        return WindowScope(int(chunk), start, end, losses, frozenset(range(start, end + 1)), True)
    cover, first_with_loss = _layout(scheme, max(lengths), every)
    own = frozenset(t for t in range(start, end + 1) if t < len(cover) and cover[t] == 1)
    return WindowScope(int(chunk), start, end, losses, own, int(chunk) <= first_with_loss)


@lru_cache(maxsize=8)
def _layout(scheme: Scheme, T: int, losses: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    """How many windows reach each time step 0 … T (0 unused), and the first window (from 1)
    with a loss (one past the last when none has): each window of a step's updates asks."""
    spans = windows(scheme, T)
    change = [0] * (T + 2)
    for w in spans:
        change[w.start] += 1
        change[w.end + 1] -= 1
    cover = list(itertools.accumulate(change))[: T + 1]
    marked = bytearray(T + 2)
    for t in losses:
        marked[t] = 1
    first = next(
        (i for i, w in enumerate(spans, start=1) if any(marked[w.first_loss : w.end + 1])),
        len(spans) + 1,
    )
    return tuple(cover), first


def losses_named(losses: Sequence[int]) -> str:
    """``the loss at 36``, ``the losses at 1 to 5``, ``the losses at 3, 7`` (sentences of
    several lengths under --loss last)."""
    if len(losses) == 1:
        return f"the loss at {losses[0]}"
    return f"the losses at {runs_named(losses)}"


def runs_named(steps: Sequence[int]) -> str:
    """Time steps (ascending) as runs: ``6 to 10``, ``36``, ``3, 5 to 7``; "" for none."""
    runs: list[list[int]] = []
    for t in steps:
        if runs and t == runs[-1][1] + 1:
            runs[-1][1] = t
        else:
            runs.append([t, t])
    return ", ".join(str(a) if a == b else f"{a} to {b}" for a, b in runs)


NO_LOSS = "no loss in this window (θ unchanged)"


def steps_named(start: int, end: int) -> str:
    """``t = 3`` or ``t = 1 to 5``."""
    return f"t = {start}" if start == end else f"t = {start} to {end}"


def scope_of(run: RunEvent, event: GradientsEvent | None) -> WindowScope | None:
    """``window_scope`` of a run's window gradient."""
    return window_scope(event, run.config, [len(s) for s in run.sentences])


def no_loss(run: RunEvent, event: GradientsEvent) -> bool:
    """Whether ``event`` is a window's gradient with no loss in its window."""
    scope = scope_of(run, event)
    return scope is not None and not scope.losses


def steps_in(
    backward: Sequence[BackwardEvent], scope: WindowScope
) -> tuple[list[BackwardEvent], int]:
    """The backward events of the window's own steps, and how many of those steps (in the
    traced sentences) have no event kept for display: each sentence's last step always is."""
    kept = [e for e in backward if e.t in scope.own]
    missing = 0
    for sentence in {e.sentence for e in backward}:
        shown = {e.t for e in backward if e.sentence == sentence}
        last = max(shown)
        missing += sum(1 for t in scope.own if t <= last and t not in shown)
    return kept, missing


def own_gradient_line(label: str, scope: WindowScope, value: str) -> str:
    """A later window's gradient entry, said to be the window's, with no sum: its terms were
    computed at a θ the trace does not hold."""
    if scope.fresh and scope.shared:
        why = "its time steps are also reached by other windows, so the trace's terms mix theirs"
    elif scope.fresh:
        why = (
            "the windows before it had no loss, so it ran at the step's starting θ: its terms "
            f"are the backward table's at {steps_named(scope.start, scope.end)}"
        )
    else:
        why = "it ran with θ updated by the windows before it; its terms are not in the trace"
    return f"  ∂L/∂{label} of window {scope.chunk} = {value}  ({why})\n"
