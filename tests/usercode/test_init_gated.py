"""--init starts a trace of any cell from a framework's own weights: an nn.LSTM's and an
nn.GRU's state_dict (the stored torch fixtures) are the trace's θ₀, gate by gate, as the
tests' own conversion (framework_layouts.to_rows) reads them; and the --compare catalogue is
a long loop that a stop request ends between two backward passes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from clitools import run_cli
from usercode.framework_layouts import to_rows
from usercode.make_fixtures import FIXTURES

from bptt_trace.core import interrupt
from bptt_trace.files.user_bptt import compare_arrays

CASES = {"lstm": ["--cell", "lstm"], "gru": ["--cell", "gru", "--reset-after"]}


@pytest.mark.parametrize("cell", list(CASES))
def test_a_torch_state_dict_is_the_traces_starting_point(cell: str) -> None:
    weights = FIXTURES / f"{cell}-64-h4-short-last.w.npz"
    args = ["I like NLP", *CASES[cell], "--init", str(weights), "--layout", "torch"]
    proc = run_cli([*args, "--json", "--detail", "full", "--quiet"])
    assert proc.returncode == 0, proc.stderr.decode()
    lines = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    update = next(e for e in lines if e["event"] == "update")
    expected = {k: v for k, v in to_rows(dict(np.load(weights)), cell).items() if k != "vocab"}
    assert set(update["old"]) == set(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(np.array(update["old"][name]), value, rtol=0, atol=0)


def test_a_stop_request_ends_the_catalogue_between_two_backward_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A correct-shaped but wrong gradient sends --compare through its catalogue; a stop
    requested at once raises Interrupted (a KeyboardInterrupt) at the first poll."""
    rng = np.random.default_rng(0)
    H = 3
    shapes = {"W": (4, H), "W_h": (H, H), "b": (H,), "V": (H, 4), "b_output": (4,)}
    weights = {k: rng.normal(size=s) for k, s in shapes.items()}
    grads = {k: rng.normal(size=s) for k, s in shapes.items()}
    polled: list[int] = []
    original = interrupt.poll

    def counting(work: int = 1) -> None:
        polled.append(work)
        original(work)

    monkeypatch.setattr(interrupt, "poll", counting)
    interrupt.request(at_once=True)
    try:
        with pytest.raises(interrupt.Interrupted):
            compare_arrays(weights, grads, "I like NLP")
    finally:
        interrupt.reset()
    assert len(polled) == 1  # stopped at the first variant, none computed after the request
