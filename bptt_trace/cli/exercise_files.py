"""The files and JSON of an exercise: the answers read (--answers), the key and the sheet
written (--exercise-key, --export), the exercise and the verdicts as JSON (--json).

The exercise's JSON and the sheet never hold a blank's value; only the key does."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError, shortened
from ..trace.diagnosis import RIGHT, Verdict, from_mapping, title
from ..trace.exercise import Exercise, spell

ANSWERS_CAP = 1_000_000
"""Bytes an --answers file may hold."""


def read_answers(path: Path, exercise: Exercise) -> dict[str, list[float] | None]:
    """The answers of an --answers file: one JSON object {"A": [numbers], …}."""
    where = f"--answers {str(path)!r}"
    try:
        with open(path, "rb") as handle:
            data = handle.read(ANSWERS_CAP + 1)
    except OSError as err:
        raise InputError(
            f"{where}: cannot be read ({err.strerror}); give a readable file"
        ) from None
    if len(data) > ANSWERS_CAP:
        raise InputError(f"{where}: more than {ANSWERS_CAP:,} bytes; an answers file is small")
    try:
        text = data.decode("utf-8-sig")  # (a BOM, as Notepad writes, is no answer)
    except UnicodeDecodeError as err:
        raise InputError(
            f"{where}: not UTF-8 (byte {err.start + 1} is {data[err.start]:#04x}); save it as UTF-8"
        ) from None
    try:
        parsed = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_once_each)
    except _Twice as twice:
        raise InputError(
            f"{where}: blank {shortened(str(twice))} is answered twice; give each blank once"
        ) from None
    except ValueError as err:
        if "digits" in str(err):  # Python's limit on an integer's digits (4,300)
            raise InputError(
                f"{where}: a number of more than 4,300 digits; write the answers' numbers as "
                "decimals"
            ) from None
        raise InputError(
            f'{where}: not a JSON object of answers; write {{"A": [numbers], …}} in UTF-8'
        ) from None
    except RecursionError:
        raise InputError(
            f'{where}: not a JSON object of answers; write {{"A": [numbers], …}} in UTF-8'
        ) from None
    return from_mapping(parsed, exercise)


class _Twice(Exception):
    """A key given twice in one JSON object (json keeps the last, silently)."""


def _once_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _Twice(key)
        found[key] = value
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def blank_json(blank: Any, exercise: Exercise) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": blank.id,
        "field": blank.field,
        "event": "update" if exercise.view == "update" else blank.rule.where,
        "sentence": 0,
        "t": None if exercise.view == "update" else blank.t,
        "shape": list(blank.value.shape),
        "label": title(blank),
        "formula": spell(blank.rule.formula, blank.t),
    }
    if blank.rule.param is not None:
        entry["param"] = blank.rule.param
    return entry


def exercise_json(exercise: Exercise) -> str:
    """The exercise as one JSON object: where each blank is, never its value."""
    n = exercise.numbers
    return json.dumps(
        {
            "exercise": exercise.view,
            "cell": n.cell.name,
            "step": n.step,
            "tokens": n.tokens,
            "blanks": [blank_json(b, exercise) for b in exercise.blanks],
        },
        ensure_ascii=False,
    )


def write_key(path: Path, exercise: Exercise) -> None:
    """The answer key: each blank's place and its values, for the teacher."""
    from ..files.atomic import write_atomically

    key = {
        "exercise": exercise.view,
        "answers": {b.id: b.value.tolist() for b in exercise.blanks},
        "blanks": [blank_json(b, exercise) for b in exercise.blanks],
    }
    data = (json.dumps(key, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    write_atomically(path, lambda handle: handle.write(data))


def write_sheet(path: Path, exercise: Exercise, precision: int, width: int | None) -> None:
    """The printable sheet: the tables with the blanks as boxes, no answers."""
    from ..files.atomic import write_atomically
    from ..rendering.exercise import exercise_view
    from ..rendering.exports import export_console, exported

    view = exercise_view(exercise, precision)
    suffix = path.suffix.lower()
    recorder = export_console([view], width, suffix)
    recorder.print(view)
    data = exported(recorder, suffix, exercise.numbers.run).encode("utf-8")
    write_atomically(path, lambda handle: handle.write(data))


def wrap(line: str, width: int | None, indent: int = 0) -> list[str]:
    """``line`` broken at its spaces into lines of at most ``width`` columns (None: whole), the
    lines after the first led by ``indent`` spaces (at most half the width); a word wider than
    a line is cut. Leading spaces stay, and a trailing one (a prompt's) where it fits."""
    from rich.cells import cell_len

    if width is None or cell_len(line) <= width:
        return [line]
    width = max(width, 2)  # room for a wide character
    hang = " " * min(indent, width // 2)
    lines: list[str] = []
    current = line[: len(line) - len(line.lstrip(" "))][: width // 2]
    for word in line.split():
        joined = f"{current} {word}" if current.strip() else current + word
        if cell_len(joined) <= width:
            current = joined
            continue
        if current.strip():
            lines.append(current)
            current = hang
        while cell_len(current + word) > width:  # a word wider than a line: cut
            cut = _fitting(word, width - cell_len(current))
            lines.append(current + word[:cut])
            current, word = hang, word[cut:]
        current += word
    if line.endswith(" ") and cell_len(current) < width:
        current += " "
    lines.append(current)
    return lines


def _fitting(word: str, room: int) -> int:
    """How many of ``word``'s first characters fit ``room`` columns (one at least)."""
    from rich.cells import get_character_cell_size

    used = 0
    for k, char in enumerate(word):
        used += get_character_cell_size(char)
        if used > room:
            return max(k, 1)
    return len(word)


def verdict_line(v: Verdict) -> str:
    if v.status != "wrong":
        return {
            "right": f"[?{v.id}] ✓ right",
            "revealed": f"[?{v.id}] revealed (solution shown)",
        }.get(v.status, f"[?{v.id}] not attempted")
    which = ", ".join(str(k) for k in v.off)
    line = f"[?{v.id}] ✗ wrong: {'entry' if len(v.off) == 1 else 'entries'} {which} off"
    if v.words:
        return f"{line}; {v.words}"
    return f"{line}; no single known mistake gives these numbers: check each step again"


def counts(verdicts: Sequence[Verdict]) -> dict[str, int]:
    return {
        status: sum(v.status == status for v in verdicts)
        for status in (RIGHT, "wrong", "revealed", "not attempted")
    }


VERDICT_INDENT = len("[?A] ")
"""A verdict's lines after its first start under its words, past its blank's name."""


def verdicts_text(verdicts: Sequence[Verdict], width: int | None = None) -> list[str]:
    """A line a verdict and the counts, wrapped at ``width`` columns (None: not wrapped)."""
    c = counts(verdicts)
    counted = (
        f"{c['right']} right, {c['wrong']} wrong, {c['revealed']} revealed, "
        f"{c['not attempted']} not attempted, of {len(verdicts)}"
    )
    return [
        *(part for v in verdicts for part in wrap(verdict_line(v), width, VERDICT_INDENT)),
        *wrap(counted, width),
    ]


def verdicts_json(verdicts: Sequence[Verdict]) -> str:
    return json.dumps(
        {
            "verdicts": [
                {"id": v.id, "status": v.status, "off": list(v.off), "mistake": v.mistake,
                 "words": v.words}
                for v in verdicts
            ],
            "summary": counts(verdicts),
            "passed": bool(verdicts) and all(v.status == RIGHT for v in verdicts),
        },
        ensure_ascii=False,
    )  # fmt: skip
