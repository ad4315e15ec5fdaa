"""The update table's note on changes too small to show: the --precision it suggests shows
the change, and is never past the range --precision accepts."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bptt_trace.cli.app import main
from bptt_trace.config import MAX_PRECISION
from bptt_trace.rendering.precision_advice import advice

SUGGESTED = re.compile(r"--precision (\d+) shows it")


@given(st.floats(min_value=5e-324, max_value=0.5, allow_subnormal=True))
def test_the_suggested_precision_shows_the_change_or_says_none_can(change: float) -> None:
    text = advice(change)
    found = SUGGESTED.search(text)
    if found is None:
        assert f"Even --precision {MAX_PRECISION} does not show it" in text
        assert change < 0.5 * 10.0**-MAX_PRECISION  # indeed: it rounds away at 17 decimals
        return
    decimals = int(found.group(1))
    assert decimals <= MAX_PRECISION
    assert change >= 0.5 * 10.0**-decimals  # it shows at that many decimals: no note there
    assert decimals == 0 or change < 0.5 * 10.0 ** -(decimals - 1)  # and not at one fewer


def test_no_change_at_all_is_said_so() -> None:
    assert "--precision" not in advice(0.0) and "same floats" in advice(0.0)


def test_the_edges_of_the_range() -> None:
    assert "--precision 17 shows it" in advice(0.5e-17)
    assert "Even --precision 17" in advice(0.49e-17)
    assert "--precision 5 shows it" in advice(0.5e-5) and "--precision 6" in advice(0.49e-5)


def test_the_command_line_never_suggests_a_precision_it_refuses(capsys, refused) -> None:
    for lr in ("1e-30", "1e-12", "1e-300"):
        capsys.readouterr()
        assert main(["I like NLP", "--lr", lr, "--color", "never"]) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert "old and new look alike" in out
        for decimals in re.findall(r"--precision (\d+)", out):
            assert int(decimals) <= MAX_PRECISION
            capsys.readouterr()
    refused(["I like NLP", "--precision", str(MAX_PRECISION + 1)], "from 0 to 17")
