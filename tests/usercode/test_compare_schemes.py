"""--compare names the truncation scheme a user's gradients are: gradients written by an
independent reference (tests/truncation/windows_reference.py: a hand-written vanilla RNN re-run
window by window) are named as --chunks K, --tbptt K1:K2 and --truncate K; with the scheme on
the command line the same gradients match (exit 0)."""

from __future__ import annotations

import numpy as np
import pytest
from compare_runs import EOS, IDS, SENTENCE, run, weights
from truncation.windows_reference import (
    full_gradient,
    reference_reach,
    scheme_dh,
    scheme_gradient,
)

from bptt_trace.cli.app import main

SCHEMES = [
    ("chunks", 4, 4, "chunks-4", ["--chunks", "4"]),
    ("tbptt", 2, 3, "tbptt-2:3", ["--tbptt", "2:3"]),
    ("tbptt", 3, 5, "tbptt-3:5", ["--tbptt", "3:5"]),
    ("truncate", 2, 2, "truncated-2", ["--truncate", "2"]),
]


@pytest.mark.parametrize(("kind", "k1", "k2", "named", "flag"), SCHEMES)
def test_the_verdict_names_the_scheme(kind, k1, k2, named, flag, tmp_path, capsys):
    w = weights()
    g = scheme_gradient(w, IDS, EOS, "every", "tanh", kind, k1, k2)
    full = full_gradient(w, IDS, EOS, "every", "tanh")
    assert any(not np.allclose(g[n], full[n], rtol=1e-6) for n in g)  # a scheme, not BPTT
    code, result = run(tmp_path, capsys, w, g, SENTENCE, "--loss", "every")
    assert code == 1 and result["verdict"] == "differs"
    ids = {c["id"] for c in result["named"]}
    assert named in ids, (ids, result["nearest"])
    best = next(c for c in result["named"] if c["id"] == named)
    if kind != "truncate":
        assert best["numbers"]["flag"] == " ".join(flag)
        assert best["implied"].startswith(" ".join(flag) + ": ")
    for other in result["named"]:  # any other scheme named gives the same numbers here
        assert_reproduces(other, w, g, "every")


