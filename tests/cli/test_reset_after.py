"""--reset-after on the command line: the GRU as torch's nn.GRU runs it, through the whole
pipeline — the gradient check, its trace (replayed to the same tables, valid under --schema),
its model file, --compare-cells — and refused wherever it does not belong."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from bptt_trace.cli.app import main
from bptt_trace.core.cells import form_configs, make_cell
from bptt_trace.files.model_file import load_model, save_model

GRU = ["--cell", "gru", "--reset-after"]


def events_of(capsys, args: list[str]) -> list[dict]:
    capsys.readouterr()
    assert main([*args, "--json", "--quiet"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.mark.parametrize("mode", ["last", "every"])
def test_the_gradient_check_passes(mode, capsys) -> None:
    events = events_of(capsys, ["we like gates . we", *GRU, "--loss", mode, "--check"])
    check = next(e for e in events if e["event"] == "check")
    assert check["passed"] and check["checked"]["b_h_n"] == 4 and check["checked"]["W_h_n"] == 16


def test_the_config_says_reset_after_only_when_given(capsys) -> None:
    """Traces of every other run read as they always have: no "reset_after" in their config."""
    after = events_of(capsys, ["I like NLP", *GRU])
    assert after[0]["config"]["cell"] == "gru" and after[0]["config"]["reset_after"] is True
    assert "b_h_n" in after[1] and after[1]["b_h_n"] == [0.0] * 4
    for cell in ("rnn", "lstm", "gru"):
        run = events_of(capsys, ["I like NLP", "--cell", cell])
        assert "reset_after" not in run[0]["config"] and "b_h_n" not in run[1]


def test_its_trace_replays_to_the_same_tables(tmp_path, capsys) -> None:
    trace = tmp_path / "t.jsonl"
    args = ["we like gates", *GRU, "--loss", "every", "--width", "120"]
    assert main([*args, "--quiet", "--output", str(trace)]) == 0
    live = capsys.readouterr().out
    assert main(["--replay", str(trace), "--quiet", "--width", "120"]) == 0
    assert capsys.readouterr().out == live
    assert "reset after the product" in live and "bʰ_n ←" in live
    assert "h₂ᵀ·(∂L/∂a_n₃ ⊙ r₃)" in live  # the contribution to Wʰ_n names rₜ at its own t


def test_the_schema_takes_a_trace_of_every_form_and_holds_it_to_its_run_event(capsys) -> None:
    """--schema: every line of a trace of each cell's form is valid, and so is the whole trace
    ($defs/trace); a reset-after GRU's lines under a run event that names another form are not."""
    assert main(["--schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    each_line = jsonschema.Draft202012Validator(schema)
    whole = jsonschema.Draft202012Validator({**schema, "$ref": "#/$defs/trace"})
    for form in form_configs():
        extra = ["--reset-after"] if form.get("reset_after") else []
        lines = events_of(capsys, ["a b a", "--cell", form["cell"], "--loss", "every", *extra])
        for line in lines:
            each_line.validate(line)
        whole.validate(lines)
    config = lines[0]["config"]  # the last form's: the reset-after GRU
    assert config["reset_after"] is True
    for mislabelled in (
        {**config, "reset_after": False},
        {k: v for k, v in config.items() if k not in ("cell", "reset_after")},
    ):
        with pytest.raises(jsonschema.ValidationError):
            whole.validate([{**lines[0], "config": mislabelled}, *lines[1:]])


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda c: c.update(reset_after="yes"), "config 'reset_after' should be"),
        (lambda c: c.update(cell="lstm"), "config 'reset_after' is the GRU's"),
        (lambda c: c.pop("reset_after"), "unknown fields: b_h_n"),  # no Cho GRU's
    ],
)
def test_replay_refuses_a_trace_whose_config_does_not_fit(change, says, tmp_path, refused) -> None:
    trace = tmp_path / "t.jsonl"
    assert main(["I like NLP", *GRU, "--json", "--quiet", "--output", str(trace)]) == 0
    lines = trace.read_text().splitlines()
    run = json.loads(lines[0])
    change(run["config"])
    trace.write_text("\n".join([json.dumps(run), *lines[1:]]) + "\n")
    refused(["--replay", str(trace)], says)


def test_a_saved_model_keeps_it(tmp_path: Path, capsys) -> None:
    model = tmp_path / "m.npz"
    events = events_of(capsys, ["I like NLP", *GRU, "--steps", "2", "--save", str(model)])
    params, _, config = load_model(model)
    assert config["reset_after"] is True and "b_h_n" in params
    final = [e for e in events if e["event"] == "params"][-1]
    for args in (["--load", str(model)], ["--load", str(model), *GRU]):
        again = events_of(capsys, ["I like NLP", *args])
        assert again[0]["config"]["reset_after"] is True
        for name, value in params.items():
            assert np.array_equal(np.asarray(again[1][name]), value), name
            assert np.array_equal(np.asarray(final[name]), value), name


