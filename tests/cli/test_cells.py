"""--cell on the command line: each cell's trace replays to the same tables, its model saves
and loads, and options that belong to another cell are refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bptt_trace.cli.app import main
from bptt_trace.files.model_file import load_model

CELLS = ["rnn", "lstm", "gru"]


@pytest.mark.parametrize("cell", CELLS)
def test_a_trace_of_each_cell_replays_to_the_same_tables(cell, tmp_path: Path, capsys) -> None:
    trace = tmp_path / "t.jsonl"
    args = ["we like gates", "--cell", cell, "--loss", "every", "--steps", "2", "--quiet"]
    assert main([*args, "--output", str(trace)]) == 0
    live = capsys.readouterr().out
    assert main(["--replay", str(trace), "--quiet"]) == 0
    assert capsys.readouterr().out == live
    assert ("Blame through the cell state ‖∂Lₛ/∂cₖ‖" in live) == (cell == "lstm")
    assert ("The gated path" in live) == (cell != "rnn")


@pytest.mark.parametrize("cell", CELLS)
def test_a_saved_model_of_each_cell_loads_and_continues(cell, tmp_path: Path, capsys) -> None:
    model = tmp_path / "m.npz"
    assert main(["I like NLP", "--cell", cell, "--steps", "3", "--save", str(model), "--json"]) == 0
    params, _, config = load_model(model)
    assert config.get("cell", "rnn") == cell
    capsys.readouterr()
    assert main(["I like NLP", "--load", str(model), "--json"]) == 0
    first = [json.loads(line) for line in capsys.readouterr().out.splitlines()][1]
    for name, value in params.items():
        assert np.array_equal(np.asarray(first[name]), value), name


@pytest.mark.parametrize(("saved", "asked"), [("lstm", "gru"), ("rnn", "lstm"), ("gru", "rnn")])
def test_a_model_of_one_cell_is_refused_for_another(saved, asked, tmp_path, refused) -> None:
    model = tmp_path / "m.npz"
    assert main(["I like NLP", "--cell", saved, "--save", str(model), "--json", "--quiet"]) == 0
    message = refused(["I like NLP", "--load", str(model), "--cell", asked])
    assert f"a model of the {saved} cell, not {asked}" in message


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--cell", "lstm", "--activation", "relu"], "--activation sets the vanilla RNN's f"),
        (["--cell", "gru", "--activation", "tanh"], "--activation sets the vanilla RNN's f"),
        (["--forget-bias", "0"], "--forget-bias is the LSTM's"),
        (["--cell", "gru", "--forget-bias", "2"], "--forget-bias is the LSTM's"),
        (["--cell", "lstm", "--forget-bias", "nan"], "--forget-bias must be a finite number"),
        (["--cell", "elman"], "--cell"),
    ],
)
def test_options_of_another_cell_are_refused(args, says, refused) -> None:
    assert says in refused(["I like NLP", *args])


def test_compare_cells_shows_each_cells_own_numbers(capsys) -> None:
    """The comparison's ‖∂L_T/∂h₁‖, ‖∂L_T/∂c₁‖ (the last loss's) and ∏ gates are each cell's own."""
    sentence = "the blame of the last word fades on its way back"
    assert main([sentence, "--compare-cells", "--quiet"]) == 0
    text = capsys.readouterr().out
    rows = {line.split("  ")[0].strip(): line for line in text.splitlines()}
    for cell in CELLS:
        assert main([sentence, "--cell", cell, "--json", "--quiet"]) == 0
        events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        blame = next(e for e in events if e["event"] == "blame")
        assert f"{blame['matrix'][-1][0]:.1e}" in rows["‖∂L_T/∂h₁‖"].split()[1:][CELLS.index(cell)]
        if cell == "lstm":
            assert f"{blame['matrix_c'][-1][0]:.1e}" in rows["‖∂L_T/∂c₁‖"]
        gates = [e for e in events if e["event"] == "gates"]
        if gates:
            assert f"{gates[0]['products'][0]:.1e}" in text
    words = " ".join(text.split())  # the paragraph, unwrapped
    assert f"Over {len(sentence.split())} time steps the last loss's blame on h₁ is" in words


