"""Counts worked out in closed form, each against the thing it counts: a scheme's windows
(``window_count``) against the list ``windows`` makes, and a run's traced steps
(``work_checks.traced_steps``) against ``Config.traced`` asked step by step."""

from __future__ import annotations

import pytest

from bptt_trace.cli.work_checks import traced_steps
from bptt_trace.config import Config
from bptt_trace.core.truncation import Scheme, window_count, windows


@pytest.mark.parametrize("kind", ["truncate", "chunks", "tbptt"])
def test_the_windows_counted_are_the_windows_listed(kind: str) -> None:
    for T in range(1, 31):
        for k1 in range(1, 9):
            for k2 in [k1] if kind != "tbptt" else range(k1, k1 + 5):
                scheme = Scheme(kind, k1, k2)
                assert window_count(scheme, T) == len(windows(scheme, T)), (scheme, T)


def test_the_traced_steps_counted_are_those_config_traces() -> None:
    for steps in range(1, 40):
        for every in [None, *range(1, 12)]:
            config = Config(steps=steps, trace_every=every)
            asked = sum(config.traced(s) for s in range(1, steps + 1))
            assert traced_steps(steps, every) == asked, (steps, every)
