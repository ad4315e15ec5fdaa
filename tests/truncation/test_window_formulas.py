"""The update panel of a window (--chunks, --tbptt with --update-every chunk) writes out only
what that window's gradient is made of: its own time steps and losses, where the trace holds
their terms (the first window, run at the step's starting θ), and every written-out sum adds
up to the gradient the update line uses; a later window shows its gradient entry as the
window's, without a sum. A window with no loss says so and names no largest entry. The
windows are worked out here from the issue's rules (chunks of K from t = 1), not the engine's."""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from bptt_trace import Config
from bptt_trace.core.tokens import tokenize
from bptt_trace.rendering.renderer import TraceRenderer, make_console
from bptt_trace.trace.loop import run

SENTENCE = ["I", "like", "NLP"]
LONG = (Path(__file__).parents[2] / "sentences" / "long.txt").read_text().split("\n")


def shown(sentences: list[list[str]], only: list[str], width: int = 200, **options: object) -> str:
    out = io.StringIO()
    console = make_console(file=out, width=width, no_color=True, force_terminal=False)
    renderer = TraceRenderer(4, only=only)
    for event in run(sentences, Config(**options)):  # type: ignore[arg-type]
        for part in renderer.feed(event):
            console.print(part)
    for part in renderer.close():
        console.print(part)
    return out.getvalue()


def windows(text: str) -> dict[int, str]:
    """Each window's part of the text, from its rule to the next."""
    parts = re.split(r"step \d+ · window (\d+) · ", text)
    return {int(parts[i]): parts[i + 1] for i in range(1, len(parts), 2)}


def sums(panel: str) -> list[tuple[str, float, float]]:
    """Each written-out sum (``∂L/∂X = names`` then ``= numbers``) with the value of its
    numbers and the gradient the entry's update line uses (``X ← old − α × (g) = new``)."""
    lines = [line.strip(" │") for line in panel.splitlines()]
    grads = {}
    for line in lines:
        m = re.match(r"(\S+\[[^\]]*\]) ← \S+ − [\d.e+-]+ × \(([-+][\d.e+-]+)\)", line)
        if m:
            grads[m.group(1)] = float(m.group(2))
    found = []
    for name_line, numbers in itertools.pairwise(lines):
        m = re.match(r"∂L/∂(?:\S+ = [^:]*: ∂L/∂)?(\S+\[[^\]]*\]) = ", name_line)
        if not m or not numbers.startswith("= "):
            continue
        expr = numbers[2:].split(" = ")[0]
        expr = re.sub(r"\(([-+][\d.e+-]+): [^)]*\)", r"(\1)", expr).replace("×", "*")
        assert re.fullmatch(r"[-+*() \d.e]+", expr), expr  # numbers only: eval is arithmetic
        found.append((m.group(1), eval(expr), grads[m.group(1)]))
    return found


@pytest.mark.parametrize(
    "options",
    [
        {"chunks": 2, "loss": "every"},
        {"chunks": 1, "loss": "every"},
        {"tbptt": (2, 2), "loss": "every"},
        {"tbptt": (1, 2), "loss": "every"},
        {"chunks": 2},
        {"chunks": 2, "loss": "every", "cell": "lstm"},
    ],
)
def test_every_sum_of_a_windows_panel_adds_up_to_the_gradient_its_update_uses(options):
    text = shown([SENTENCE], ["update", "formulas"], detail="full", **options)
    parts = windows(text)
    assert parts
    if options.get("loss") == "every":  # window 1 has terms in the trace: sums are written
        assert sums(parts[1])
    for k, part in parts.items():
        for entry, total, grad in sums(part):
            assert abs(total - grad) <= 5e-4 * 8, (k, entry, total, grad)


def test_the_first_chunks_panel_names_its_own_steps_and_losses_only():
    """--chunks 2 on 3 steps: window 1 is steps 1–2 with L₁, L₂; window 2 is step 3."""
    part = windows(shown([SENTENCE], ["update", "formulas"], chunks=2, loss="every"))
    first = part[1]
    assert re.search(r"Σ contributions of time steps t=1 \+ t=2 *│", first)
    assert "t=3" not in first and "L₃" not in first and "ŷ₃" not in first
    assert "∂L₁/∂Wʰ + ∂L₂/∂Wʰ  (the per-loss terms)" in first
    assert "not shown" not in first  # every step of the window is shown: no remainder


def test_a_later_window_shows_its_own_gradient_entry_without_a_sum():
    part = windows(
        shown([SENTENCE], ["update", "formulas"], chunks=2, loss="every", detail="full")
    )[2]
    assert "Σ contributions" not in part and "per-loss terms" not in part
    assert "Σₜ" not in part
    assert re.search(r"∂L/∂Wʰ\[\d, \d\] of window 2 = [-+]\d\.\d{4}", part)


