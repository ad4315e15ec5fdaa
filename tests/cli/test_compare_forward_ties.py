"""--compare when several forward options reproduce the user's loss: a tie in the loss (dead
units, saturated units, logits that tie between targets) leaves the loss unable to tell them
apart, and the gradients can. The verdict leads with an option under which the user's
gradients agree and says so, lists the rest simplest first, and never says the gradients
still differ when one of the options listed makes them agree.

The user's numbers, and what each option listed gives, come from a NumPy RNN written here
(one sentence, dense one-hot inputs, the derivative of each activation written out)."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest
from compare_runs import run

from bptt_trace.cli.app import main

SENTENCE = "I like NLP"
TOKENS = ["I", "like", "NLP", "<eos>"]  # the README's order for the sentence
H = 4

ACT = {
    "tanh": (np.tanh, lambda h: 1.0 - h * h),
    "sigmoid": (lambda a: 1.0 / (1.0 + np.exp(-a)), lambda h: h * (1.0 - h)),
    "relu": (lambda a: np.maximum(a, 0.0), lambda h: (h > 0.0).astype(float)),
}


def numpy_rnn(
    p: dict, ids: list[int], target: int, f: str, mode: str = "last"
) -> tuple[float, dict]:
    """(L, gradients) of one sentence: aₜ = xₜ·W + hₜ₋₁·Wʰ + b, hₜ = f(aₜ), a softmax
    output at T (``last``) or at every t (``every``, the next token its target)."""
    act, d_act = ACT[f]
    n = p["W"].shape[0]
    xs = [np.eye(n)[i] for i in ids]
    hs = [np.zeros(H)]
    for x in xs:
        hs.append(act(x @ p["W"] + hs[-1] @ p["W_h"] + p["b"]))
    T = len(ids)
    ys = [*ids[1:], target]
    outs = range(1, T + 1) if mode == "every" else [T]
    g = {k: np.zeros_like(v) for k, v in p.items()}
    loss, dh_out = 0.0, {t: np.zeros(H) for t in range(1, T + 1)}
    for t in outs:
        o = hs[t] @ p["V"] + p["b_output"]
        y_hat = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
        loss -= np.log(y_hat[ys[t - 1]])
        dy = y_hat - np.eye(n)[ys[t - 1]]
        g["V"] += np.outer(hs[t], dy)
        g["b_output"] += dy
        dh_out[t] = dy @ p["V"].T
    dh_next = np.zeros(H)
    for t in range(T, 0, -1):
        da = (dh_out[t] + dh_next) * d_act(hs[t])
        g["W"] += np.outer(xs[t - 1], da)
        g["W_h"] += np.outer(hs[t - 1], da)
        g["b"] += da
        dh_next = da @ p["W_h"].T
    return float(loss), g


def weights(seed: int, b: float | None = None) -> dict:
    rng = np.random.default_rng(seed)
    shapes = {"W": (4, H), "W_h": (H, H), "b": (H,), "V": (H, 4), "b_output": (4,)}
    w = {k: rng.normal(0.0, 0.5, s) for k, s in shapes.items()}
    if b is not None:  # every pre-activation far below zero; every token as likely then
        w["b"], w["b_output"] = np.full(H, b), np.zeros(4)
    return w


def the_users(w: dict, f: str, target: str) -> dict:
    ids = [TOKENS.index(t) for t in SENTENCE.split()]
    loss, g = numpy_rnn(w, ids, TOKENS.index(target), f)
    return {**g, "loss": loss}


def under_option(w: dict, option: str) -> dict:
    """The gradients of one option as the verdict words it, computed here: the activation,
    --loss, --target, a token order (the vocab array) and a mean over the outputs."""
    f = re.search(r"--activation (\w+)", option)
    target = re.search(r"--target (\S+?)(,|$)", option)
    order = re.search(r"vocab=np\.array\((\[.*?\])\)", option)
    vocab = ast.literal_eval(order.group(1)) if order else TOKENS
    mode = "every" if "--loss every" in option else "last"
    ids = [vocab.index(t) for t in SENTENCE.split()]
    y = vocab.index(target.group(1) if target else "<eos>")
    _, g = numpy_rnn(w, ids, y, f.group(1) if f else "tanh", mode)
    outputs = re.search(r"averaged over all (\d+) outputs", option)
    return {k: v / int(outputs.group(1)) for k, v in g.items()} if outputs else g


def agrees(user: dict, mine: dict) -> bool:
    def rel(a: np.ndarray, c: np.ndarray) -> float:
        scale = max(np.abs(a).max(), np.abs(c).max())
        return 0.0 if scale == 0 else float(np.abs(a - c).max() / scale)

    return all(min(rel(user[k], s * mine[k]) for s in (1, -1)) <= 1e-9 for k in mine)


def changes(option: str) -> int:
    """How many things an option changes."""
    kinds = ("--activation", "--loss", "--target", "add a vocab array", "your loss is")
    return sum(kind in option for kind in kinds)


def screen(tmp_path, capsys, w: dict, g: dict) -> str:
    np.savez(tmp_path / "w.npz", **w)
    np.savez(tmp_path / "g.npz", **g)
    capsys.readouterr()
    main([SENTENCE, "--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz")])
    return " ".join(capsys.readouterr().out.split())


def check_verdict(w: dict, g: dict, result: dict) -> list[str]:
    """What every verdict of tied options must be: the first option agrees and is said to,
    the rest simplest first, each one's word on the gradients true. The options listed."""
    fwd = result["forward"]
    said, under = fwd["explained_by"], fwd["gradients_under"]
    assert result["verdict"] == "differs" and fwd["matches"] is False
    truth = [agrees(g, under_option(w, option)) for option in said]
    assert truth[0] and fwd["gradients_then"] == "match" and under[0] == "match"
    for option, word, true in zip(said, under, truth, strict=True):
        assert word in ("match", "differs", None), option
        if word is not None:
            assert (word == "match") == true, option
    counts = [changes(option) for option in said[1:]]
    assert counts == sorted(counts), said  # one option changed before two
    return said


