"""Labels that say what their number is (a label that misdescribes its number is a wrong
answer), each on real traces of "I like NLP" with the exact text a reader sees, the numbers
from independent computations (tests/oracles.py, NumPy on the trace's parameters):

- the norms ‖contribution of time step t‖ are called contributions, not shares (they do not
  add to 1), in the tables, the README and the JSON docs;
- the forward table names hₜ at its row's t (h₂ = tanh(a₂)), as the rows above it are named;
- σ is defined where the gated cells' equations use it, and --init-scale's spread is not σ;
- the gated cells' verdict says why one gate's recurrent matrix is shown;
- a written sum in the update panel adds up as written, or says that its total is the sum of
  the unrounded terms;
- a summarised all-zero matrix says "all zero", and a running sum --detail summary did not
  keep says so (not "too large" for a 4×4)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from oracles import cell_states

from bptt_trace import trace_sentence
from bptt_trace.config import Config
from bptt_trace.rendering.renderer import TraceRenderer, make_console
from bptt_trace.rendering.theme import fmt, subscript, summary_text
from bptt_trace.trace.loop import run
from bptt_trace.trace.summary import summarize

ROOT = Path(__file__).parents[2]
SENTENCE = "I like NLP"
CELLS = {
    "rnn": {},
    "lstm": {"cell": "lstm"},
    "gru": {"cell": "gru"},
    "gru-reset-after": {"cell": "gru", "reset_after": True},
}
STATE = {  # the row that shows hₜ, at time step t (p: t − 1), as the equations write it
    "rnn": "h{t} = tanh(a{t})",
    "lstm": "h{t} = o{t} ⊙ tanh(c{t})",
    "gru": "h{t} = z{t} ⊙ h{p} + (1 − z{t}) ⊙ h̃{t}",
    "gru-reset-after": "h{t} = (1 − z{t}) ⊙ h̃{t} + z{t} ⊙ h{p}",
}


def shown(events: list, views: list[str] | None, width: int) -> str:
    """The tables of ``views`` (every view when None), as printed at ``width`` columns."""
    out = io.StringIO()
    console = make_console(file=out, width=width, no_color=True)
    renderer = TraceRenderer(4, only=views)
    for event in events:
        for part in renderer.feed(event):
            console.print(part)
    for part in renderer.close():
        console.print(part)
    return out.getvalue()


def traced(cell: str = "rnn", **options: object) -> list:
    return list(trace_sentence(SENTENCE, Config(**{**CELLS[cell], **options})))  # type: ignore[arg-type]


def params(events: list) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=float) for k, v in events[1].params.items()}


def vec(values: np.ndarray) -> str:
    return "[" + " ".join(fmt(float(v), 4) for v in values) + "]"


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("width", [80, 60])
def test_the_forward_tables_state_row_is_named_at_its_time_step(cell: str, width: int) -> None:
    """Stacked under = a₃ (or below it, narrower), hₜ's row is h₃ = …(a₃), its number h₃."""
    events = traced(cell)
    ids = [events[0].vocab.index(w) for w in SENTENCE.split()]
    states = cell_states(cell, params(events), ids)
    lines = [line.rstrip() for line in shown(events, ["forward"], width).splitlines()]
    assert not [line for line in lines if line.lstrip().startswith("hₜ =")]
    for t in range(1, len(ids) + 1):
        name = STATE[cell].format(t=subscript(t), p=subscript(t - 1))
        at = [i for i, line in enumerate(lines) if line.lstrip().startswith(name)]
        assert len(at) == 1, (name, lines)
        line = lines[at[0]]
        value = line[line.index("[") :] if "[" in line else lines[at[0] + 1].strip()
        assert value == vec(states[t][0]), (name, value)


def test_the_forward_tables_state_column_keeps_its_general_heading_when_wide() -> None:
    lines = shown(traced(), ["forward"], 200).splitlines()
    assert lines[2].split() == ["t", "xₜ", "term", "value", "hₜ", "=", "tanh(aₜ)"]


