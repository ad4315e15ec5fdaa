"""Running exercises in-process, and the trace's numbers read straight from its JSON Lines:
every expectation of the exercise tests comes from the trace of the same command, never from
the exercise code."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bptt_trace.cli.app import main

SENTENCE = "I like NLP"


@dataclass
class Output:
    code: int
    out: str
    err: str


def run(capsys: pytest.CaptureFixture[str], *args: str, stdin: str = "") -> Output:
    """The command in this process, ``stdin`` its standard input (not a terminal)."""
    capsys.readouterr()
    saved, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        code = main([*args])
    finally:
        sys.stdin = saved
    captured = capsys.readouterr()
    return Output(code, captured.out, captured.err)


class Trace:
    """The first traced step of sentence 1, from the JSON Lines trace."""

    def __init__(self, text: str) -> None:
        events = [json.loads(line) for line in text.splitlines() if line.strip()]
        self.events = events
        self.forward = {e["t"]: e for e in events if e["event"] == "forward" and e["step"] == 1}
        self.backward = {e["t"]: e for e in events if e["event"] == "backward" and e["step"] == 1}
        self.update = next(e for e in events if e["event"] == "update")
        self.params0 = next(e for e in events if e["event"] == "params" and e["step"] == 0)

    def f(self, t: int, key: str) -> np.ndarray:
        return np.asarray(self.forward[t][key], dtype=float)

    def b(self, t: int, key: str) -> np.ndarray:
        return np.asarray(self.backward[t][key], dtype=float)

    def param(self, name: str) -> np.ndarray:
        return np.asarray(self.params0[name], dtype=float)

    def truth(self, blank: dict[str, Any]) -> np.ndarray:
        """The value the blank hides, as the trace holds it."""
        if blank["event"] == "update":
            return np.asarray(self.update["new"][blank["param"]], dtype=float)
        events = self.forward if blank["event"] == "forward" else self.backward
        return np.asarray(events[blank["t"]][blank["field"]], dtype=float)


def trace_of(capsys: pytest.CaptureFixture[str], *args: str) -> Trace:
    result = run(capsys, SENTENCE, *args, "--json")
    assert result.code == 0, result.err
    return Trace(result.out)


def exercise_of(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    result = run(capsys, SENTENCE, *args, "--json")
    assert result.code == 0, result.err
    (line,) = result.out.splitlines()
    data: dict[str, Any] = json.loads(line)
    return data


def answers_file(tmp_path: Path, answers: dict[str, Any], name: str = "answers.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps({k: np.asarray(v).tolist() for k, v in answers.items()}))
    return str(path)


def shown(value: np.ndarray, precision: int = 4) -> list[str]:
    """Each entry as the tables print it, without its sign (a leak may drop or change it)."""
    return [f"{abs(float(x)):.{precision}f}" for x in np.ravel(value)]


def all_arrays(trace: Trace) -> list[tuple[tuple[str, int, str], np.ndarray]]:
    """Every array of the traced step: forward and backward fields, parameters, the update."""
    found = []
    for kind, events in (("forward", trace.forward), ("backward", trace.backward)):
        for t, e in events.items():
            for key, value in e.items():
                if isinstance(value, list):
                    found.append(((kind, t, key), np.asarray(value, dtype=float)))
    for part in ("old", "applied", "new"):
        for name, value in trace.update[part].items():
            found.append((("update", 0, f"{part}.{name}"), np.asarray(value, dtype=float)))
    return found


def distinctive(trace: Trace, blank: dict[str, Any], precision: int = 4) -> list[str]:
    """The blank's entries as shown that no other number of the step shows (arrays equal to
    the blank's at the shown precision count as the blank's own: they are hidden with it)."""
    truth = trace.truth(blank)
    own = np.round(truth, precision)
    others: set[str] = set()
    for _, value in all_arrays(trace):
        if value.shape == truth.shape and np.array_equal(np.round(value, precision), own):
            continue
        others.update(shown(value, precision))
    return [entry for entry in shown(truth, precision) if entry not in others]


def distinctive_rows(trace: Trace, blank: dict[str, Any], precision: int = 4) -> list[str]:
    """The blank's rows as the tables print them (signed entries, one space apart) that no
    other array of the step has (a row of W no token of the sentence touched is unchanged)."""
    truth = trace.truth(blank)

    def printed(value: np.ndarray) -> list[str]:
        return [" ".join(f"{x:+.{precision}f}" for x in row) for row in np.atleast_2d(value)]

    own = np.round(truth, precision)
    others: set[str] = set()
    for _, value in all_arrays(trace):
        if value.shape == truth.shape and np.array_equal(np.round(value, precision), own):
            continue
        others.update(printed(value))
    return [row for row in printed(truth) if row not in others]
