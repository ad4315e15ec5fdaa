"""One run of the command line: check the inputs, feed the events to their readers (the JSON
writers, the tables, the progress bar), stop cleanly, say how it ended; and replay.

However a run stops (Ctrl-C, SIGTERM, ``q`` at a prompt, the reader of stdout going away),
the trace is closed with an event and ``--save`` saves the last parameters seen; ``--export``
is written unless a signal or a reader gone stopped it. Bad input leaves everything as it was.
"""

from __future__ import annotations

import errno
import sys
from contextlib import ExitStack
from typing import Any

from ..core import interrupt
from ..core.interrupt import Interrupted
from ..errors import InputError
from ..files.jsonl import JsonlWriter
from ..rendering.display import Display, Quit
from ..trace.events import CLOSING, Event, InterruptedEvent, ParamsEvent
from .checks import pause_wanted, prepare
from .ending import closed, report, save
from .messages import error, status
from .output_checks import check_outputs
from .progress import TrainingBar, progress_bar
from .request import Request
from .stop import Stop


def execute(req: Request) -> int:
    """Run ``req``; the exit code. On a terminal, tables longer than it go through the
    user's pager once the run has ended (``pager``)."""
    from .pager import paged

    with paged(req) as code:
        code[0] = run_request(req)
    return code[0]


def run_request(req: Request) -> int:
    """Run ``req``; the exit code. Bad input is reported before anything is computed."""
    stop = Stop()
    with stop.on_signals():
        try:
            check_outputs(req)
            if req.replay is not None:
                from .replay import replay

                return replay(req)
            if req.compare_cells:
                from .cells import compare_cells

                return compare_cells(req, stop)
            return stream(req, stop, *prepare(req))
        except InputError as err:  # raised before the first step is computed
            error(str(err))
            return 2
        except BrokenPipeError:
            return 141
        except (KeyboardInterrupt, NotBegun):  # before the trace began: nothing was written
            if not req.quiet:
                status("interrupted before the first step; nothing was written")
            return 130


class NotBegun(Exception):
    """A stop before the trace's first event: an --output is dropped, not kept."""


class Readers:
    """The readers of one run's events, and what the run told them."""

    def __init__(self, stop: Stop, display: Display, bar: TrainingBar) -> None:
        self.stop, self.display, self.bar = stop, display, bar
        self.to_file: JsonlWriter | None = None
        self.to_stdout: JsonlWriter | None = None
        self.lines = 0
        self.code = 0
        self.reader_gone = False
        self.stdout_full: str | None = None
        self.run: Any = None
        self.params: Any = None
        self.losses: list[float] = []
        self.closing: Event | None = None
        self.latest: tuple[int, Any] | None = None  # the step and θ of the last update
        self.saved: str | None = None
        self.save_tried = False

    def deliver(self, event: Event) -> None:
        """``event`` to every reader: the file first, stdout last (also when a stop cuts the
        tables: a stop while the run closes abandons them, and the export, for good)."""
        if self.to_file is not None:
            self.to_file.write(event)
            self.lines += 1
        self._note(event)
        try:
            try:
                self.display.feed(event)
            except Interrupted:
                if not self.stop.shielded:
                    raise
                self.display.abandon()
            finally:
                if self.to_stdout is not None:
                    self.to_stdout.write(event)
        except BrokenPipeError:  # the reader of stdout went away: close the trace, quietly
            self.reader_gone = True
            self._lose_stdout()
        except OSError as err:  # the terminal went away, or the disk under stdout is full
            if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                self.stdout_full = err.strerror or "no space left"
            self._lose_stdout()

    def _lose_stdout(self) -> None:
        self.to_stdout = None
        self.display.detach()
        self.bar.close()
        self.stop.requested.set()
        interrupt.request(at_once=True)  # no reader is left: a long phase need not finish

    def _note(self, event: Event) -> None:
        kind = event.kind
        if kind == "run":
            self.run = event
        elif kind == "params":
            self.params = event
        elif kind == "train_step":
            self.losses.append(event.loss)  # type: ignore[attr-defined]
            self.bar.advance(event.step, event.loss)  # type: ignore[attr-defined]
        elif kind == "check" and not event.passed:  # type: ignore[attr-defined]
            self.code = 1
            from ..rendering.check import check_failure  # only when a check failed

            error(check_failure(event) or "the gradient check failed")  # type: ignore[arg-type]
        elif kind in CLOSING:
            self.closing = event
            if kind == "diverged":
                self.bar.close()
                error(event.message)  # type: ignore[attr-defined]
                self.code = 1
            elif kind == "interrupted":
                self.code = 130

    def closing_event(self, req: Request, event: Event) -> Event:
        """The run's end, before its closing event is written: --save first (unless it
        diverged), so that a signal until then still makes the trace end ``interrupted``."""
        self.stop.shield()  # what is left is done whole
        if event.kind != "diverged":
            self.save(req)
        if event.kind == "end" and self.stop.is_set():  # a stop during the last step or save
            return InterruptedEvent(step=event.step)  # type: ignore[attr-defined]
        return event

    def save(self, req: Request) -> None:
        if not self.save_tried:
            self.save_tried = True
            self.saved = save(req, self)

    def updated(self, step: int, params: Any) -> None:
        """The loop's word after every update: what --save and the trace keep if the run is
        abandoned before the next traced step."""
        self.latest = (step, params)

    def stopped(self, req: Request, code: int) -> None:
        """Ctrl-C at once, or q at a prompt: save the last parameters seen and close the
        trace after the last whole step (unless it was closed already, and this was a
        Ctrl-C during the last tables)."""
        self.stop.shield()
        self.bar.close()
        self.display.drop_pages()
        if self.run is None and self.lines == 0:  # no reader got an event yet
            raise NotBegun
        if self.closing is None:
            step, latest = self.latest or (0, None)
            seen = self.params.step if self.params is not None else -1
            if latest is not None and step == len(self.losses) and step > seen:
                self.deliver(ParamsEvent(step=step, params=latest))  # after untraced steps
            self.save(req)
            self.deliver(InterruptedEvent(len(self.losses)))
        self.code = code


