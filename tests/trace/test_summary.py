"""Summaries of large arrays: the vectorised forms give exactly what a plain, one-array-at-a-time
summary gives, ties included; a traced step leaves nothing unsummarised."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from plain_summary import plain_summary

from bptt_trace.config import Config
from bptt_trace.trace.loop import run
from bptt_trace.trace.outer_summary import summarize_outers
from bptt_trace.trace.summary import (
    is_summary,
    summarize,
    summarize_rows,
    too_large,
    top_indices,
    top_indices_rows,
)

PROPERTY = settings(max_examples=200, deadline=None)


def assert_same_summary(got: dict, expected: dict) -> None:
    assert json.loads(json.dumps(got)) == got  # plain Python values only
    assert got["norm"] == pytest.approx(expected["norm"], rel=1e-12, abs=1e-300)
    assert {**got, "norm": 0} == {**expected, "norm": 0}


# small integers make ties everywhere: the order of the largest entries is then all about
# the rule "largest first, ties by position"
tied = st.integers(-3, 3).map(float)
real = st.sampled_from([0.0, 1.0, -1.0]) | st.floats(1e-6, 1e3) | st.floats(-1e3, -1e-6)


@PROPERTY
@given(rows=st.integers(1, 4), size=st.integers(0, 40), ties=st.booleans(), data=st.data())
def test_row_summaries_equal_plain_summaries_of_each_row(rows, size, ties, data) -> None:
    block = data.draw(arrays(float, (rows, size), elements=tied if ties else real))
    for got, row in zip(summarize_rows(block), block, strict=True):
        assert_same_summary(got, plain_summary(row))


@PROPERTY
@given(shape=st.tuples(st.integers(1, 3), st.integers(1, 7), st.integers(1, 9)), data=st.data())
def test_row_summaries_of_matrices_name_row_and_column(shape, data) -> None:
    block = data.draw(arrays(float, shape, elements=tied))
    for got, matrix in zip(summarize_rows(block), block, strict=True):
        assert_same_summary(got, plain_summary(matrix))


@PROPERTY
@given(
    rows=st.integers(1, 4),
    m=st.integers(0, 12),
    k=st.integers(0, 12),
    ties=st.booleans(),
    data=st.data(),
)
def test_outer_product_summaries_equal_summaries_of_the_formed_products(
    rows, m, k, ties, data
) -> None:
    """hₜ₋₁ᵀ·∂L/∂aₜ is summarised without forming it; the result is that of forming it."""
    elements = tied if ties else real
    u = data.draw(arrays(float, (rows, m), elements=elements))
    v = data.draw(arrays(float, (rows, k), elements=elements))
    for got, r in zip(summarize_outers(u, v), range(rows), strict=True):
        assert_same_summary(got, plain_summary(np.outer(u[r], v[r])))


underflowing = st.sampled_from([0.0, -0.0, 1e-200, -1e-200, 2e-160, -3e-170, 1.0, -2.0])
"""Factors whose products are mostly 0 (exactly, or by underflow), so that fewer than five
products of a row are not 0: the summary's largest entries are then those and zeros."""


@PROPERTY
@given(
    rows=st.integers(1, 4),
    m=st.integers(0, 12),
    k=st.integers(0, 12),
    data=st.data(),
)
def test_outer_product_summaries_of_mostly_zero_products(rows, m, k, data) -> None:
    u = data.draw(arrays(float, (rows, m), elements=underflowing))
    v = data.draw(arrays(float, (rows, k), elements=underflowing))
    for got, r in zip(summarize_outers(u, v), range(rows), strict=True):
        # the formed product underflows; its norm is ‖u‖·‖v‖, which the summary keeps
        norm = math.hypot(*u[r]) * math.hypot(*v[r])  # hypot: no x² to underflow
        assert got["norm"] == pytest.approx(norm, rel=1e-12, abs=0)
        expected = {**plain_summary(np.outer(u[r], v[r])), "norm": got["norm"]}
        assert_same_summary(got, expected)


def test_outer_product_summaries_of_a_hidden_size_of_256() -> None:
    rng = np.random.default_rng(7)
    u, v = rng.normal(size=(3, 256)), rng.normal(size=(3, 256))
    u[0, 10] = u[0, 200] = 9.0  # a tie between two rows of the product
    for got, r in zip(summarize_outers(u, v), range(3), strict=True):
        assert_same_summary(got, plain_summary(np.outer(u[r], v[r])))


@PROPERTY
@given(values=arrays(float, st.tuples(st.integers(1, 5), st.integers(1, 30)), elements=tied))
def test_top_indices_are_largest_first_ties_by_position(values) -> None:
    for row, got in zip(values, top_indices_rows(values, 3), strict=True):
        expected = sorted(range(row.size), key=lambda i: (-row[i], i))[:3]
        assert got.tolist() == expected
        assert top_indices(row, 3).tolist() == expected


def test_top_indices_of_a_row_with_nan_still_answer() -> None:
    assert len(top_indices(np.array([1.0, np.nan, 3.0, 2.0]), 2)) == 2


