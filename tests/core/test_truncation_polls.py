"""The truncation event's work (each parameter's metrics against full BPTT, the bias against K)
looks for a stop between passes over a parameter, never after a run of them: at --hidden 4000
a stretch of several passes over 16-million-entry arrays without a poll held a signal up for
2.2–2.7 s (``"I like NLP" --hidden 4000 --chunks 1``).

Measured in CPU time of this process, relative to the whole: at H = 1000 no stretch between
two polls is more than 0.4 of the event's work (before, one stretch was 0.6–0.9 of it: the
metrics of every parameter, or the last scheme's sums and their distances, in one go). And
like every long loop, it stops at a poll once a stop is due.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest

from bptt_trace.config import Config
from bptt_trace.core import interrupt
from bptt_trace.core.batch import make_batch
from bptt_trace.core.bptt import forward
from bptt_trace.core.cells import make_cell
from bptt_trace.core.model import init_params
from bptt_trace.core.truncation import Scheme
from bptt_trace.core.truncation_terms import bias_against_k, parameter_metrics

H = 1000
"""Wide enough that the passes over Wʰ (a million entries) are most of the work."""


def truncation_work(mode: str) -> Callable[[], None]:
    """What the truncation event computes for "I like NLP" under --chunks 1: the metrics of a
    scheme's gradient against full BPTT's, then the bias against K."""
    cell = make_cell(Config(hidden=H, loss=mode).to_json())
    p = init_params(cell, 4, H, np.random.default_rng(0), 1.0)
    batch = make_batch([[0, 1, 2]], 3, mode)
    fw = forward(cell, p, batch)
    rows = tuple(a[0, :4] for a in (batch.x, batch.y, batch.out, fw.state, fw.cache))
    grads = {name: 1.1 * value for name, value in p.items()}

    def work() -> None:
        parameter_metrics(grads, p)
        bias_against_k(cell, p, rows, Scheme("chunks", 1, 1))

    return work


@pytest.mark.parametrize("mode", ["last", "every"])
def test_no_long_stretch_of_the_truncation_work_goes_without_a_poll(mode: str, monkeypatch):
    """The longest stretch's share of the whole, the least of three runs: a stretch that is
    long by its work is long in each, one that a busy machine made long (a page fault, another
    process in the cache) is not."""
    work = truncation_work(mode)
    stamps: list[float] = []
    monkeypatch.setattr(interrupt, "poll", lambda work=1: stamps.append(time.process_time()))
    shares = []
    for _ in range(3):
        stamps.clear()
        stamps.append(time.process_time())
        work()
        stamps.append(time.process_time())
        shares.append(float(np.max(np.diff(stamps))) / (stamps[-1] - stamps[0]))
    assert min(shares) <= 0.4, shares


@pytest.mark.parametrize("mode", ["last", "every"])
def test_the_truncation_work_stops_when_a_stop_is_due(mode: str) -> None:
    interrupt.reset()
    try:
        interrupt.request(at_once=True)
        with pytest.raises(interrupt.Interrupted):
            truncation_work(mode)()
    finally:
        interrupt.reset()
