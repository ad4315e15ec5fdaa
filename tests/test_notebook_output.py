"""docs/api.ipynb shows only what it teaches. Run cell by cell as tests/test_api.py runs it
(its code cells in order, with plain ``python``, unbuffered so that a child process's output
lands in the cell that started it): each code cell's output is plain text, with no escape
sequence and no U+FFFD of a character cut in two; a cell that does not call ``render`` prints a
few lines of its own, never a run's tables (a subprocess's 50-step trace printed 43,000
characters into the notebook); and every function of the API that its text names is called
in a code cell."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import bptt_trace

NOTEBOOK = Path(__file__).parents[1] / "docs" / "api.ipynb"
MARK = "<<cell {}>>"
FEW = 12
"""Lines a cell may print when it does not render tables."""


def test_each_cell_prints_plain_text_and_only_what_it_shows(tmp_path: Path) -> None:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    script = tmp_path / "notebook.py"
    script.write_text(
        "\n\n".join(f"print({MARK.format(k)!r})\n{source}" for k, source in enumerate(code)),
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-u", str(script)],
        capture_output=True,
        cwd=tmp_path,
        timeout=300,  # a safety net only
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    out = proc.stdout.decode("utf-8")  # strict: a character cut in two fails here
    shown = re.split(r"<<cell \d+>>\n", out)[1:]
    assert len(shown) == len(code)
    for source, text in zip(code, shown, strict=True):
        assert "\x1b" not in text and "\ufffd" not in text, source[:200]
        if "render(" not in source:
            assert len(text.splitlines()) <= FEW, (source[:200], text[:500])


def test_every_function_the_text_names_is_called() -> None:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    named = {name for name in re.findall(r"`(\w+)`", text) if name in bptt_trace.__all__}
    assert {"run", "load_model", "trace_sentence", "render", "compare"} <= named
    for name in named:
        called = re.search(rf"(?<![\w.]){name}\(", code)  # not subprocess.run(
        assert called, f"the text names `{name}`; no cell calls it"
