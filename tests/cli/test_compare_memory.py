"""--compare refuses, from the files' headers, a comparison that would not fit in memory; its
estimate grows with the model at least as fast as the comparison's measured peak does (the
peak resident memory of the real program, read from ``RUSAGE_CHILDREN``, at two sizes: the
difference leaves out what every process holds, the interpreter and its libraries). The
estimate was half the peak: an LSTM of H = 2500 in the torch layout at float32 was admitted
and ended in a MemoryError under a 1.5 GB cap."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from clitools import ENV

from bptt_trace.cli.compare import COMPARE_COPIES, compare_bytes
from bptt_trace.cli.memory_checks import MAX_RUN_BYTES
from bptt_trace.core.cells import make_cell

GATES = {"rnn": 1, "lstm": 4}


def files(tmp_path: Path, cell: str, H: int, dtype: str) -> tuple[Path, Path]:
    """A torch state_dict's weights (small random numbers) and all-zero gradients."""
    G, V, rng = GATES[cell], 4, np.random.default_rng(0)

    def r(*shape: int) -> np.ndarray:
        return (0.01 * rng.standard_normal(shape)).astype(dtype)

    w = {
        "rnn.weight_ih_l0": r(G * H, V),
        "rnn.weight_hh_l0": r(G * H, H),
        "rnn.bias_ih_l0": r(G * H),
        "rnn.bias_hh_l0": r(G * H),
        "fc.weight": r(V, H),
        "fc.bias": r(V),
    }
    np.savez(tmp_path / f"w{H}.npz", **w)
    np.savez(tmp_path / f"g{H}.npz", **{k: np.zeros_like(v) for k, v in w.items()})
    return tmp_path / f"w{H}.npz", tmp_path / f"g{H}.npz"


def peak(tmp_path: Path, cell: str, H: int, dtype: str) -> int:
    """The peak resident bytes of --compare on these files, in a child of its own."""
    w, g = files(tmp_path, cell, H, dtype)
    args = ["I like NLP", "--cell", cell, "--layout", "torch", "--init", str(w)]
    code = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            sys.executable,
            "-m",
            "bptt_trace",
            *args,
            "--compare",
            str(g),
        ],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return 1024 * int(done.stdout.strip())  # (kB on Linux)


def estimate(cell: str, H: int) -> int:
    return compare_bytes(make_cell({"cell": cell}), 4, H, [3])


@pytest.mark.parametrize(("cell", "dtype"), [("lstm", "float32"), ("rnn", "float64")])
def test_the_estimate_grows_as_the_peak_does(cell: str, dtype: str, tmp_path: Path) -> None:
    small, large = (300, 900) if cell == "lstm" else (600, 1800)
    grown = peak(tmp_path, cell, large, dtype) - peak(tmp_path, cell, small, dtype)
    assert estimate(cell, large) - estimate(cell, small) >= grown, (grown, COMPARE_COPIES)


def test_the_attacks_lstm_is_refused_at_once(tmp_path: Path) -> None:
    """The attack's LSTM (H = 2500, torch layout, float32: 1.83 GB at its peak) is refused
    from the headers, in one line."""
    w, g = files(tmp_path, "lstm", 2500, "float32")
    args = ["I like NLP", "--cell", "lstm", "--layout", "torch", "--init", str(w)]
    done = subprocess.run(
        [sys.executable, "-m", "bptt_trace", *args, "--compare", str(g)],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert "more than the limit of 1.5 GB; compare a smaller model's" in done.stderr
    assert estimate("lstm", 2500) > MAX_RUN_BYTES


def test_a_corpus_over_a_large_vocabulary_is_compared_within_a_memory_cap(tmp_path: Path) -> None:
    """Every output's logits at once (outputs × |vocab|) in the catalogue and the forward check
    held gigabytes for a corpus over a large vocabulary (1,000 sentences over 3,000 tokens:
    2.9 GB; over 30,000 tokens the kernel killed it at 24 GB). 300 sentences over 3,000
    tokens (3,000 outputs × 3,000 logits, 72 MB an array) under an address-space cap of
    350 MB: the comparison ends with a verdict (it passes at 250 MB; before, it ran out of
    memory at 370 MB)."""
    V, H, rng = 3000, 4, np.random.default_rng(2)
    vocab = np.array(["I", "like", "NLP", "<eos>"] + [f"t{i}" for i in range(V - 4)])
    p = {"W": np.zeros((V, H)), "W_h": np.zeros((H, H)), "b": np.zeros(H)}
    p |= {"V": np.zeros((H, V)), "b_output": np.zeros(V)}
    p["b_output"][3] = -5.0  # every target but <eos> tied
    np.savez(tmp_path / "w.npz", vocab=vocab, **p)
    np.savez(tmp_path / "g.npz", **{k: np.zeros_like(v) for k, v in p.items()})
    lines = [" ".join(rng.choice(vocab[4:], size=10)) for _ in range(300)]
    (tmp_path / "c.txt").write_text("\n".join(lines) + "\n")
    args = ["--file", "c.txt", "--loss", "every", "--init", "w.npz", "--compare", "g.npz"]
    cap = "import resource; resource.setrlimit(resource.RLIMIT_AS, (350 << 20, 350 << 20))"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"{cap}; import runpy; runpy.run_module('bptt_trace', run_name='__main__')",
            *args,
        ],
        env=ENV,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stderr  # all-zero gradients differ
    assert "ran out of memory" not in done.stderr and "Traceback" not in done.stderr
