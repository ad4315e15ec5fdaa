"""From 40 columns up no number is cut and no column dropped: the gradient check's table (with
and without its raw error, skipped and truncation error columns; the vanilla RNN, the LSTM,
the GRU) and --compare-cells' summary go on in blocks, each repeating its row labels.

Tables are read from the text a console draws: a header line above a ─ rule, the column
names where they start after two spaces, a row a line (a line with a blank label goes on
with the row above). What each cell must hold is formatted here from the events' own fields
(``{:.1e}`` for an error or a norm, ``{:.4f}`` for a loss), not by the renderers' code. The
closing paragraph of --compare-cells is read against each cell's own trace, and the loss
row against a plain run's closing line.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from functools import cache
from typing import Any

import numpy as np
import pytest
from rich.cells import cell_len

from bptt_trace import trace_sentence
from bptt_trace.cli.app import main
from bptt_trace.config import Config
from bptt_trace.core.cells import make_cell
from bptt_trace.core.model import declared
from bptt_trace.rendering.cells import cells_view
from bptt_trace.rendering.cells_words import CellFacts, ranking, times
from bptt_trace.rendering.check import check_view
from bptt_trace.rendering.renderer import make_console
from bptt_trace.trace.events import Event

WIDTHS = (40, 50, 60, 80, 120)
CELLS = ("rnn", "lstm", "gru")
TITLES = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}
SENTENCE = "I like NLP"


def drawn(renderable: Any, width: int) -> list[str]:
    buffer = io.StringIO()
    make_console(file=buffer, width=width, no_color=True).print(renderable)
    return buffer.getvalue().splitlines()


class Block:
    """One table as drawn: its column names and, per row label, each column's text."""

    def __init__(self, lines: list[str], rule: int) -> None:
        header = lines[rule - 1]
        starts = sorted({1, *(i for i in range(2, len(header)) if self.begins(header, i))})
        self.names = [self.cut(header, starts, k) for k in range(len(starts))]
        self.rows: dict[str, list[str]] = {}
        label = ""
        for line in lines[rule + 1 :]:
            if not line.strip():
                break
            assert cell_len(line) == len(line), line  # the columns are read by index
            cells = [self.cut(line, starts, k) for k in range(len(starts))]
            if cells[0]:
                label = cells[0]
                self.rows[label] = cells[1:]
            elif label in self.rows:  # a cell that wrapped goes on here
                self.rows[label] = [
                    f"{a} {b}".strip() for a, b in zip(self.rows[label], cells[1:], strict=True)
                ]

    @staticmethod
    def begins(line: str, i: int) -> bool:
        return line[i] != " " and line[i - 2 : i] == "  "

    @staticmethod
    def cut(line: str, starts: list[int], k: int) -> str:
        end = starts[k + 1] if k + 1 < len(starts) else len(line)
        return line[starts[k] : end].strip()

    def cell(self, label: str, name: str) -> str:
        return self.rows[label][self.names.index(name) - 1]


def blocks(lines: list[str]) -> list[Block]:
    """Every table drawn in ``lines``, in order."""
    return [Block(lines, i) for i, line in enumerate(lines) if line.strip().startswith("───")]


def whole(number: str, text: str) -> bool:
    """Whether ``number`` appears in ``text`` with nothing of another number against it."""
    return re.search(rf"(?<![\w.+-]){re.escape(number)}(?![\w.])", text) is not None


def fits(lines: list[str], width: int) -> None:
    assert lines and max(cell_len(line) for line in lines) <= width, "\n".join(lines)


# the gradient check ------------------------------------------------------------------------


@cache
def check_event(cell: str, truncate: int | None, kink: bool) -> tuple[Event, dict[str, str]]:
    """A real check event and the parameters' symbols; ``kink``: the vanilla RNN with ReLU
    started from weights that put a₁'s first unit exactly on the kink (its entries skipped)."""
    config = Config(cell=cell, check=True, loss="every", truncate=truncate)
    params = vocab = None
    if kink:
        config = replace(config, activation="relu")
        events = list(trace_sentence(SENTENCE, config))
        vocab = events[0].vocab
        params = {name: np.array(value) for name, value in events[1].params.items()}
        params["W"][vocab.index("I"), 0] = 0.0  # a₁ = x₁·W + h₀·Wʰ + b, h₀ = b = 0
    events = list(trace_sentence(SENTENCE, config, params=params, vocab=vocab))
    check = next(e for e in events if e.kind == "check")
    symbols = {spec.name: spec.symbol for spec in declared(make_cell(events[0].config))}
    return check, symbols