def stream(req: Request, stop: Stop, corpus: Any, config: Any, params: Any, vocab: Any) -> int:
    """Run the training and feed its events to every reader; the exit code."""
    from ..trace.loop import run

    pausing = pause_wanted(req)
    stop.at_once = pausing  # under --pause, Ctrl-C stops at the prompt, not after the step
    display = Display(
        req.precision, not req.json_out, req.export, pausing, req.color, req.width, req.only
    )
    bar = progress_bar(req, config.steps, display)
    readers = Readers(stop, display, bar)
    display.hold = bar.hidden
    events = None
    with ExitStack() as stack:
        stack.callback(bar.close)
        try:
            if req.output is not None:
                with stop.held():  # no stop between creating a temporary file and noting it
                    output = stack.enter_context(open_output(req.output))
                readers.to_file = JsonlWriter(output, detail=config.detail)
            if req.json_out:
                readers.to_stdout = JsonlWriter(sys.stdout, detail=config.detail)
            events = run(
                corpus, config, params, vocab, should_stop=stop.is_set, on_step=readers.updated
            )
            for event in events:
                if event.kind in CLOSING:
                    event = readers.closing_event(req, event)
                readers.deliver(event)
        except (KeyboardInterrupt, Quit) as how:
            if events is not None:
                events.close()
            readers.stopped(req, 130 if isinstance(how, KeyboardInterrupt) else 0)
        stop.shield()
        bar.close()
        exported = closed(display, stopped=readers.code == 130)
    if display.abandoned:  # a stop cut the tables, and the export
        readers.code = 130
    saved = readers.saved
    if readers.reader_gone:
        return 141
    if readers.stdout_full is not None:
        error(
            f"stdout cannot be written ({readers.stdout_full}); free some space or write elsewhere"
        )
        return 2
    if not req.quiet:
        report(req, readers, exported, saved)
    return readers.code


def open_output(path: Any) -> Any:
    """--output, opened before the first step is computed: a new file is written in place
    (``tail -f`` follows it), an existing one through a temporary file renamed over it when
    the run ends; locked either way. A context manager: its end keeps or drops the trace."""
    from ..files.outputs import TraceOutput

    return TraceOutput(path, "--output")
