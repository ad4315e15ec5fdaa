"""--compare checks the forward pass first: a user's loss that another activation, --loss,
--target or token order reproduces is a forward difference, named with the option, and no
convention or BPTT mistake is fitted to it. The users' numbers come from the tests' own
independent computations (tests/oracles.py, tests/mistaken_bptt.py). And float32 gradients
are judged at float32's precision."""

from __future__ import annotations

import numpy as np
import pytest
from compare_runs import EOS, IDS, SENTENCE, TOKENS, H, run, weights
from mistaken_bptt import hand_bptt
from oracles import corpus_loss

from bptt_trace.cli.app import main


def no_fitting(result: dict) -> None:
    """A forward difference: nothing of BPTT is fitted to it."""
    assert result["verdict"] == "differs" and result["forward"]["matches"] is False
    assert result["conventions"] == [] and result["named"] == [] and result["nearest"] == []


def test_a_relu_network_compared_as_tanh_names_the_activation(tmp_path, capsys) -> None:
    w = weights()
    loss = corpus_loss(w, [IDS], EOS, "last", "relu")  # the user's forward pass: ReLU
    tanh_grads, _ = hand_bptt(w, [IDS], EOS)  # any gradients: the loss tells first
    code, result = run(tmp_path, capsys, w, {**tanh_grads, "loss": loss}, SENTENCE)
    assert code == 1
    no_fitting(result)
    assert result["forward"]["explained_by"] == ["--activation relu"]
    assert result["forward"]["user_loss"] == loss
    trace = corpus_loss(w, [IDS], EOS, "last", "tanh")
    assert result["forward"]["trace_loss"] == pytest.approx(trace, rel=1e-12)
    shown = abs(loss - trace) / max(abs(loss), abs(trace))  # the two losses shown
    assert result["forward"]["rel"] == pytest.approx(shown, rel=1e-12)


def test_a_loss_over_every_step_names_loss_every(tmp_path, capsys) -> None:
    w = weights()
    g, _ = hand_bptt(w, [IDS], EOS, mode="every")
    loss = corpus_loss(w, [IDS], EOS, "every", "tanh")
    code, result = run(tmp_path, capsys, w, {**g, "loss": loss}, SENTENCE)
    assert code == 1
    no_fitting(result)
    assert result["forward"]["explained_by"] == ["--loss every"]
    assert result["forward"]["gradients_then"] == "match"
    code, result = run(tmp_path, capsys, w, {**g, "loss": loss}, SENTENCE, "--loss", "every")
    assert code == 0 and result["forward"]["matches"] is True


@pytest.mark.parametrize("with_loss", [True, False])
def test_the_users_own_token_order_names_the_vocab_array(with_loss, tmp_path, capsys) -> None:
    order = sorted(TOKENS)  # the user's rows: tokens in sorted order
    w = weights()
    ids = [order.index(TOKENS[i]) for i in IDS]
    g, _ = hand_bptt(w, [ids], order.index("<eos>"))
    extra = {"loss": corpus_loss(w, [ids], order.index("<eos>"), "last", "tanh")}
    code, result = run(tmp_path, capsys, w, {**g, **(extra if with_loss else {})}, SENTENCE)
    assert code == 1
    no_fitting(result)
    [said] = result["forward"]["explained_by"]
    assert "vocab" in said and repr(order[0]) in said
    code, result = run(tmp_path, capsys, {**w, "vocab": np.array(order)}, g, SENTENCE)
    assert code == 0 and result["verdict"] == "match"


def test_another_target_is_named(tmp_path, capsys) -> None:
    w = weights()
    g, _ = hand_bptt(w, [IDS], TOKENS.index("mat"))
    loss = corpus_loss(w, [IDS], TOKENS.index("mat"), "last", "tanh")
    code, result = run(tmp_path, capsys, w, {**g, "loss": loss}, SENTENCE)
    assert code == 1
    no_fitting(result)
    assert result["forward"]["explained_by"] == ["--target mat"]


def test_a_loss_nothing_reproduces_says_so(tmp_path, capsys) -> None:
    w = weights()
    g, _ = hand_bptt(w, [IDS], EOS)
    code, result = run(tmp_path, capsys, w, {**g, "loss": 123.0}, SENTENCE)
    assert code == 1
    no_fitting(result)
    assert result["forward"]["explained_by"] == []


