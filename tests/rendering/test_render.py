"""What the tables show for the seed's sentence, checked against independent numbers."""

import io
import itertools

import numpy as np
from oracles import NAMES, hidden_states

from bptt_trace import trace_sentence
from bptt_trace.config import Config
from bptt_trace.rendering.renderer import make_console, render


def rendered(sentence: str = "I like NLP", width: int = 100, **config) -> str:
    buffer = io.StringIO()
    render(trace_sentence(sentence, Config(**config)), make_console(file=buffer, width=width))
    return buffer.getvalue()


def seed_numbers():
    events = list(trace_sentence("I like NLP", Config(lr=0.001)))
    p = {n: np.asarray(events[1].params[n]) for n in NAMES}
    h = hidden_states(p, [0, 1, 2], "tanh")
    o = h[3] @ p["V"] + p["b_output"]
    y_hat = np.exp(o) / np.exp(o).sum()
    return p, h, y_hat


def vec(values) -> str:
    return "[" + " ".join(f"{v:+.4f}" for v in values) + "]"


def lines_with(text: str, needle: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if needle in line]


def test_the_seed_sentence_shows_every_part_of_one_round() -> None:
    text = rendered(lr=0.001)
    for title in (
        "Vocabulary and one-hot inputs xₜ",
        "Forward pass · step 1 · sentence 1",
        "Output and loss · step 1 · sentence 1 · t = 3",
        "Backward pass (BPTT) · step 1 · sentence 1 · ŷ → o → h₃ → h₂ → h₁",
        "Contributions of each time step, running sums",
        "W ← W − α·∂L/∂W   (α = 0.001)",
        "Wʰ ← Wʰ − α·∂L/∂Wʰ",
        "b_output ← b_output − α·∂L/∂b_output",
    ):
        assert title in text, title
    assert "A common shorthand writes “L = ŷ − y”: ŷ − y is ∂L/∂o" in text
    assert "the seed" not in text.lower() and "seed's" not in text  # (--seed's value is fine)


def test_forward_table_shows_the_hidden_states() -> None:
    _, h, _ = seed_numbers()
    text = rendered(lr=0.001)
    row = lines_with(text, "= a₃")[0]
    assert row.endswith(vec(h[3]))


def test_output_shows_the_loss_and_its_gradient_wrt_the_logits() -> None:
    _, _, y_hat = seed_numbers()
    text = rendered(lr=0.001)
    loss = -np.log(y_hat[3])
    assert f"L = −log ŷ[<eos>] = −log {y_hat[3]:.4f} = {loss:.4f}" in text
    eos = next(x.split() for x in lines_with(text, "<eos>") if x.split()[3:4] == ["1"])
    assert eos == ["<eos>", eos[1], f"{y_hat[3]:+.4f}", "1", f"{y_hat[3] - 1:+.4f}"]


def test_backward_table_starts_from_the_output_at_t_equals_T() -> None:
    p, h, y_hat = seed_numbers()
    dh3 = (y_hat - np.eye(4)[3]) @ p["V"].T  # ∂L/∂h₃ = (ŷ − y)·Vᵀ
    da3 = dh3 * (1 - h[3] ** 2)
    text = rendered(lr=0.001)
    assert lines_with(text, "= ∂L/∂h₃ (total)")[0].endswith(vec(dh3))
    assert lines_with(text, "= ∂L/∂a₃")[0].endswith(vec(da3))
    assert lines_with(text, "+ from t = 3 via Wʰ: ∂L/∂a₃·Wʰᵀ")[0].endswith(vec(da3 @ p["W_h"].T))
    assert lines_with(text, "+ from t = 4 via Wʰ")[0].endswith("— none")


def test_tiny_updates_are_explained_not_hidden() -> None:
    assert "below the 4 decimals shown" in rendered(lr=0.00001)
    assert "below the" not in rendered(lr=0.1)


def test_plain_text_when_not_a_terminal() -> None:
    assert "\x1b[" not in rendered()


