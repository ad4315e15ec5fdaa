""" "step" means one thing: the training step (Forward pass · step 1, after step 2 of 3). A time
index is a "time step" or "t = 4": "+ from t = 4 via Wʰ", "contribution of time step t",
"Time step t adds …", "∂L/∂h₂ from time step 3". The class of bug: a label, caption, note,
formula panel or exercise rule that says "step" followed by a time index (step 4, step t,
steps t=1 + t=2, step {next}), in any cell's traced step, under any scheme, --check and
--compare-cells. Read from the printed text with its lines joined (a label wrapped between
"time" and "step" is still one phrase), and from every exercise rule's words, spelled out."""

from __future__ import annotations

import re

import pytest

from bptt_trace.cli.app import main
from bptt_trace.core.cells import make_cell
from bptt_trace.trace.exercise import spell
from bptt_trace.trace.exercise_gated import gated_rules
from bptt_trace.trace.exercise_params import param_rules, update_rules
from bptt_trace.trace.exercise_rules import cell_rules

TRAINING_STEPS = {"1"}
"""The runs below are of --steps 1: the only training step a text may name by number."""

TIME_INDEX = re.compile(
    r"(?<![Tt]ime )(?<![A-Za-z])[Ss]teps? (?:[tTksj](?![a-z])|\{|[₀-₉]|t\+|([0-9]+)(.{0,3}))"
)
""""step" (not "time step") before a time index: a letter standing for one (t, T, k, s, j), a
template's brace, a subscript, or a number; a number may be the training step's, followed by
" ·", " of", ")" or the end, as in "Forward pass · step 1 · sentence 1"."""

TRAINING_AFTER = re.compile(r"^(?: ·| of|\)|;|,|:|$)")

SENTENCE = "the cat sat on mats"

CELLS = [
    ["--cell", "rnn"],
    ["--cell", "lstm"],
    ["--cell", "gru"],
    ["--cell", "gru", "--reset-after"],
]
OPTIONS = [
    [],
    ["--loss", "every", "--truncate", "2"],
    ["--loss", "every", "--chunks", "2"],
    ["--tbptt", "1:2", "--update-every", "sequence"],
    ["--check"],
]


def joined(text: str) -> str:
    """The printed text as one line of words: the boxes' edges gone, lines joined."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def offences(text: str) -> list[str]:
    """Each "step" followed by a time index in ``text``, with what follows it."""
    found = []
    for m in TIME_INDEX.finditer(text):
        number, after = m.group(1), m.group(2) or ""
        if number in TRAINING_STEPS and TRAINING_AFTER.match(after):
            continue  # the training step, named as one
        found.append(text[max(0, m.start() - 30) : m.end() + 20])
    return found


def printed(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main([SENTENCE, *args, "--color", "never", "--no-pager", "--quiet"])
    assert code == 0, capsys.readouterr().err
    return capsys.readouterr().out


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: " ".join(o) or "full BPTT")
@pytest.mark.parametrize("cell", CELLS, ids=lambda c: " ".join(c[1:]))
def test_no_label_of_a_traced_step_says_step_for_a_time_step(
    capsys: pytest.CaptureFixture[str], cell: list[str], options: list[str]
) -> None:
    text = joined(printed(capsys, *cell, *options, "--width", "80"))
    assert "Forward pass · step 1 · sentence 1" in text  # the training step keeps its word
    assert "time step" in text
    assert offences(text) == []


def test_nor_does_compare_cells_or_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--compare-cells"], ["--detail", "summary", "--hidden", "5"]):
        text = joined(printed(capsys, *args, "--width", "120"))
        assert offences(text) == [], args


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru", "gru-reset-after"])
def test_no_exercise_rule_says_step_for_a_time_step(cell: str) -> None:
    """Every rule's label and formula, its inputs' labels and its mistakes' words, at t = 2."""
    made = make_cell(
        {"cell": cell.removesuffix("-reset-after"), "reset_after": cell.endswith("-after")}
    )
    rules = [
        *cell_rules(made.name, "tanh"),
        *gated_rules(made),
        *param_rules(made),
        *update_rules([(s.name, s.symbol) for s in made.params]),
    ]
    assert rules
    for rule in rules:
        words = [rule.label, rule.formula, *(i.label for i in rule.inputs)]
        words += [m.words for m in rule.mistakes]
        for template in words:
            text = spell(template, 2, label="X")
            assert offences(text) == [], (rule.field, text)


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("+ step 4 through Wʰ: ∂L/∂a₄·Wʰᵀ", True),
        ("Step t adds ∂L/∂aₜ to ∂L/∂b", True),
        ("∂L/∂h₂ from step 3", True),
        ("Σ contributions of steps t=1 + t=2 + t=3", True),
        ("(‖contribution of step t‖) · step 1 · sentence 1", True),
        ("through step {next}'s gates", True),
        ("f′ of step t + 1", True),
        ("Forward pass · step 1 · sentence 1", False),
        ("interrupted after step 1 of 3", False),
        ("+ from t = 4 via Wʰ: ∂L/∂a₄·Wʰᵀ", False),
        ("Time step t adds ∂L/∂aₜ", False),
        ("contribution of time step t · step 1 · sentence 1", False),
        ("the update rule, with this step's numbers", False),
    ],
)
def test_the_reading_tells_a_time_index_from_the_training_step(text: str, bad: bool) -> None:
    assert bool(offences(text)) == bad
