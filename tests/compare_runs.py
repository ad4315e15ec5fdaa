"""What the --compare tests share: the sentence, its vocabulary as the README promises it, the
weights drawn for it, and --compare run on saved arrays with its JSON read strictly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bptt_trace.cli.app import main

SENTENCE = "the cat sat on the mat"
TOKENS = ["the", "cat", "sat", "on", "mat", "<eos>"]  # the vocabulary the README promises
IDS = [0, 1, 2, 3, 0, 4]
EOS = 5
H = 4


def weights(seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = {"W": (6, H), "W_h": (H, H), "b": (H,), "V": (H, 6), "b_output": (6,)}
    return {k: rng.normal(0.0, 0.6, size=s) for k, s in shapes.items()}


def run(tmp_path: Path, capsys, w: dict, g: dict, *args: str) -> tuple[int, dict]:
    """(exit code, the JSON result) of --compare on ``w`` and ``g``; nothing on stderr, and
    the JSON strict (no NaN or Infinity)."""
    np.savez(tmp_path / "w.npz", **w)
    np.savez(tmp_path / "g.npz", **g)
    capsys.readouterr()
    code = main(
        [*args, "--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz"), "--json"]
    )
    out, err = capsys.readouterr()
    assert err == "", err

    def refuse(token: str) -> None:
        raise AssertionError(f"{token} is not JSON")

    return code, json.loads(out, parse_constant=refuse)
