"""--help (and -h): every parameter of the command Typer builds, under its panel, with its help
and its default as Typer's own Rich help showed them, in lines that fit the width, with
nothing cut; colour only on a terminal; and the README's words about --help hold.

The expectations come from the Click command (``typer.main.get_command``), from Typer's Rich
help drawn in this process, from the README, and from Rich's ``cell_len`` for widths: never
from ``cli/help_screen.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from bptt_trace.cli.app import app, main
from bptt_trace.cli.help_text import EPILOG, HELP

ROOT = Path(__file__).parents[2]
WIDTHS = (60, 80, 120)


def command_params() -> list:
    import typer.main

    command = typer.main.get_command(app)
    ctx = command.make_context("bptt-trace", [], resilient_parsing=True)
    return [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]


def is_argument(param) -> bool:
    return param.param_type_name == "argument"


def expected_panel(param) -> str:
    return getattr(param, "rich_help_panel", None) or (
        "Arguments" if is_argument(param) else "Options"
    )


def row_name(param) -> str:
    """What starts the parameter's row: its first long name, or an argument's placeholder."""
    if is_argument(param):
        return param.metavar or param.name
    return next(name for name in param.opts if name.startswith("--"))


def flat(text: str) -> str:
    """Whitespace-normalised text, with Rich markup's escaped bracket shown as a bracket."""
    return " ".join(text.replace("\\[", "[").split())


