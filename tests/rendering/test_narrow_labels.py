"""At a narrow width no label is cut: every symbol-bearing word of the tables laid out wide
(∂L/∂hₜ, rₜ⊙hₜ₋₁, Wʰ_z …) is somewhere, whole, in the tables laid out narrow, for the GRU in
both its forms, whose backward labels are the longest; and the rule above the update keeps
its whole title (Rich's Rule would cut it with an ellipsis)."""

import io
import re

import pytest
from rich.cells import cell_len

from bptt_trace.config import Config
from bptt_trace.core.tokens import tokenize
from bptt_trace.rendering.renderer import make_console, render
from bptt_trace.trace.loop import run

SENTENCE = "one two three four five six seven eight nine ten eleven twelve"
SYMBOLIC = re.compile(r"[∂ʰ⊙₀-₉ₜ]")


def shown(events: list, width: int) -> str:
    out = io.StringIO()
    render(events, make_console(file=out, width=width, no_color=True))
    return out.getvalue()


@pytest.fixture(scope="module", params=[False, True], ids=["gru", "gru-reset-after"])
def events(request: pytest.FixtureRequest) -> list:
    return list(run([tokenize(SENTENCE)], Config(cell="gru", reset_after=request.param)))


@pytest.mark.parametrize("width", [60, 80])
def test_every_label_is_whole_at_a_narrow_width(events: list, width: int) -> None:
    narrow, wide = shown(events, width), shown(events, 400)
    assert all(cell_len(line) <= width for line in narrow.splitlines())
    words = set(narrow.split())
    symbolic = [w for w in dict.fromkeys(wide.split()) if SYMBOLIC.search(w)]
    assert [w for w in symbolic if w not in words] == []
    # the longest labels (cut at 60 columns once), whole in the order of their words
    labels = [line.split("[")[0].strip() for line in wide.splitlines() if "directly:" in line]
    assert labels
    flowing = " ".join(narrow.split())
    assert [label for label in labels if " ".join(label.split()) not in flowing] == []


def test_the_update_rule_keeps_its_title_at_60_columns(events: list) -> None:
    narrow = " ".join(shown(events, 60).split())
    assert "update every parameter by gradient descent" in narrow
    assert "gradien…" not in narrow
