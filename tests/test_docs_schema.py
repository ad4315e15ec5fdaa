"""docs/schema.md says what a trace holds: its tables (one per event, the run's config and a
summary), read here, against real traces of every cell, both ways. Every field the document
describes for a cell is in that cell's traces, and every field of those traces is described.

The traces: the vanilla RNN (tanh, and ReLU), the LSTM, the GRU and the reset-after GRU, each
under --loss last and every, with --check, --steps 3, --truncate, --clip and --init-scale, under
--chunks (an update after each window) and --tbptt (one update a sequence), on a
corpus of sentences of different lengths with every matrix summarised, from a --load'ed model,
diverged (a model beyond the floats) and interrupted (stopped between steps).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bptt_trace import Config, run
from bptt_trace.cli.app import main
from bptt_trace.files.jsonl import dumps

DOC = Path(__file__).resolve().parents[1] / "docs" / "schema.md"
CELLS = {
    "rnn": ["--cell", "rnn"],
    "lstm": ["--cell", "lstm"],
    "gru": ["--cell", "gru"],
    "gru-reset-after": ["--cell", "gru", "--reset-after"],
}
CORPUS = "the cat sat on the mat\ncat sat\nthe dog ran off\n"
NOT_EVENTS = ("config", "summary")  # the run event's config, and a summarised array
Row = tuple[list[str], set[str]]


def columns(line: str) -> list[str]:
    """A markdown table row's cells (an escaped \\| is no border)."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def table_after(lines: list[str], start: int) -> list[list[str]]:
    """The rows of the first table at or after line ``start``, header and separator left out."""
    first = next(i for i in range(start, len(lines)) if lines[i].startswith("|"))
    end = next((i for i in range(first, len(lines)) if not lines[i].startswith("|")), len(lines))
    assert re.fullmatch(r"\|( --- \|)+", lines[first + 1]), lines[first + 1]
    return [columns(line) for line in lines[first:end]]


def documented() -> tuple[dict[str, list[Row]], dict[str, list[str]]]:
    """(per table kind: its rows as (field names, cells), per cell: its parameters in order)."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    tables: dict[str, list[Row]] = {}
    for i, line in enumerate(lines):
        if line.startswith("### "):
            kind = re.match(r"### `([a-z_]+)`", line)
            assert kind, f"a heading without its kind in backquotes: {line}"
            header, _, *rows = table_after(lines, i + 1)
            assert header[:2] == ["field", "cells"], (kind, header)
            tables[kind.group(1)] = [
                (re.findall(r"`([^`]+)`", row[0]), {c.strip() for c in row[1].split(",")})
                for row in rows
            ]
    at = lines.index("| cells | parameters |")
    params = {
        re.findall(r"`([^`]+)`", row[0])[0]: re.findall(r"`([^`]+)`", row[1])
        for row in table_after(lines, at)[2:]
    }
    return tables, params


def fields(rows: list[Row], cell: str, params: list[str]) -> set[str]:
    """The fields a cell's traces carry, as the rows say (the placeholders expanded)."""
    found = set()
    for names, cells in rows:
        if "all" not in cells and cell not in cells:
            continue
        for name in names:
            if name == "<θ>":
                found.update(params)
            elif name == "sum_<θ>":
                found.update(f"sum_{p}" for p in params if p not in ("V", "b_output"))
            else:
                found.add(name)
    return found


def test_the_tables_name_known_cells_and_every_event() -> None:
    tables, params = documented()
    assert set(params) == set(CELLS)
    for kind, rows in tables.items():
        for names, cells in rows:
            assert names and cells <= {"all", *CELLS}, (kind, names, cells)
    events = set(tables) - set(NOT_EVENTS)
    assert events == {
        *("run", "params", "forward", "output", "backward", "blame", "gates"),
        *("loss_gradients", "jacobians", "check", "gradients", "update", "train_step"),
        *("predictions", "end", "diverged", "interrupted", "truncation"),
    }