def assert_reproduces(candidate, w, g, mode):
    numbers = candidate["numbers"]
    if candidate["mistake"] == "first-step-missing":  # a loop stopping at t = 2: under
        assert mode == "last"  # --loss last the last loss reaching back T − 1 steps
        numbers = {"K": len(IDS) - 1}
    kind = numbers.get("scheme", "truncate")
    k1, k2 = (numbers["K1"], numbers["K2"]) if kind == "tbptt" else (numbers["K"],) * 2
    again = scheme_gradient(w, IDS, EOS, mode, "tanh", kind, k1, k2)
    for name in g:
        np.testing.assert_allclose(again[name], g[name], rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize(("kind", "k1", "k2", "named", "flag"), SCHEMES)
def test_under_loss_last_the_schemes_named_are_those_with_the_same_numbers(
    kind, k1, k2, named, flag, tmp_path, capsys
):
    """One loss at T: a scheme is then only how far back that loss reaches, and --chunks 4
    on 6 steps is --truncate 2 (named so, as the catalogue's truncated-2: the last loss's
    reach); whichever are named reproduce the numbers."""
    w = weights()
    g = scheme_gradient(w, IDS, EOS, "last", "tanh", kind, k1, k2)
    code, result = run(tmp_path, capsys, w, g, SENTENCE)
    (reach,) = reference_reach(kind, k1, k2, len(IDS), [len(IDS)])
    assert code == 1 and f"truncated-{reach}" in {c["id"] for c in result["named"]}
    for candidate in result["named"]:
        assert_reproduces(candidate, w, g, "last")


@pytest.mark.parametrize("mode", ["last", "every"])
@pytest.mark.parametrize(("kind", "k1", "k2", "named", "flag"), SCHEMES)
def test_with_the_scheme_on_the_command_line_they_match(
    kind, k1, k2, named, flag, mode, tmp_path, capsys
):
    w = weights()
    g = scheme_gradient(w, IDS, EOS, mode, "tanh", kind, k1, k2)
    code, result = run(tmp_path, capsys, w, g, SENTENCE, "--loss", mode, *flag)
    assert code == 0 and result["verdict"] == "match", result["quantities"]
    assert [c["id"] for c in result["conventions"]] == [f"scheme-{kind}-{flag[1]}"]


@pytest.mark.parametrize("mode", ["last", "every"])
@pytest.mark.parametrize(("kind", "k1", "k2", "named", "flag"), SCHEMES)
def test_with_the_scheme_given_its_dh_matches_and_full_bptts_does_not(
    kind, k1, k2, named, flag, mode, tmp_path, capsys
):
    """∂L/∂hₜ given beside the gradients is read as the scheme computes it (the flows inside
    its windows), not as full BPTT's: the scheme's match, full BPTT's dh is where it departs."""
    w = weights()
    g = scheme_gradient(w, IDS, EOS, mode, "tanh", kind, k1, k2)
    dh = scheme_dh(w, IDS, EOS, mode, "tanh", kind, k1, k2)
    full_dh = scheme_dh(w, IDS, EOS, mode, "tanh", "chunks", len(IDS), len(IDS))
    code, result = run(tmp_path, capsys, w, {**g, "dh": dh}, SENTENCE, "--loss", mode, *flag)
    assert code == 0 and result["verdict"] == "match", result["quantities"]
    if not np.allclose(dh, full_dh, rtol=1e-6):
        code, result = run(
            tmp_path, capsys, w, {**g, "dh": full_dh}, SENTENCE, "--loss", mode, *flag
        )
        assert code == 1 and result["verdict"] == "differs"
    # without the flag the scheme is named from the gradients; its dh is explained by no
    # candidate: the catalogue's mistakes and the schemes' (which compute gradients only)
    code, result = run(tmp_path, capsys, w, {**g, "dh": dh}, SENTENCE, "--loss", mode)
    assert code == 1 and result["verdict"] == "differs"


def test_full_bptt_gradients_do_not_match_a_scheme_given(tmp_path, capsys):
    w = weights()
    g = full_gradient(w, IDS, EOS, "every", "tanh")
    code, result = run(tmp_path, capsys, w, g, SENTENCE, "--loss", "every", "--chunks", "2")
    assert code == 1 and result["verdict"] == "differs"


def test_the_table_says_your_gradients_are_those_of_the_scheme(tmp_path, capsys):
    w = weights()
    g = scheme_gradient(w, IDS, EOS, "every", "tanh", "chunks", 4, 4)
    np.savez(tmp_path / "w.npz", **w)
    np.savez(tmp_path / "g.npz", **g)
    capsys.readouterr()
    args = ["--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz")]
    code = main([SENTENCE, "--loss", "every", *args])
    out = " ".join(capsys.readouterr().out.split())
    assert code == 1
    assert (
        "your gradients are those of --chunks 4: the losses of a chunk reach back only "
        "inside it" in out
    )
    assert "add --chunks 4" in out


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--chunks", "0"], "--chunks must be at least 1"),
        (["--tbptt", "4:2"], "K1 must not exceed K2"),
        (["--tbptt", "x"], "--tbptt takes K1:K2"),
        (["--chunks", "2", "--tbptt", "2:2"], "two truncation schemes"),
        (["--truncate", "0"], "--truncate must be at least 1"),
        (["--update-every", "chunk"], "--compare does not use --update-every"),
    ],
)
def test_a_bad_scheme_with_compare_is_refused_in_one_line(flags, words, tmp_path, refused):
    w = weights()
    np.savez(tmp_path / "w.npz", **w)
    np.savez(tmp_path / "g.npz", **full_gradient(w, IDS, EOS, "last", "tanh"))
    args = ["--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz")]
    refused([SENTENCE, *args, *flags], words)


def test_held_a_scheme_at_a_time_the_verdict_is_the_same(tmp_path, capsys, monkeypatch):
    """The schemes' gradients are held a group at a time (GROUP_BYTES, each as large as θ):
    one at a time names the same schemes with the same fits."""
    from bptt_trace.usercode import schemes

    w = weights()
    g = scheme_gradient(w, IDS, EOS, "every", "tanh", "tbptt", 2, 3)
    _, before = run(tmp_path, capsys, w, g, SENTENCE, "--loss", "every")
    monkeypatch.setattr(schemes, "GROUP_BYTES", 1)
    _, after = run(tmp_path, capsys, w, g, SENTENCE, "--loss", "every")
    assert after["named"] == before["named"] and "tbptt-2:3" in {c["id"] for c in after["named"]}


def test_another_scheme_given_is_named_with_the_fix(tmp_path, capsys):
    """Gradients of --chunks 4 checked as --chunks 3's: the result says which scheme the trace
    used, names the one the numbers are, and says to use it instead (not to add it)."""
    w = weights()
    g = scheme_gradient(w, IDS, EOS, "every", "tanh", "chunks", 4, 4)
    code, result = run(tmp_path, capsys, w, g, SENTENCE, "--loss", "every", "--chunks", "3")
    assert code == 1 and result["scheme"] == "--chunks 3"
    assert "chunks-4" in {c["id"] for c in result["named"]}
    np.savez(tmp_path / "g.npz", **g)
    files = ["--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz")]
    main([SENTENCE, "--loss", "every", "--chunks", "3", *files])
    text = " ".join(capsys.readouterr().out.split())
    assert "against the trace's (those of --chunks 3)" in text
    assert "use --chunks 4 instead of --chunks 3" in text
    assert text.count("full BPTT:") == 1  # said once, not "full BPTT: full BPTT: …"
    _, plain = run(tmp_path, capsys, w, g, SENTENCE, "--loss", "every")
    assert plain["scheme"] is None
