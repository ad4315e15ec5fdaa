"""The memory estimate counts what a run holds: tokens, not padding; every part grows with
what it is made of; a model past the parameter limit of model files never fits."""

from __future__ import annotations

import pytest

from bptt_trace.cli.checks import MAX_PARAMETERS
from bptt_trace.cli.memory_checks import MAX_RUN_BYTES
from bptt_trace.core.cells import make_cell
from bptt_trace.core.footprint import run_bytes
from bptt_trace.core.model import parameter_count

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
    assert all(wider[part] > base[part] for part in base if part != "python")  # fixed
    assert longer["forward"] == pytest.approx(2 * base["forward"], rel=0.01)
    assert run_bytes(cell, 500, 32, [10] * 10)["parameters"] > base["parameters"]
    assert run_bytes(cell, 50, 32, [10] * 10, truncate=5)["backward"] > base["backward"]
    assert run_bytes(cell, 50, 32, [10] * 10, check=True)["forward"] == 2 * base["forward"]


@pytest.mark.parametrize("name", CELLS)
def test_a_model_past_the_model_files_limit_never_fits(name) -> None:
    """50 million parameters (the most a model file may hold): θ, ∂L/∂θ and the new θ alone
    are 1.2 GB, and the estimate refuses every model that large."""
    cell = make_cell({"cell": name})
    H = 1
    while parameter_count(cell, 4, H) < MAX_PARAMETERS:
        H *= 2
    assert sum(run_bytes(cell, 4, H, [3]).values()) > MAX_RUN_BYTES
    assert run_bytes(cell, 4, H, [3])["parameters"] >= 3 * 8 * parameter_count(cell, 4, H)


def test_the_parameters_part_counts_three_copies_and_temporaries_of_the_largest() -> None:
    """θ, ∂L/∂θ and the new θ of every parameter, and temporaries of the largest one only: a
    vocabulary of 50,000 at H = 8 (W and V largest) against H = 1,000 on 4 words (Wʰ)."""
    rnn = make_cell({"cell": "rnn"})
    for V, H, largest in ((50_000, 8, 50_000 * 8), (4, 1000, 1000 * 1000)):
        n = V * H + H * H + H + H * V + V  # W, Wʰ, b, V, b_output
        part = run_bytes(rnn, V, H, [3])["parameters"]
        assert 3 * 8 * n + 8 * largest <= part <= 3 * 8 * n + 4 * 8 * largest


def test_a_gated_cell_counts_its_gates_side_by_side_once_more() -> None:
    """cell.prepare stacks the gates' matrices (W, Wʰ, b of every gate side by side): the gated
    cells hold one more copy of their own parameters than the RNN's rule gives them."""
    lstm, gru = make_cell({"cell": "lstm"}), make_cell({"cell": "gru"})
    H, V = 512, 4
    for cell, gates in ((lstm, 4), (gru, 3)):
        own = gates * (V * H + H * H + H)
        n = own + H * V + V
        part = run_bytes(cell, V, H, [3])["parameters"]
        assert part - 3 * 8 * n - 8 * own == pytest.approx(3 * 8 * H * H)  # Wʰ of one gate


def test_the_jacobian_norms_count_their_exact_products_only_when_they_are_computed() -> None:
    """A short sentence of a wide state takes the iterative norms (O(T·S)); a long one of a
    narrow state the exact products, a chunk of up to 4M entries several times."""
    from bptt_trace.core.footprint import EXACT_COPIES, jacobian_entries
    from bptt_trace.core.jacobians import EXACT_CHUNK

    assert jacobian_entries(1000, 3) < 10 * 1000 * 100  # no 1000 × 1000 product
    assert jacobian_entries(128, 300) >= EXACT_COPIES * EXACT_CHUNK * 0.99
    assert jacobian_entries(64, 3) >= EXACT_COPIES * 2 * 64 * 64  # T − 1 products of 64 × 64


def test_full_detail_adds_the_events_of_every_parameter() -> None:
    """--detail full holds the update event's three whole arrays a parameter as lists and JSON
    text (measured 230 to 235 bytes a parameter beyond the copies: BENCHMARKS.md), and the
    outer products of a block of time steps (NumPy's, made after the other work and freed
    before it: the larger of the two); nothing else changes."""
    from bptt_trace.core.footprint import FULL_EVENT_BYTES

    assert 235 <= FULL_EVENT_BYTES <= 1.5 * 230
    for name, gates in (("rnn", 1), ("lstm", 4), ("gru", 3)):
        cell = make_cell({"cell": name})
        auto, full = run_bytes(cell, 4, 256, [3]), run_bytes(cell, 4, 256, [3], detail="full")
        own = gates * (4 * 256 + 256 * 256 + 256)  # W, Wʰ, b a gate
        count = own + 256 * 4 + 4  # V, b_output
        outers = gates * 256 * 256  # each time step's hₜ₋₁ᵀ·δ of every gate
        assert full["events"] == FULL_EVENT_BYTES * count
        assert full["work"] == max(auto["work"], 8 * (3 * outers + 2 * own))
        assert {**full, "work": 0, "events": 0} == {**auto, "work": 0, "events": 0}
        longer = run_bytes(cell, 4, 256, [300], detail="full")
        assert longer["work"] >= 8 * 300 * outers  # blocks of 256 and 44 steps' lᵀ·r at once


def test_the_tables_of_detail_full_count_the_backward_rows_they_show() -> None:
    """Only under --detail full with the tables shown: each sentence's rows up to 12 (the first
    and last six), each with its lᵀ·r and running sums whole; one sentence laid out as text at a
    time, every sentence's rows kept as arrays."""
    from bptt_trace.core.footprint import SHOWN_STEPS, TABLE_ENTRY

    rnn, H, V = make_cell({"cell": "rnn"}), 64, 10
    row = H * H + (V * H + H * H + H)  # dWʰ of the step, and the sums of W, Wʰ, b
    assert "tables" not in run_bytes(rnn, V, H, [3], tables=True)  # summaries: no such rows
    assert "tables" not in run_bytes(rnn, V, H, [3], detail="full")  # --json alone
    for lengths, widest, kept in (([3], 3, 3), ([30], 12, 12), ([30, 5, 2], 12, 19)):
        tables = run_bytes(rnn, V, H, lengths, detail="full", tables=True)["tables"]
        assert tables == (TABLE_ENTRY * widest + 8 * kept) * row
    from bptt_trace.rendering.groups import GROUP_EDGE

    assert SHOWN_STEPS == 2 * GROUP_EDGE  # the renderer's first and last rows of a sentence