def test_a_window_whose_steps_later_windows_also_reach_writes_no_step_sum():
    """--tbptt 1:2: window 2 (loss 2) reaches back to step 1, so step 1's terms in the trace
    hold window 2's flow as well as window 1's."""
    part = windows(shown([SENTENCE], ["update", "formulas"], tbptt=(1, 2), loss="every"))[1]
    assert "Σ contributions" not in part
    assert "= ∂L₁/∂W  (the per-loss terms)" in part and "L₂" not in part


def test_a_window_without_a_loss_says_so_and_names_no_largest_entry():
    """--chunks 1 under --loss last: the only loss is at t = 3."""
    text = shown([SENTENCE], ["update", "formulas"], chunks=1, detail="full")
    part = windows(text)
    for k in (1, 2):
        assert part[k].startswith("no loss in this window (θ unchanged)"), k
        assert "whose gradient is largest" not in part[k], k
        assert "its L = " not in part[k] and "the losses at" not in part[k]
        assert f"window {k}: time step {k}, no loss in this window (θ unchanged)" in part[k]
    assert "window 3: time step 3, the loss at 3," in part[3]


def test_a_long_sentences_chunks_under_loss_last_name_only_the_loss_at_36():
    tokens = tokenize(next(line for line in reversed(LONG) if line.strip()))
    assert len(tokens) == 36
    part = windows(shown([tokens], ["update"], width=120, chunks=5, detail="full"))
    assert len(part) == 8  # 1–5, 6–10, …, 31–35, 36
    for k in range(1, 8):
        assert "no loss in this window (θ unchanged)" in part[k], k
        assert "the losses at" not in part[k]
    assert "window 8: time step 36, the loss at 36," in part[8]


@pytest.mark.parametrize("detail", ["auto", "full"])
def test_a_window_after_windows_without_a_loss_writes_out_its_sum_from_the_steps_terms(detail):
    """--chunks 1 under --loss last: windows 1 and 2 have no loss, so window 3 ran at the
    step's starting θ, and the backward table's step 3 holds its terms: the trace's own
    numbers say so (the window's ∂L/∂W is step 3's contribution, in the row of its token),
    and its panel writes its gradient out as that step's sum, which adds up."""
    events = list(run([SENTENCE], Config(chunks=1)))
    window = next(e for e in events if e.kind == "gradients" and getattr(e, "chunk", None) == 3)
    step3 = next(e for e in events if e.kind == "backward" and e.t == 3)
    contribution = np.zeros_like(np.asarray(window.grads["W"]))
    contribution[step3.token_index] = np.asarray(step3.terms["da"])  # xₜᵀ·∂L/∂aₜ
    np.testing.assert_allclose(window.grads["W"], contribution, rtol=1e-12, atol=1e-15)
    part = windows(shown([SENTENCE], ["update", "formulas"], chunks=1, detail=detail))[3]
    assert re.search(r"Σ contributions of time steps t=3 *│", part)
    assert sums(part) and "θ updated by the windows before it" not in part
    for entry, total, grad in sums(part):
        assert abs(total - grad) <= 5e-4 * 8, (entry, total, grad)


def issue_windows(T: int, k1: int, k2: int) -> list[tuple[int, int, int]]:
    """TBPTT(k1, k2) by the issue's rule (--chunks K is TBPTT(K, K)): windows end at k1,
    2·k1, … and T, each with the losses since the one before, reaching back k2 steps."""
    ends = [*range(k1, T + 1, k1)]
    ends += [T] if not ends or ends[-1] != T else []
    return [(max(1, e - k2 + 1), b + 1, e) for b, e in zip([0, *ends], ends, strict=False)]


@pytest.mark.parametrize("T", [1, 5, 9])
@pytest.mark.parametrize(("k1", "k2"), [(1, 1), (2, 2), (1, 3), (2, 5), (4, 4)])
@pytest.mark.parametrize("loss", ["every", "last"])
def test_a_windows_own_steps_losses_and_starting_theta_as_the_issues_rules_say(T, k1, k2, loss):
    from bptt_trace.rendering.window_scope import window_scope
    from bptt_trace.trace.events import GradientsEvent

    spans = issue_windows(T, k1, k2)
    config = {"tbptt": [k1, k2], "loss": loss}
    has_loss = [[t for t in range(f, e + 1) if loss == "every" or t == T] for _, f, e in spans]
    for k, (start, first, end) in enumerate(spans, start=1):
        event = GradientsEvent(step=1, loss=0.0, grads={}, chunk=k, window=[start, first, end])
        scope = window_scope(event, config, [T])
        assert scope is not None
        others = {t for i, (s, _, e) in enumerate(spans, 1) if i != k for t in range(s, e + 1)}
        assert scope.own == {t for t in range(start, end + 1) if t not in others}
        assert scope.losses == tuple(has_loss[k - 1])
        assert scope.fresh == (not any(has_loss[: k - 1]))