def help_at(width: int, monkeypatch, capsys) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.delenv("NO_COLOR", raising=False)
    capsys.readouterr()
    assert main(["--help"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def panels_of(text: str) -> dict[str, str]:
    """Each framed panel's title and its body's text, whitespace-normalised (frames taken off)."""
    found: dict[str, str] = {}
    title, body = None, []
    for line in text.splitlines():
        opened = re.match(r"╭─ (.+?) ─+╮$", line)
        if opened:
            title, body = opened.group(1), []
        elif line.startswith("╰") and title is not None:
            found[title] = " ".join(" ".join(body).split())
            title = None
        elif title is not None:
            assert line.startswith("│ ") and line.endswith(" │"), line
            body.append(line[1:-1])
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_every_parameter_is_in_its_panel_with_its_whole_help(width, monkeypatch, capsys) -> None:
    panels = panels_of(help_at(width, monkeypatch, capsys))
    params = command_params()
    assert set(panels) == {expected_panel(p) for p in params}
    where = dict.fromkeys(panels, 0)  # each panel read in order, row after row
    for param in params:
        text, name = panels[expected_panel(param)], row_name(param)
        start = text.find(name + " ", where[expected_panel(param)])
        assert start >= 0, name
        if param.help:
            said = text.find(flat(param.help), start)
            # between the name and the help: short names, the placeholder or choices only
            assert 0 <= said - start - len(name) <= 40, (name, text[start : start + 200])
            where[expected_panel(param)] = said + len(flat(param.help))
        else:
            where[expected_panel(param)] = start + len(name)


@pytest.mark.parametrize("width", WIDTHS)
def test_no_line_is_wider_than_the_screen_and_every_name_is_whole(
    width, monkeypatch, capsys
) -> None:
    text = help_at(width, monkeypatch, capsys)
    lines = text.splitlines()
    assert max(cell_len(line) for line in lines) == width  # the frames span it, no more
    for param in command_params():
        for name in [*param.opts, *param.secondary_opts]:
            if not is_argument(param):
                assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text), name
        assert any(line.startswith(f"│ {row_name(param)}") for line in lines), row_name(param)


def typers_own_help(monkeypatch, capsys) -> str:
    """The screen Typer's Rich help drew (before ours), 200 columns wide, without colour."""
    import typer.main
    from typer import rich_utils

    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    command = typer.main.get_command(app)
    ctx = command.make_context("bptt-trace", [], resilient_parsing=True)
    capsys.readouterr()
    rich_utils.rich_format_help(obj=command, ctx=ctx, markup_mode="rich")
    return capsys.readouterr().out


def test_the_panels_placeholders_and_defaults_are_those_typer_showed(monkeypatch, capsys) -> None:
    typers = typers_own_help(monkeypatch, capsys)
    ours = help_at(200, monkeypatch, capsys)

    def shown(text: str) -> tuple[list[str], ...]:
        return (
            re.findall(r"╭─ (.+?) ─", text),
            re.findall(r"\[default: [^\]]*\]", text),
            re.findall(r"<[\w|]+>", text),  # choices
            re.findall(r"\[\d+<=x<=\d+\]", text),  # ranges
        )

    theirs = shown(typers)
    theirs[2].remove("<str>")  # the type Typer gave SENTENCE, left out: an argument is text
    assert shown(ours) == theirs
    assert len(shown(ours)[1]) >= 10


def test_the_description_and_the_epilog_are_all_there(monkeypatch, capsys) -> None:
    text = flat(help_at(80, monkeypatch, capsys))
    assert flat(HELP) in text and flat(EPILOG) in text
    assert "ŷ[y]" in text and "\\[" not in text  # Rich markup's escape, shown as Rich did


def test_dash_h_is_dash_dash_help(monkeypatch, capsys) -> None:
    long = help_at(80, monkeypatch, capsys)
    assert main(["-h"]) == 0
    assert capsys.readouterr() == (long, "")


def run_help(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """bptt-trace --help with stdout a pipe and stdin, stderr no terminal."""
    env = {k: v for k, v in env.items() if k not in ("COLUMNS", "NO_COLOR", "FORCE_COLOR")}
    return subprocess.run(
        [sys.executable, "-m", "bptt_trace", "--help"],
        env={**env, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_off_a_terminal_it_is_80_columns_without_colour() -> None:
    proc = run_help(dict(os.environ))
    assert (proc.returncode, proc.stderr) == (0, "")
    assert max(cell_len(line) for line in proc.stdout.splitlines()) == 80
    assert "\x1b" not in proc.stdout


def test_on_a_terminal_it_fits_the_terminal_in_colour_unless_no_color(monkeypatch, capsys) -> None:
    from pty_screen import clean_env, run_on_pty

    session = run_on_pty(["--help"], columns=100)
    assert session.code == 0 and b"\x1b[1m" in session.output  # bold names, on a terminal
    expected = [line.rstrip() for line in help_at(100, monkeypatch, capsys).splitlines()]
    while expected and not expected[-1]:
        expected.pop()
    assert session.lines() == expected  # what the screen shows: the same lines, colour aside
    plain = run_on_pty(["--help"], env=clean_env({"NO_COLOR": "1"}), columns=100)
    assert plain.code == 0 and b"\x1b[" not in plain.output


def test_through_a_pipe_it_fits_the_terminal_the_user_sits_at(monkeypatch, capsys) -> None:
    """``bptt-trace --help | less``: stdout a pipe, stderr the 100-column terminal."""
    from pty_screen import run_on_pty

    piped = f"{sys.executable} -m bptt_trace --help | cat"
    session = run_on_pty(["-c", piped], program=["/bin/sh"], columns=100)
    expected = [line.rstrip() for line in help_at(100, monkeypatch, capsys).splitlines()]
    while expected and not expected[-1]:
        expected.pop()
    assert (session.code, session.lines()) == (0, expected)
    assert b"\x1b[" not in session.output  # no colour into a pipe


def test_the_readmes_table_of_options_is_what_help_lists(monkeypatch, capsys) -> None:
    """README: "`bptt-trace --help` groups the options as below (input, model, training,
    output, display)", then a table of each option with its placeholder."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    claim = re.search(r"`bptt-trace --help` groups the options as below \(([^)]*)\)", readme)
    assert claim is not None
    text = help_at(120, monkeypatch, capsys)
    titles = [t.lower() for t in panels_of(text)]
    named = [name.strip() for name in claim.group(1).split(",")]
    assert [t for t in titles if t in named] == named
    table = readme[claim.end() : readme.index("\n\n", readme.index("| option |", claim.end()))]
    rows = re.findall(r"^\| `([^|]+)` \|", table, flags=re.M)
    assert len(rows) > 30
    lines = text.splitlines()
    for row in rows:
        for cell in row.split("`, `"):
            name, *placeholder = cell.split()
            shown = [line for line in lines if line.startswith(f"│ {name} ")]
            assert len(shown) == 1, cell
            assert all(p in shown[0].split(maxsplit=2)[-1] for p in placeholder), cell


def readme_option_rows() -> set[str]:
    """Every option named in the first cell of a row of the README's table of options."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("| option |")
    table = readme[start : readme.index("\n\n", start)]
    rows = re.findall(r"^\| `([^|]+)` \|", table, flags=re.M)
    return {cell.split()[0] for row in rows for cell in row.split("`, `")}


def test_every_option_help_lists_has_a_row_in_the_readmes_table(monkeypatch, capsys) -> None:
    listed = {
        match.group(1)
        for line in help_at(120, monkeypatch, capsys).splitlines()
        if (match := re.match(r"│ (--[a-z][a-z-]*)", line))
    }
    assert len(listed) > 40
    assert listed - readme_option_rows() == set()


FOREIGN_FLAGS = {
    "--bptt": "PyTorch's word_language_model example",
    "--section": "benchmarks/bench.py",
}
"""Flags the README names that are other programs' (each says whose)."""


def test_every_flag_the_readme_names_is_an_option_of_the_command() -> None:
    import typer.main

    command = typer.main.get_command(app)
    real = {name for p in command.params for name in (*p.opts, *p.secondary_opts)}
    real |= {"--help", "-h"}  # the context's help option
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", readme))
    assert named - real - set(FOREIGN_FLAGS) == set()
    assert set(FOREIGN_FLAGS) <= named  # each still named, or no longer an exception


WORDS = st.text(
    alphabet=st.sampled_from(list("abcde-–αŷ世h\u0303 \n[]")),  # a combining mark, a wide one
    max_size=300,
)


@settings(max_examples=150, deadline=None)
@given(text=WORDS, width=st.integers(1, 70))
def test_wrapping_cuts_nothing_and_keeps_to_the_width(text: str, width: int) -> None:
    """Any words, any width: every line within it (in Rich's cells), every word whole unless
    it alone is wider than the line."""
    from bptt_trace.cli.help_screen import wrap

    lines = wrap(text, width)
    assert all(cell_len(line) <= max(width, 2) for line in lines)
    if all(cell_len(word) <= width for word in text.split()):
        assert " ".join(lines).split() == text.split()
    else:
        assert "".join("".join(lines).split()) == "".join(text.split())
