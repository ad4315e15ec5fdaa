"""The cost of a truncation scheme on a traced step: the same step with and without one, at
(T, H) = (256, 128), as a ratio measured in one process (CPU time, so that other work on the
machine does not count).

    python benchmarks/truncation.py                # every scheme, --loss last and every
    python benchmarks/truncation.py --rounds 5 --cell lstm

A traced step is every event of one step (--steps 1), each turned into its JSON form, as
``--json`` writes them: the forward, output and backward events, the blame and Jacobian norms,
and under a scheme its windows and the ``truncation`` event (the true gradient beside, the
kept terms and the bias against every K = 1 … 256). Exit 1 when a ratio is above 2.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core, as the tests run
os.environ.setdefault("OMP_NUM_THREADS", "1")

from bptt_trace.config import Config
from bptt_trace.trace.loop import run

T, H = 256, 128
LIMIT = 2.0

SCHEMES: dict[str, dict[str, object]] = {
    "--truncate 35": {"truncate": 35},
    "--chunks 35": {"chunks": 35},
    "--chunks 35 --update-every sequence": {"chunks": 35, "update_every": "sequence"},
    "--tbptt 5:35": {"tbptt": (5, 35)},
}


def sentence() -> list[str]:
    """256 tokens of sentences/long.txt's words, repeated."""
    words = "the cat that the dog that the man owned chased sat on the mat".split()
    return [words[i % len(words)] for i in range(T)]


def traced_step(loss: str, scheme: dict[str, object], cell: str = "rnn") -> float:
    """CPU seconds of one traced step's events as JSON."""
    config = Config(hidden=H, loss=loss, steps=1, cell=cell, **scheme)  # type: ignore[arg-type]
    start = time.process_time()
    for event in run([sentence()], config):
        event.to_json()
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cell", default="rnn", choices=("rnn", "lstm", "gru"))
    args = parser.parse_args()
    worst = 0.0
    print(f"{args.cell}, T = {T}, H = {H}; median CPU seconds of {args.rounds} rounds, alternating")
    print(f"{'loss':6} {'scheme':40} {'without':>8} {'with':>8} {'ratio':>6}")
    for loss in ("last", "every"):
        for name, scheme in SCHEMES.items():
            without, with_ = [], []
            for _ in range(args.rounds):  # alternate, so that a slow moment hits both
                without.append(traced_step(loss, {}, args.cell))
                with_.append(traced_step(loss, scheme, args.cell))
            a, b = statistics.median(without), statistics.median(with_)
            worst = max(worst, b / a)
            print(f"{loss:6} {name:40} {a:8.2f} {b:8.2f} {b / a:6.2f}", flush=True)
    print(f"worst ratio {worst:.2f} (limit {LIMIT:g}); load average {os.getloadavg()[0]:.1f}")
    return 0 if worst <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