def test_the_forward_verdict_on_screen(tmp_path, capsys) -> None:
    w = weights()
    loss = corpus_loss(w, [IDS], EOS, "last", "relu")
    g, _ = hand_bptt(w, [IDS], EOS)
    np.savez(tmp_path / "w.npz", **w)
    np.savez(tmp_path / "g.npz", **g, loss=loss)
    capsys.readouterr()
    code = main([SENTENCE, "--init", str(tmp_path / "w.npz"), "--compare", str(tmp_path / "g.npz")])
    out = " ".join(capsys.readouterr().out.split())
    assert code == 1
    assert "the forward pass differs, not BPTT" in out and "--activation relu" in out
    assert "✓ match" not in out and "convention" not in out and "mistake" not in out


def float32_case(seed: int) -> tuple[dict, dict]:
    """Weights stored as float32, and their exact gradients rounded to float32 (what a
    float32 implementation gives, up to its own rounding)."""
    w = {k: v.astype(np.float32) for k, v in weights(seed).items()}
    g, _ = hand_bptt({k: v.astype(np.float64) for k, v in w.items()}, [IDS], EOS)
    return w, {k: v.astype(np.float32) for k, v in g.items()}


@pytest.mark.parametrize("seed", range(4))
def test_float32_gradients_are_judged_at_float32s_precision(seed, tmp_path, capsys) -> None:
    w, g = float32_case(seed)
    rng = np.random.default_rng(seed)
    # a float32 computation's rounding: a few ulps on every entry
    noisy = {k: v * (1 + rng.uniform(-8, 8, v.shape) * 2.0**-23) for k, v in g.items()}
    code, result = run(
        tmp_path, capsys, w, {k: v.astype(np.float32) for k, v in noisy.items()}, SENTENCE
    )
    assert code == 0 and result["dtype"] == "float32" and result["tolerance"] == 1e-5
    wrong = {**g, "W_h": g["W_h"] * np.float32(1.001)}  # 1e-3 off: a real difference
    code, result = run(tmp_path, capsys, w, wrong, SENTENCE)
    assert code == 1


def test_torch_biases_that_differ_by_float32_rounding_are_one_gradient(tmp_path, capsys) -> None:
    w, g = float32_case(0)
    state = {
        "rnn.weight_ih_l0": w["W"].T,
        "rnn.weight_hh_l0": w["W_h"].T,
        "rnn.bias_ih_l0": w["b"] / 2,
        "rnn.bias_hh_l0": w["b"] / 2,
        "fc.weight": w["V"].T,
        "fc.bias": w["b_output"],
    }
    ulp = np.spacing(np.abs(g["b"]).max())
    grads = {
        "rnn.weight_ih_l0": g["W"].T,
        "rnn.weight_hh_l0": g["W_h"].T,
        "rnn.bias_ih_l0": g["b"],
        "rnn.bias_hh_l0": (g["b"] + ulp).astype(np.float32),  # one float32 rounding step
        "fc.weight": g["V"].T,
        "fc.bias": g["b_output"],
    }
    code, result = run(tmp_path, capsys, state, grads, SENTENCE, "--layout", "torch")
    assert code == 0 and result["verdict"] == "match"


def test_a_loss_every_averaged_over_time_names_loss_every(tmp_path, capsys) -> None:
    """F.cross_entropy's default: the mean over the T outputs, compared without --loss every."""
    w = weights()
    g, _ = hand_bptt(w, [IDS], EOS, mode="every")
    T = len(IDS)
    loss = corpus_loss(w, [IDS], EOS, "every", "tanh") / T
    code, result = run(
        tmp_path, capsys, w, {**{k: v / T for k, v in g.items()}, "loss": loss}, SENTENCE
    )
    assert code == 1
    no_fitting(result)
    [said] = result["forward"]["explained_by"]
    assert said.startswith("--loss every, ") and f"all {T} outputs" in said
    assert result["forward"]["gradients_then"] == "match"