def test_colour_when_forced() -> None:
    buffer = io.StringIO()
    console = make_console(file=buffer, width=100, force_terminal=True, color_system="standard")
    render(trace_sentence("I like NLP", Config()), console)
    assert "\x1b[" in buffer.getvalue()


def test_fits_a_100_column_terminal() -> None:
    text = rendered(lr=0.001)
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 100


def test_formula_panel_follows_one_entry_from_its_terms_to_the_new_value() -> None:
    events = list(trace_sentence("I like NLP", Config(lr=0.1)))
    grads = next(e for e in events if e.kind == "gradients")
    p = events[1]
    g = np.asarray(grads.grads["W_h"])
    i, j = np.unravel_index(np.argmax(np.abs(g)), g.shape)
    old = np.asarray(p.params["W_h"])[i, j]
    text = rendered(lr=0.1)
    expected = (
        f"Wʰ[{i + 1}, {j + 1}] ← {old:+.4f} − 0.1 × ({g[i, j]:+.4f}) = {old - 0.1 * g[i, j]:+.4f}"
    )
    assert expected in text
    backward = [e for e in events if e.kind == "backward"]
    terms = sorted((e.t, np.outer(e.terms["h_prev"], e.terms["da"])[i, j]) for e in backward)
    assert terms[0][1] == 0  # h₀ = 0: an exact zero (often -0.0) is shown as +0.0000
    shown = [f"({v:+.4f})" if v != 0 else "(+0.0000)" for _, v in terms]
    assert " + ".join(shown) in text


def test_blame_and_jacobian_views_show_the_verdict() -> None:
    text = rendered("the gradient from the last word fades on its way back to the first one")
    assert "Blame matrix ‖∂Lₛ/∂hₖ‖" in text
    assert "Each time step's contribution to each gradient, ‖contribution of time step t‖" in text
    assert "Vanishing or exploding? ‖∂h_T/∂hₖ‖₂" in text
    assert any(
        line.startswith(("vanishing:", "stable:", "exploding:")) for line in text.splitlines()
    )


def test_the_readme_excerpt_is_what_the_tool_prints() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    excerpt = readme.split("An excerpt:\n\n```\n", 1)[1].split("```", 1)[0]
    printed = [line.rstrip() for line in rendered(lr=0.001).splitlines()]
    for line in excerpt.splitlines():
        if line.strip():
            assert line.rstrip() in printed, line


def test_clipping_shows_the_norm_before_clipping_and_the_scale() -> None:
    events = list(trace_sentence("I like NLP", Config(clip=0.1)))
    update = next(e for e in events if e.kind == "update")
    text = rendered(clip=0.1)
    assert f"clipped: ‖∂L/∂θ‖ = {update.grad_norm:.4g} scaled by κ = {update.scale:.4g}" in text


def test_the_readme_python_example_runs(capsys) -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    code = readme.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(code, namespace)
    assert "Backward pass (BPTT)" in capsys.readouterr().out
    assert namespace["grads"].grads["W_h"].shape == (4, 4)


def test_a_backward_title_marks_the_time_steps_its_table_leaves_out() -> None:
    """A long sentence's backward table shows its first and last time steps: the path in its
    title goes h₂₀ → h₁₉ → h₁₈ → … → h₃ → h₂ → h₁, never from h₁₈ straight to h₃."""
    for cell in ("rnn", "lstm"):
        text = rendered(" ".join(f"w{i}" for i in range(20)), width=200, cell=cell)
        title = next(line for line in text.splitlines() if "Backward pass (BPTT)" in line)
        path = title.split(" → ", 2)[2].split(" → ")  # after ŷ and the logits
        shown = [None if step == "…" else int(step[1:].translate(DIGITS)) for step in path]
        assert shown[0] == 20 and shown[-1] == 1 and None in shown, title
        for before, after in itertools.pairwise(shown):
            if before is not None and after is not None:
                assert before - after == 1, title  # a gap is always marked by …


DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
