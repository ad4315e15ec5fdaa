"""--exercise VIEW: a view of the first traced step with blanks to fill in, the answers checked
(from --answers FILE, from standard input, or at a prompt on a terminal), the mistake behind a
wrong one named, never the expected numbers unless the learner asks for the solution.

Exit 0 when every blank is right (or only the exercise was shown), 1 when not, 2 bad input.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..trace.diagnosis import RIGHT, Verdict, check, parse_line
from ..trace.events import Event, UpdateEvent
from ..trace.exercise import Exercise, Numbers, choose
from .messages import error, status
from .modes import EXERCISE_TAKES
from .request import Request

STDIN_CAP = 1_000_000
"""Characters of answers read from standard input."""

IGNORED = {
    "--steps": "an exercise is made of the first traced step alone",
    "--trace-every": "an exercise is made of the first traced step alone",
    "--check": "an exercise checks your answers, not the gradients",
    "--output": "an exercise writes no trace (--exercise-key writes its answers)",
    "--save": "an exercise trains no model to save",
    "--pause": "an exercise shows its one view at once, then asks",
    "--only": "an exercise shows the view --exercise names",
    "--compare-cells": "an exercise is of one cell",
}
"""What a trace uses that an exercise would ignore, and why: refused."""


@dataclass(frozen=True)
class ExerciseOptions:
    view: str
    blanks: int
    answers: Path | None
    key: Path | None
    tolerance: float | None


def exercise_mode(req: Request, opts: ExerciseOptions) -> int:
    """The exercise of ``req``'s run (or of its --replay trace); the exit code."""
    from .stop import Stop

    with Stop().on_signals():  # a signal stops at once (at the prompt: with the summary)
        try:
            return _exercise(req, opts)
        except InputError as err:
            error(str(err))
            return 2
        except BrokenPipeError:
            return 141
        except KeyboardInterrupt:
            if not req.quiet:
                status("interrupted before the exercise was shown")
            return 130


def _exercise(req: Request, opts: ExerciseOptions) -> int:
    from .exercise_files import read_answers, write_key, write_sheet
    from .output_checks import check_outputs, check_writable

    ignored = [name for name in req.given if name in IGNORED]
    if ignored:
        raise InputError(f"{IGNORED[ignored[0]]}; leave out {', '.join(ignored)}")
    if opts.blanks < 1 or opts.blanks > 26:
        raise InputError(f"--blanks {opts.blanks}: give a number of blanks from 1 to 26")
    if opts.tolerance is not None and not (0 < opts.tolerance < 1e6):
        raise InputError(f"--tolerance {opts.tolerance}: give a tolerance above 0")
    if req.export is not None and req.export.suffix.lower() not in (".html", ".svg", ".txt"):
        raise InputError(f"--export {req.export}: the sheet's name must end in .html, .svg or .txt")
    trace_req = dataclasses.replace(
        req,
        given=tuple(n for n in req.given if n not in (*EXERCISE_TAKES, "--export")),
        export=None,
        json_out=False,
    )
    check_outputs(trace_req)
    from ..files.paths import check_distinct

    check_distinct(
        {"--file": req.file, "--load": req.load, "--replay": req.replay, "--init": req.init,
         "--answers": opts.answers},
        {"--export": req.export, "--exercise-key": opts.key},
    )  # fmt: skip
    for path, option in ((req.export, "--export"), (opts.key, "--exercise-key")):
        if path is not None:
            check_writable(path, option)
    exercise = choose(Numbers(events_of(trace_req)), opts.view, opts.blanks, req.precision)
    answers = read_answers(opts.answers, exercise) if opts.answers is not None else None
    prompting = answers is None and not req.json_out and sys.stdin.isatty()
    if answers is None and not req.json_out and not prompting:
        answers = answers_from_stdin(exercise)  # read whole before anything is written
    if opts.key is not None:
        write_key(opts.key, exercise)
        if not req.quiet:
            status(f"wrote {opts.key} (the answer key of {len(exercise.blanks)} blanks)")
    if req.export is not None:
        write_sheet(req.export, exercise, req.precision, req.width)
        if not req.quiet:
            status(f"wrote {req.export} (the exercise sheet, no answers)")
    if req.json_out and answers is None:
        from .exercise_files import exercise_json

        print(exercise_json(exercise), flush=True)
        return 0
    width = None  # the console's: the verdicts wrap as the tables do
    if not req.json_out:
        from ..rendering.display import terminal_console
        from ..rendering.exercise import exercise_view

        console = terminal_console(req.color, width=req.width)
        console.print(exercise_view(exercise, req.precision))
        width = console.width
    if prompting:
        from ..rendering.display import terminal_console
        from .exercise_prompt import ask_all

        dialogue = terminal_console(req.color, not sys.stdout.isatty(), req.width)
        verdicts, stopped = ask_all(exercise, req.precision, opts.tolerance, dialogue)
        code = summary(verdicts, False, width)
        return 130 if stopped else code
    if answers is None:  # nothing on stdin: the exercise was only to be shown
        return 0
    verdicts = [
        check(b, answers.get(b.id), exercise.numbers, req.precision, opts.tolerance)
        for b in exercise.blanks
    ]
    return summary(verdicts, req.json_out, width)


