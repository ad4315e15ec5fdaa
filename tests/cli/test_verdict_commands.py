"""The README's three commands that show the Jacobian verdicts, run as written there (the lines
of the ```sh block after <!-- verdicts -->, through bash, with --json added to read the trace):
each one's verdict word and ‖∂h_T/∂h₁‖₂ in its comment must be what its `jacobians` event says,
and --init-scale must be what takes the same sentence from one verdict to another."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
CLAIM = re.compile(r"# (vanishing|stable|exploding): ‖∂h(\S+)/∂h₁‖₂ = (\S+)$")


def verdict_lines() -> list[str]:
    """The lines of the first ```sh block after the marker, as .ci/run reads its blocks."""
    lines = README.read_text().splitlines()
    start = lines.index("<!-- verdicts -->") + 1
    assert lines[start] == "```sh"
    end = lines.index("```", start + 1)
    return lines[start + 1 : end]


def run_line(line: str) -> list[dict]:
    """The README line through bash, from the repository's root, bptt-trace being this
    checkout's (python -m bptt_trace), with --json added before its comment."""
    command = line.split("  #", 1)[0].rstrip()
    shim = f'bptt-trace() {{ "{sys.executable}" -m bptt_trace "$@"; }}'
    proc = subprocess.run(
        ["bash", "-c", f"{shim}\n{command} --json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(x) for x in proc.stdout.splitlines()]


def test_the_readme_shows_each_verdict_with_the_command_that_gives_it() -> None:
    lines = verdict_lines()
    assert len(lines) == 3 and all(line.startswith("bptt-trace ") for line in lines)
    claimed = []
    for line in lines:
        verdict, subscript, norm = CLAIM.search(line).groups()
        events = run_line(line)
        jacobians = [e for e in events if e["event"] == "jacobians"]
        assert len(jacobians) == 1, line
        event = jacobians[0]
        assert event["verdict"] == verdict, (line, event["verdict"])
        assert event["first"] == 1 and len(event["norms"]) == len(events[0]["sentences"][0])
        assert subscript == "₃₆" and len(events[0]["sentences"][0]) == 36
        assert f"{event['end_to_end']:.2g}" == f"{float(norm):.2g}", (line, event["end_to_end"])
        claimed.append(verdict)
        if "--init-scale" in line:  # the scale is in the trace's config, the rest is default
            scale = float(line.split("--init-scale", 1)[1].split()[0])
            assert events[0]["config"]["init_scale"] == scale
        else:
            assert "init_scale" not in events[0]["config"]
    assert claimed == ["vanishing", "stable", "exploding"]
