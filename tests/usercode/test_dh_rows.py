"""A ∂L/∂hₜ one row short is the symptom of a loop one time step short: the refusal of its
shape says so, and how to have the gradients checked instead (a tryout's loops that drop the
last token or stop at t = 2 saved dh so, and were refused as bad input)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from compare_runs import EOS, IDS, SENTENCE, weights
from mistaken_bptt import hand_bptt

from bptt_trace.cli.app import main


@pytest.mark.parametrize("rows", [4, 5, 7])
def test_a_dh_one_row_short_is_said_to_be_the_symptom_of_a_short_loop(
    rows: int, tmp_path: Path, capsys
) -> None:
    """dh of T − 1 rows is what a loop one time step short saves (the last token dropped, a
    loop stopping at t = 2): the refusal says so and how to have the gradients checked
    (without dh, such a loop is named); other row counts get the plain fix."""
    w = weights(3)
    true, dh = hand_bptt(w, [IDS], EOS)
    T = dh.shape[0]
    np.savez(tmp_path / "w.npz", **w)
    np.savez(tmp_path / "g.npz", **true, dh=np.resize(dh, (rows, dh.shape[1])))
    capsys.readouterr()
    code = main([SENTENCE, "--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz")])
    _, err = capsys.readouterr()
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert ("one row short: a loop over range(len(x) - 1)" in err) == (rows == T - 1)
    assert "save one row a time step of the sentence" in err
