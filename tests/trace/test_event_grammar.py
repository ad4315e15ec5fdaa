"""The grammar of a trace's events (``trace/event_grammar``) counts a step's windows as the
engine runs them: as many as ``core.truncation.windows`` lists, for --chunks K and --tbptt
K1:K2 over every T (the longest sentence's), without listing them."""

from __future__ import annotations

from typing import Any

import pytest

from bptt_trace.core.truncation import Scheme, windows
from bptt_trace.trace.event_grammar import shape_of


def run_of(config: dict[str, Any], T: int) -> dict[str, Any]:
    base = {"hidden": 2, "activation": "tanh", "loss": "last", "steps": 1, "lr": 0.1}
    sentences = [["a"] * T, ["a"]]  # the longest sentence sets the windows
    return {"vocab": ["a", "<eos>"], "sentences": sentences, "config": {**base, **config}}


@pytest.mark.parametrize("k1", range(1, 8))
def test_the_windows_of_a_step_are_those_the_engine_runs(k1: int) -> None:
    for T in range(1, 30):
        chunks = shape_of(run_of({"chunks": k1, "update_every": "chunk"}, T))
        assert chunks.windows == len(windows(Scheme("chunks", k1, k1), T))
        for k2 in (k1, k1 + 1, k1 + 5):
            tbptt = shape_of(run_of({"tbptt": [k1, k2], "update_every": "chunk"}, T))
            assert tbptt.windows == len(windows(Scheme("tbptt", k1, k2), T))
        sequence = shape_of(run_of({"chunks": k1, "update_every": "sequence"}, T))
        assert sequence.windows is None  # one update a step
