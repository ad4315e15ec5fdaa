"""--init-scale on the command line (refused when bad or ignored, in the Model panel of --help)
and a loaded model's origin: in the trace's config, in the header (a file's name escaped), in
the model file (how many updates it had) and through --replay."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from bptt_trace.cli.app import main
from bptt_trace.core.cells import make_cell
from bptt_trace.rendering.header import run_header
from bptt_trace.rendering.renderer import make_console
from bptt_trace.trace.events import RunEvent
from bptt_trace.trace.json_schema import trace_line_schema
from bptt_trace.trace.schema import validate


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "-inf"])
def test_a_scale_that_is_not_a_finite_positive_number_is_refused(value, refused) -> None:
    refused(["I like NLP", "--init-scale", value], "--init-scale", "finite number above 0")


@pytest.fixture
def model(tmp_path: Path, capsys) -> Path:
    path = tmp_path / "m.npz"
    assert main(["I like NLP", "--steps", "3", "--save", str(path), "--quiet", "--json"]) == 0
    capsys.readouterr()
    return path


def test_the_modes_that_ignore_it_refuse_it(model: Path, tmp_path: Path, refused) -> None:
    refused(["I like NLP", "--load", str(model), "--init-scale", "2"], "--load", "--init-scale")
    refused(["I like NLP", "--init", str(model), "--init-scale", "2"], "--init", "--init-scale")
    trace = tmp_path / "t.jsonl"
    trace.write_text('{"event": "run"}\n')
    refused(["--replay", str(trace), "--init-scale", "1"], "--replay", "--init-scale")


def test_help_puts_it_with_the_model_options(capsys) -> None:
    main(["--help"])
    text = capsys.readouterr().out
    panels = text[: text.index("An option that")]  # the epilog names it too
    model = panels[panels.index("╭─ Model ─") : panels.index("╭─ Training ─")]
    assert panels.count("--init-scale") == 1 and "│ --init-scale " in model


def header(config: dict, width: int = 140) -> list[str]:
    run = RunEvent(1, "0.1.0", ["I", "like", "NLP", "<eos>"], [["I", "like", "NLP"]], config)
    out = io.StringIO()
    make_console(file=out, width=width, no_color=True).print(run_header(run, make_cell(config)))
    return [line.strip("│ ") for line in out.getvalue().splitlines()]


BASE = {"hidden": 4, "lr": 0.1, "seed": 0, "activation": "tanh", "loss": "last"}
BASE |= {"target": "<eos>", "steps": 1}


def test_the_header_says_where_a_loaded_model_came_from() -> None:
    path = "models/a\x1b[2J\u202eb\n.npz"
    lines = header({**BASE, "loaded": {"path": path, "updates": 200}})
    assert lines[1] == "Vanilla RNN · |vocab| = 4 · H = 4 · f = tanh · α = 0.1 · 1 step"
    assert lines[2] == (
        r"loaded from models/a\x1b[2J\u202eb\n.npz: Vanilla RNN, H = 4, trained for 200 updates"
    )
    assert not any(ch in "\n".join(lines) for ch in "\x1b\u202e")
    gru = header({**BASE, "cell": "gru", "hidden": 3, "loaded": {"path": "g.npz", "updates": 1}})
    assert gru[2] == "loaded from g.npz: GRU, H = 3, trained for 1 update"
    old = header({**BASE, "loaded": {"path": "old.npz", "updates": None}})
    assert old[2] == "loaded from old.npz: Vanilla RNN, H = 4, training unknown"
    narrow = header({**BASE, "loaded": {"path": "m.npz", "updates": 200}}, 80)
    assert narrow[2] == "loaded from m.npz: Vanilla RNN, H = 4, trained for 200 updates"
    fresh = header(BASE)
    assert "seed 0" in fresh[1] and not any("loaded" in line for line in fresh)


def test_the_header_shows_the_scale_and_its_sigma() -> None:
    lines = header({**BASE, "init_scale": 3.0})
    sigma = f"{3 * 0.5 / np.sqrt(4):.3g}"
    assert lines[2] == (
        f"--init-scale 3: initial weights ×3, standard deviation {sigma}, biases not scaled"
    )
    assert max(len(line) for line in header({**BASE, "init_scale": 0.125}, 80)) <= 80


def test_a_loaded_run_records_its_origin_and_the_saved_model_counts_updates(
    model: Path, tmp_path: Path, capsys
) -> None:
    again = tmp_path / "again.npz"
    args = ["I like NLP", "--load", str(model), "--steps", "2", "--json", "--save", str(again)]
    assert main(args) == 0
    run = json.loads(capsys.readouterr().out.splitlines()[0])
    assert run["config"]["loaded"] == {"path": str(model), "updates": 3}
    saved = json.loads(str(np.load(again)["config"]))
    assert saved["updates"] == 5 and "loaded" not in saved  # 3 before, 2 in this run
    assert main(["I like NLP", "--load", str(again), "--color", "never", "--width", "400"]) == 0
    text = capsys.readouterr().out
    assert f"loaded from {again}: Vanilla RNN, H = 4, trained for 5 updates" in text


def test_a_traces_config_fields_are_checked_before_a_renderer_sees_them() -> None:
    run = {"event": "run", "schema": 1, "version": "0.1.0", "vocab": ["a", "<eos>"]}
    run |= {"sentences": [["a"]]}
    for good in ({"init_scale": 2.0}, {"loaded": {"path": "m.npz", "updates": None}}):
        assert validate({**run, "config": {**BASE, **good}}, None) is None, good
    for bad in (
        {"init_scale": 0},
        {"init_scale": "2"},
        {"loaded": "m.npz"},
        {"loaded": {"path": 3, "updates": 1}},
        {"loaded": {"path": "m.npz", "updates": -1}},
        {"loaded": {"path": "m.npz"}},
    ):
        problem = validate({**run, "config": {**BASE, **bad}}, None)
        assert problem is not None and next(iter(bad)) in problem, bad
    config = trace_line_schema()["$defs"]["event-run"]["properties"]["config"]["properties"]
    assert config["init_scale"]["exclusiveMinimum"] == 0
    assert config["loaded"]["required"] == ["path", "updates"]


def test_a_model_file_name_with_a_control_character_is_escaped_live_and_in_replay(
    model: Path, tmp_path: Path, capsys
) -> None:
    odd = tmp_path / "a\x1b[31mb.npz"
    odd.write_bytes(model.read_bytes())
    trace = tmp_path / "t.jsonl"
    shown = rf"loaded from {tmp_path}/a\x1b[31mb.npz: Vanilla RNN"
    args = ["--color", "never", "--width", "400"]
    assert main(["I like NLP", "--load", str(odd), "--output", str(trace), *args]) == 0
    live = capsys.readouterr().out
    assert main(["--replay", str(trace), *args]) == 0
    replayed = capsys.readouterr().out
    for text in (live, replayed):
        assert shown in text and "\x1b" not in text
    assert replayed == live
