"""One run of the command line: check the inputs, then feed the events to their readers."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .tokenize import InputError


@dataclass(frozen=True)
class Request:
    """The command line's values, as given."""

    sentence: str | None
    lr: float
    hidden: int | None
    seed: int
    steps: int
    trace_every: int | None
    target: str | None
    activation: str | None
    loss: str
    truncate: int | None
    clip: float | None
    file: Path | None
    json_out: bool
    output: Path | None
    save: Path | None
    load: Path | None
    precision: int
    check: bool = False
    replay: Path | None = None
    export: Path | None = None
    pause: bool = False
    detail: str = "auto"


class StopFlag:
    """Set by the first Ctrl-C; training stops after the current step."""

    def __init__(self) -> None:
        self.set = False

    def __call__(self) -> bool:
        return self.set


@contextmanager
def first_ctrl_c_stops(flag: StopFlag) -> Iterator[None]:
    """The first SIGINT sets ``flag``; a second one interrupts at once."""

    def handler(signum: int, frame: Any) -> None:
        flag.set = True
        signal.signal(signal.SIGINT, signal.default_int_handler)

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: leave Ctrl-C alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def execute(req: Request) -> int:
    """Run ``req``; the exit code. Bad input is reported before anything is computed."""
    from .cli import error
    from .live import replay, stream

    try:
        check_outputs(req)
        if req.replay is not None:
            return replay(req)
        return stream(req, *prepare(req))
    except InputError as err:  # raised before the first step is computed
        error(str(err))
        return 2
    except BrokenPipeError:
        return 141


def check_outputs(req: Request) -> None:
    """Refuse, before computing, files that cannot be written and options that conflict."""
    from .display import EXPORTS
    from .inputs import check_writable

    if req.replay is not None:
        named = (
            ("a SENTENCE", req.sentence),
            ("--file", req.file),
            ("--load", req.load),
            ("--save", req.save),
            ("--output", req.output),
            ("--json", req.json_out),
            ("--check", req.check),
        )
        given = [name for name, value in named if value]
        if given:
            raise InputError(f"--replay shows a saved trace; leave out {', '.join(given)}")
    for path, option in ((req.output, "--output"), (req.save, "--save"), (req.export, "--export")):
        if path is not None:
            check_writable(path, option)
    if req.export is not None and req.export.suffix.lower() not in EXPORTS:
        raise InputError(f"--export {req.export}: the name must end in .html, .svg or .txt")


def prepare(req: Request) -> tuple[Any, ...]:
    """Checked corpus, Config, and the loaded parameters and vocabulary, if any."""
    from .inputs import (
        Numbers,
        check_loaded,
        check_numbers,
        check_size,
        check_target,
        read_sentences,
    )
    from .tokenize import build_vocab
    from .trace import Config

    check_numbers(
        Numbers(
            req.lr,
            req.hidden if req.hidden is not None else 1,
            req.steps,
            req.precision,
            req.trace_every,
            req.truncate,
            req.clip,
        )
    )
    corpus = read_sentences(req.sentence, req.file)
    target = check_target(req.target)
    params = vocab = None
    hidden, activation = req.hidden, req.activation
    if req.load is not None:
        from .checkpoint import load_model

        params, vocab, saved = load_model(req.load)
        check_loaded(vocab, saved, corpus, target, req.hidden, req.activation)
        hidden, activation = saved["hidden"], saved["activation"]
    hidden = hidden if hidden is not None else 4
    check_size(len(vocab or build_vocab(corpus, target)), hidden)
    config = Config(
        hidden=hidden,
        lr=req.lr,
        seed=req.seed,
        activation=activation or "tanh",
        loss=req.loss,
        target=target,
        steps=req.steps,
        trace_every=req.trace_every,
        truncate=req.truncate,
        clip=req.clip,
        check=req.check,
        detail=req.detail,
    )
    return corpus, config, params, vocab
