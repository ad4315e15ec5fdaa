"""One run of the command line: check the inputs, feed the events to their readers (the JSON
writer, the tables, the progress bar), handle Ctrl-C, and return the exit code; and replay."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, TextIO

from ..errors import InputError
from ..files.jsonl import JsonlWriter
from ..rendering.check import check_failure
from ..rendering.display import Display, Quit
from ..trace.events import InterruptedEvent, ParamsEvent, RunEvent
from .checks import Request, check_outputs, prepare
from .messages import error


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


def stream(req: Request, corpus: Any, config: Any, params: Any, vocab: Any) -> int:
    """Run the training and feed its events to every reader; the exit code."""
    from ..trace.loop import run

    flag = StopFlag()
    code = 0
    last_params: ParamsEvent | None = None
    last_step = 0
    run_event: RunEvent | None = None
    diverged = False
    with ExitStack() as stack:
        streams: list[TextIO] = [sys.stdout] if req.json_out else []
        if req.output is not None:
            streams.append(stack.enter_context(open_output(req.output)))
        writer = JsonlWriter(*streams, detail=config.detail)
        display = Display(req.precision, not req.json_out, req.export, pause_wanted(req))
        progress = stack.enter_context(progress_bar(config.steps))
        stack.enter_context(first_ctrl_c_stops(flag))
        try:
            for event in run(corpus, config, params, vocab, should_stop=flag):
                writer.write(event)
                if isinstance(event, RunEvent):
                    run_event = event
                elif isinstance(event, ParamsEvent):
                    last_params = event
                elif event.kind == "train_step":
                    last_step = event.step  # type: ignore[attr-defined]
                    progress(event)
                elif event.kind == "diverged":
                    error(event.message)  # type: ignore[attr-defined]
                    code, diverged = 1, True
                elif event.kind == "interrupted":
                    code = 130
                elif event.kind == "check" and not event.passed:  # type: ignore[attr-defined]
                    code = 1
                    error(check_failure(event) or "the gradient check failed")  # type: ignore[arg-type]
                display.feed(event)
        except (KeyboardInterrupt, Quit) as stop:
            event = InterruptedEvent(step=last_step)
            writer.write(event)
            display.renderer.feed(event)
            code = 130 if isinstance(stop, KeyboardInterrupt) else 0
        display.close()
        display.save_export()
    if req.save is not None and last_params is not None and not diverged and run_event:
        import numpy as np

        from ..files.model_file import save_model

        params = {name: np.asarray(value) for name, value in last_params.params.items()}
        save_model(req.save, params, run_event.vocab, run_event.config)
    return code


def open_output(path: Any) -> TextIO:
    """--output, opened before the first step is computed."""
    from ..errors import InputError

    try:
        return path.open("w", encoding="utf-8")
    except OSError as err:
        raise InputError(f"--output {path}: cannot be written ({err.strerror})") from None


def replay(req: Request) -> int:
    """Render a saved trace with the live run's tables; nothing is recomputed."""
    from ..files.trace_reader import read_trace

    assert req.replay is not None
    events = read_trace(req.replay)
    display = Display(req.precision, True, req.export, pause_wanted(req))
    try:
        for event in events:
            display.feed(event)
    except Quit:
        return 0
    display.close()
    display.save_export()
    return 0


def pause_wanted(req: Request) -> bool:
    """--pause, unless stdin is not a terminal (then a one-line warning) or under --json."""
    if not req.pause:
        return False
    if req.json_out:
        print("bptt-trace: warning: --pause is ignored with --json", file=sys.stderr)
        return False
    if not sys.stdin.isatty():
        print("bptt-trace: warning: --pause is ignored: stdin is not a terminal", file=sys.stderr)
        return False
    return True


@contextmanager
def progress_bar(steps: int) -> Iterator[Any]:
    """A progress bar on stderr, only when stderr is a terminal and there is more than a step."""
    if steps < 2 or not sys.stderr.isatty():
        yield lambda event: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ..rendering.renderer import make_console

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