def test_dead_relu_units_lead_with_the_activation_alone(tmp_path, capsys) -> None:
    """The tryout's case: every unit dead (h = 0, loss log 4), so every target and token order
    gives the loss; --activation relu alone gives the gradients, and leads."""
    w = weights(1, b=-10.0)
    g = the_users(w, "relu", "<eos>")
    assert g["loss"] == pytest.approx(np.log(4), rel=1e-12)
    code, result = run(tmp_path, capsys, w, g, SENTENCE)
    said = check_verdict(w, g, result)
    assert code == 1 and said[0] == "--activation relu" and len(said) > 4
    out = screen(tmp_path, capsys, w, g)
    assert "reproduced with: --activation relu and with it your gradients agree" in out
    assert "still differ" not in out


@pytest.mark.parametrize("target", ["I", "like", "NLP"])
def test_dead_units_lead_with_the_target_the_gradients_tell(target, tmp_path, capsys) -> None:
    """∂L/∂b_output = ŷ − y tells the target the loss cannot: the simplest option with it."""
    w = weights(1, b=-10.0)
    g = the_users(w, "relu", target)
    code, result = run(tmp_path, capsys, w, g, SENTENCE)
    said = check_verdict(w, g, result)
    assert code == 1 and said[0] == f"--activation relu, --target {target}"
    assert "still differ" not in screen(tmp_path, capsys, w, g)


def test_saturated_units_tie_two_activations(tmp_path, capsys) -> None:
    """σ(−60) ≈ 1e-26 is a dead ReLU's 0 to the loss, not to the gradients: a user's ReLU
    network has --activation sigmoid listed first by the loss, and the verdict leads with
    --activation relu, under which the gradients agree."""
    w = weights(2, b=-60.0)
    g = the_users(w, "relu", "<eos>")
    code, result = run(tmp_path, capsys, w, g, SENTENCE)
    said = check_verdict(w, g, result)
    assert code == 1 and said[0] == "--activation relu" and "--activation sigmoid" in said


@pytest.mark.parametrize("target", ["I", "like", "NLP"])
def test_logits_that_tie_between_targets(target, tmp_path, capsys) -> None:
    """V's columns and b_output equal for I, like and NLP: each is as likely, so each gives a
    user's loss with any of them; the gradients tell which one the user's code had."""
    w = weights(3)
    w["V"][:, 1] = w["V"][:, 2] = w["V"][:, 0]
    w["b_output"][:3] = 0.25
    g = the_users(w, "tanh", target)
    code, result = run(tmp_path, capsys, w, g, SENTENCE)
    said = check_verdict(w, g, result)
    assert code == 1 and said[0] == f"--target {target}"
    assert {f"--target {t}" for t in ("I", "like", "NLP")} <= set(said)
    assert "still differ" not in screen(tmp_path, capsys, w, g)


def test_still_differ_only_when_every_option_was_tried_and_differs(tmp_path, capsys) -> None:
    """A mistake in the user's BPTT beside a forward option: the gradients differ under every
    option listed, and only then does the verdict say so."""
    w = weights(1, b=-10.0)
    g = the_users(w, "relu", "<eos>")
    g["V"] = g["V"] + 0.125  # ∂L/∂V = h_Tᵀ·(ŷ − y) is 0 here: no option gives it
    code, result = run(tmp_path, capsys, w, g, SENTENCE)
    fwd = result["forward"]
    assert code == 1 and fwd["gradients_then"] == "differs"
    assert set(fwd["gradients_under"]) == {"differs"}
    assert not any(agrees(g, under_option(w, option)) for option in fwd["explained_by"])
    out = screen(tmp_path, capsys, w, g)
    assert "your gradients still differ under each of them: run again with the first" in out


def test_without_a_loss_the_options_the_gradients_give_are_simplest_first(tmp_path, capsys):
    """No loss saved: the options are found from the gradients alone, each one agreeing, and
    listed simplest first."""
    w = weights(1, b=-10.0)
    g = the_users(w, "relu", "<eos>")
    del g["loss"]
    code, result = run(tmp_path, capsys, w, g, SENTENCE)
    fwd = result["forward"]
    assert code == 1 and fwd["explained_by"][0] == "--activation relu"
    assert all(agrees(g, under_option(w, option)) for option in fwd["explained_by"])
    assert set(fwd["gradients_under"]) == {"match"} and fwd["gradients_then"] == "match"
    counts = [changes(option) for option in fwd["explained_by"]]
    assert counts == sorted(counts)
