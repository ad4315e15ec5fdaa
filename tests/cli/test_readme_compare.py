"""The README's "Check your own BPTT" example, run as written: its script, then its command,
whose output is the block the README shows (at the 100 columns the README is written for)."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

from bptt_trace.cli.app import main

README = Path(__file__).parents[2] / "README.md"


def test_the_readme_example_prints_what_the_readme_shows(tmp_path, capsys, monkeypatch) -> None:
    text = README.read_text(encoding="utf-8")
    script = re.search(r"```python\n(# my_bptt\.py.*?)```", text, re.S)
    shown = re.search(r"```\n\$ python my_bptt\.py && (bptt-trace .*?)\n(.*?)```", text, re.S)
    assert script and shown
    (tmp_path / "my_bptt.py").write_text(script.group(1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")
    runpy.run_path(str(tmp_path / "my_bptt.py"))
    command = shown.group(1).split()
    assert command[:2] == ["bptt-trace", '"I']  # the sentence in quotes, as a shell has it
    args = [" ".join(command[1:4]).strip('"'), *command[4:]]
    capsys.readouterr()
    code = main(args)
    out = capsys.readouterr().out
    assert code == 1
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines == [line.rstrip() for line in shown.group(2).splitlines()]


def test_every_flag_the_section_names_is_real() -> None:
    from typer.main import get_command

    from bptt_trace.cli.app import app

    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Check your own BPTT") : text.index("## Comparing two traces")]
    flags = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", section))
    names = {name for p in get_command(app).params for name in getattr(p, "opts", [])}
    assert {"--grads-transposed", "--reset-after", "--layout", "--cell"} <= flags
    assert flags <= names, flags - names
