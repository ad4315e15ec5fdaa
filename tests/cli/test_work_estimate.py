"""A windowed run inside the documented limits either finishes or is refused at once from an
estimate of its work: --tbptt K1:K2 re-runs about T·K2/K1 time steps a step.

The time steps counted are checked against a count made here, time step by time step, over
the windows as the README defines them (tests/truncation/windows_reference.py); the refusal
runs in a subprocess and costs a fraction of a second of CPU beyond start-up; the largest
ordinary windowed runs the limits allow (--chunks K at 50,000 tokens at the largest --hidden
the memory estimate admits there) are admitted, and --tbptt 1:K2 far past them is not."""

from __future__ import annotations

import resource
from pathlib import Path

import numpy as np
import pytest
from clitools import assert_refused, run_cli
from truncation.windows_reference import reference_windows

from bptt_trace.cli import work_checks
from bptt_trace.cli.memory_checks import MAX_RUN_BYTES
from bptt_trace.cli.work_checks import (
    PER_PAIR,
    PER_POSITION,
    PER_ROW,
    TRUNCATE_BUDGET,
    WORK_BUDGET,
    check_work,
    scheme_work,
    truncate_work,
)
from bptt_trace.core.cells import make_cell
from bptt_trace.core.corpus import make_corpus
from bptt_trace.core.footprint import run_bytes
from bptt_trace.core.truncation import Scheme, window_positions
from bptt_trace.errors import InputError

LIMIT = 50_000  # the documented token limit
CELLS = ("rnn", "lstm", "gru")
WIDTH = {"rnn": 1, "lstm": 5, "gru": 4}  # the delta's width in H: i f g o and c; z r n and h


def counted(kind: str, k1: int, k2: int, T: int, longest: int, first: int = 1) -> int:
    """The time steps the windows run in a bucket whose longest sentence has ``longest``
    tokens, one by one, from the window holding loss ``first`` on."""
    steps, reached = 0, False
    for start, first_loss, end in reference_windows(kind, k1, k2, T):
        reached = reached or first_loss <= first <= end
        if reached:
            steps += sum(t <= longest for t in range(start, end + 1))
    return steps


SCHEMES = [("chunks", 1, 1), ("chunks", 3, 3), ("chunks", 7, 7)] + [
    ("tbptt", k1, k2) for k1, k2 in [(1, 1), (1, 5), (2, 3), (3, 3), (4, 9), (5, 40)]
]


