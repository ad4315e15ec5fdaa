"""Every symbol on the backward table names its time step, the gates' pre-activations too:
∂L/∂a_i₃ on the row of t = 3 as ∂L/∂h₃ is, and Σ ∂L/∂a_gate₄·Wʰ_gateᵀ on the line of what
comes from time step 4, as the vanilla RNN's ∂L/∂a₄·Wʰᵀ. A derivative ∂L/∂X of a bare symbol
without its index is the class of mistake this reads for, in every cell's table.

The tables are a real run's (two ragged sentences, every sentence's tables), read as objects:
each row's t, and each label of its "comes from" column."""

from __future__ import annotations

import re

import pytest
from shown_tables import plain, rows, traced

SUBSCRIPT = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
BARE = re.compile(r"∂L[₀-₉]*/∂((?:ŷ|h̃|[A-Za-z])ʰ?(?:_[A-Za-z]+)?)(?![₀-₉ₜ_A-Za-z])")
"""∂L/∂X of a symbol with no time index after it (∂L/∂a_i, not ∂L/∂a_i₃ nor ∂L/∂(r₃⊙h₂))."""
GATE_INPUT = re.compile(r"(?<![A-Za-zʰ])a_([a-z]+)([₀-₉]*)")
STEP = re.compile(r"from t = (\d+) via")


def labelled_rows(cell: str, loss: str) -> list[tuple[int, str]]:
    """(t, label) of each row of every backward table."""
    tables, _, _ = traced(cell, loss, "backward")
    found = []
    for table in tables:
        if not table.heading.plain.startswith("Backward pass"):
            continue
        t = None
        for cells in rows(table):
            if plain(cells[0]).strip():
                t = int(plain(cells[0]))
            text = plain(cells[2])
            if t is not None and text.strip():
                found.append((t, text))
    return found


@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru", "gru-reset-after"])
def test_each_derivative_on_the_backward_table_names_its_time_step(cell: str, loss: str) -> None:
    found = labelled_rows(cell, loss)
    assert found
    for t, text in found:
        bare = BARE.findall(text)
        assert not bare, f"t = {t}: {text!r} names ∂L/∂{bare[0]} with no time step"


@pytest.mark.parametrize("cell", ["lstm", "gru", "gru-reset-after"])
def test_a_gates_pre_activation_is_at_the_rows_step_or_the_step_it_comes_through(
    cell: str,
) -> None:
    gates = 0
    for t, text in labelled_rows(cell, "every"):
        through = STEP.search(text)
        step = int(through.group(1)) if through else t  # "from t = 5 via the gates: …"
        for gate, index in GATE_INPUT.findall(text):
            gates += 1
            assert index, f"t = {t}: a_{gate} has no time step in {text!r}"
            assert int(index.translate(SUBSCRIPT)) == step, (t, text)
    assert gates > 0


@pytest.mark.parametrize("cell", ["lstm", "gru", "gru-reset-after"])
@pytest.mark.parametrize("width", [80, 120])
def test_the_forward_and_contributions_tables_index_every_gates_pre_activation(
    cell: str, width: int
) -> None:
    """a_i₁ = x₁·W_i + …, i₁ = σ(a_i₁) on the forward table, h₂ᵀ·∂L/∂a_z₃ on the
    contributions: each a_gate carries a time step, and the forward table's the row's."""
    import io

    from bptt_trace import Config, trace_sentence
    from bptt_trace.rendering.renderer import make_console, render

    name = cell.removesuffix("-reset-after")
    extra = {"reset_after": True} if cell != name else {}
    events = list(trace_sentence("the cat sat", Config(cell=name, loss="every", **extra)))
    out = io.StringIO()
    render(events, make_console(file=out, width=width, no_color=True))
    text = out.getvalue()
    forward = text[text.index("Forward pass ·") : text.index("Output")]
    contributions = text[text.index("Contributions of each time step") :]
    contributions = contributions[: contributions.index("\nTime step t adds")]  # its rows
    seen = 0
    for part in (forward, contributions):
        for gate, index in GATE_INPUT.findall(part):
            seen += 1
            assert index, f"a_{gate} has no time step in {part[:200]!r}"
    assert seen
    t = None
    for line in forward.splitlines():  # on the forward table, the row's own step
        first = re.match(r"^ (\d+) ", line)
        t = int(first.group(1)) if first else t
        for _, index in GATE_INPUT.findall(line):
            assert int(index.translate(SUBSCRIPT)) == t, line


@pytest.mark.parametrize(
    "scheme", [["--chunks", "5"], ["--tbptt", "2:4"], ["--truncate", "3"]], ids=lambda a: a[0]
)
@pytest.mark.parametrize("loss", ["last", "every"])
def test_the_lstms_cell_path_says_where_a_scheme_cuts_it_as_the_h_path_does(scheme, loss) -> None:
    """At a window's start the flow from time step t+1 stops on both of the LSTM's paths: the
    cell path ∂L/∂cₜ₊₁ ⊙ fₜ₊₁ carries the same "cut by" line as the h path, at every t
    (its zeros there are the scheme's, not the gates')."""
    import io

    from bptt_trace.cli.app import main

    sentence = " ".join(f"w{i % 7}" for i in range(12))
    out = io.StringIO()
    from contextlib import redirect_stdout

    with redirect_stdout(out):
        args = [sentence, "--cell", "lstm", "--loss", loss, *scheme, "--only", "backward"]
        assert main([*args, "--width", "120", "--no-pager", "--color", "never"]) == 0
    lines = out.getvalue().splitlines()
    notes: dict[str, list[str]] = {"via the gates: ": [], "cell path: ∂L/∂c": []}
    for i, line in enumerate(lines):
        for key, found in notes.items():
            if key in line:
                after = lines[i + 1].strip()
                found.append(after if ("cut by" in after) else "")
    assert notes["cell path: ∂L/∂c"] == notes["via the gates: "]
    assert any(notes["cell path: ∂L/∂c"])  # the scheme cuts somewhere on this sentence