def test_compare_cells_writes_three_whole_traces_under_json(tmp_path: Path, capsys) -> None:
    from bptt_trace.files.trace_reader import read_trace

    assert main(["I like NLP", "--compare-cells", "--json", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    starts = [i for i, line in enumerate(lines) if json.loads(line)["event"] == "run"]
    assert len(starts) == 3
    for cell, (a, b) in zip(
        CELLS, zip(starts, [*starts[1:], len(lines)], strict=True), strict=True
    ):
        path = tmp_path / f"{cell}.jsonl"
        path.write_text("\n".join(lines[a:b]) + "\n")
        events = read_trace(path)
        assert events[-1].kind == "end" and events[0].config.get("cell", "rnn") == cell


@pytest.mark.parametrize(
    ("cell", "says", "never"),
    [
        ("rnn", ["‖∂h_T/∂hₖ‖₂", "diag(f′(aⱼ))·Wʰᵀ", "Wʰ: largest singular value"], "(hₜ, cₜ)"),
        (
            "lstm",
            [
                "‖∂(h_T, c_T)/∂(hₖ, cₖ)‖₂",
                "state (hₜ, cₜ)",
                "Wʰ_f, the forget gate's recurrent matrix",
            ],
            "diag(f′",
        ),
        ("gru", ["‖∂h_T/∂hₖ‖₂", "diag(zⱼ)", "Wʰ_z, the update gate's recurrent matrix"], "diag(f′"),
    ],
)
def test_the_vanishing_table_names_each_cells_own_chain(cell, says, never, capsys) -> None:
    """A label that misdescribes its number is a wrong answer: the LSTM's Jacobians are over
    the whole state, and no gated cell's chain is diag(f′(aⱼ))·Wʰᵀ."""
    args = ["a b c a", "--cell", cell, "--only", "jacobians", "--width", "200", "--quiet"]
    assert main(args) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert all(" ".join(part.split()) in text for part in says), text
    assert never not in text


@pytest.mark.parametrize(("args", "code", "line"), [
    ([], 0, "compared rnn, lstm, gru on the same input over 1 step: each finished"),
    (["--steps", "2"], 0, "compared rnn, lstm, gru on the same input over 2 steps: each finished"),
    (["--activation", "relu", "--lr", "1e5"], 1, "over 1 step: rnn diverged"),
])  # fmt: skip
def test_compare_cells_ends_with_a_line_on_stderr_as_every_mode_does(args, code, line, capsys):
    sentence = "x " * 200 if code else "I like NLP"  # relu at α = 1e5 overflows on 200 tokens
    assert main([sentence, "--compare-cells", *args]) == code
    err = capsys.readouterr().err
    assert line in err and err.startswith("bptt-trace: compared ")
    assert main([sentence, "--compare-cells", "--quiet", *args]) == code
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("scheme", "start"),
    [(["--chunks", "5"], 36), (["--tbptt", "2:4"], 33), (["--truncate", "3"], 34), ([], None)],
)
def test_compare_cells_says_when_a_scheme_cuts_the_last_loss_before_h1(scheme, start, capsys):
    """Under a scheme that stops the last loss's flow after h₁, the paragraph says the zero
    blame on h₁ is the scheme's (from the first state the loss reaches, worked out here from
    the windows), not the cells'; without one it compares the cells."""
    sentence = " ".join(f"w{i % 9}" for i in range(36))
    assert main([sentence, "--compare-cells", "--loss", "every", *scheme, "--width", "200"]) == 0
    words = " ".join(capsys.readouterr().out.split())
    if start is None:
        assert "by the scheme, not by the cells" not in words
        assert "Over 36 time steps the last loss's blame on h₁ is" in words
        return
    sub = str(start).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
    flag = " ".join(scheme)
    assert f"Under {flag} the last loss's flow stops at h{sub}, where its window starts" in words
    assert "by the scheme, not by the cells" in words
    assert "‖∂L_T/∂h₁‖" in words


@pytest.mark.parametrize(
    "args",
    [[], ["--loss", "every", "--steps", "3", "--trace-every", "2"], ["--chunks", "2"]],
    ids=["plain", "every-3-steps", "chunks"],
)
def test_compare_cells_keeps_only_the_events_it_reads(args: list[str], monkeypatch) -> None:
    """Each cell's events are written (--json) and dropped unless the comparison reads them:
    held, a step's arrays at --hidden 3000 over three cells ran out of memory where each cell
    alone fits. The comparison drawn from what is kept is the one drawn from every event."""
    from io import StringIO

    from bptt_trace.cli import cells as cli_cells
    from bptt_trace.config import CELL_NAMES, Config
    from bptt_trace.rendering.cells import cells_view
    from bptt_trace.rendering.renderer import make_console
    from bptt_trace.trace.loop import run

    seen: dict[str, list] = {}
    real = cli_cells.cells_view

    def keeping(runs, precision):
        seen.update({name: list(events) for name, events in runs.items()})
        return real(runs, precision)

    monkeypatch.setattr(cli_cells, "cells_view", keeping)
    sentence = "the cat sat on the mat"
    assert main([sentence, "--compare-cells", *args, "--quiet"]) in (0, 1)
    options = dict(zip(args[::2], args[1::2], strict=True))
    config = Config(
        loss=options.get("--loss", "last"),
        steps=int(options.get("--steps", "1")),
        trace_every=int(options["--trace-every"]) if "--trace-every" in options else None,
        chunks=int(options["--chunks"]) if "--chunks" in options else None,
    )
    every = {
        c: list(run([sentence.split()], Config(**{**config.__dict__, "cell": c})))
        for c in CELL_NAMES
    }

    def drawn(runs) -> str:
        console = make_console(file=StringIO(), width=100)
        console.print(cells_view(runs, 4))
        return console.file.getvalue()

    assert set(seen) == set(CELL_NAMES)
    for name, kept in seen.items():
        assert {e.kind for e in kept} <= cli_cells.KEPT | {"params"}
        assert all(e.params == {} for e in kept if e.kind == "params")
        assert len(kept) < len(every[name])
    assert drawn(seen) == drawn(every)
