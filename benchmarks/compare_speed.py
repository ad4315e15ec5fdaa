"""The cost of --compare on the README's example ("Check your own BPTT": a hand-written BPTT of
"I like NLP" with one mistake), in CPU time per comparison, and its ratio to a reference run in
the same session: the trace's own forward and backward pass on the same input, and optionally
the --compare of another checkout of the package (a version before a change).

    python benchmarks/compare_speed.py                    # this checkout
    python benchmarks/compare_speed.py --against ../old   # and an older checkout, alternately

Each measurement runs in a fresh process (so that neither version's imports are shared) and
takes the median of 5 rounds of 100 comparisons of the process's CPU time.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MEASURE = """
import sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
from bptt_trace.files.user_bptt import compare_arrays
from bptt_trace.core.batch import make_batch
from bptt_trace.core.bptt import backward, forward
from bptt_trace.core.cells.rnn import VanillaRNN
w = dict(np.load("my_weights.npz")); g = dict(np.load("my_grads.npz"))
p = {k: w[k] for k in ("W", "W_h", "b", "V", "b_output")}
batch = make_batch([[0, 1, 2]], 3, "last")
def compare(): compare_arrays(w, g, "I like NLP")
def engine(): backward(VanillaRNN(), p, batch, forward(VanillaRNN(), p, batch))
for name, f in (("compare", compare), ("engine", engine)):
    f()
    rounds = []
    for _ in range(5):
        t = time.process_time()
        for _ in range(100): f()
        rounds.append((time.process_time() - t) / 100)
    rounds.sort()
    print(name, rounds[2])
"""


def measure(checkout: Path, work: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(checkout)], cwd=work, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return {
        name: float(value)
        for name, value in (line.split() for line in out.stdout.split("\n") if line)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout of the package")
    args = parser.parse_args()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    script = re.search(r"```python\n(# my_bptt\.py.*?)```", readme, re.S)
    assert script, "the README has no my_bptt.py"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "my_bptt.py").write_text(script.group(1), encoding="utf-8")
        subprocess.run([sys.executable, "my_bptt.py"], cwd=work, check=True)
        here, there = [], []
        for _ in range(3):  # alternately, so that the machine's load falls on both alike
            here.append(measure(ROOT, work))
            if args.against:
                there.append(measure(args.against.resolve(), work))
    ms = statistics.median(r["compare"] for r in here) * 1e3
    ratio = statistics.median(r["compare"] / r["engine"] for r in here)
    print(f"--compare on the README example: {ms:.2f} ms CPU, {ratio:.1f}× the engine's own pass")
    if args.against:
        old = statistics.median(r["compare"] for r in there) * 1e3
        rel = statistics.median(
            a["compare"] / b["compare"] for a, b in zip(here, there, strict=True)
        )
        print(
            f"against {args.against}: {old:.2f} ms CPU there; "
            f"this checkout takes {rel:.2f}× its time"
        )


if __name__ == "__main__":
    main()
