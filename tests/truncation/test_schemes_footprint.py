"""The memory estimate covers --chunks and --tbptt: a window's own forward and backward pass,
the latest state of every position, two more copies of θ, and the summaries of the time steps
no flow reaches (their outer products all zero: every entry ties). Measured against real
peaks in the report of this change (LSTM, H = 256, 300 words: 137 MiB under --chunks 35,
--chunks 1 and --tbptt 5:40, estimated with the 54 MiB base at 139.7 MiB)."""

from __future__ import annotations

import pytest

from bptt_trace.core.batch import CHUNK_ENTRIES
from bptt_trace.core.cells import make_cell
from bptt_trace.core.footprint import TIED_ARRAYS, run_bytes
from bptt_trace.core.model import parameter_count


@pytest.mark.parametrize("cell_name", ["rnn", "lstm", "gru"])
def test_a_window_adds_its_pass_its_states_and_two_copies_of_theta(cell_name: str) -> None:
    cell = make_cell({"cell": cell_name})
    H, T, vocab = 16, 200, 30  # outer products of 256 entries: shown whole, no tied summaries
    plain = run_bytes(cell, vocab, H, [T, T // 2])
    S = cell.state_width(H)
    n = parameter_count(cell, vocab, H)
    for window in (1, 35, T, 10 * T):
        part = run_bytes(cell, vocab, H, [T, T // 2], window=window)
        assert part["parameters"] - plain["parameters"] == 16 * n
        w = min(window, T) + 1, min(window, T // 2) + 1
        added = part["backward"] - plain["backward"]
        assert added >= 8 * S * (T + 1 + T // 2 + 1) + 8 * S * sum(w)  # states, the window's
        assert part["forward"] == plain["forward"] and part["work"] == plain["work"]
    assert (
        run_bytes(cell, vocab, H, [T], window=5)["backward"]
        < run_bytes(cell, vocab, H, [T], window=50)["backward"]
    )


@pytest.mark.parametrize("scheme", [{"window": 35}, {"truncate": 35}])
def test_summaries_of_tied_outer_products_are_counted_when_they_are_summarised(
    scheme: dict[str, int],
) -> None:
    cell = make_cell({"cell": "lstm"})
    wide = run_bytes(cell, 41, 256, [300], **scheme)
    assert wide["work"] >= 8 * TIED_ARRAYS * CHUNK_ENTRIES
    assert wide["work"] > run_bytes(cell, 41, 256, [300])["work"]
    # --detail full shows every outer product whole: no summaries, no ties to look through
    full = run_bytes(cell, 41, 256, [300], detail="full", **scheme)
    assert full["work"] == run_bytes(cell, 41, 256, [300], detail="full")["work"]


def test_a_scheme_too_large_is_refused_naming_shorter_windows(refused) -> None:
    sentence = " ".join(f"w{i % 20}" for i in range(20_000))
    args = [sentence, "--cell", "lstm", "--hidden", "1000", "--chunks", "35"]
    refused(args, "GB", "the backward pass", "shorter windows (--chunks, --tbptt)")
