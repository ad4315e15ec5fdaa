"""The exercise's prompt on a terminal: a blank at a time, the numbers typed on one line.

``hint`` gives up to three levels (the formula; the numbers that go into it; the first entry
worked out), ``skip`` leaves the blank not attempted (wrong after a wrong answer),
``solution`` shows the answer and marks the blank revealed; a wrong answer may be tried
again. Above each prompt the view's rows that hold the blank are shown again
(``rendering.blank_excerpt``): what is asked stays on the screen however long the view.
Ctrl-C or the end of input ends the prompt with what was answered (the caller shows the
summary)."""

from __future__ import annotations

import os
import select
import sys

from rich.console import Console

from ..errors import InputError
from ..trace.diagnosis import RIGHT, SKIPPED, Verdict, check, parse_line, title
from ..trace.exercise import Exercise
from .exercise_files import VERDICT_INDENT, verdict_line, wrap
from .exercise_hints import hint, rows

COMMANDS = "hint, skip or solution"


def say(line: str, width: int | None = None, indent: int | None = None) -> None:
    """A line of the dialogue: on stdout at a terminal, else on stderr (stdout is a file);
    wrapped at ``width`` columns, its lines after the first ``indent`` in (else ``hanging``)."""
    stream = sys.stdout if sys.stdout.isatty() else sys.stderr
    for part in wrap(line, width, hanging(line) if indent is None else indent):
        print(part, file=stream, flush=True)


def hanging(line: str) -> int:
    """Where a dialogue line goes on when wrapped: under the first of its numbers (``= [``),
    else past its ``hint N: ``, else at its start."""
    if "= [" in line and line.endswith("]"):
        return len(line[: line.index("= [") + 3])
    if line.startswith("  = "):  # a step of hint 3's working
        return len("  = ")
    return len("hint 1: ") if line.startswith("hint ") else 0


class Lines:
    """Lines typed at the terminal, read from its file descriptor between short waits: a
    Ctrl-C is handled within one wait whenever it comes (``input`` writes its prompt in C,
    and a signal in that moment would wait for the next key)."""

    POLL = 0.25
    """Seconds of one wait for input (not a timeout: it waits as long as it takes)."""

    def __init__(self) -> None:
        self.pending = b""

    def read(self, prompt: str) -> str:
        """One line, after the prompt (on stderr when stdout is a file); EOFError at the end."""
        stream = sys.stdout if sys.stdout.isatty() else sys.stderr
        stream.write(prompt)
        stream.flush()
        fd = sys.stdin.fileno()
        while b"\n" not in self.pending:
            if not select.select([fd], [], [], self.POLL)[0]:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                if not self.pending:
                    raise EOFError
                break
            self.pending += chunk
        line, _, self.pending = self.pending.partition(b"\n")
        return line.decode("utf-8", "replace")


def ask_all(
    exercise: Exercise, precision: int, tolerance: float | None, console: Console | None = None
) -> tuple[list[Verdict], bool]:
    """The verdict on each blank, asked in turn; and whether Ctrl-C ended the prompt. Each
    prompt comes after the blank's rows of the view, again (on ``console``, the dialogue's),
    so that what is asked is on the screen however long the view was."""
    from ..rendering.blank_excerpt import blank_excerpt

    verdicts: dict[str, Verdict] = {}
    n = exercise.numbers
    width = console.width if console is not None else None
    lines = Lines()
    try:
        for k, blank in enumerate(exercise.blanks):
            if console is not None:
                if k:
                    console.print()
                console.print(blank_excerpt(exercise, blank, precision))
            level = 0
            size = " × ".join(str(d) for d in blank.value.shape)
            *above, prompt = wrap(
                f"[?{blank.id}] {title(blank)} ({size} numbers, or {COMMANDS}): ",
                width,
                VERDICT_INDENT,
            )
            while True:
                for line in above:
                    say(line)
                text = lines.read(prompt).strip()
                word = text.lower()
                if word == "hint":
                    if level == 3:
                        say("no more hints for this blank: type solution to see it", width)
                        continue
                    level += 1
                    for line in hint(blank, level, precision, n):
                        say(line, width)
                    continue
                if not word:
                    say(f"nothing typed: type its {size} numbers, or {COMMANDS} (skip leaves "
                        "it; Ctrl-D ends the exercise)", width)  # fmt: skip
                    continue
                if word == "skip":  # after a wrong answer the blank stays wrong
                    verdicts.setdefault(blank.id, Verdict(blank.id, SKIPPED))
                    break
                if word == "solution":
                    name = f"solution: {title(blank)} = "
                    if blank.value.ndim == 2:  # a matrix: a row a line, below its name
                        say(name.rstrip(), width)
                        name = "  "
                    for line in rows(name, blank.value, precision):
                        say(line, width, len(name) + 1)  # a long row goes on under its [
                    verdicts[blank.id] = Verdict(blank.id, "revealed")
                    break
                try:
                    numbers = parse_line(text, blank)
                except InputError as err:
                    say(f"{err}; or {COMMANDS}", width)
                    continue
                verdict = check(blank, numbers, n, precision, tolerance)
                verdicts[blank.id] = verdict
                say(verdict_line(verdict), width, VERDICT_INDENT)
                if verdict.status == RIGHT:
                    break
                say(f"try again, or {COMMANDS}", width)
    except EOFError:
        say("")
    except KeyboardInterrupt:
        say("")
        return _all(exercise, verdicts), True
    return _all(exercise, verdicts), False


def _all(exercise: Exercise, verdicts: dict[str, Verdict]) -> list[Verdict]:
    return [verdicts.get(b.id, Verdict(b.id, SKIPPED)) for b in exercise.blanks]
