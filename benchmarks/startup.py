"""Start-up and rendering, in CPU time, against `python -c "import numpy"` in the same session.

    python benchmarks/startup.py            # prints the figures and splices its section
                                            # ("Start-up and rendering") into BENCHMARKS.md
    python benchmarks/startup.py --render-only   # the rendering figures alone, printed

Each command runs in a fresh process; its CPU time (user + system, of the child, from
``resource.getrusage(RUSAGE_CHILDREN)``) is the best of 9 runs, the commands taken in turn so
that a slow spell of the machine hits every side. Rendering throughput renders the events of
one traced run to an in-memory 80-column console and divides the bytes written by the
process's CPU time (best of 3).

The package's bytecode is compiled first, as ``pip install`` compiles it: under
``PYTHONDONTWRITEBYTECODE`` (or in a source tree that cannot be written) every run would compile
the package's modules from source again, about 0.1 s of CPU that an installed bptt-trace never
spends, and that measures the compiler, not the start-up.
"""

from __future__ import annotations

import compileall
import io
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import splice_section  # noqa: E402  (the benchmarks share one splicer)

TITLE = "Start-up and rendering (CPU time, best of 9, against `import numpy`)"
ROUNDS = 9

COMMANDS = {
    "numpy": [sys.executable, "-c", "import numpy"],
    "--help": [sys.executable, "-m", "bptt_trace", "--help"],
    "--version": [sys.executable, "-m", "bptt_trace", "--version"],
    "--schema": [sys.executable, "-m", "bptt_trace", "--schema"],
    "the default example": [
        sys.executable,
        *("-m", "bptt_trace", "I like NLP", "--lr", "0.001", "--width", "80"),
    ],
}
TARGETS = {"--help": 1.5, "--version": 1.5, "--schema": 1.5, "the default example": 3.0}


def child_cpu(command: list[str]) -> float:
    """The CPU time of one run of ``command`` (its output thrown away)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def startup() -> dict[str, float]:
    compileall.compile_dir(ROOT / "bptt_trace", quiet=1)  # as an installed package has it
    best = {name: float("inf") for name in COMMANDS}
    for command in COMMANDS.values():
        child_cpu(command)  # warm the file cache
    for _ in range(ROUNDS):
        for name, command in COMMANDS.items():
            best[name] = min(best[name], child_cpu(command))
    return best


RENDERED = {
    "the default example": (["I like NLP"], {"lr": 0.001}),
    "LSTM, 8 sentences × 25 tokens, H = 100, 2 steps": (
        [" ".join(f"w{(i * 7 + j) % 40}" for j in range(25)) for i in range(8)],
        {"cell": "lstm", "hidden": 100, "steps": 2, "loss": "every"},
    ),
}


def rendering() -> dict[str, tuple[int, float]]:
    """Bytes of tables and CPU seconds to render them, per traced run of RENDERED."""
    from bptt_trace.config import Config
    from bptt_trace.core.tokens import tokenize
    from bptt_trace.rendering.renderer import make_console, render
    from bptt_trace.trace.loop import run

    out = {}
    for name, (sentences, options) in RENDERED.items():
        events = list(run([tokenize(s) for s in sentences], Config(**options)))
        best, size = float("inf"), 0
        for _ in range(3):
            buffer = io.StringIO()
            console = make_console(file=buffer, width=80, force_terminal=True)
            start = time.process_time()
            render(events, console)
            best = min(best, time.process_time() - start)
            size = len(buffer.getvalue().encode())
        out[name] = (size, best)
    return out


def section(start: dict[str, float], rendered: dict[str, tuple[int, float]]) -> list[str]:
    numpy = start["numpy"]
    lines = [f"## {TITLE}", "", "Made by `python benchmarks/startup.py`.", ""]
    lines.append(f'- `python -c "import numpy"`: {numpy * 1000:.0f} ms of CPU')
    for name, target in TARGETS.items():
        ratio = start[name] / numpy
        verdict = "met" if ratio <= target else "**not met**"
        lines.append(
            f"- `bptt-trace {name}`: {start[name] * 1000:.0f} ms: **{ratio:.2f}×** "
            f"(target ≤ {target:g}×: {verdict})"
            if name.startswith("--")
            else f'- {name} (`bptt-trace "I like NLP" --lr 0.001 --width 80`): '
            f"{start[name] * 1000:.0f} ms: **{ratio:.2f}×** (target ≤ {target:g}×: {verdict})"
        )
    lines += ["", "Rendering to an 80-column console (target ≥ 1 MB/s):", ""]
    for name, (size, seconds) in rendered.items():
        lines.append(
            f"- {name}: {size / 1e6:.2f} MB of tables in {seconds:.2f} s of CPU: "
            f"**{size / 1e6 / seconds:.2f} MB/s**"
        )
    return [*lines, ""]


def main() -> None:
    if "--render-only" in sys.argv[1:]:  # rendering alone, quickly; BENCHMARKS.md untouched
        for name, (size, seconds) in rendering().items():
            print(
                f"{name}: {size / 1e6:.2f} MB in {seconds:.2f} s: {size / 1e6 / seconds:.2f} MB/s"
            )
        return
    start = startup()
    print({name: f"{seconds * 1000:.0f} ms" for name, seconds in start.items()}, flush=True)
    rendered = rendering()
    print(rendered, flush=True)
    lines = section(start, rendered)
    print("\n".join(lines))
    splice_section(lines, TITLE)


if __name__ == "__main__":
    main()
