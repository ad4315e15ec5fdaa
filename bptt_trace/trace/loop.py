"""The training loop as an event stream: forward → loss → BPTT → update, step after step.

``run`` computes and yields events; it never prints. The traced steps (the first, the last
and every ``trace_every``-th) carry the full trace; every step yields a ``train_step``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np

from ..config import Config
from ..core.activations import ACTIVATIONS, Activation
from ..core.batch import Batch, make_batch
from ..core.bptt import backward, forward
from ..core.params import NAMES, SYMBOLS, Params, init_params
from ..core.tokens import build_vocab, tokenize
from ..errors import InputError
from ..version import __version__
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
from .predictions import predictions
from .traced_step import step_events


def grad_norm(grads: dict[str, np.ndarray]) -> float:
    """The global Euclidean norm of all five gradients together (NaN or inf if one is)."""
    return math.sqrt(sum(float(np.dot(g.ravel(), g.ravel())) for g in grads.values()))


SAFE = 1e300
"""While no parameter can exceed this, an update cannot overflow (floats reach 1.8e308)."""


def largest_entry(arrays: dict[str, np.ndarray]) -> float:
    """The largest absolute value in any of ``arrays`` (0 for empty ones)."""
    return max(float(np.max(np.abs(a), initial=0.0)) for a in arrays.values())


def divergence(what: str, value: dict[str, np.ndarray]) -> str | None:
    """The name of the first quantity in ``value`` that is NaN or infinite, or None."""
    for name, array in value.items():
        if not np.isfinite(array).all():
            bad = "NaN" if np.isnan(array).any() else "infinite"
            return f"{what} {SYMBOLS.get(name, name)} became {bad}"
    return None


def run(
    corpus: list[list[str]],
    config: Config,
    params: Params | None = None,
    vocab: list[str] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[Event]:
    """Train on ``corpus`` (a list of token lists) for ``config.steps`` steps, as events.

    ``params`` and ``vocab`` continue from a saved model; otherwise the vocabulary is built
    from the corpus and the parameters are drawn from ``numpy.random.default_rng(seed)``.
    ``should_stop`` is asked between steps; when it answers True the run ends with an
    ``interrupted`` event.
    """
    vocab = vocab if vocab is not None else build_vocab(corpus, config.target)
    index = {token: i for i, token in enumerate(vocab)}
    act = ACTIVATIONS[config.activation]
    batch = make_batch(
        [[index[tok] for tok in s] for s in corpus], index[config.target], config.loss
    )
    p = params or init_params(len(vocab), config.hidden, np.random.default_rng(config.seed))
    yield RunEvent(SCHEMA, __version__, list(vocab), [list(s) for s in corpus], config.to_json())
    yield ParamsEvent(0, **p.as_dict())
    yield from predictions(0, p, batch, vocab, act, config.detail)
    loss = float("nan")
    bound = largest_entry(p.as_dict())  # no parameter entry is larger in absolute value
    for step in range(1, config.steps + 1):
        with np.errstate(all="ignore"):  # overflow is looked for below: it is divergence
            fw = forward(p, batch, act)
            bw = backward(p, batch, fw, act, config.truncate, record=config.traced(step))
            loss, norm = bw.loss, grad_norm(bw.grads)
            problem = None
            if not math.isfinite(loss):
                problem = f"the loss L became {'NaN' if math.isnan(loss) else 'infinite'}"
            elif not math.isfinite(norm):  # a gradient is NaN or infinite, or overflows
                problem = divergence("the gradient of", bw.grads) or "the gradient norm overflowed"
            scale = 1.0
            if problem is None and config.clip is not None and norm > config.clip:
                scale = config.clip / norm
            old = p.as_dict()
            new = {name: old[name] - config.lr * scale * bw.grads[name] for name in NAMES}
            # finite θ minus a finite step is NaN never, and infinite only by overflow: as
            # |θ − α·s·g| ≤ |θ| + α·s·‖g‖, that needs a look only once the bound nears it
            bound += config.lr * scale * norm
            if problem is None and not bound < SAFE:
                problem = divergence("the updated", new)
                bound = largest_entry(new)
        if problem is not None:
            yield DivergedEvent(step, problem, diverged_message(step, problem, config.lr))
            return
        if config.traced(step):
            if step > 1:
                yield ParamsEvent(step - 1, **old)
            yield from step_events(step, p, batch, fw, bw, vocab, config.truncate, config.detail)
            if config.check and step == 1:
                yield check_event(step, p, batch, act, config)
            applied = bw.grads if scale == 1.0 else {n: scale * bw.grads[n] for n in NAMES}
            yield UpdateEvent(step, config.lr, norm, scale, old, applied, new)
        yield TrainStepEvent(step, loss, norm)
        p = Params(**new)
        if should_stop() and step < config.steps:
            yield ParamsEvent(step, **p.as_dict())
            yield from predictions(step, p, batch, vocab, act, config.detail)
            yield InterruptedEvent(step)
            return
    yield ParamsEvent(config.steps, **p.as_dict())
    yield from predictions(config.steps, p, batch, vocab, act, config.detail)
    yield EndEvent(config.steps, loss)


def trace_sentence(sentence: str, config: Config | None = None) -> Iterator[Event]:
    """The events of ``run`` on one sentence, tokenized as the command line does."""
    tokens = tokenize(sentence)
    if not tokens:
        raise InputError('the sentence is empty; give at least one word, as in "I like NLP"')
    return run([tokens], config or Config())


def diverged_message(step: int, problem: str, lr: float) -> str:
    return (
        f"training diverged at step {step}: {problem}; "
        f"try a lower --lr (now {lr:g}) or clip the gradient with --clip"
    )


def check_event(step: int, p: Params, batch: Batch, act: Activation, config: Config) -> CheckEvent:
    """``--check``: the gradient check of this step's parameters."""
    from ..core.gradcheck import TOLERANCE, check_gradients

    result = check_gradients(p, batch, act, config.truncate, np.random.default_rng(config.seed))
    return CheckEvent(
        step,
        TOLERANCE,
        result.checked,
        result.total,
        result.max_error,
        result.truncation_error,
        result.passed,
    )