def events_of(req: Request) -> list[Event]:
    """The events up to the first traced step's update: the --replay trace's, or a run's."""
    if req.replay is not None:
        from ..files.trace_reader import read_trace

        return read_trace(req.replay)
    from ..trace.loop import run
    from .checks import prepare

    events: list[Event] = []
    stream = run(*prepare(req))
    try:
        for event in stream:
            events.append(event)
            if isinstance(event, UpdateEvent):
                break
            if event.kind in ("diverged", "interrupted", "end"):
                break
    finally:
        stream.close()
    return events


def answers_from_stdin(exercise: Exercise) -> dict[str, list[float] | None] | None:
    """One blank a line, in blank order ('skip' or an empty line: not attempted); None when
    standard input holds nothing at all (a blank sheet of empty lines is answers: none
    attempted, exit 1, not an exercise only shown, exit 0)."""
    text = sys.stdin.read(STDIN_CAP + 1)
    if len(text) > STDIN_CAP:
        raise InputError(f"standard input: more than {STDIN_CAP:,} characters of answers")
    if not text:
        return None
    escaped = next((ch for ch in text if "\udc80" <= ch <= "\udcff"), None)
    if escaped is not None:  # (a byte that is not UTF-8, as Python reads stdin)
        raise InputError(
            f"standard input: not UTF-8 (a byte {ord(escaped) - 0xDC00:#04x}); give the answers "
            "in UTF-8, one blank a line"
        )
    lines = text.splitlines()
    extra = [line for line in lines[len(exercise.blanks) :] if line.strip()]
    if extra:
        raise InputError(
            f"standard input: more answer lines than the {len(exercise.blanks)} blanks; give "
            "one line a blank, in blank order"
        )
    answers: dict[str, list[float] | None] = {}
    for k, blank in enumerate(exercise.blanks):
        text = lines[k].strip() if k < len(lines) else ""
        if text.lower() in ("hint", "solution"):
            raise InputError(
                f"standard input: {text!r} works at the prompt on a terminal only; give each "
                "blank's numbers, skip or an empty line, one blank a line"
            )
        answers[blank.id] = None if text in ("", "skip") else parse_line(text, blank)
    return answers


def summary(verdicts: list[Verdict], as_json: bool, width: int | None = None) -> int:
    """The verdicts and the counts (as text wrapped at ``width`` columns, or as one JSON
    object); 0 if all are right."""
    from .exercise_files import verdicts_json, verdicts_text

    if as_json:
        print(verdicts_json(verdicts), flush=True)
    else:
        for line in verdicts_text(verdicts, width):
            print(line, flush=True)
    return 0 if verdicts and all(v.status == RIGHT for v in verdicts) else 1
