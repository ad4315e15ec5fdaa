"""The schemes' words: a count of 1 takes the singular wherever a scheme is described (the
header, the truncation table, the compare verdict's words come from the same rule), and
``--only truncation`` is a view of its own: the truncation table and its bias against K,
listed in --help; ``--only blame`` still shows them beside the blame matrix."""

from __future__ import annotations

import re

import pytest

from bptt_trace.cli.app import main

SENTENCE = ["I like NLP", "--width", "100", "--color", "never", "--no-pager"]


def printed(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main([*SENTENCE, *args]) == 0
    return " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    "scheme",
    [["--chunks", "1"], ["--tbptt", "1:1"], ["--truncate", "1"], ["--tbptt", "1:2"]],
)
def test_a_count_of_one_is_singular_in_every_view(scheme, capsys):
    text = printed([*scheme, "--loss", "every"], capsys)
    assert not re.search(r"(?<![\d.,])1 (steps|losses|windows|chunks)\b", text)
    assert "1 loss flows" in text or scheme[0] != "--tbptt"
    assert "1 step" in text


def test_only_truncation_shows_the_truncation_table_and_its_bias_and_nothing_else(capsys):
    text = printed(["--chunks", "2", "--loss", "every", "--only", "truncation"], capsys)
    assert "Truncation · step 1 · --chunks 2" in text and "Bias against K" in text
    assert "Kept terms" in text
    for other in ("Forward pass", "Backward pass", "Blame", "Vanishing or exploding"):
        assert other not in text, other


def test_only_blame_still_shows_the_truncation_table(capsys):
    text = printed(["--chunks", "2", "--loss", "every", "--only", "blame"], capsys)
    assert "Truncation · step 1 · --chunks 2" in text and "Bias against K" in text


def test_help_lists_truncation_among_the_views(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    capsys.readouterr()
    assert main(["--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    views = re.search(r"Show only these views \(([^)]*)\)", text)
    assert views is not None and "truncation" in views.group(1).split(", ")


def test_the_readme_lists_the_truncation_view():
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| `--only VIEW`"))
    assert "`truncation`" in row


@pytest.mark.parametrize("k1, k2", [(1, 1), (1, 2), (2, 2), (2, 5)])
def test_the_compare_verdicts_scheme_words_are_singular_for_one(k1, k2):
    from bptt_trace.core.truncation import Scheme
    from bptt_trace.usercode.schemes import flag_text
    from bptt_trace.usercode.variants import truncated

    texts = [flag_text(Scheme(kind, k1, k1 if kind != "tbptt" else k2)) for kind in KINDS]
    texts += [v.implied for v in truncated(4, lambda **knobs: knobs)]
    for text in texts:
        assert not re.search(r"(?<![\d.,])1 (steps|losses)\b", text), text
        assert not re.search(r"(?<![\d.,])([2-9]|\d\d+) (step|loss)\b", text), text


KINDS = ("truncate", "chunks", "tbptt")