def test_the_contributions_norms_are_called_so_in_the_tables_readme_and_docs() -> None:
    events = traced(loss="every")
    text = shown(events, ["blame"], 200)
    heading = (
        "Each time step's contribution to each gradient, ‖contribution of time step t‖ · "
        "step 1 · sentence 1"
    )
    assert heading in text.splitlines()
    assert "share" not in text.lower()
    blame = next(e for e in events if e.kind == "blame")
    row = next(line for line in text.splitlines() if line.startswith(" b_output "))
    norms = [float(x) for x in row.split()[1:]]
    np.testing.assert_allclose(norms, blame.shares["b_output"], rtol=1e-1)
    assert abs(sum(norms) - 1) > 0.1  # norms: they need not add to 1
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "each time step's contribution to each parameter's gradient, in norm" in readme
    assert "step's share" not in readme and "the shares)" not in readme
    schema = (ROOT / "docs" / "schema.md").read_text()
    row = next(line for line in schema.splitlines() if line.startswith("| `shares` |"))
    assert "‖contribution of time step t‖" in row and "need not add to 1" in row


SIGMOID = "σ is the logistic sigmoid, σ(a) = 1/(1 + e^(−a)), entry by entry"


@pytest.mark.parametrize("cell", list(CELLS))
def test_sigma_is_defined_once_where_the_equations_use_it(cell: str) -> None:
    text = shown(traced(cell, init_scale=3.0), None, 100)
    lines = [line.strip("│ ") for line in text.splitlines()]
    header = lines[: lines.index(next(line for line in lines if line.startswith("╰")))]
    uses = [line for line in header if "σ(" in line and line != SIGMOID]
    assert header.count(SIGMOID) == (1 if uses else 0), header
    if uses:  # below the equations, above the logits and the target
        assert header.index(uses[-1]) < header.index(SIGMOID) == len(header) - 3
    scale = next(line for line in header if line.startswith("--init-scale"))
    assert scale == (
        "--init-scale 3: initial weights ×3, standard deviation 0.75, biases not scaled"
    )  # 3·0.5/√4: a spread, not the σ of the equations


@pytest.mark.parametrize(
    ("cell", "matrix", "why"),
    [
        (
            "lstm",
            ("W_h_f", "Wʰ_f"),
            "the forget gate's recurrent matrix (shown as that of the gate that decides what "
            "the cell path keeps; the norms above are the whole state's, through all four gates)",
        ),
        (
            "gru",
            ("W_h_z", "Wʰ_z"),
            "the update gate's recurrent matrix (shown as that of the gate that decides what "
            "hₜ₋₁ passes on unchanged; the norms above are the whole state's, through every gate)",
        ),
    ],
)
def test_the_gated_verdict_says_why_it_shows_one_gates_matrix(
    cell: str, matrix: tuple[str, str], why: str
) -> None:
    events = traced(cell)
    W = params(events)[matrix[0]]
    sigma = np.linalg.svd(W, compute_uv=False)[0]
    radius = np.max(np.abs(np.linalg.eigvals(W)))
    text = " ".join(shown(events, ["jacobians"], 100).split())
    said = f"{matrix[1]}, {why}: largest singular value {sigma:.4g}, spectral radius {radius:.4g}."
    assert said in text


def test_the_rnns_verdict_names_its_one_matrix_alone() -> None:
    events = traced()
    W = params(events)["W_h"]
    sigma = np.linalg.svd(W, compute_uv=False)[0]
    text = " ".join(shown(events, ["jacobians"], 100).split())
    assert f"a time step. Wʰ: largest singular value {sigma:.4g}, spectral radius" in text


def test_the_update_panel_says_why_its_sum_is_not_what_the_rounded_terms_add_to() -> None:
    """The tryout's case: (+0.0000) + (-0.0173) + (-0.0826) adds to -0.0999, and the update
    uses -0.0998, the sum of the unrounded terms: the line says so."""
    events = traced(lr=0.001)
    backward = sorted((e for e in events if e.kind == "backward"), key=lambda e: e.t)
    terms = [np.outer(e.terms["h_prev"], e.terms["da"])[2, 1] for e in backward]  # Wʰ[3, 2]
    assert [fmt(v, 4) for v in terms] == ["+0.0000", "-0.0173", "-0.0826"]
    assert fmt(sum(float(fmt(v, 4)) for v in terms), 4) == "-0.0999"
    assert fmt(sum(terms), 4) == "-0.0998"
    lines = [line.strip("│ ") for line in shown(events, ["formulas"], 120).splitlines()]
    assert "= (+0.0000) + (-0.0173) + (-0.0826) = -0.0998 (summed before rounding the terms)" in (
        lines
    )
    assert "Wʰ[3, 2] ← +0.0235 − 0.001 × (-0.0998) = +0.0236" in lines
    assert "= (-0.0437) + (-0.1089) + (-0.2846)" in lines  # adds up as written: no total


