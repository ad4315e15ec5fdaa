"""The stop flag (core/interrupt.py) and the long loops that poll it.

The flag's rules, on a clock of the test's own: a first request is due GRACE seconds later, a
second at once; a due stop raises once, and after the run acted on it (``served``) only a new
request raises again. Then every long loop of the core, the trace and the rendering, given a
stop that is due, raises ``Interrupted`` (a ``KeyboardInterrupt``) before finishing its work:
a new long loop that forgets to poll fails here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest

from bptt_trace.config import Config
from bptt_trace.core import interrupt
from bptt_trace.core.cells import make_cell
from bptt_trace.core.chain_norms import chain_log_norms
from bptt_trace.core.corpus import corpus_forward, make_corpus
from bptt_trace.core.flow import loss_flow
from bptt_trace.core.gradcheck import check_gradients
from bptt_trace.core.jacobians import exact_norms
from bptt_trace.core.krylov import sigma_max, spectral_radius
from bptt_trace.core.model import init_params
from bptt_trace.trace.outer_summary import outer_largest
from bptt_trace.trace.summary import summarize_rows


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Iterator[Clock]:
    fake = Clock()
    monkeypatch.setattr(interrupt.time, "monotonic", fake)
    interrupt.reset()
    yield fake
    interrupt.reset()


def test_a_first_request_is_due_after_the_grace_and_a_second_at_once(clock: Clock) -> None:
    interrupt.poll()  # nothing requested
    interrupt.request()
    clock.now += interrupt.GRACE * 0.9
    interrupt.poll()  # within the grace: the step may finish
    clock.now += interrupt.GRACE * 0.2
    with pytest.raises(interrupt.Interrupted):
        interrupt.poll()
    interrupt.poll()  # once: the run is closing now
    interrupt.request()  # another signal while it closes: at once
    with pytest.raises(KeyboardInterrupt):
        interrupt.poll()


def test_a_stop_acted_on_polls_quietly_until_the_next_signal(clock: Clock) -> None:
    interrupt.request()
    interrupt.request()  # the second: the command line stopped at once itself
    interrupt.served()
    interrupt.poll()
    clock.now += 10 * interrupt.GRACE
    interrupt.poll()
    interrupt.request()
    with pytest.raises(interrupt.Interrupted):
        interrupt.poll()


def test_a_new_run_starts_with_no_stop(clock: Clock) -> None:
    interrupt.request(at_once=True)
    interrupt.reset()
    clock.now += 10 * interrupt.GRACE
    interrupt.poll()
    assert not interrupt.requested()


# -- every long loop polls -------------------------------------------------------------------


def small_run(cell_name: str = "rnn", hidden: int = 4, tokens: int = 12) -> tuple:
    config = Config(hidden=hidden, cell=cell_name, loss="every")
    cell = make_cell(config.to_json())
    rng = np.random.default_rng(0)
    vocab = 6
    p = init_params(cell, vocab, hidden, rng, 1.0)
    corpus = make_corpus([list(rng.integers(0, vocab - 1, tokens))], vocab - 1, "every")
    fw = corpus_forward(cell, p, corpus)
    return cell, p, corpus, fw


def gradient_check() -> None:
    cell, p, corpus, _ = small_run()
    check_gradients(cell, p, corpus, None, np.random.default_rng(0))


def blame() -> None:
    cell, p, corpus, fw = small_run()
    loss_flow(cell, p, corpus, fw, 0, None, with_grads=True)


def jacobian_norms() -> None:
    cell, p, _, fw = small_run()
    exact_norms(cell, cell.prepare(p), fw.state[0], fw.cache[0], 12, 1)


def chain_norms() -> None:
    cell, p, corpus, fw = small_run("lstm")
    chain_log_norms(cell, cell.prepare(p), fw.state[0], fw.cache[0], corpus.x[0], 1)


def krylov_norm() -> None:
    sigma_max(np.random.default_rng(0).standard_normal((40, 40)), m=20)


def krylov_radius() -> None:
    spectral_radius(np.random.default_rng(0).standard_normal((40, 40)), m=20)


def summaries() -> None:
    summarize_rows(np.ones((3, 100)))


def outer_products() -> None:
    rng = np.random.default_rng(0)
    outer_largest(rng.standard_normal((3, 50)), rng.standard_normal((3, 50)))


LOOPS: dict[str, Callable[[], None]] = {
    "gradient check": gradient_check,
    "blame": blame,
    "Jacobian norms (exact)": jacobian_norms,
    "Jacobian norms (chains)": chain_norms,
    "σ_max (Lanczos)": krylov_norm,
    "spectral radius (Arnoldi)": krylov_radius,
    "summaries": summaries,
    "largest outer products": outer_products,
}


@pytest.mark.parametrize("loop", list(LOOPS), ids=list(LOOPS))
def test_every_long_loop_polls(loop: str, clock: Clock) -> None:
    LOOPS[loop]()  # runs whole while nothing is requested
    interrupt.request(at_once=True)
    with pytest.raises(interrupt.Interrupted):
        LOOPS[loop]()
