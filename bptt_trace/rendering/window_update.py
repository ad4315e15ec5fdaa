"""The window an update follows under --chunks or --tbptt (--update-every chunk), and the
staleness of the state carried into it, above the update's tables (``update.UpdateView``)."""

from __future__ import annotations

from rich.text import Text

from ..trace.events import GradientsEvent
from ..trace.summary import is_summary
from ..trace.window_checks import staleness
from .theme import subscript, vector
from .window_scope import NO_LOSS, WindowScope, losses_named


def window_lines(
    event: GradientsEvent, precision: int, scope: WindowScope | None = None
) -> list[Text]:
    """Which window this update follows, and the staleness of the state carried into it: the
    first sentence's h at start − 1 as the windows before computed it, and recomputed with
    the parameters this window ran with (their difference is what the carried constant hides).
    ``scope`` names the window's losses (without it, those at first … end of its window)."""
    start, first, end = (int(t) for t in event.window or (0, 0, 0))
    losses = scope.losses if scope is not None else tuple(range(first, end + 1))
    what = losses_named(losses) if losses else NO_LOSS
    steps = f"time step {start}" if start == end else f"time steps {start} to {end}"
    after = "; this update follows it" if losses else ": its gradient is 0, no update"
    lines = [
        Text(
            f"window {event.chunk}: {steps}, {what}, "
            f"from h{subscript(start - 1)} carried in as a constant{after}",
            "note",
        )
    ]
    then, now = event.carried_state, event.carried_state_now
    if then is None or now is None or start == 1:
        return lines
    h = f"h{subscript(start - 1)}"
    if scope is not None and scope.fresh:  # no window before it changed θ: nothing is stale
        lines.append(Text.assemble((f"{h} carried  ", "label"), vector(then, precision)))
        lines.append(Text("not stale: no window before this one changed θ", "note"))
        return lines
    labels = [f"{h} carried (older θ)", f"{h} recomputed (this θ)"]
    width = max(len(label) for label in labels) + 2
    for label, value in zip(labels, (then, now), strict=True):
        lines.append(Text.assemble((label.ljust(width), "label"), vector(value, precision)))
    if not (is_summary(then) or is_summary(now)):
        gap = staleness(then, now)
        lines.append(Text(f"the carried state is stale by ‖difference‖ = {gap:.3e}", "note"))
    return lines