@pytest.mark.parametrize(("kind", "k1", "k2"), SCHEMES)
def test_the_time_steps_counted_are_those_the_windows_run(kind: str, k1: int, k2: int) -> None:
    for T in (1, 2, 9, 10, 23, 40):
        longest = sorted({1, max(1, T // 3), max(1, T // 2), T})
        for first in sorted({1, longest[0], T}):
            found = window_positions(Scheme(kind, k1, k2), T, longest, first)
            assert found == [counted(kind, k1, k2, T, t, first) for t in longest]


def test_tbptt_1_k2_runs_about_t_k2_time_steps() -> None:
    T, K2 = 1000, 100
    steps = window_positions(Scheme("tbptt", 1, K2), T, [T])[0]
    assert steps == sum(min(t, K2) for t in range(1, T + 1))  # window t runs t − K2 + 1 … t
    assert 0.9 * T * K2 < steps <= T * K2


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("mode", ["chunk", "sequence"])
@pytest.mark.parametrize("loss", ["every", "last"])
def test_the_estimate_over_the_buckets_of_a_corpus(cell: str, mode: str, loss: str) -> None:
    """A corpus of several lengths, its buckets as the run makes them; the estimate from the
    windows' time steps counted here, each weighted as the module documents. Window by
    window (chunk), the windows before the first loss (--loss last: the shortest sentence's
    last step) are not run; the sweep takes them all. Read from the refusal at a budget of 0,
    which says the estimate (``check_work``: the steps traced are the first and the last)."""
    rng = np.random.default_rng(0)
    lengths = [int(n) for n in rng.integers(20, 60, size=40)] + [200, 130]
    corpus = make_corpus([[0] * n for n in lengths], 1, loss)
    T, H, steps = max(lengths), 7, 3
    first = 1 if loss == "every" else min(lengths)
    kind, k1, k2 = "tbptt", 2, 9
    m = WIDTH[cell]
    sweep = window_run = 0
    for batch in corpus.batches:
        rows, longest = batch.x.shape[0], batch.T
        n = counted(kind, k1, k2, T, longest)
        sweep += n * m * rows * (H * H + PER_ROW) + longest * m * PER_POSITION
        run = counted(kind, k1, k2, T, longest, first)
        window_run += run * m * (rows * H * H + PER_POSITION)
    expected = steps * sweep if mode == "sequence" else steps * window_run + 2 * sweep
    cells = [make_cell({"cell": cell})]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(work_checks, "WORK_BUDGET", 0)
        with pytest.raises(InputError) as refused:
            check_work(cells, H, lengths, Scheme(kind, k1, k2), steps, mode, loss)
    assert f"about {expected:.2e} units of work in 3 steps" in str(refused.value)


def largest_hidden(cell: str, lengths: list[int], vocab: int) -> int:
    """The largest H the memory estimate admits for a --chunks run of ``lengths``."""
    c, lo, hi = make_cell({"cell": cell}), 1, 20_000
    while lo < hi:
        mid = (lo + hi + 1) // 2
        fits = sum(run_bytes(c, vocab, mid, lengths, None, False, "auto", False, 35).values())
        lo, hi = (mid, hi) if fits <= MAX_RUN_BYTES else (lo, mid - 1)
    return lo


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("lengths", [[LIMIT], [1] * LIMIT, [500] * (LIMIT // 500)])
def test_the_largest_ordinary_windowed_runs_are_admitted(cell: str, lengths: list[int]) -> None:
    """--chunks K (a window's time steps are the sentence's: full BPTT's work) at the token
    limit and the largest --hidden the memory admits there, and --tbptt K:2K: admitted."""
    H = largest_hidden(cell, lengths, 50)
    cells = [make_cell({"cell": cell})]
    for scheme in (Scheme("chunks", 1, 1), Scheme("chunks", 35, 35), Scheme("tbptt", 35, 70)):
        for mode in ("chunk", "sequence"):
            for loss in ("every", "last"):
                check_work(cells, H, lengths, scheme, 1, mode, loss)  # does not raise
    check_work(cells, 4, lengths, Scheme("tbptt", 1, 64), 1, "chunk", "every")


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("mode", ["chunk", "sequence"])
@pytest.mark.parametrize("loss", ["every", "last"])
def test_tbptt_1_k2_at_the_token_limit_is_refused(cell: str, mode: str, loss: str) -> None:
    cells = [make_cell({"cell": cell})]
    with pytest.raises(InputError) as refused:
        check_work(cells, 4, [LIMIT], Scheme("tbptt", 1, LIMIT), 1, mode, loss)
    said = str(refused.value)
    assert "--tbptt 1:50000" in said and "a larger K1 or a smaller K2" in said
    assert "fewer --steps" in said and f"{WORK_BUDGET:.2e}" in said


def test_steps_multiply_the_work() -> None:
    """Each step runs the windows again: past the budget at the steps that take it there."""
    cells, scheme = [make_cell({"cell": "rnn"})], Scheme("tbptt", 1, 1000)
    check_work(cells, 4, [1000], scheme, 1, "chunk", "every")
    each = scheme_work(cells[0], 4, [(1, 1000)], scheme, 1, "chunk", 1, traced=0)
    steps = int(WORK_BUDGET // each + 1)
    with pytest.raises(InputError, match="fewer --steps"):
        check_work(cells, 4, [1000], scheme, steps, "chunk", "every")


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_the_refusal_comes_at_once_in_one_line(tmp_path: Path) -> None:
    """--tbptt 1:50000 on 50,000 tokens (about 17 hours of windows) is refused before any
    computing: its CPU time beyond that of a refusal at the first check of the same input."""
    corpus = tmp_path / "long.txt"
    words = [f"w{i % 50}" for i in range(LIMIT)]
    corpus.write_text(" ".join(words) + "\n", encoding="utf-8")
    base = ["--file", str(corpus), "--loss", "every", "--tbptt", "1:50000"]
    before = child_cpu()
    assert_refused(run_cli([*base, "--steps", "0"]), "--steps")  # refused before reading
    start_up = child_cpu() - before
    before = child_cpu()
    said = assert_refused(run_cli(base), "--tbptt 1:50000", "1,250,025,000 time steps")
    refusal = child_cpu() - before
    assert "a larger K1 or a smaller K2" in said and "fewer --steps" in said
    assert refusal - start_up < 0.5, (refusal, start_up)
    before = child_cpu()  # --truncate 50000 --steps 20: every loss back to the start, 20 times
    truncate = ["--file", str(corpus), "--truncate", "50000", "--steps", "20"]
    said = assert_refused(run_cli(truncate), "--truncate 50000", "50,000 losses back")
    assert child_cpu() - before - start_up < 0.5


@pytest.mark.parametrize("cell", CELLS)
def test_the_truncate_estimate_counts_the_pairs_the_sweep_carries(cell: str) -> None:
    """--truncate K: the (loss, time step) pairs ``truncated_bptt`` carries, counted here from
    the flows it sends back (every call of the cell's delta on the losses' flows, B·K rows
    a time step), each weighted m·(H² + PER_PAIR), over a corpus of several buckets."""
    from bptt_trace.core.corpus import corpus_backward, corpus_forward
    from bptt_trace.core.model import init_params

    rng = np.random.default_rng(1)
    lengths = [int(n) for n in rng.integers(3, 30, size=30)] + [90, 61]
    sentences = [[int(t) for t in rng.integers(0, 6, size=n)] for n in lengths]
    c, H, K = make_cell({"cell": cell}), 5, 40  # K between the buckets' lengths
    corpus = make_corpus(sentences, 1, "every")
    p = init_params(c, 6, H, np.random.default_rng(0))
    pairs = 0
    delta = c.delta

    def counting(q: dict[str, np.ndarray], ds: np.ndarray, *rest: np.ndarray) -> np.ndarray:
        nonlocal pairs
        if ds.ndim == 3:  # (B, K, S): the losses' flows one by one
            pairs += ds.shape[0] * ds.shape[1]
        return delta(q, ds, *rest)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(c, "delta", counting)
        corpus_backward(c, p, corpus, corpus_forward(c, p, corpus), K)
    buckets = [(b.x.shape[0], b.T) for b in corpus.batches]
    m = WIDTH[cell]
    assert truncate_work(c, H, buckets, K, 2) == 2 * pairs * m * (H * H + PER_PAIR)


@pytest.mark.parametrize("cell", CELLS)
def test_truncate_at_the_token_limit(cell: str) -> None:
    """--truncate 35 at 50,000 tokens at the largest --hidden the memory admits there is
    admitted; --truncate 50,000 there (every loss back to the start: T² pairs) is not, in one
    line naming K and the fix."""
    H = largest_hidden(cell, [LIMIT], 50)
    cells = [make_cell({"cell": cell})]
    check_work(cells, H, [LIMIT], Scheme("truncate", 35, 35), 1, None, "every")
    with pytest.raises(InputError) as refused:
        check_work(cells, H, [LIMIT], Scheme("truncate", LIMIT, LIMIT), 1, None, "every")
    said = str(refused.value)
    assert said.startswith("--truncate 50000 would follow 50,000 losses back")
    assert "a smaller K" in said and f"{TRUNCATE_BUDGET:.2e}" in said