CHECKS = [
    *[(cell, None, False) for cell in CELLS],
    *[(cell, 1, False) for cell in CELLS],
    ("rnn", None, True),
    ("rnn", 2, True),
]


def expected_check(event: Any) -> dict[str, dict[str, str]]:
    """Each column's heading and, per parameter, what its cell must hold."""
    columns = {
        "entries checked": {n: f"{event.checked[n]} of {event.total[n]}" for n in event.total},
        "max relative error": {n: f"{e:.1e}" for n, e in event.max_error.items()},
    }
    if event.raw_error is not None:
        columns["raw error"] = {n: f"{e:.1e}" for n, e in event.raw_error.items()}
    if any(event.skipped.values()):
        columns["skipped"] = {n: str(k) for n, k in event.skipped.items()}
    if event.truncation_error is not None:
        columns["truncation error"] = {n: f"{e:.1e}" for n, e in event.truncation_error.items()}
    return columns


@pytest.mark.parametrize(("cell", "truncate", "kink"), CHECKS)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_column_of_the_check_is_whole_at_every_width(cell, truncate, kink, width) -> None:
    event, symbols = check_event(cell, truncate, kink)
    assert (event.truncation_error is not None) == (truncate is not None)
    assert any(event.skipped.values()) == kink  # the case it stands for
    lines = drawn(check_view(event, symbols), width)
    fits(lines, width)
    tables = blocks(lines)
    for table in tables:  # each block names every parameter, in order
        assert list(table.rows) == list(symbols.values())
    columns = expected_check(event)
    for heading, cells in columns.items():
        holding = [t for t in tables if heading in t.names]
        assert len(holding) == 1, f"{heading} at {width}: {[t.names for t in tables]}"
        for name, value in cells.items():
            shown = holding[0].cell(symbols[name], heading)
            assert whole(value, shown), (heading, name, shown, value)
            if heading == "max relative error":  # the verdict beside its error
                ok = event.max_error[name] <= event.tolerance
                assert shown == f"{value}  {'✓' if ok else '✗ too large'}"
    assert sum(len(t.names) - 1 for t in tables) == len(columns)  # no other column
    if width >= 120:
        assert len(tables) == 1


@pytest.mark.parametrize("width", [40, 60])
def test_a_failed_check_keeps_its_cross_beside_its_error(width: int) -> None:
    event, symbols = check_event("gru", 1, False)
    failed = replace(event, max_error={**event.max_error, "W_h_z": 0.25}, passed=False)
    lines = drawn(check_view(failed, symbols), width)
    fits(lines, width)
    table = next(t for t in blocks(lines) if "max relative error" in t.names)
    assert table.cell(symbols["W_h_z"], "max relative error") == "2.5e-01  ✗ too large"
    assert any(line.startswith("gradient check failed for") for line in lines)


