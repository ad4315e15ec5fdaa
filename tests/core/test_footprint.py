"""The memory estimate counts what a run holds: tokens, not padding; every part grows with
what it is made of; a model past the parameter limit of model files never fits."""

from __future__ import annotations

import pytest

from bptt_trace.cli.checks import MAX_PARAMETERS, MAX_RUN_BYTES
from bptt_trace.core.cells import make_cell
from bptt_trace.core.footprint import PARAMETER_COPIES, run_bytes

CELLS = ["rnn", "lstm", "gru"]


@pytest.mark.parametrize("name", CELLS)
def test_a_ragged_corpus_is_estimated_by_its_tokens_not_its_padding(name) -> None:
    cell = make_cell({"cell": name})
    ragged = run_bytes(cell, 102, 64, [25_000] + [1] * 25_000)
    even = run_bytes(cell, 102, 64, [2] * 25_000)  # the same 50,000 tokens, no padding to speak of
    padded = 25_001 * 25_001 * 8 * cell.state_width(64)  # the states of one padded batch alone
    for part in ("forward", "backward"):
        assert ragged[part] <= 2 * even[part]
    assert sum(ragged.values()) < padded / 100


@pytest.mark.parametrize("name", CELLS)
def test_each_part_grows_with_what_it_is_made_of(name) -> None:
    cell = make_cell({"cell": name})
    base = run_bytes(cell, 50, 32, [10] * 10)
    wider = run_bytes(cell, 50, 64, [10] * 10)
    longer = run_bytes(cell, 50, 32, [10] * 20)
    assert all(wider[part] > base[part] for part in base)
    assert longer["forward"] == pytest.approx(2 * base["forward"], rel=0.01)
    assert run_bytes(cell, 500, 32, [10] * 10)["parameters"] > base["parameters"]
    assert run_bytes(cell, 50, 32, [10] * 10, truncate=5)["backward"] > base["backward"]
    assert run_bytes(cell, 50, 32, [10] * 10, check=True)["forward"] == 2 * base["forward"]


def test_a_model_past_the_model_files_limit_never_fits() -> None:
    """50 million parameters (the most a model file may hold) and their copies are past the
    memory limit: the estimate refuses every model that large, whatever else the run holds."""
    assert PARAMETER_COPIES * 8 * MAX_PARAMETERS > MAX_RUN_BYTES


def test_full_detail_adds_the_events_of_every_parameter() -> None:
    """--detail full holds the update's and the gradients' whole arrays as lists and text:
    measured 220 to 265 bytes a parameter (BENCHMARKS.md); the estimate counts 320."""
    from bptt_trace.core.cells import make_cell
    from bptt_trace.core.footprint import FULL_EVENT_BYTES, run_bytes

    for name, gates in (("rnn", 1), ("lstm", 4), ("gru", 3)):
        cell = make_cell({"cell": name})
        auto, full = run_bytes(cell, 4, 256, [3]), run_bytes(cell, 4, 256, [3], detail="full")
        count = gates * (4 * 256 + 256 * 256 + 256) + 256 * 4 + 4  # W, Wʰ, b a gate; V, b_output
        assert full == {**auto, "events": FULL_EVENT_BYTES * count}
        assert 265 * count < full["events"] <= 1.5 * 220 * count
