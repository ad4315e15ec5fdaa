"""The training loop as an event stream: forward → loss → BPTT → update, step after step.

``run`` computes and yields events; it never prints. The traced steps (the first, the last
and every ``trace_every``-th) carry the full trace; every step yields a ``train_step``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np

from ..config import Config
from ..core import interrupt
from ..core.cells import make_cell
from ..core.cells.declaration import Cell, Params
from ..core.corpus import Corpus, corpus_backward, corpus_forward, corpus_loss, make_corpus
from ..core.model import declared, init_params
from ..core.optimizer import (
    SAFE,
    clip_scale,
    descend,
    divergence,
    grad_norm,
    largest_entry,
)
from ..core.tokens import build_vocab
from ..core.windowed import scheme_backward
from ..version import __version__
from .divergence import BEFORE_THE_UPDATE, diverged_message, runaway
from .events import (
    SCHEMA,
    CheckEvent,
    DivergedEvent,
    EndEvent,
    Event,
    InterruptedEvent,
    ParamsEvent,
    RunEvent,
    TrainStepEvent,
    UpdateEvent,
)
from .finite import nonfinite
from .predictions import predictions
from .scheme_step import chunked, chunked_step, windowed_scheme
from .traced_step import step_events


def run(
    corpus: list[list[str]],
    config: Config,
    params: Params | None = None,
    vocab: list[str] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_step: Callable[[int, Params], None] | None = None,
) -> Iterator[Event]:
    """Train on ``corpus`` (a list of token lists) for ``config.steps`` steps, as events.

    ``params`` and ``vocab`` continue from a saved model; otherwise the vocabulary is built
    from the corpus and the parameters are drawn from ``numpy.random.default_rng(seed)``.
    ``should_stop`` is asked between steps; when it answers True the run ends with an
    ``interrupted`` event. ``on_step(step, θ)`` is told the parameters after every update,
    traced or not, so that a reader that abandons the run mid-step still has the last good
    ones.

    Every event is computed with NumPy's floating-point warnings off and looked at before it
    is yielded: one that would carry a number beyond the floats (NaN, ±inf, or an array whose
    norm is) ends the run with a ``diverged`` event naming the quantity instead.
    """
    for event in guarded(training(corpus, config, params, vocab, should_stop, on_step)):
        problem = nonfinite(event, config.detail)
        if problem is not None:
            step = int(getattr(event, "step", 0))
            first_pass = step == 1 and event.kind in BEFORE_THE_UPDATE
            message = diverged_message(step, problem, config.lr, first_pass=first_pass)
            yield DivergedEvent(step=step, quantity=problem, message=message)
            return
        yield event


def guarded(events: Iterator[Event]) -> Iterator[Event]:
    """The events of ``events``, each computed with NumPy's floating-point warnings off: an
    overflow is looked for in the events themselves (``finite.nonfinite``), never printed."""
    while True:
        with np.errstate(all="ignore"):
            event = next(events, None)
        if event is None:
            return
        yield event


def training(
    corpus: list[list[str]],
    config: Config,
    params: Params | None,
    vocab: list[str] | None,
    should_stop: Callable[[], bool],
    on_step: Callable[[int, Params], None] | None = None,
) -> Iterator[Event]:
    """The events of ``run``, before they are looked at."""
    vocab = vocab if vocab is not None else build_vocab(corpus, config.target)
    index = {token: i for i, token in enumerate(vocab)}
    cell = make_cell(config.to_json())
    symbols = {spec.name: spec.symbol for spec in declared(cell)}
    batch = make_corpus(  # in buckets of similar length: it costs what its tokens cost
        [[index[tok] for tok in s] for s in corpus], index[config.target], config.loss
    )
    rng = np.random.default_rng(config.seed)
    p = params or init_params(cell, len(vocab), config.hidden, rng, config.init_scale)
    if on_step is not None:
        on_step(0, p)  # a stop before the step-0 params event still has them
    yield RunEvent(
        schema=SCHEMA,
        version=__version__,
        vocab=list(vocab),
        sentences=[list(s) for s in corpus],
        config=config.to_json(),
    )
    yield ParamsEvent(step=0, params=p)
    yield from predictions(0, cell, p, batch, vocab, config.detail)
    loss = float("nan")
    bound = largest_entry(p)  # no parameter entry is larger in absolute value
    scheme = windowed_scheme(config)  # --chunks or --tbptt
    for step in range(1, config.steps + 1):
        if chunked(config):  # an update after each window, its events as it is made
            before = check_event if config.check and step == 1 else None
            chunks = yield from chunked_step(step, cell, p, batch, vocab, config, symbols, before)
            loss, norm, problem, new = chunks.loss, chunks.norm, chunks.problem, chunks.new
            first_pass = step == 1 and chunks.windows == 0
        else:
            with np.errstate(all="ignore"):  # overflow is looked for below: it is divergence
                fw = corpus_forward(cell, p, batch)
                interrupt.poll()  # a step past the grace of a stop is abandoned
                bw = (
                    corpus_backward(cell, p, batch, fw, config.truncate, record=config.traced(step))
                    if scheme is None
                    else scheme_backward(cell, p, batch, scheme, fw)
                )
                loss, norm = bw.loss, grad_norm(bw.grads)
                problem = None
                if not math.isfinite(loss):
                    problem = f"the loss L became {'NaN' if math.isnan(loss) else 'infinite'}"
                elif not math.isfinite(norm):  # a gradient is NaN or infinite, or overflows
                    problem = (
                        divergence("the gradient of", bw.grads, symbols)
                        or "the gradient norm overflowed"
                    )
                first_pass = step == 1 and problem is not None  # θ as it started: no update yet
                scale = clip_scale(norm, config.clip) if problem is None else 1.0
                new = descend(p, bw.grads, config.lr, scale)
                # finite θ minus a finite step is NaN never, and infinite only by overflow: as
                # |θ − α·s·g| ≤ |θ| + α·s·‖g‖, that needs a look only once the bound nears it
                bound += config.lr * scale * norm
                if problem is None and not bound < SAFE:
                    problem = divergence("the updated", new, symbols)
                    bound = largest_entry(new)
        if problem is not None:
            yield DivergedEvent(
                step=step,
                quantity=problem,
                message=diverged_message(step, problem, config.lr, first_pass),
            )
            return
        if config.traced(step) and not chunked(config):
            if step > 1:
                yield ParamsEvent(step=step - 1, params=p)
            yield from step_events(step, cell, p, batch, fw, bw, vocab, config)
            if config.check and step == 1:
                yield check_event(step, cell, p, batch, config)
            applied = bw.grads if scale == 1.0 else {n: scale * g for n, g in bw.grads.items()}
            yield UpdateEvent(
                step=step,
                lr=config.lr,
                grad_norm=norm,
                scale=scale,
                old=p,
                applied=applied,
                new=new,
            )
        if on_step is not None:
            on_step(step, new)
        yield TrainStepEvent(step=step, loss=loss, grad_norm=norm)
        p = new
        if should_stop() and step < config.steps:
            yield ParamsEvent(step=step, params=p)
            yield from predictions(step, cell, p, batch, vocab, config.detail)
            yield InterruptedEvent(step=step)
            return
    yield ParamsEvent(step=config.steps, params=p)
    yield from predictions(config.steps, cell, p, batch, vocab, config.detail)
    after = corpus_loss(cell, p, batch)  # L of the final parameters: what the last update did
    yield EndEvent(
        step=config.steps,
        loss=loss,
        warning=runaway(p, max(loss, after), config.lr),
        loss_after=after,
    )


def check_event(step: int, cell: Cell, p: Params, batch: Corpus, config: Config) -> CheckEvent:
    """``--check``: the gradient check of this step's parameters."""
    from ..core.gradcheck import TOLERANCE, check_gradients
    from ..core.truncation import scheme_of

    rng = np.random.default_rng(config.seed)
    result = check_gradients(cell, p, batch, scheme_of(config), rng)
    return CheckEvent(
        step=step,
        tolerance=TOLERANCE,
        checked=result.checked,
        total=result.total,
        max_error=result.max_error,
        skipped=result.skipped,
        truncation_error=result.truncation_error,
        passed=result.passed,
        raw_error=result.raw_error,
    )
