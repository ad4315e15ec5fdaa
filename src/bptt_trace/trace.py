"""The training loop as an event stream: forward → loss → BPTT → update, step after step.

``run`` computes and yields events; it never prints. The traced steps (the first, the last
and every ``trace_every``-th) carry the full trace; every step yields a ``train_step``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

import numpy as np

from . import __version__
from .engine import Backward, Batch, Forward, backward, forward, log_softmax, logits, make_batch
from .events import (
    SCHEMA,
    BackwardEvent,
    DivergedEvent,
    EndEvent,
    Event,
    ForwardEvent,
    GradientsEvent,
    InterruptedEvent,
    OutputEvent,
    ParamsEvent,
    PredictionsEvent,
    RunEvent,
    TrainStepEvent,
    UpdateEvent,
)
from .model import ACTIVATIONS, NAMES, SYMBOLS, Activation, Params, init_params
from .tokenize import EOS, InputError, build_vocab, tokenize

TOP_K = 3


@dataclass(frozen=True)
class Config:
    """Every option that affects the numbers; the ``run`` event's "config" is this dict."""

    hidden: int = 4
    lr: float = 0.1
    seed: int = 0
    activation: str = "tanh"
    loss: str = "last"
    target: str = EOS
    steps: int = 1
    trace_every: int | None = None
    truncate: int | None = None
    clip: float | None = None

    def traced(self, step: int) -> bool:
        every = self.trace_every
        return step in (1, self.steps) or (every is not None and step % every == 0)


def grad_norm(grads: dict[str, np.ndarray]) -> float:
    """The global Euclidean norm of all five gradients together."""
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))


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
    yield RunEvent(SCHEMA, __version__, list(vocab), [list(s) for s in corpus], asdict(config))
    yield ParamsEvent(0, **p.as_dict())
    yield from predictions(0, p, batch, vocab, act)
    loss = float("nan")
    for step in range(1, config.steps + 1):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            # overflow is looked for below, and reported as divergence
            fw = forward(p, batch, act)
            bw = backward(p, batch, fw, act, config.truncate)
        loss = bw.loss
        problem = divergence("the loss", {"L": np.asarray(loss)})
        problem = problem or divergence("the gradient of", bw.grads)
        norm = grad_norm(bw.grads) if problem is None else float("nan")
        if problem is None and not np.isfinite(norm):
            problem = "the gradient norm became infinite"
        scale = 1.0
        if problem is None and config.clip is not None and norm > config.clip:
            scale = config.clip / norm
        old = p.as_dict()
        with np.errstate(over="ignore", invalid="ignore"):
            new = {name: old[name] - config.lr * scale * bw.grads[name] for name in NAMES}
        problem = problem or divergence("the updated", new)
        if problem is not None:
            yield DivergedEvent(step, problem, diverged_message(step, problem, config.lr))
            return
        if config.traced(step):
            if step > 1:
                yield ParamsEvent(step - 1, **old)
            yield from step_events(step, p, batch, fw, bw, vocab)
            applied = {name: scale * bw.grads[name] for name in NAMES}
            yield UpdateEvent(step, config.lr, norm, scale, old, applied, new)
        yield TrainStepEvent(step, loss, norm)
        p = Params(**new)
        if should_stop() and step < config.steps:
            yield ParamsEvent(step, **p.as_dict())
            yield from predictions(step, p, batch, vocab, act)
            yield InterruptedEvent(step)
            return
    yield ParamsEvent(config.steps, **p.as_dict())
    yield from predictions(config.steps, p, batch, vocab, act)
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


def step_events(
    step: int, p: Params, batch: Batch, fw: Forward, bw: Backward, vocab: list[str]
) -> Iterator[Event]:
    """The full trace of one step: per sentence forward, output and backward events."""
    sums = {"W": np.zeros_like(p.W), "W_h": np.zeros_like(p.W_h), "b": np.zeros_like(p.b)}
    for s, length in enumerate(batch.lengths.tolist()):
        x = batch.x[s]
        for t in range(1, length + 1):
            i = int(x[t - 1])
            h_prev_W_h = fw.h[s, t - 1] @ p.W_h
            yield ForwardEvent(
                step, s, t, vocab[i], i, p.W[i], h_prev_W_h, p.b, fw.a[s, t], fw.h[s, t]
            )
        for t in range(1, length + 1):
            if batch.out[s, t - 1]:
                o = logits(p, fw.h[s, t])
                y_hat = np.exp(log_softmax(o))
                target = int(batch.y[s, t - 1])
                dL_do = y_hat.copy()
                dL_do[target] -= 1.0
                loss_t = float(-log_softmax(o)[target])
                yield OutputEvent(step, s, t, o, y_hat, vocab[target], target, loss_t, dL_do)
        for t in range(length, 0, -1):
            i = int(x[t - 1])
            da = bw.da[s, t]
            dW_h = np.outer(fw.h[s, t - 1], da)  # h_{t-1}ᵀ·∂L/∂a_t
            sums["W"][i] += da
            sums["W_h"] += dW_h
            sums["b"] += da
            from_output = bw.dh_from_output[s, t] if batch.out[s, t - 1] else None
            from_next = bw.dh_from_next[s, t] if t < length else None
            yield BackwardEvent(
                step,
                s,
                t,
                vocab[i],
                i,
                from_output,
                from_next,
                bw.dh_from_output[s, t] + bw.dh_from_next[s, t],
                bw.f_prime[s, t],
                da,
                fw.h[s, t - 1],
                dW_h,
                sums["W"].copy(),
                sums["W_h"].copy(),
                sums["b"].copy(),
                bool(bw.cut[s, t]),
            )
    yield GradientsEvent(step, bw.loss, **bw.grads)


def predictions(
    step: int, p: Params, batch: Batch, vocab: list[str], act: Activation
) -> Iterator[PredictionsEvent]:
    """The top tokens of softmax(h_t·V + b_output) at every step of every sentence."""
    fw = forward(p, batch, act)
    for s, length in enumerate(batch.lengths.tolist()):
        y_hat = np.exp(log_softmax(logits(p, fw.h[s, 1 : length + 1])))
        top = []
        for row in y_hat:
            best = np.argsort(-row, kind="stable")[:TOP_K]
            top.append([[vocab[int(i)], float(row[i])] for i in best])
        tokens = [vocab[int(i)] for i in batch.x[s, :length]]
        targets = [vocab[int(batch.y[s, t])] if batch.out[s, t] else None for t in range(length)]
        yield PredictionsEvent(step, s, tokens, top, targets)
