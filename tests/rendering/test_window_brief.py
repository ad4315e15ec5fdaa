"""Under --detail auto a step's windows (--chunks, --tbptt with an update after each) stay
within a few screens: the first window with a loss keeps its update tables, every other window
is a row of one table, whose numbers are worked out here from the events' own arrays (not
from the renderer's arithmetic): its L, ‖∂L/∂θ‖ = √Σ‖g‖², ‖Δθ‖ = ‖new − old‖ and the
staleness ‖h recomputed − h carried‖. --detail full keeps every window's tables."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from bptt_trace import Config
from bptt_trace.rendering.renderer import TraceRenderer, make_console
from bptt_trace.trace.events import Event, GradientsEvent, UpdateEvent
from bptt_trace.trace.loop import run

TITLE = "Windows · step 1 · each followed by its update"


def words(n: int) -> list[str]:
    return [f"w{i}" for i in range(n)]


def shown(events: list[Event], width: int = 200, only: list[str] | None = None) -> str:
    out = io.StringIO()
    console = make_console(file=out, width=width, no_color=True, force_terminal=False)
    renderer = TraceRenderer(4, only=only)
    for event in events:
        for part in renderer.feed(event):
            console.print(part)
    for part in renderer.close():
        console.print(part)
    return out.getvalue()


def rows(text: str) -> dict[int, list[str]]:
    """The brief table's rows by their window: [time steps, losses, L, ‖∂L/∂θ‖, ‖Δθ‖, stale
    by]."""
    table = text[text.index(TITLE) :]
    found = {}
    for line in table.splitlines()[4:]:
        cells = re.split(r"\s{2,}", line.strip())
        if not cells or not cells[0].isdigit():
            if cells and cells[0] == "⋯":
                continue
            break
        found[int(cells[0])] = cells[1:]
    return found


def norm(arrays: dict) -> float:
    return float(np.sqrt(sum(np.sum(np.asarray(a, dtype=float) ** 2) for a in arrays.values())))


def windows_of(events: list[Event]) -> dict[int, tuple[GradientsEvent, UpdateEvent]]:
    grads = {e.chunk: e for e in events if isinstance(e, GradientsEvent) and e.chunk}
    updates = {e.chunk: e for e in events if isinstance(e, UpdateEvent) and e.chunk}
    return {k: (grads[k], updates[k]) for k in grads}


def close(shown_text: str, value: float) -> None:
    """A magnitude shown with 4 decimals (or 3 significant digits in scientific notation)."""
    assert float(shown_text) == pytest.approx(value, rel=5e-3, abs=5e-5), (shown_text, value)


@pytest.mark.parametrize(
    "options",
    [
        {"chunks": 1, "loss": "every"},
        {"tbptt": (2, 4), "loss": "every", "cell": "lstm"},
        {"chunks": 3, "loss": "every", "cell": "gru", "clip": 0.5},
        {"tbptt": (5, 7), "loss": "every"},  # a ragged end: the last window's losses 11, 12
    ],
)
def test_each_later_window_is_a_row_of_its_own_numbers(options: dict) -> None:
    events = list(run([words(12)], Config(**options)))
    text = shown(events)
    table = rows(text)
    windows = windows_of(events)
    assert sorted(table) == sorted(windows)[1:]  # window 1 in full, every other a row
    assert text.count(" · its update") == 1
    for k, (gradients, update) in windows.items():
        if k == 1:
            continue
        steps, losses, loss, grad_norm, change, stale = table[k]
        start, first_loss, end = gradients.window
        assert steps == (str(start) if start == end else f"{start} to {end}")
        # every step has a loss (--loss every): the window's are first_loss … end
        assert losses == (str(end) if first_loss == end else f"{first_loss} to {end}")
        close(loss, gradients.loss)
        close(grad_norm, norm(gradients.grads))  # before clipping
        delta = {n: np.asarray(update.new[n]) - np.asarray(update.old[n]) for n in update.new}
        close(change, norm(delta))
        now, then = gradients.carried_state_now, gradients.carried_state
        if start == 1:  # h₀ = 0 carried in: nothing to be stale
            assert stale == "—"
        else:
            close(stale, float(np.linalg.norm(np.asarray(now) - np.asarray(then))))


def test_past_seventeen_rows_the_middle_windows_are_left_out_and_named() -> None:
    text = shown(list(run([words(36)], Config(chunks=1, loss="every"))))
    assert sorted(rows(text)) == [*range(2, 10), *range(29, 37)]
    caption = " ".join(text[text.index("Windows 2 to 36 in brief") :].split())
    assert caption.startswith("Windows 2 to 36 in brief (windows 10 to 28 left out: ⋯)")
    assert "--detail full shows each window's update tables" in caption


def test_windows_without_a_loss_that_changed_nothing_share_a_row() -> None:
    """--loss last: windows 1 … 35 have no loss and run at the step's θ; window 36, the one
    with the loss, keeps its tables."""
    text = shown(list(run([words(36)], Config(chunks=1))))
    table = text[text.index(TITLE) :]
    assert re.search(r"^ 1 to 35 +1 to 35 +— +no loss +— +θ unchanged +— *$", table, re.M)
    assert "step 1 · window 36 · its L = " in text and text.count(" · its update") == 1


def test_detail_full_shows_every_windows_tables() -> None:
    text = shown(list(run([words(6)], Config(chunks=1, loss="every", detail="full"))))
    assert TITLE not in text
    assert [int(k) for k in re.findall(r"step 1 · window (\d+) · its L", text)] == [*range(1, 7)]


def test_a_trace_cut_among_the_windows_shows_the_rows_it_has() -> None:
    events = list(run([words(8)], Config(chunks=1, loss="every")))
    last = max(i for i, e in enumerate(events) if isinstance(e, UpdateEvent) and e.chunk == 4)
    text = shown(events[: last + 1])
    assert sorted(rows(text)) == [2, 3, 4]
    assert text.rstrip().endswith("The trace ends without a closing event: it was cut off.")


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_a_step_of_36_windows_is_about_as_long_as_the_same_step_without_a_scheme(cell) -> None:
    """The rows add about a screen to the step, not one update's tables a window."""
    plain = shown(list(run([words(36)], Config(cell=cell, loss="every"))), width=80)
    chunked = shown(list(run([words(36)], Config(cell=cell, loss="every", chunks=1))), width=80)
    assert len(chunked.splitlines()) <= len(plain.splitlines()) + 80


