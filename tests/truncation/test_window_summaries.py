"""A window's events summarised as the trace writes them (``--detail auto``) are the summaries
of the same events written whole (``--detail full``): a window's gradient, the update that
applies it, and the parameters one window leaves and the next one starts from are each
summarised once, and a window that changes nothing (no loss in it, ``--loss last``) is not run
at all, without changing a number of the trace."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from plain_summary import plain_summary

from bptt_trace.config import Config
from bptt_trace.trace.loop import run
from bptt_trace.trace.summary import too_large

SENTENCE = "the cat sat on the mat and the dog sat on the log".split()


def summarised(value):
    """``value`` with every array too large for --detail auto written as its plain summary."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and too_large(value, "auto"):
        return plain_summary(value)
    if isinstance(value, dict):
        return {key: summarised(item) for key, item in value.items()}
    return value


def same(got, want, where: str) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), where
        for key in want:
            same(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, float) and isinstance(got, float):
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-300), where
    else:
        assert json.dumps(got) == json.dumps(want, default=lambda a: a.tolist()), where


@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("scheme", [{"chunks": 3}, {"tbptt": (2, 5)}])
def test_window_events_are_the_summaries_of_the_whole_events(loss, scheme) -> None:
    config = dict(hidden=70, loss=loss, steps=1, lr=0.3, **scheme)  # 70 > 64: vectors summarised
    whole = [e for e in run([SENTENCE], Config(detail="full", **config)) if e.kind != "end"]
    auto = [e for e in run([SENTENCE], Config(detail="auto", **config)) if e.kind != "end"]
    windows = [i for i, e in enumerate(whole) if getattr(e, "chunk", None) is not None]
    assert len(windows) >= 2 * 4  # a gradients and an update event per window
    for i in windows:
        want = {name: summarised(getattr(whole[i], name)) for name in vars(whole[i])}
        got = auto[i].to_json()
        for name, value in want.items():
            if name in got:
                same(got[name], value, f"{whole[i].kind} {whole[i].chunk} {name}")
            elif name == "grads":  # written as fields of their own
                for key, item in value.items():
                    same(got[key], item, f"gradients {whole[i].chunk} {key}")
