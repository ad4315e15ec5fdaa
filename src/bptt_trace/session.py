"""One run of the command line: check the inputs, then feed the events to their readers."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

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

    try:
        prepared = prepare(req)
    except InputError as err:
        error(str(err))
        return 2
    try:
        return stream(req, *prepared)
    except BrokenPipeError:
        return 141


def prepare(req: Request) -> tuple[Any, ...]:
    """Checked corpus, Config, and the loaded parameters and vocabulary, if any."""
    from .inputs import (
        Numbers,
        check_loaded,
        check_numbers,
        check_size,
        check_target,
        check_writable,
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
    for path, option in ((req.output, "--output"), (req.save, "--save")):
        if path is not None:
            check_writable(path, option)
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
    )
    return corpus, config, params, vocab


def stream(req: Request, corpus: Any, config: Any, params: Any, vocab: Any) -> int:
    """Feed the events to the JSON writer, the tables and the progress bar."""
    from .events import InterruptedEvent, ParamsEvent, RunEvent
    from .jsonl import JsonlWriter
    from .model import Params
    from .renderer import TraceRenderer, make_console
    from .trace import run

    flag = StopFlag()
    code = 0
    last_params: ParamsEvent | None = None
    last_step = 0
    run_event: RunEvent | None = None
    with ExitStack() as stack:
        streams: list[TextIO] = [sys.stdout] if req.json_out else []
        if req.output is not None:
            streams.append(stack.enter_context(req.output.open("w", encoding="utf-8")))
        writer = JsonlWriter(*streams)
        console = None if req.json_out else make_console(**_stdout_size())
        renderer = TraceRenderer(req.precision)
        progress = stack.enter_context(_progress(config.steps))
        stack.enter_context(first_ctrl_c_stops(flag))
        try:
            for event in run(corpus, config, params, vocab, should_stop=flag):
                writer.write(event)
                if console is not None:
                    for renderable in renderer.feed(event):
                        console.print(renderable)
                if event.kind == "run":
                    run_event = event  # type: ignore[assignment]
                elif event.kind == "params":
                    last_params = event  # type: ignore[assignment]
                elif event.kind == "train_step":
                    last_step = event.step  # type: ignore[attr-defined]
                    progress(event)
                elif event.kind == "diverged":
                    from .cli import error

                    error(event.message)  # type: ignore[attr-defined]
                    code = 1
                elif event.kind == "interrupted":
                    code = 130
                elif event.kind == "check" and not event.passed:  # type: ignore[attr-defined]
                    code = 1
        except KeyboardInterrupt:
            event = InterruptedEvent(last_step)
            writer.write(event)
            if console is not None:
                for renderable in renderer.feed(event):
                    console.print(renderable)
            code = 130
        if console is not None and code != 130:
            for renderable in renderer.close():
                console.print(renderable)
    if req.save is not None and last_params is not None and code != 1 and run_event is not None:
        from .checkpoint import save_model

        fields = {n: getattr(last_params, n) for n in ("W", "W_h", "b", "V", "b_output")}
        save_model(req.save, Params(**fields), run_event.vocab, run_event.config)
    return code


def _stdout_size() -> dict[str, Any]:
    """100 columns when stdout is not a terminal (unless COLUMNS says otherwise)."""
    import os

    if sys.stdout.isatty() or os.environ.get("COLUMNS"):
        return {}
    return {"width": 100}


@contextmanager
def _progress(steps: int) -> Iterator[Any]:
    """A progress bar on stderr, only when stderr is a terminal and there is more than a step."""
    if steps < 2 or not sys.stderr.isatty():
        yield lambda event: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from .renderer import make_console

    with Progress(
        TextColumn("training"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}"),
        console=make_console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("train", total=steps, loss="…")

        def update(event: Any) -> None:
            bar.update(task, completed=event.step, loss=f"{event.loss:.4f}")

        yield update