NUMBER = r"[+-]\d+\.\d+(?:e[+-]\d+)?"


def added_as_written(written: str) -> float:
    """What a reader adding the printed numbers of "(a) + (b: what)" gets; "(1/B)·(…) + (c)"
    divides the group by B."""
    mean = re.match(r"\(1/(\d+)\)·\(", written)
    if mean is None:
        return sum(float(x) for x in re.findall(rf"\(({NUMBER})[):]", written))
    depth, at = 1, mean.end()
    while depth:  # the group's closing parenthesis
        depth += {"(": 1, ")": -1}.get(written[at], 0)
        at += 1
    inside, rest = written[mean.end() : at - 1], written[at:]
    return added_as_written(inside) / int(mean[1]) + added_as_written(rest)


TWO = [["the", "cat", "sat", "on", "the", "mat"], ["a", "cat", "sat"]]


@pytest.mark.parametrize(
    ("corpus", "options"),
    [
        (TWO[:1], {"lr": 0.001}),
        (TWO[:1], {"cell": "lstm"}),
        (TWO[:1], {"cell": "gru", "loss": "every"}),
        (TWO[:1], {"loss": "every", "hidden": 6, "seed": 3}),
        (TWO[:1], {"cell": "lstm", "loss": "every", "clip": 0.1}),
        (TWO, {"loss": "every"}),
        (TWO, {"cell": "gru", "seed": 5}),
    ],
    ids=str,
)
def test_every_written_sum_adds_up_as_written_or_says_it_was_summed_unrounded(
    corpus: list[list[str]], options: dict
) -> None:
    """The class: each "= (a) + (b) + …" line of the panel (per time step, per loss, with the
    1/B of several sentences), added as a reader adds the numbers it prints, gives the gradient
    the update line uses; where it does not, the line ends with "= g (summed before rounding
    the terms)"."""
    events = list(run(corpus, Config(**options)))  # type: ignore[arg-type]
    lines = [line.strip("│ ") for line in shown(events, ["formulas"], 400).splitlines()]
    checked = 0
    for i, line in enumerate(lines):
        if not line.startswith("= (") or " × " in line:
            continue
        update = next(x for x in lines[i + 1 :] if " ← " in x and " × (" in x)
        gradient = re.findall(rf"× \(({NUMBER})\) =", update)[-1]
        written = line.split(" = ")[0].removeprefix("= ")
        ends = line[len("= " + written) :]
        if fmt(added_as_written(written), 4) == gradient:
            assert ends in ("", f" = {gradient}"), line
        else:
            assert ends == f" = {gradient} (summed before rounding the terms)", line
        checked += 1
    assert checked >= 2


def test_an_all_zero_summary_says_so_and_names_no_largest_entry() -> None:
    assert summary_text(summarize(np.zeros((4, 4))), 4).plain == "‖·‖ = 0 · 4×4 · all zero"
    some = np.zeros((4, 4))
    some[2, 1] = -0.0173
    assert summary_text(summarize(some), 4).plain.endswith("· largest: [3,2] -0.0173")  # no 0s


def test_under_detail_summary_a_running_sum_is_not_kept_not_too_large() -> None:
    """ "I like NLP" --detail summary --only contributions: Wʰ's contribution at t = 1 is
    h₀ᵀ·∂L/∂a₁ = 0 (all zero); the 4×4 running sums are not kept at this detail."""
    text = " ".join(shown(traced(detail="summary"), ["contributions"], 80).split())
    assert "too large" not in text
    assert text.count("— not kept under --detail summary (it summarises every matrix)") == 6
    assert "‖·‖ = 0 · 4×4 · all zero" in text
    assert "largest: [1,1] +0.0000" not in text


def test_a_running_sum_too_large_to_follow_is_still_called_so() -> None:
    """At --detail auto a running sum is left out past 1,024 entries: Wʰ of H = 40."""
    text = " ".join(shown(traced(hidden=40), ["contributions"], 60).split())
    assert "— too large to follow; the gradients have the totals" in text
    assert "not kept under" not in text
