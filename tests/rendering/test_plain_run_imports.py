"""A plain run (the default example) imports only what it shows: not the views of other modes
(--check, a truncation scheme's table and window updates, a training run's loss curve and
predictions), not --export's writers (html, the atomic writer), and not Rich's table
of emoji (which Rich loads to parse a string for emoji codes: the titles are Texts). Each of
these is imported where it is first needed, which the other tests of those modes exercise."""

from __future__ import annotations

from clitools import loaded_modules

NOT_IMPORTED = [
    "html",
    "rich._emoji_codes",
    "bptt_trace.files.atomic",
    "bptt_trace.rendering.exports",
    "bptt_trace.rendering.check",
    "bptt_trace.rendering.truncation",
    "bptt_trace.rendering.window_update",
    "bptt_trace.rendering.training",
    "bptt_trace.rendering.predictions",
]


def test_the_default_example_imports_no_view_it_does_not_show() -> None:
    code, modules = loaded_modules(
        ["I like NLP", "--lr", "0.001", "--width", "80", "--color", "always"]
    )
    assert code == 0
    assert "bptt_trace.rendering.update" in modules  # it did draw the tables
    assert sorted(m for m in NOT_IMPORTED if m in modules) == []


def test_a_training_run_with_a_check_and_a_scheme_imports_the_views_it_shows() -> None:
    """The counterpart: the lazily imported views are there when a run shows them."""
    argv = ["a b c d", "--steps", "2", "--check", "--chunks", "2", "--width", "80"]
    code, modules = loaded_modules(argv)
    assert code == 0
    shown = ["bptt_trace.rendering.check", "bptt_trace.rendering.training"]
    shown += ["bptt_trace.rendering.truncation", "bptt_trace.rendering.window_update"]
    assert sorted(m for m in shown if m not in modules) == []
