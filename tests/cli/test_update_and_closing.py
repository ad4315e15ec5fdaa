"""The README's first run as a user sees it: the update's Δ = new − old on the terminal and in
every export, and a closing line with the loss after the update, from an independent forward
pass over the final parameters of the JSON trace."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from numpy.testing import assert_allclose
from oracles import cell_corpus_loss

from bptt_trace.cli.app import main

README_RUN = ["I like NLP", "--lr", "0.001"]


def oracle_after(lines: list[dict]) -> float:
    run_event, final = lines[0], [e for e in lines if e["event"] == "params"][-1]
    p = {k: np.asarray(v, dtype=float) for k, v in final.items() if k not in ("event", "step")}
    index = {token: i for i, token in enumerate(run_event["vocab"])}
    ids = [[index[t] for t in s] for s in run_event["sentences"]]
    return cell_corpus_loss("rnn", p, ids, index["<eos>"], "last")


def test_the_readme_run_ends_with_the_loss_after_its_update(capsys) -> None:
    assert main([*README_RUN, "--json"]) == 0
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    after, before = oracle_after(lines), lines[-1]["loss"]
    assert_allclose(lines[-1]["loss_after"], after, rtol=1e-12)
    assert f"{before:.4f}" != f"{after:.4f}"  # at 4 decimals the update now shows
    assert (
        err
        == f"bptt-trace: finished after 1 step; loss {before:.4f} → {after:.4f} after 1 update\n"
    )
    assert main([*README_RUN, "--color", "never", "--width", "100"]) == 0
    tables = capsys.readouterr().out
    closing = f"✓ finished after 1 step: loss {before:.4f} → {after:.4f} after 1 update"
    assert tables.rstrip().splitlines()[-1] == closing
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert f"\n{closing}\n" in readme  # the README shows the line this run ends with


def test_every_export_shows_delta_and_the_loss_after(tmp_path: Path, capsys) -> None:
    pages = [tmp_path / f"x.{suffix}" for suffix in ("txt", "html", "svg")]
    for page in pages:
        assert main([*README_RUN, "--export", str(page), "--quiet"]) == 0
    capsys.readouterr()
    for page in pages:
        text = page.read_text()
        words = "Δ&#160;=&#160;new&#160;−&#160;old" if page.suffix == ".svg" else "Δ = new − old"
        assert text.count(words) >= 5, page  # one for each of W, Wʰ, b, V and b_output at least
        assert "after&#160;1&#160;update" in text or "after 1 update" in text, page