def test_each_sentence_averaged_over_its_outputs_is_named(tmp_path, capsys) -> None:
    w = weights()
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the cat sat on the mat\ncat sat\n")
    lengths = (6, 2)
    loss = (
        sum(
            corpus_loss(w, [ids], EOS, "every", "tanh") / n
            for ids, n in zip([IDS, [1, 2]], lengths, strict=True)
        )
        / 2
    )
    g, _ = hand_bptt(w, [IDS, [1, 2]], EOS, mode="every")
    code, result = run(
        tmp_path, capsys, w, {**g, "loss": loss}, "--file", str(corpus), "--loss", "every"
    )
    assert code == 1
    no_fitting(result)
    [said] = result["forward"]["explained_by"]
    assert "averages each sentence's outputs, then the sentences" in said
    assert result["forward"]["gradients_then"] is None  # no one factor relates the two


def test_grads_transposed_reads_square_matrices_transposed_and_others_by_shape(tmp_path, capsys):
    """H = 4, |vocab| = 6: Wʰ is square, W and V are not: with --grads-transposed only the
    square ones are taken as transposed; the others go by their shape, either way."""
    w = weights()
    g, _ = hand_bptt(w, [IDS], EOS)
    code, result = run(
        tmp_path, capsys, w, {**g, "W_h": g["W_h"].T}, SENTENCE, "--grads-transposed"
    )
    assert code == 0 and result["verdict"] == "match"
    turned = {k: v.T for k, v in g.items()}
    code, result = run(tmp_path, capsys, w, turned, SENTENCE, "--grads-transposed")
    assert code == 0 and result["verdict"] == "match"
    code, result = run(tmp_path, capsys, w, g, SENTENCE, "--grads-transposed")
    assert code == 1 and result["transposed"] == ["W_h"]  # stored as the trace's, not turned


def test_without_a_loss_a_differing_output_bias_gradient_tells_the_forward_pass(tmp_path, capsys):
    """An order of the tokens no alternative tries (reversed), and no loss saved: ∂L/∂b_output
    = Σₜ (ŷₜ − yₜ) is the forward pass's alone, so the verdict is the forward pass's."""
    order = TOKENS[::-1]
    w = weights()
    ids = [order.index(TOKENS[i]) for i in IDS]
    g, _ = hand_bptt(w, [ids], order.index("<eos>"))
    code, result = run(tmp_path, capsys, w, g, SENTENCE)
    assert code == 1 and result["named"] == [] and result["conventions"] == []
    assert result["forward"]["evidence"] == "b_output" and result["forward"]["matches"] is False


def test_a_bias_gradient_left_out_is_no_forward_difference(tmp_path, capsys) -> None:
    """∂L/∂b_output at zero is a catalogued mistake of the output layer: with another one
    beside it, the verdict is the mistakes', not the forward pass's."""
    w = weights()
    g, _ = hand_bptt(w, [IDS], EOS, mistake="h-t-for-h-prev")
    g["b_output"][:] = 0.0
    code, result = run(tmp_path, capsys, w, g, SENTENCE)
    assert code == 1 and result["forward"] is None
    assert "bias-gradient-missing" in result["partial"]["b_output"]


def leaky_loss(w: dict, corpus: list[list[int]]) -> float:
    """The loss of a batch whose shorter sentences run on through zero inputs to the longest
    one's end, their output read there (a padding leak), written out here."""
    T, total = max(map(len, corpus)), 0.0
    for ids in corpus:
        h = np.zeros(H)
        for t in range(T):
            x = w["W"][ids[t]] if t < len(ids) else np.zeros(H)
            h = np.tanh(x + h @ w["W_h"] + w["b"])
        o = h @ w["V"] + w["b_output"]
        total -= o[EOS] - np.log(np.exp(o).sum())
    return total / len(corpus)


def test_a_padding_leak_is_named_by_the_forward_check(tmp_path, capsys) -> None:
    w = weights()
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the cat sat on the mat\ncat sat\n")
    g, _ = hand_bptt(w, [IDS, [1, 2]], EOS, mistake="padding-leak")
    loss = leaky_loss(w, [IDS, [1, 2]])
    code, result = run(tmp_path, capsys, w, {**g, "loss": loss}, "--file", str(corpus))
    assert code == 1
    no_fitting(result)
    [said] = result["forward"]["explained_by"]
    assert said.startswith("padding-leak") and result["forward"]["gradients_then"] == "match"
