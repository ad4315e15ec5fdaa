"""A traced run of a ragged corpus in buckets is the run of one padded batch: the same events,
each sentence under its own index, every number within rtol 1e-12."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from bptt_trace.config import Config
from bptt_trace.core import corpus
from bptt_trace.files.jsonl import dumps
from bptt_trace.trace.loop import run

LINES = ["a b c d e f g", "b", "c a b", "a b c d e f g h i j k l", "d e", "e d c b a"]


def events(monkeypatch, small: int, config: Config) -> list[Any]:
    monkeypatch.setattr(corpus, "SMALL_BUCKET", small)
    return [json.loads(dumps(e, "full")) for e in run([s.split() for s in LINES], config)]


def close_numbers(a: float, b: float, rtol: float = 1e-12, atol: float = 1e-15) -> bool:
    """numpy.testing.assert_allclose's test of two numbers, |a − b| ≤ atol + rtol·|b| (a NaN
    equal only to a NaN, an infinity only to itself), without its cost: called on each of the
    87,000 numbers of these traces, assert_allclose was nine tenths of this file's CPU time."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def close(a: Any, b: Any, where: str) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            close(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and not isinstance(b, str):
        assert isinstance(b, int | float) and close_numbers(a, b), (where, a, b)
    else:
        assert a == b, where


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize(("loss", "truncate"), [("every", None), ("last", 2)])
def test_a_ragged_corpus_in_buckets_traces_as_one_batch(monkeypatch, cell, loss, truncate):
    config = Config(cell=cell, hidden=3, loss=loss, truncate=truncate, steps=2, detail="full")
    buckets = events(monkeypatch, 0, config)
    one = events(monkeypatch, 10**9, config)
    sentences = [e["sentence"] for e in buckets if e["event"] == "forward" and e["step"] == 1]
    assert sentences == sorted(sentences) and set(sentences) == set(range(len(LINES)))
    close(buckets, one, "trace")