def test_under_detail_full_a_window_without_a_loss_shows_no_tables_of_zeros() -> None:
    """--chunks 1 under --loss last: windows 1 … 5 have no loss, a zero gradient and no update
    to show; window 6 (the loss) keeps its update tables and formulas."""
    text = shown(list(run([words(6)], Config(chunks=1, detail="full"))))
    parts = re.split(r"step 1 · window (\d+) · ", text)
    windows = {int(parts[i]): parts[i + 1] for i in range(1, len(parts), 2)}
    assert sorted(windows) == [*range(1, 7)]
    for k in range(1, 6):
        assert "its gradient is 0, no update" in " ".join(windows[k].split()), k
        assert "← W −" not in windows[k] and "update rule" not in windows[k], k
    assert "W ← W − α·∂L/∂W" in windows[6] and "The update rule" in windows[6]


def test_a_windows_losses_are_named_as_runs_of_time_steps() -> None:
    from bptt_trace.rendering.window_scope import losses_named, runs_named

    assert runs_named(()) == ""
    assert runs_named((36,)) == "36"
    assert runs_named((6, 7, 8, 9, 10)) == "6 to 10"
    assert runs_named((3, 5, 6, 7, 9)) == "3, 5 to 7, 9"
    assert losses_named((36,)) == "the loss at 36"
    assert losses_named((1, 2, 3, 4, 5)) == "the losses at 1 to 5"
    assert losses_named((3, 7)) == "the losses at 3, 7"


@pytest.mark.parametrize("loss", ["last", "every"])
def test_a_state_carried_with_the_steps_own_theta_is_not_called_older(loss: str) -> None:
    """Under --loss last the windows before the last change nothing: the state carried into
    the last one was computed with its own θ, not an older one. Under --loss every the
    windows before it updated θ, and its carried state is older."""
    events = list(run([words(12)], Config(chunks=5, loss=loss, detail="full")))
    text = " ".join(shown(events).split())
    last = text[text.index("window 3: time steps 11 to 12") :]
    if loss == "last":
        assert "not stale: no window before this one changed θ" in last
        assert "(older θ)" not in last
    else:
        assert "h₁₀ carried (older θ)" in last and "not stale" not in last