def run_json(capsys, *args: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    main([*args, "--json", "--quiet"])
    out, _ = capsys.readouterr()
    return [json.loads(line) for line in out.splitlines()]


TRACES: dict[str, list[list[dict[str, Any]]]] = {}


def traces(cell: str, capsys, folder: Path) -> list[list[dict[str, Any]]]:
    """The cell's traces (made once): see the module's docstring."""
    if cell in TRACES:
        return TRACES[cell]
    options = CELLS[cell]
    corpus, model, huge = folder / "corpus.txt", folder / f"{cell}.npz", folder / f"huge-{cell}.npz"
    corpus.write_text(CORPUS)
    every = ["--loss", "every", "--check", "--steps", "3", "--truncate", "2", "--clip", "1"]
    made = [
        run_json(capsys, "I like NLP", *options, "--detail", "full", "--save", str(model)),
        run_json(capsys, "I like NLP", *options, *every, "--init-scale", "2"),
        run_json(capsys, "--file", str(corpus), *options, "--detail", "summary", "--hidden", "2"),
        run_json(capsys, "I like NLP", *options, "--load", str(model)),
        run_json(capsys, "I like NLP a lot", *options, "--chunks", "2", "--steps", "2"),
        run_json(capsys, "I like NLP", *options, "--tbptt", "1:2", "--update-every", "sequence"),
    ]
    if cell == "rnn":
        made.append(run_json(capsys, "I like NLP", "--activation", "relu", *every))
    arrays = dict(np.load(model))  # the saved model with every matrix at 1e308: it diverges
    arrays.update({k: np.full_like(v, 1e308) for k, v in arrays.items() if v.ndim == 2})
    np.savez(huge, **arrays)
    made.append(run_json(capsys, "I like NLP", *options, "--load", str(huge)))
    config = Config(cell=cell.split("-")[0], reset_after=cell.endswith("after"), steps=2)
    stopped = run([["I", "like", "NLP"]], config, should_stop=lambda: True)
    made.append([json.loads(dumps(event)) for event in stopped])
    closings = [trace[-1]["event"] for trace in made]  # every run ran, and ended as meant
    assert closings == ["end"] * (len(made) - 2) + ["diverged", "interrupted"], closings
    TRACES[cell] = made
    return made


def summaries(value: Any) -> list[dict[str, Any]]:
    """Every summary object inside ``value``."""
    if isinstance(value, dict):
        found = [value] if value.get("summary") is True else []
        return found + [s for v in value.values() for s in summaries(v)]
    if isinstance(value, list):
        return [s for v in value for s in summaries(v)]
    return []


def observed(made: list[list[dict[str, Any]]]) -> dict[str, set[str]]:
    """Per event kind (and config, summary): every field any of the traces has."""
    found: dict[str, set[str]] = {}
    for event in (e for trace in made for e in trace):
        found.setdefault(event["event"], set()).update(set(event) - {"event"})
        if event["event"] == "run":
            found.setdefault("config", set()).update(event["config"])
        for summary in summaries(event):
            found.setdefault("summary", set()).update(summary)
    return found


@pytest.mark.parametrize("cell", list(CELLS))
def test_every_documented_field_is_in_the_traces_and_every_field_is_documented(
    cell: str, capsys, tmp_path_factory
) -> None:
    tables, params = documented()
    seen = observed(traces(cell, capsys, tmp_path_factory.mktemp(cell)))
    said = {kind: fields(rows, cell, params[cell]) for kind, rows in tables.items()}
    said = {kind: names for kind, names in said.items() if names}  # gates: the gated cells'
    assert set(seen) == set(said), set(seen) ^ set(said)
    for kind, names in said.items():
        assert seen[kind] == names, (
            kind,
            "undocumented:",
            seen[kind] - names,
            "absent:",
            names - seen[kind],
        )


@pytest.mark.parametrize("cell", list(CELLS))
def test_the_parameters_are_in_the_documented_order(cell: str, capsys, tmp_path_factory) -> None:
    _, params = documented()
    made = traces(cell, capsys, tmp_path_factory.mktemp(cell))
    for event in (e for trace in made for e in trace if e["event"] in ("params", "gradients")):
        window = ("chunk", "window", "carried_state", "carried_state_now")  # a window's own
        assert [k for k in event if k not in ("event", "step", "loss", *window)] == params[cell]


RECURRENT = {"rnn": "W_h", "lstm": "W_h_f", "gru": "W_h_z", "gru-reset-after": "W_h_z"}


@pytest.mark.parametrize("cell", list(CELLS))
def test_sigma_max_and_the_spectral_radius_are_of_the_matrix_the_doc_names(
    cell: str, capsys, tmp_path_factory
) -> None:
    """Computed here from the step-0 parameters of a --detail full trace."""
    tables, _ = documented()
    [row] = [names for names, _ in tables["jacobians"] if "sigma_max" in names]
    text = next(line for line in DOC.read_text().splitlines() if line.startswith("| `sigma_max`"))
    assert f"`{RECURRENT[cell]}`" in text and row == ["sigma_max", "spectral_radius"]
    trace = traces(cell, capsys, tmp_path_factory.mktemp(cell))[0]
    matrix = np.array(next(e for e in trace if e["event"] == "params")[RECURRENT[cell]])
    jacobians = next(e for e in trace if e["event"] == "jacobians")
    assert jacobians["sigma_max"] == pytest.approx(np.linalg.svd(matrix)[1][0], rel=1e-12)
    radius = max(abs(np.linalg.eigvals(matrix)))
    assert jacobians["spectral_radius"] == pytest.approx(radius, rel=1e-12)


def test_a_summarys_head_and_tail_are_what_the_doc_says(capsys) -> None:
    """At H = 2 every matrix is summarised under --detail summary: Wʰ and V have 2 rows, so
    their tail is [], as W's (4 rows) is not; from the same run's --detail full arrays."""
    args = ["I like NLP", "--hidden", "2", "--seed", "3"]
    full = next(e for e in run_json(capsys, *args, "--detail", "full") if e["event"] == "params")
    brief = run_json(capsys, *args, "--detail", "summary")
    summary = next(e for e in brief if e["event"] == "params")
    tails = {}
    for name, value in full.items():
        if not isinstance(value, list) or not isinstance(summary[name], dict):
            continue
        a = np.array(value)
        rows = a[:, :5] if a.ndim == 2 else a[None, :]
        head = rows[:2] if a.ndim == 2 else a[:5]
        tail = (rows[-2:] if a.ndim == 2 else a[-5:]) if len(a) > (2 if a.ndim == 2 else 5) else []
        assert summary[name]["head"] == np.asarray(head).tolist()
        assert summary[name]["tail"] == np.asarray(tail).tolist()
        tails[name] = summary[name]["tail"]
    assert tails["W_h"] == [] and tails["V"] == [] and len(tails["W"]) == 2
    text = DOC.read_text()
    assert "`[]` when `head` already holds them, in a matrix of at most 2 rows" in text


PER_PARAMETER = {  # the objects the document says are "per parameter" or "by name"
    "update": ("old", "applied", "new"),
    "check": ("checked", "total", "max_error", "skipped", "truncation_error"),
    "blame": ("shares",),
}


@pytest.mark.parametrize("cell", list(CELLS))
def test_the_objects_per_parameter_are_keyed_by_the_documented_parameters(
    cell: str, capsys, tmp_path_factory
) -> None:
    _, params = documented()
    made = traces(cell, capsys, tmp_path_factory.mktemp(cell))
    seen = 0
    for event in (e for trace in made for e in trace if e["event"] in PER_PARAMETER):
        for name in PER_PARAMETER[event["event"]]:
            if event[name] is not None:  # truncation_error without --truncate
                assert list(event[name]) == params[cell], (event["event"], name)
                seen += 1
    assert seen >= 10
