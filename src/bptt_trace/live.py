"""The readers of a run's events: the JSON writer, the tables, the progress bar; and replay."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, TextIO

from .display import Display, Quit
from .events import InterruptedEvent, ParamsEvent, RunEvent
from .jsonl import JsonlWriter
from .session import Request, StopFlag, first_ctrl_c_stops


def stream(req: Request, corpus: Any, config: Any, params: Any, vocab: Any) -> int:
    """Run the training and feed its events to every reader; the exit code."""
    from .trace import run

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
                    from .cli import error

                    error(event.message)  # type: ignore[attr-defined]
                    code, diverged = 1, True
                elif event.kind == "interrupted":
                    code = 130
                elif event.kind == "check" and not event.passed:  # type: ignore[attr-defined]
                    code = 1
                display.feed(event)
        except (KeyboardInterrupt, Quit) as stop:
            event = InterruptedEvent(last_step)
            writer.write(event)
            display.renderer.feed(event)
            code = 130 if isinstance(stop, KeyboardInterrupt) else 0
        display.close()
        display.save_export()
    if req.save is not None and last_params is not None and not diverged and run_event:
        from .checkpoint import save_model
        from .model import NAMES, Params

        fields = {n: getattr(last_params, n) for n in NAMES}
        save_model(req.save, Params(**fields), run_event.vocab, run_event.config)
    return code


def open_output(path: Any) -> TextIO:
    """--output, opened before the first step is computed."""
    from .tokenize import InputError

    try:
        return path.open("w", encoding="utf-8")
    except OSError as err:
        raise InputError(f"--output {path}: cannot be written ({err.strerror})") from None


def replay(req: Request) -> int:
    """Render a saved trace with the live run's tables; nothing is recomputed."""
    from .replay import read_trace

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
