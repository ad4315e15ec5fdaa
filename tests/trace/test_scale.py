"""Scale: symbolic one-hot, chunked outputs, bounded traces and tables at large sizes."""

import io
import json
import tracemalloc
from itertools import chain

import numpy as np
import pytest

from bptt_trace.config import Config
from bptt_trace.core.batch import make_batch
from bptt_trace.core.bptt import backward, forward
from bptt_trace.core.cells import make_cell
from bptt_trace.core.model import init_params
from bptt_trace.files.jsonl import dumps
from bptt_trace.rendering.renderer import make_console, render
from bptt_trace.trace.loop import run
from bptt_trace.trace.summary import is_summary, summarize
from bptt_trace.trace.traced_step import backward_events, forward_events, output_events

VOCAB = 50_000


@pytest.mark.parametrize("mode", ["last", "every"])
def test_a_large_vocabulary_step_never_holds_logits_for_every_time_step(mode) -> None:
    """T × |vocab| float64 logits would take 400 × 50,000 × 8 = 160 MB; the step stays far
    below that, because outputs are computed and dropped a time step (or chunk) at a time."""
    T, H = 400, 8
    rng = np.random.default_rng(0)
    cell = make_cell({})
    params = init_params(cell, VOCAB, H, rng)
    ids = rng.integers(0, VOCAB - 1, T).tolist()
    batch = make_batch([ids], VOCAB - 1, mode)
    tracemalloc.start()
    try:
        fw = forward(cell, params, batch)
        bw = backward(cell, params, batch, fw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    logits_of_every_step = T * VOCAB * 8  # 160 MB
    assert peak < logits_of_every_step / 4, peak / 1e6  # gradients, one 8 MB chunk, temporaries
    assert np.isfinite(bw.loss)


def test_a_traced_step_of_a_large_model_stays_bounded(tmp_path) -> None:
    """Every event of a traced step, JSON and tables, for |vocab| = 5,000 and 3 sentences."""
    words = [f"w{i}" for i in range(5_000)]
    corpus = [words[i : i + 40] for i in range(0, 120, 40)]
    rng = np.random.default_rng(1)
    params = init_params(make_cell({}), 5_002, 16, rng)  # the corpus' words, <eos> and one more
    vocab = [*words, "<eos>", "extra"]
    config = Config(hidden=16, loss="every")
    tracemalloc.start()
    lines, text = [], io.StringIO()
    try:
        events = list(run(corpus, config, params=params, vocab=vocab))
        lines = [dumps(e) for e in events]
        render(events, make_console(file=text, width=320))  # H = 16: side by side, a vector a line
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 60_000_000, peak / 1e6
    assert max(len(line) for line in lines) < 200_000  # no event carries a |vocab|-sized list
    output = next(json.loads(line) for line in lines if '"event":"output"' in line)
    assert is_summary(output["y_hat"]) and output["y_hat"]["shape"] == [5_002]
    assert len(text.getvalue().splitlines()) < 2_500  # nothing |vocab|-long; every number whole


def test_detail_full_writes_every_entry() -> None:
    events = list(run([["a", "b"] * 40], Config(hidden=70, detail="full")))
    forward_event = next(json.loads(dumps(e, "full")) for e in events if e.kind == "forward")
    assert len(forward_event["h"]) == 70
    auto = next(json.loads(dumps(e)) for e in events if e.kind == "forward")
    assert is_summary(auto["h"])


def test_a_summary_names_the_shape_norm_and_largest_entries() -> None:
    a = np.arange(12.0).reshape(3, 4) - 5
    s = summarize(a)
    assert s["shape"] == [3, 4]
    assert s["norm"] == pytest.approx(np.linalg.norm(a))
    assert s["largest"][0] == [2, 3, 6.0]  # |6| is the largest entry, at row 3, column 4
    assert (s["min"], s["max"]) == (-5.0, 6.0)


def test_sentences_of_different_lengths_are_one_padded_batch() -> None:
    batch = make_batch([[1, 2, 3], [4]], 0, "every")
    assert batch.x.shape == (2, 4)  # column t is time step t; column 0 is before the first
    assert batch.x.tolist() == [[0, 1, 2, 3], [0, 4, 0, 0]]
    assert batch.mask.tolist() == [[False, True, True, True], [False, True, False, False]]
    assert batch.out.tolist() == [[False, True, True, True], [False, True, False, False]]
    assert batch.y[0, 1:].tolist() == [2, 3, 0] and batch.y[1, 1] == 0


def test_long_sentences_are_followed_back_a_bounded_number_of_steps() -> None:
    from bptt_trace.core.flow import HORIZON

    events = list(run([["a", "b", "c"] * 100], Config(loss="every")))
    jac = next(e for e in events if e.kind == "jacobians")
    assert jac.first == 300 - HORIZON + 1 and len(jac.norms) == HORIZON
    blame = next(e for e in events if e.kind == "blame")
    assert blame.horizon == HORIZON
    last = np.asarray(blame.matrix)[-1]  # L₃₀₀, followed back to h₄₅ and no further
    assert np.all(last[: 300 - HORIZON] == 0) and np.all(last[300 - HORIZON :] > 0)


def test_a_long_sentence_is_summarised_a_block_of_time_steps_at_a_time() -> None:
    """The forward, output and backward events of a 4,000-token sentence, read one by one,
    never hold the summaries of every time step at once (about 60 MB here): a block of at
    most ROWS_AT_ONCE steps is summarised, its events yielded, and the next block made."""
    T, H = 4_000, 70
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(100)] + ["<eos>"]  # outputs of 101 entries: summarised
    batch = make_batch([rng.integers(0, 100, T).tolist()], 100, "every")
    cell = make_cell({})
    params = init_params(cell, 101, H, rng)
    fw = forward(cell, params, batch)
    bw = backward(cell, params, batch, fw)
    tracemalloc.start()
    try:
        events = 0
        for event in chain(
            forward_events(1, 0, cell, params, batch, fw, T, vocab, "auto"),
            output_events(1, 0, params, batch, fw, vocab, "auto"),
            backward_events(1, 0, cell, params, batch, fw, bw, vocab, "auto", {}),
        ):
            if event.kind == "forward":
                assert is_summary(event.h)
            elif event.kind == "output":
                assert is_summary(event.dL_do)
            else:
                assert is_summary(event.terms["da"])
            events += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert events == 3 * T
    assert peak < 20_000_000, peak / 1e6
