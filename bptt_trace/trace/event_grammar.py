"""The order of a trace's events, as the writer (``loop``, ``scheme_step``, ``traced_step``,
``flow_events``) makes them: a grammar of the event stream, in one place. ``order`` holds a
trace to it as ``--replay`` reads it; docs/schema.md ("Order") says the same in prose.

``slots(run)`` yields, one by one, the events a whole trace of that run holds after its ``run``
line, each as a ``Slot`` (its type and where it is: step, sentence, t, window), in the order
they are written::

    params (step 0), predictions (step 0, each traced sentence s = 0 … n − 1)
    for each step k = 1 … N (config.steps):
        if k is traced (k = 1, k = N, every config.trace_every):
            params (step k − 1, when k > 1)
            for each traced sentence s: forward (t = 1 … T), output (each t with a loss, in
                order), backward (t = T … 1), blame, gates (a gated cell), loss_gradients
                (more than one loss, losses × parameters ≤ PER_LOSS_MAX), jacobians (the first
                sentence and the first of the longest traced ones)
            truncation (under a scheme; optional under --truncate, whose traces written before
                the event lack it; --chunks and --tbptt came with it)
            gradients (the whole step's)
            check (with config.check, at step 1)
            update, or with --update-every chunk for each window j = 1 … n:
                gradients (chunk j), update (chunk j)
        train_step (step k)
    params (step N), predictions (step N, each traced sentence), end (step N)

What the stream may do besides (``order``): stop with ``diverged`` or ``interrupted`` anywhere
(a stopped run's ``params`` and predictions of the last step done before ``interrupted``), or
be cut off between lines. The traced sentences are all of them under ``--detail full``, else
the first ``TRACE_SENTENCES``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..core.cells.declaration import count
from ..core.model import declared
from ..core.truncation import scheme_of, window_count
from .flow_events import PER_LOSS_MAX
from .schema_events import cell_of
from .summary import traced_sentences

PER_SENTENCE = frozenset(("forward", "output", "backward", "blame", "gates", "loss_gradients"))
PER_SENTENCE |= {"jacobians", "truncation", "predictions"}
"""The events that speak of one sentence (their ``sentence`` is part of their place)."""
AT_TIME_STEP = frozenset(("forward", "output", "backward"))
"""The events of one time step (their ``t`` is part of their place)."""


@dataclass(frozen=True)
class Slot:
    """One event of the stream: its type and its place (``chunk``: a window's events only)."""

    kind: str
    step: int
    sentence: int | None = None
    t: int | None = None
    chunk: int | None = None
    optional: bool = False

    def place(self) -> tuple[str, int, int | None, int | None, int | None]:
        return (self.kind, self.step, self.sentence, self.t, self.chunk)

    def named(self, windowed: bool = False) -> str:
        """``the forward event of step 1, sentence 0, t = 4``, ``the update event: chunk 2 of
        step 1``; ``windowed``: the whole step's gradients or update is named so."""
        if self.chunk is not None:
            return f"{self.kind} event: chunk {self.chunk} of step {self.step}"
        where = [f"step {self.step}"]
        if self.sentence is not None:
            where.append(f"sentence {self.sentence}")
        if self.t is not None:
            where.append(f"t = {self.t}")
        whole = " (the whole step's)" if windowed and self.kind in ("gradients", "update") else ""
        return f"{self.kind} event of {', '.join(where)}{whole}"


def place_of(data: dict[str, Any]) -> Slot:
    """Where an event (that passed the schema) says it is."""
    kind = data["event"]
    return Slot(
        kind,
        data["step"],
        data["sentence"] if kind in PER_SENTENCE else None,
        data["t"] if kind in AT_TIME_STEP else None,
        data.get("chunk") if kind in ("gradients", "update") else None,
    )


@dataclass(frozen=True)
class Shape:
    """What of a run decides the order of its trace."""

    steps: int
    trace_every: int | None
    lengths: list[int]  # of the traced sentences
    every: bool  # --loss every: a loss at every t, else at T only
    gated: bool
    per_loss: list[bool]  # whether each traced sentence has a loss_gradients event
    diagnosed: frozenset[int]
    scheme: str | None  # the scheme's kind: truncate, chunks, tbptt
    windows: int | None  # with --update-every chunk, the windows of a step over the longest
    # sentence's T (core.truncation.window_count), counted without listing them
    check: bool

    def traced(self, step: int) -> bool:
        every = self.trace_every
        return step in (1, self.steps) or (every is not None and step % every == 0)


def shape_of(run: dict[str, Any]) -> Shape:
    """The shape of ``run``'s trace (a run event that passed the schema)."""
    config = run["config"]
    detail = config.get("detail") or "auto"
    sentences = run["sentences"]
    lengths = [len(s) for s in sentences[: traced_sentences(len(sentences), detail)]]
    every = config["loss"] == "every"
    cell = cell_of(config.get("cell"), config["activation"], config.get("reset_after") is True)
    size = count(declared(cell), {"V": len(run["vocab"]), "H": config["hidden"]})
    losses = [T if every else 1 for T in lengths]
    scheme = scheme_of(config)
    chunked = scheme is not None and config.get("update_every") == "chunk"
    longest = max(sentences, key=len)
    T = len(longest)
    return Shape(
        steps=config["steps"],
        trace_every=config.get("trace_every"),
        lengths=lengths,
        every=every,
        gated=cell.carry is not None,
        per_loss=[n > 1 and n * size <= PER_LOSS_MAX for n in losses],
        diagnosed=frozenset({0, lengths.index(max(lengths))}),
        scheme=scheme.kind if scheme is not None else None,
        windows=window_count(scheme, T) if chunked and scheme is not None else None,
        check=config.get("check") is True,
    )


def slots(shape: Shape) -> Iterator[Slot]:
    """The events of a whole trace of this shape after its run line, in order (lazily: a
    config may say 2⁵³ steps)."""
    yield Slot("params", 0)
    yield from predictions(shape, 0)
    for k in range(1, shape.steps + 1):
        if shape.traced(k):
            yield from traced_step(shape, k)
        yield Slot("train_step", k)
    yield Slot("params", shape.steps)
    yield from predictions(shape, shape.steps)
    yield Slot("end", shape.steps)


def predictions(shape: Shape, step: int) -> Iterator[Slot]:
    for s in range(len(shape.lengths)):
        yield Slot("predictions", step, s)


def traced_step(shape: Shape, k: int) -> Iterator[Slot]:
    if k > 1:
        yield Slot("params", k - 1)
    for s, T in enumerate(shape.lengths):
        yield from sentence_events(shape, k, s, T)
    if shape.scheme is not None:
        yield Slot("truncation", k, 0, optional=shape.scheme == "truncate")
    yield Slot("gradients", k)
    if shape.check and k == 1:
        yield Slot("check", k)
    if shape.windows is None:
        yield Slot("update", k)
        return
    for j in range(1, shape.windows + 1):
        yield Slot("gradients", k, chunk=j)
        yield Slot("update", k, chunk=j)


def sentence_events(shape: Shape, k: int, s: int, T: int) -> Iterator[Slot]:
    for t in range(1, T + 1):
        yield Slot("forward", k, s, t)
    for t in range(1 if shape.every else T, T + 1):
        yield Slot("output", k, s, t)
    for t in range(T, 0, -1):
        yield Slot("backward", k, s, t)
    yield Slot("blame", k, s)
    if shape.gated:
        yield Slot("gates", k, s)
    if shape.per_loss[s]:
        yield Slot("loss_gradients", k, s)
    if s in shape.diagnosed:
        yield Slot("jacobians", k, s)