def test_a_single_summary_is_the_summary_of_one_row() -> None:
    a = np.arange(12.0).reshape(3, 4) - 5
    assert_same_summary(summarize(a), plain_summary(a))


shapes = st.tuples(st.integers(1, 40)) | st.tuples(st.integers(1, 7), st.integers(1, 9))


@PROPERTY
@given(shape=shapes, ties=st.booleans(), data=st.data())
def test_a_single_summary_equals_the_plain_summary(shape, ties, data) -> None:
    """``summarize`` takes fewer steps than ``summarize_rows`` for one array: the same rule."""
    a = data.draw(arrays(float, shape, elements=tied if ties else real))
    assert_same_summary(summarize(a), plain_summary(a))


def test_a_single_summary_of_an_array_with_nan_or_inf_keeps_them_in_min_and_max() -> None:
    for bad in (np.nan, np.inf, -np.inf):
        a = np.array([[1.0, bad, -2.0], [0.5, 3.0, 0.0]])
        got = summarize(a)
        assert got == summarize_rows(a[None])[0] or np.isnan(bad)
        assert not (math.isfinite(got["min"]) and math.isfinite(got["max"]))


@pytest.mark.parametrize("detail", ["auto", "summary", "full"])
@pytest.mark.parametrize("hidden", [3, 40, 70])
def test_a_traced_step_is_summarised_as_it_is_made(detail, hidden) -> None:
    """The events of a traced step arrive with their arrays as ``detail`` wants them: no array
    in them is one that ``detail`` summarises (the JSON writer would otherwise do it)."""
    corpus = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran"]]
    events = list(run(corpus, Config(hidden=hidden, loss="every", detail=detail)))
    kinds = {"forward", "output", "backward", "blame", "jacobians", "gradients"}
    arrays_seen = summaries_seen = 0
    for event in (e for e in events if e.kind in kinds):
        for name, value in vars(event).items():
            if name in event.whole:
                continue
            if isinstance(value, np.ndarray) and value.ndim > 0:
                arrays_seen += 1
                assert not too_large(value, detail), (event.kind, name)
            summaries_seen += is_summary(value)
    assert arrays_seen > 0 if detail == "full" else summaries_seen > 0 or hidden < 64


def test_summaries_of_outer_products_with_a_flat_u_stay_bounded() -> None:
    """A saturated hₜ₋₁ (every |uᵢ| equal) makes every product a candidate for the largest
    entries: the candidates are taken a group of rows at a time, not n·m·k at once (256 rows of
    300 × 300 would be 184 MB), and the summaries equal those of the formed products."""
    import tracemalloc

    rng = np.random.default_rng(0)
    n, m, k = 256, 300, 300
    u = np.sign(rng.normal(size=(n, m)))  # |u| flat: ±1
    v = rng.normal(size=(n, k))
    tracemalloc.start()
    try:
        summaries = summarize_outers(u, v)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 60_000_000, peak / 1e6
    small = slice(0, 3)
    expected = summarize_rows(u[small, :, None] * v[small, None, :])
    for got, want in zip(summaries[small], expected, strict=True):
        assert got["largest"] == want["largest"]
        np.testing.assert_allclose(got["norm"], want["norm"], rtol=1e-12)


def test_summaries_of_products_that_vanished_form_o_of_m_plus_k_pairs_a_row(monkeypatch) -> None:
    """Far from the loss ∂L/∂aₜ underflows to 0 (in whole, or but for a subnormal), beside a
    saturated hₜ₋₁ (|u| flat): the search for a row's largest entries forms O(m + k) pairs
    (i, j), not its m·k, however many products are 0 (a row of zeros takes the first by
    position; the few that are not 0 are among the products of the largest factors). Counted
    here: the work that 3,000 tokens at --hidden 1000 once spent minutes on (that run is now
    in benchmarks/scale.py). The summaries equal those of the formed products."""
    from bptt_trace.trace import outer_summary

    formed = []
    search = outer_summary.largest_of

    def counted(u, v, au, av, candidates, columns, theta):
        formed.append(int((candidates.sum(axis=1) * columns.sum(axis=1)).sum()))
        return search(u, v, au, av, candidates, columns, theta)

    monkeypatch.setattr(outer_summary, "largest_of", counted)
    rng = np.random.default_rng(0)
    n, m, k = 64, 1000, 1000
    u = np.sign(rng.normal(size=(n, m)))  # |u| flat: ±1
    v = np.zeros((n, k))  # even rows: ∂L/∂aₜ all 0
    v[1::2, 700] = 5e-324  # odd rows: m products not 0, all of them subnormal
    v[::4, 9] = -0.0
    summaries = summarize_outers(u, v)
    assert sum(formed) <= n * (m + k), (sum(formed), n * m * k)
    few = slice(0, 4)
    expected = summarize_rows(u[few, :, None] * v[few, None, :])
    for got, want in zip(summaries[few], expected, strict=True):
        assert got["largest"] == want["largest"]
        assert (got["min"], got["max"]) == (want["min"], want["max"])
