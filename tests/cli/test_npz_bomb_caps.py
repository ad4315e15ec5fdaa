"""A compressed .npz bomb inside the limits (a W_h of 7,000 × 7,000 zeros: 49 million entries,
under the 50 million cap, 392 MB inflated from 0.4 MB on disk) is refused from its headers,
in a separate process under a 600 MB address-space cap: at once (its CPU time is the start-up's,
far from what inflating the member takes) and never with a MemoryError. --init and --load are
refused by the run's memory estimate, --compare by the shape the comparison needs or, where the
shapes agree, by the same estimate (it ended in a MemoryError's traceback under a 2 GB cap).
(They took 4.6 to 10.6 s and 1.2 GB, or said 'perhaps truncated (MemoryError)' under 1 GB.)"""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import numpy as np
import pytest
from clitools import assert_refused, memory_cap, run_cli
from npz_bombs import inflated, zeros_npz

SENTENCE = "I like NLP"
CAP = 600_000_000
BIG = (7_000, 7_000)


def rows(hidden: int) -> dict[str, np.ndarray]:
    shapes = {"W": (4, hidden), "b": (hidden,), "V": (hidden, 4), "b_output": (4,)}
    return {key: np.zeros(shape) for key, shape in shapes.items()}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    config = json.dumps({"activation": "tanh", "cell": "rnn", "hidden": 7_000})
    meta = {
        "format": np.array("bptt-trace-model"),
        "format_version": np.array(1),
        "vocab": np.array(["I", "like", "NLP", "<eos>"]),
        "config": np.array(config),
    }
    small = rows(4)
    np.savez(folder / "w.npz", **small, W_h=np.zeros((4, 4)))
    made = {
        "init": zeros_npz(folder / "init.npz", {"W_h": BIG}, rows(7_000)),
        "model": zeros_npz(folder / "model.npz", {"W_h": BIG}, {**meta, **rows(7_000)}),
        "formatless": zeros_npz(folder / "formatless.npz", {"W_h": BIG}, rows(7_000)),
        "grads": zeros_npz(folder / "g.npz", {"W_h": BIG}, small),
        "dh": zeros_npz(folder / "dh.npz", {"dh": BIG}, {**small, "W_h": np.zeros((4, 4))}),
    }
    return {"w": folder / "w.npz", **{name: Path(path) for name, path in made.items()}}


def child_cpu(args: list[str]) -> tuple[float, str]:
    """The CPU time (user + system) of one run under the cap, and its one line on stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = run_cli(args, preexec=memory_cap(CAP))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, assert_refused(proc)


@pytest.fixture(scope="module")
def inflating(files: dict[str, Path]) -> float:
    """The CPU time of inflating the bomb's W_h alone, in this process (it is all zeros)."""
    start = time.process_time()
    assert inflated(files["init"], "W_h") >= 8 * BIG[0] * BIG[1]
    return time.process_time() - start


@pytest.fixture(scope="module")
def start_up(files: dict[str, Path]) -> float:
    """The CPU time of a run refused from a small file's header (the same start-up)."""
    tiny = files["w"].parent / "tiny.npz"
    np.savez(tiny, **rows(4), W_h=np.zeros((2, 3)))
    cpu, err = child_cpu([SENTENCE, "--init", str(tiny)])
    assert "W_h has shape (2, 3)" in err
    return cpu


@pytest.mark.parametrize(
    ("case", "says"),
    [
        (["--init", "init"], ["GB of memory at once", "--hidden (now 7000)"]),
        (["--load", "model"], ["GB of memory at once", "--hidden (now 7000)"]),
        (["--load", "formatless"], ["not a model saved by bptt-trace"]),
        (["--init", "init", "--compare", "init"], ["GB of memory at once", "H = 7000"]),
        (["--init", "w", "--compare", "grads"], ["W_h has shape (7000, 7000)", "expected (4, 4)"]),
        (["--init", "w", "--compare", "dh"], ["dh has shape (7000, 7000)", "expected (3, 4)"]),
    ],
)
def test_a_compressed_bomb_is_refused_at_once_under_the_cap(
    case, says, files, inflating, start_up
) -> None:
    args = [SENTENCE, *(str(files[a]) if a in files else a for a in case)]
    cpu, err = child_cpu(args)
    for word in says:
        assert word in err, (word, err)
    assert "MemoryError" not in err and "truncated" not in err
    # refused from the headers: the start-up's CPU time, far less than inflating 392 MB
    assert cpu - start_up < inflating / 4, (cpu, start_up, inflating)
    assert files[case[-1]].stat().st_size < 1_000_000  # small on disk
