"""--compare names two slips of a user's forward pass that no option makes, with a loss saved
or from the gradients alone: the recurrence multiplied by Wʰᵀ (torch's weight_hh applied to
the tables' layout) and each sentence's last token left out of the loop. Before, both got
only "no option tried reproduces your loss".

The users' numbers come from NumPy written here (the vanilla RNN) and from
tests/usercode/mistaken_gated.py (the LSTM, the GRU), never from bptt_trace."""

from __future__ import annotations

import numpy as np
import pytest
from compare_runs import run
from usercode.mistaken_gated import BPTT, random_params

from bptt_trace.cli.app import main

SENTENCE = "we like to trace how gradients flow"
TOKENS = [*SENTENCE.split(), "<eos>"]
H = 4


def user_rnn(p: dict, ids: list[int], target: int, loss: str, slip: str) -> dict:
    """A tanh RNN's gradients and loss, its forward pass with ``slip``: "turned" computes
    hₜ₋₁·Mᵀ with M the W_h it was given (and ∂L/∂M), "dropped" runs over ids[:-1]."""
    M = p["W_h"]
    R = M.T if slip == "turned" else M
    xs = ids[:-1] if slip == "dropped" else ids
    T, n = len(xs), p["W"].shape[0]
    hs = [np.zeros(H)]
    for i in xs:
        hs.append(np.tanh(p["W"][i] + hs[-1] @ R + p["b"]))
    targets = [*xs[1:], target]
    g = {k: np.zeros_like(v) for k, v in p.items()}
    total, dh_out = 0.0, {t: np.zeros(H) for t in range(1, T + 1)}
    for t in range(1, T + 1) if loss == "every" else [T]:
        o = hs[t] @ p["V"] + p["b_output"]
        y_hat = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
        total -= np.log(y_hat[targets[t - 1]])
        dy = y_hat - np.eye(n)[targets[t - 1]]
        g["V"] += np.outer(hs[t], dy)
        g["b_output"] += dy
        dh_out[t] = dy @ p["V"].T
    dh_next, dR = np.zeros(H), np.zeros((H, H))
    for t in range(T, 0, -1):
        da = (dh_out[t] + dh_next) * (1 - hs[t] ** 2)
        g["W"][xs[t - 1]] += da
        dR += np.outer(hs[t - 1], da)
        g["b"] += da
        dh_next = da @ R.T
    g["W_h"] = dR.T if slip == "turned" else dR  # ∂L/∂M
    return {**g, "loss": total}


def weights(seed: int = 4) -> dict:
    rng = np.random.default_rng(seed)
    n = len(TOKENS)
    shapes = {"W": (n, H), "W_h": (H, H), "b": (H,), "V": (H, n), "b_output": (n,)}
    return {k: rng.normal(0.0, 0.6, s) for k, s in shapes.items()}


WORDS = {
    "turned": "your forward pass multiplies hₜ₋₁ by Wʰᵀ, not Wʰ",
    "dropped": "your forward pass leaves out each sentence's last token",
}


@pytest.mark.parametrize("with_loss", [True, False])
@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("slip", ["turned", "dropped"])
def test_the_rnns_forward_slips_are_named(slip, loss, with_loss, tmp_path, capsys) -> None:
    w = weights()
    ids = [TOKENS.index(t) for t in SENTENCE.split()]
    g = user_rnn(w, ids, TOKENS.index("<eos>"), loss, slip)
    if not with_loss:
        del g["loss"]
    code, result = run(tmp_path, capsys, w, g, SENTENCE, "--loss", loss)
    fwd = result["forward"]
    assert code == 1 and fwd["matches"] is False and result["named"] == []
    assert fwd["explained_by"][0].startswith(WORDS[slip]), fwd["explained_by"]
    assert fwd["gradients_then"] == "match"


def test_a_slip_on_screen(tmp_path, capsys) -> None:
    w = weights()
    ids = [TOKENS.index(t) for t in SENTENCE.split()]
    g = user_rnn(w, ids, TOKENS.index("<eos>"), "last", "turned")
    np.savez(tmp_path / "w.npz", **w)
    np.savez(tmp_path / "g.npz", **g)
    capsys.readouterr()
    main([SENTENCE, "--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz")])
    out = " ".join(capsys.readouterr().out.split())
    assert "no option tried reproduces your loss" not in out
    assert "give W_h transposed in your weights file and your gradients of it transposed" in out
    assert "your BPTT is right for it" in out


def test_the_last_token_read_as_the_target_is_said_so(tmp_path, capsys) -> None:
    """range(len(x) - 1) with the dropped token as the one predicted."""
    w = weights()
    ids = [TOKENS.index(t) for t in SENTENCE.split()]
    g = user_rnn(w, ids, ids[-1], "last", "dropped")
    code, result = run(tmp_path, capsys, w, g, SENTENCE)
    said = result["forward"]["explained_by"][0]
    assert code == 1 and said.startswith("your forward pass stops before the last token 'flow'")
    assert result["forward"]["gradients_then"] == "match"


GATED = {"lstm": ["--cell", "lstm"], "gru": ["--cell", "gru", "--reset-after"]}


@pytest.mark.parametrize("cell", list(GATED))
def test_the_gated_cells_recurrence_transposed(cell, tmp_path, capsys) -> None:
    """The user's code runs hₜ₋₁·Mᵀ for each gate's M: its gradients are the transposes of
    those of a correct pass on Wʰ = Mᵀ (computed by the hand-written cell)."""
    p = random_params(cell, len(TOKENS), 3, seed=8)
    ids = [TOKENS.index(t) for t in SENTENCE.split()]
    used = {k: (v.T if k.startswith("W_h_") else v) for k, v in p.items()}
    g, total = BPTT[cell](used, ids, TOKENS.index("<eos>"), "last")
    g = {k: (v.T if k.startswith("W_h_") else v) for k, v in g.items()}
    code, result = run(tmp_path, capsys, p, {**g, "loss": total}, SENTENCE, *GATED[cell])
    fwd = result["forward"]
    assert code == 1 and fwd["explained_by"][0].startswith(WORDS["turned"])
    assert fwd["gradients_then"] == "match"
