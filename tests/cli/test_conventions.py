"""Conventions a CLI user expects: -h and -V, comma-separated --only, and a --help and
--version that load neither NumPy nor the renderers (they are the quickest commands)."""

from __future__ import annotations

from pathlib import Path

import pytest
from clitools import loaded_modules

from bptt_trace.cli.app import main
from bptt_trace.rendering.view_names import VIEWS

ROOT = Path(__file__).parents[2]


def output(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(("short", "long"), [("-h", "--help"), ("-V", "--version")])
def test_the_short_options_are_the_long_ones(short: str, long: str, capsys) -> None:
    assert output([short], capsys) == output([long], capsys)
    assert output([long], capsys)[0] == 0


def test_a_comma_list_of_views_is_the_views_one_by_one(capsys) -> None:
    base = ["I like NLP", "--quiet", "--width", "80"]
    listed = output([*base, "--only", "backward,update"], capsys)
    repeated = output([*base, "--only", "backward", "--only", "update"], capsys)
    spaced = output([*base, "--only", " backward , update,"], capsys)
    assert listed[0] == 0 and listed == repeated == spaced
    assert "Backward pass" in listed[1] and "Forward pass" not in listed[1]


@pytest.mark.parametrize("value", ["nope", "forward,nope", ",", "forward;backward"])
def test_a_view_that_does_not_exist_is_one_line_naming_the_views(value: str, capsys) -> None:
    code, out, err = output(["I like NLP", "--only", value], capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("bptt-trace: error: ")
    assert all(view in err for view in VIEWS)


LIGHT_RENDERING = (
    "bptt_trace.rendering.plain",
    "bptt_trace.rendering.view_names",
    "bptt_trace.rendering.screen_size",
)
"""What --help and --schema may import of the renderers: the views' names, plain text, the
width of the user's terminal (none of them imports Rich or NumPy)."""


def renderers_or_numpy(modules: list[str]) -> list[str]:
    return [
        m
        for m in modules
        if m == "numpy"
        or m.startswith("numpy.")
        or (m.startswith("bptt_trace.rendering.") and m not in LIGHT_RENDERING)
    ]


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["--version"], ["-V"]])
def test_help_and_version_import_neither_numpy_nor_the_renderers_nor_the_engine(
    argv: list[str],
) -> None:
    code, modules = loaded_modules(argv)
    engine = [
        m
        for m in modules
        if m.startswith(("bptt_trace.core.", "bptt_trace.trace."))
        and m != "bptt_trace.core.interrupt"
    ]
    assert (code, renderers_or_numpy(modules), engine) == (0, [], [])


@pytest.mark.parametrize("argv", [["--help"], ["-h"]])
def test_help_imports_neither_rich_nor_typers_rich_help(argv: list[str]) -> None:
    """Typer's Rich help (typer.rich_utils) imports rich.markdown (markdown_it) and
    rich.traceback (pygments) and lays its panels out with Rich's tables: --help is drawn
    without any of Rich."""
    code, modules = loaded_modules(argv)
    heavy = ("rich", "typer.rich_utils", "markdown_it", "pygments")
    assert "bptt_trace.cli.help_screen" in modules  # it did draw our screen
    assert (code, [m for m in modules if m.split(".")[0] in heavy or m in heavy]) == (0, [])


@pytest.mark.parametrize("argv", [["--schema"], ["--schema", "I like NLP", "--hidden", "3"]])
def test_the_schema_imports_neither_numpy_nor_the_renderers(argv: list[str]) -> None:
    """The schema follows from the cells' declarations, which read without NumPy."""
    code, modules = loaded_modules(argv)
    assert "bptt_trace.trace.schema_events" in modules  # it did build the schema
    assert (code, renderers_or_numpy(modules)) == (0, [])


def test_a_run_does_not_import_typers_pydantic_layer() -> None:
    """Typer from 0.29 converts every value through pydantic (about 0.2 s of CPU a run):
    the pin keeps it out, and this says so if a Typer that does comes in."""
    code, modules = loaded_modules(["I like NLP", "--json", "--quiet"])
    assert code == 0
    assert [m for m in modules if m == "pydantic" or m.startswith("typer._adapters")] == []
