"""The update panel speaks the derivation's language: the output layer's gradient written out
as ∂L/∂V = Σₜ hₜᵀ·(ŷₜ − yₜ) with the trace's own numbers, and the note that a derivation's
∂Lₜ/∂W is time step t's contribution when there is one loss. The expectation is NumPy on the
trace's forward states and output events, not the renderer's arithmetic."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from bptt_trace import Config
from bptt_trace.rendering.renderer import TraceRenderer, make_console
from bptt_trace.rendering.theme import fmt
from bptt_trace.trace.loop import run

TWO = [["I", "like", "NLP"], ["we", "like", "it", "a", "lot"]]


def panel(corpus: list[list[str]], **options: object) -> tuple[str, list]:
    events = list(run(corpus, Config(**options)))  # type: ignore[arg-type]
    out = io.StringIO()
    console = make_console(file=out, width=400)
    renderer = TraceRenderer(4, only=["formulas"])
    for event in events:
        for shown in renderer.feed(event):
            console.print(shown)
    for shown in renderer.close():
        console.print(shown)
    return out.getvalue(), events


def expected_dV(events: list, B: int) -> np.ndarray:
    """Σ over sentences and output steps of hₜᵀ·(ŷₜ − yₜ), divided by B."""
    h = {(e.sentence, e.t): np.asarray(e.h) for e in events if e.kind == "forward"}
    total = 0.0
    for e in (e for e in events if e.kind == "output"):
        total = total + np.outer(h[e.sentence, e.t], np.asarray(e.dL_do))
    return total / B


@pytest.mark.parametrize(
    ("corpus", "options"),
    [
        ([["I", "like", "NLP"]], {}),
        ([["I", "like", "NLP"]], {"cell": "lstm"}),
        (TWO, {"loss": "every"}),
        (TWO, {"loss": "every", "cell": "gru"}),
    ],
)
def test_dV_is_written_as_the_sum_of_h_times_y_hat_minus_y(corpus, options) -> None:
    text, events = panel(corpus, **options)
    B = len(corpus)
    dV = expected_dV(events, B)
    grads = next(e for e in events if e.kind == "gradients").grads["V"]
    np.testing.assert_allclose(dV, np.asarray(grads), rtol=1e-12, atol=1e-15)  # the rule itself
    line = re.search(r"∂L/∂V = Σₜ hₜᵀ·\(ŷₜ − yₜ\): ∂L/∂V\[(\d+), ([^\]]+)\] = (.*)", text)
    assert line is not None, text
    i, token = int(line[1]) - 1, line[2]
    j = events[0].vocab.index(token)
    assert np.abs(grads[i][j]) == np.max(np.abs(np.asarray(grads)))  # the largest entry
    numbers = text[line.end() :].split("\n", 2)[1]
    outputs = [e for e in events if e.kind == "output"]
    h = {(e.sentence, e.t): np.asarray(e.h) for e in events if e.kind == "forward"}
    pairs = [(float(fmt(h[e.sentence, e.t][i], 4)), float(fmt(e.dL_do[j], 4))) for e in outputs]
    more = sum(h[e.sentence, e.t][i] * e.dL_do[j] for e in outputs[6:])
    added = (sum(a * b for a, b in pairs[:6]) + (float(fmt(more, 4)) if outputs[6:] else 0)) / B
    why = "" if fmt(added, 4) == fmt(dV[i, j], 4) else " (computed before rounding the factors)"
    assert numbers.rstrip(" │").endswith(f"= {fmt(dV[i, j], 4)}{why}")  # as a reader adds them
    for e in outputs[:6]:  # the terms shown, each hₜ[i]·(ŷₜ − yₜ)[j] from the trace
        term = f"({fmt(h[e.sentence, e.t][i], 4)}) × ({fmt(e.dL_do[j], 4)})"
        assert term in numbers, (term, numbers)


def test_a_derivations_dL_t_dW_is_named_as_step_ts_contribution_with_one_loss() -> None:
    note = "means by ∂Lₜ/∂W these contributions of time step t"
    assert note in panel([["I", "like", "NLP"]])[0].replace("\n", " ")
    assert note not in panel([["I", "like", "NLP"]], loss="every")[0].replace("\n", " ")