def test_a_model_file_whose_reset_after_is_not_a_boolean_is_refused(tmp_path, refused) -> None:
    model = tmp_path / "m.npz"
    config = {"hidden": 2, "activation": "tanh", "cell": "gru", "reset_after": "yes"}
    vocab = ["I", "like", "NLP", "<eos>"]
    cell = make_cell({"cell": "gru", "reset_after": True})
    from bptt_trace.core.model import init_params

    save_model(model, init_params(cell, 4, 2, np.random.default_rng(0)), vocab, config)
    refused(["I like NLP", "--load", str(model)], "reset_after is not true or false")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--reset-after"], "--reset-after is the GRU's"),
        (["--cell", "lstm", "--reset-after"], "give --cell gru"),
        (["--cell", "rnn", "--reset-after"], "leave --reset-after out with --cell rnn"),
    ],
)
def test_reset_after_with_another_cell_is_refused(args, says, refused) -> None:
    refused(["I like NLP", *args], says)


@pytest.mark.parametrize("saved", [["--cell", "gru"], ["--cell", "lstm"], []])
def test_reset_after_with_a_model_of_another_form_is_refused(saved, tmp_path, refused) -> None:
    model = tmp_path / "m.npz"
    assert main(["I like NLP", *saved, "--save", str(model), "--json", "--quiet"]) == 0
    message = refused(["I like NLP", "--load", str(model), "--reset-after"])
    assert "leave --reset-after out with --load" in message


def test_replay_takes_no_reset_after(tmp_path, refused) -> None:
    trace = tmp_path / "t.jsonl"
    assert main(["I like NLP", *GRU, "--json", "--quiet", "--output", str(trace)]) == 0
    refused(["--replay", str(trace), "--reset-after"], "leave out --reset-after")


def test_compare_cells_runs_its_gru_with_the_reset_after_the_product(capsys) -> None:
    """--compare-cells --reset-after: the GRU of the comparison is torch's; the vanilla RNN and
    the LSTM run as they always do."""
    lines = [json.loads(line) for line in compare_json(capsys, "--reset-after")]
    runs = [line["config"] for line in lines if line["event"] == "run"]
    assert [c.get("cell", "rnn") for c in runs] == ["rnn", "lstm", "gru"]
    assert [c.get("reset_after", False) for c in runs] == [False, False, True]
    assert main(["the blame fades", "--compare-cells", "--reset-after", "--quiet"]) == 0
    assert "GRU (reset after)" in capsys.readouterr().out


def compare_json(capsys, *args: str) -> list[str]:
    capsys.readouterr()
    assert main(["the blame fades", "--compare-cells", *args, "--json", "--quiet"]) == 0
    return capsys.readouterr().out.splitlines()


def test_help_lists_it_in_the_model_panel(capsys) -> None:
    capsys.readouterr()
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    model = text.split("Model")[1].split("Training")[0]
    assert "--reset-after" in model and "nn.GRU" in " ".join(model.split())


def gate_at_previous_step(template: str) -> list[str]:
    """The symbols a label template puts at t − 1 other than the states h and c: a gate is
    computed at t, so r{p} (rₜ₋₁) beside hₜ₋₁ names a number the row does not show."""
    return [m for m in re.findall(r"([A-Za-z̃]+)\{p\}", template) if m not in ("h", "c")]


@pytest.mark.parametrize("form", form_configs(), ids=lambda c: "-".join(map(str, c.values())))
def test_no_label_puts_a_gate_at_the_previous_time_step(form) -> None:
    """Every cell form's labels (forward and backward rows, contributions, ∂L/∂hₜ's part from
    t + 1): only the states hₜ₋₁ and cₜ₋₁ are at t − 1 in one time step's row."""
    cell = make_cell(form)
    templates = [
        *(term.label for term in cell.forward_terms),
        *(term.label for term in cell.backward_terms),
        *cell.symbols.values(),
        cell.next_label,
    ]
    for template in templates:
        assert not gate_at_previous_step(template), template


def test_docs_schema_names_every_field_of_its_events() -> None:
    """docs/schema.md describes the reset-after GRU's parameters and per-step fields."""
    doc = (Path(__file__).parents[2] / "docs" / "schema.md").read_text()
    cell = make_cell({"cell": "gru", "reset_after": True})
    names = [
        *(spec.name for spec in cell.params),
        *(term.key for term in (*cell.forward_terms, *cell.backward_terms)),
        "reset_after",
    ]
    assert [name for name in names if f"`{name}`" not in doc] == []