def test_the_users_command_at_60_columns_shows_the_raw_error_whole(capsys) -> None:
    """The command that cut 'raw error' to 'raw e' and each value to '8.7e-'."""
    args = [SENTENCE, "--check", "--loss", "every", "--width", "60", "--only", "update"]
    assert main([*args, "--color", "never", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    fits(lines, 60)
    event, symbols = check_event("rnn", None, False)
    table = next(t for t in blocks(lines) if "raw error" in t.names)
    for name, error in (event.raw_error or {}).items():
        assert table.cell(symbols[name], "raw error") == f"{error:.1e}"


# --compare-cells ---------------------------------------------------------------------------


@cache
def cell_events(cell: str, sentence: str = SENTENCE, steps: int = 1) -> tuple[Event, ...]:
    return tuple(trace_sentence(sentence, Config(cell=cell, steps=steps)))


def runs_of(sentence: str = SENTENCE, steps: int = 1) -> dict[str, tuple[Event, ...]]:
    return {cell: cell_events(cell, sentence, steps) for cell in CELLS}


def last(kind: str, events: tuple[Event, ...]) -> Any:
    return next(e for e in reversed(events) if e.kind == kind and getattr(e, "sentence", 0) == 0)


def summary_values(events: tuple[Event, ...]) -> dict[str, str]:
    """What a cell's column must hold, row by row, from its own trace."""
    blame = last("blame", events)
    first = next(e for e in events if e.kind == "train_step").loss
    end = last("end", events)
    jac = last("jacobians", events)
    values = {
        "loss": f"{first:.4f} → {end.loss_after:.4f}",
        "‖∂L_T/∂h₁‖": f"{blame.matrix[-1][0]:.1e}",
        "‖∂L_T/∂c₁‖": f"{blame.extra['matrix_c'][-1][0]:.1e}" if blame.extra else "—",
        "‖∂state_T/∂state₁‖₂": f"{jac.end_to_end:.1e}",
        "so the gradient is": jac.verdict,
        "gate product to t = 1": "—",
    }
    gates = [e for e in events if e.kind == "gates"]
    if gates:
        values["gate product to t = 1"] = f"∏ {gates[-1].carry}ⱼ = {gates[-1].products[0]:.1e}"
    return values


@pytest.mark.parametrize("width", WIDTHS)
def test_every_cells_column_of_the_comparison_is_whole_at_every_width(width: int) -> None:
    runs = runs_of()
    lines = drawn(cells_view(runs, 4), width)
    fits(lines, width)
    *summary, heatmap = blocks(lines)
    labels = list(summary[0].rows)
    assert labels[0] == "loss → after 1 update"
    shown: dict[str, Block] = {}
    for table in summary:
        assert list(table.rows) == labels  # every block repeats the row labels
        shown |= {name: table for name in table.names[1:]}
    assert list(shown) == [TITLES[cell] for cell in CELLS]  # each cell once, none dropped
    for cell, events in runs.items():
        table = shown[TITLES[cell]]
        for label, value in summary_values(events).items():
            row = next(r for r in labels if r.strip().startswith(label))
            cell_text = table.cell(row, TITLES[cell])
            assert cell_text == value, (cell, label, cell_text, value)
        blame = last("blame", events).matrix[-1]
        row = heatmap.rows[TITLES[cell]]  # h₁ and the last step are always shown
        assert row[0] == f"{blame[0]:.1e}" and row[-1] == f"{blame[-1]:.1e}"
    if width >= 80:
        assert len(summary) == 1


@pytest.mark.parametrize("width", [40, 60])
def test_the_reset_after_gru_keeps_its_column_and_its_numbers(width: int) -> None:
    runs = dict(runs_of())
    runs["gru"] = tuple(trace_sentence(SENTENCE, Config(cell="gru", reset_after=True)))
    lines = drawn(cells_view(runs, 4), width)
    fits(lines, width)
    text = "\n".join(lines)
    for value in summary_values(runs["gru"]).values():
        for number in re.findall(r"\d\.\d+e[+-]\d\d|\d+\.\d{4}", value):
            assert whole(number, text), number
    assert re.search(r"GRU\s+\(reset\s+after\)", text)


# --compare-cells' words --------------------------------------------------------------------


def paragraph(lines: list[str]) -> str:
    """The words after the last table, unwrapped."""
    start = next(i for i, line in enumerate(lines) if line.startswith("Over "))
    return " ".join(" ".join(lines[start:]).split())


def ratio_of(text: str) -> float:
    """A ratio as the paragraph writes it: 1.7, 11, 15,000, 14 million or 2.2 × 10¹⁷."""
    words = {"million": 1e6, "billion": 1e9, "trillion": 1e12}
    m = re.fullmatch(r"([\d.,]+)(?: (million|billion|trillion)| × 10([⁰¹²³⁴⁵⁶⁷⁸⁹]+))?", text)
    assert m is not None, text
    scale = words[m.group(2)] if m.group(2) else 1.0
    if m.group(3):
        scale = 10.0 ** int(m.group(3).translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")))
    return float(m.group(1).replace(",", "")) * scale


def close_ratio(shown: str, exact: float) -> bool:
    """Two significant digits of ``exact``."""
    return abs(ratio_of(shown) - exact) <= 0.051 * exact


LONG = "the blame of the last word fades on its way back to the first"


@pytest.mark.parametrize("sentence", [SENTENCE, LONG])
def test_the_paragraph_names_the_cell_that_keeps_the_most_by_its_own_trace(sentence) -> None:
    runs = runs_of(sentence)
    h1 = {cell: float(last("blame", runs[cell]).matrix[-1][0]) for cell in CELLS}
    most = max(h1, key=lambda cell: h1[cell])
    words = paragraph(drawn(cells_view(runs, 4), 80))
    assert f"the {TITLES[most]} keeps the most." in words
    for cell in CELLS:
        assert f"the {TITLES[cell]} keeps the most" in words or cell != most
        if cell == most:
            continue
        m = re.search(rf"{h1[cell]:.1e} with the {TITLES[cell]} \(([^)]*) times less\)", words)
        assert m is not None, (cell, words)
        assert close_ratio(m.group(1), h1[most] / h1[cell]), (m.group(1), h1[most] / h1[cell])
    assert not re.search(r"\de[+-]\d+ times", words)  # ratios in plain numbers
    lstm = last("blame", runs["lstm"])
    c1, lstm_h1 = float(lstm.extra["matrix_c"][-1][0]), h1["lstm"]
    assert f"the blame on c₁ is {c1:.1e}" in words
    if lstm_h1 < c1:
        m = re.search(r"\): [^ ]+, ([^)]+?) times less than c₁'s", words)
        assert m is not None and close_ratio(m.group(1), c1 / lstm_h1), words
    verdict = last("jacobians", runs["rnn"]).verdict
    says = {"vanishing": "vanishes", "exploding": "explodes", "stable": "neither vanishing"}
    assert says[verdict] in words.split("The vanilla RNN's gradient")[1]


def test_the_first_sentence_is_the_users_numbers_in_plain_ratios() -> None:
    """The reported screen: the GRU keeps the most, the LSTM the least, 11 and 1.7 times less."""
    words = paragraph(drawn(cells_view(runs_of(), 4), 60))
    assert words.startswith(
        "Over 3 time steps the last loss's blame on h₁ is 1.1e-01 with the GRU, 6.3e-02 with the "
        "vanilla RNN (1.7 times less) and 9.9e-03 with the LSTM (11 times less): the GRU keeps "
        "the most."
    )
    assert "what survives" not in words


@pytest.mark.parametrize("steps", [1, 2])
def test_the_loss_row_is_what_a_plain_run_ends_with(steps: int, capsys) -> None:
    lines = drawn(cells_view(runs_of(steps=steps), 4), 120)
    (summary, _) = blocks(lines)
    updates = "1 update" if steps == 1 else "2 updates"
    row = f"loss → after {updates}"
    for cell in CELLS:
        assert main([SENTENCE, "--cell", cell, "--steps", str(steps), "--color", "never"]) == 0
        out = capsys.readouterr().out.splitlines()
        m = re.search(rf"loss ([\d.]+) → ([\d.]+) after {updates}$", out[-1])
        assert m is not None, out[-1]
        assert summary.cell(row, TITLES[cell]) == f"{m.group(1)} → {m.group(2)}"


@pytest.mark.parametrize(
    ("ratio", "written"),
    [
        (1.04, "1.0"),
        (1.7, "1.7"),
        (9.97, "10"),
        (11.2, "11"),
        (125.0, "120"),  # two significant digits, rounded half to even as Python's format
        (15234.0, "15,000"),
        (999_999.0, "1.0 million"),
        (1.43e7, "14 million"),
        (9.96e9, "10 billion"),
        (2.3e14, "230 trillion"),
        (9.96e14, "1.0 × 10¹⁵"),
        (2.2e17, "2.2 × 10¹⁷"),
    ],
)
def test_a_ratio_is_written_in_plain_numbers_to_two_digits(ratio: float, written: str) -> None:
    assert times(ratio) == written
    assert close_ratio(written, ratio)


def test_a_ratio_past_the_floats_is_written_as_such() -> None:
    assert 1e-3 / 1e-320 == float("inf")  # a blame of 1e-3 against one of 1e-320
    assert times(1e-3 / 1e-320) == "over 1.8 × 10³⁰⁸"


def facts(**blame: float) -> dict[str, CellFacts]:
    """Cells that differ only in their blame on h₁ (the ranking reads nothing else)."""
    return {
        name: CellFacts(TITLES[name], 1.0, 0.5, 1, np.array([h1, 1.0]), None, None, None)  # type: ignore[arg-type]
        for name, h1 in blame.items()
    }


@pytest.mark.parametrize(
    ("blame", "says"),
    [
        ({"rnn": 0.5, "lstm": 0.5, "gru": 0.1}, "the vanilla RNN and the LSTM keep the most"),
        ({"rnn": 0.2, "lstm": 0.2, "gru": 0.2}, "every cell keeps as much"),
        ({"rnn": 0.0, "lstm": 0.0, "gru": 0.0}, "is 0 with every cell: none of it reaches h₁"),
        ({"rnn": 0.0, "lstm": 0.3, "gru": 0.1}, "0.0e+00 with the vanilla RNN (none)"),
    ],
)
def test_ties_and_zeros_are_named_as_they_are(blame: dict[str, float], says: str) -> None:
    text = ranking(facts(**blame), 2)
    assert says in text
    assert "keeps the most" not in text or len(set(blame.values())) == len(blame)
