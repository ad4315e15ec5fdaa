"""The truncation event in a trace: its table at 80 columns, exactly; a trace with it replays
the live run's tables; a tampered event is refused in one line (exit 2); and a --truncate
trace is main's trace with the truncation line added, nothing else changed."""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

from bptt_trace.cli.app import main
from bptt_trace.rendering.renderer import make_console
from bptt_trace.rendering.truncation import truncation_view
from bptt_trace.trace.truncation_event import TruncationEvent

FIXTURES = Path(__file__).parent / "fixtures"
SYMBOLS = {"W": "W", "W_h": "Wʰ", "b": "b", "V": "V", "b_output": "b_output"}


def metric(rel, cos, sign):
    return {"relative_error": rel, "cosine": cos, "sign_agreement": sign}


def sample() -> TruncationEvent:
    """--tbptt 2:3 on a sentence of 4 steps under --loss every, numbers made up."""
    return TruncationEvent(
        step=1,
        sentence=0,
        scheme="tbptt",
        k1=2,
        k2=3,
        losses=[1, 2, 3, 4],
        reach=[1, 2, 3, 2],
        metrics={
            "W": metric(0.125, 0.99, 0.75),
            "W_h": metric(0.5, -0.25, 0.5),
            "b": metric(None, None, 1.0),
            "V": metric(0.0, 1.0, 1.0),
            "b_output": metric(0.0, 1.0, 1.0),
        },
        bias=[
            metric(0.5, 0.8, 0.5),
            metric(0.25, 0.9, 0.75),
            metric(0.125, 0.95, 1.0),
            metric(0.0, 1.0, 1.0),
        ],
    )


def rendered(event: TruncationEvent, width: int = 80) -> str:
    out = io.StringIO()
    console = make_console(file=out, width=width, no_color=True, force_terminal=False)
    console.print(truncation_view(event, SYMBOLS))
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines())


EXPECTED = """\
Truncation · step 1 · --tbptt 2:3: every 2 time steps the last 2 losses flow
back through the last 3 time steps

 θ          relative error   cosine    signs agree
 ─────────────────────────────────────────────────
 W          1.2e-01          +0.9900   75.0%
 Wʰ         5.0e-01          -0.2500   50.0%
 b          —                —         100.0%
 V          0.0e+00          +1.0000   100.0%
 b_output   0.0e+00          +1.0000   100.0%

The gradient of --tbptt 2:3 (summed over its windows at the step's starting
parameters) against full BPTT's of the same losses, over every sentence:
relative error ‖∂L/∂θ of --tbptt 2:3 − ∂L/∂θ of BPTT‖ / ‖∂L/∂θ of BPTT‖. Signs
agree: the share of entries with the true gradient's sign, 0 a sign of its own:
an entry the scheme leaves at 0 where the true one is not 0 disagrees, one 0 in
both agrees (entries near 0, as where a gradient vanishes, flip easily: read it
beside the cosine).

Kept terms · sentence 1: which hₖ each loss's flow reaches

 loss   h₁   h₂   h₃   h₄   reach
 ────────────────────────────────
 L₁     ■    ·    ·    ·    1
 L₂     ■    ■    ·    ·    2
 L₃     ■    ■    ■    ·    3
 L₄     ×    ×    ■    ■    2

■ kept, × cut by --tbptt 2:3, · structurally zero (k > s: Lₛ does not depend on
hₖ). The reach column: how many time steps each loss reaches.

Bias against K · sentence 1: tbptt at every K (K2 = K, K1 = min(2, K)), all of θ

 K   scheme        relative error   cosine    signs agree
 ────────────────────────────────────────────────────────
 1   --tbptt 1:1   5.0e-01          +0.8000   50.0%
 2   --tbptt 2:2   2.5e-01          +0.9000   75.0%
 3   --tbptt 2:3   1.2e-01          +0.9500   100.0%
 4   --tbptt 2:4   0.0e+00          +1.0000   100.0%

Exact, from the terms of each loss at each state; the sentence's own losses.
Signs agree: the share of entries with the true gradient's sign, 0 a sign of its
own: an entry the scheme leaves at 0 where the true one is not 0 disagrees, one
0 in both agrees (entries near 0, as where a gradient vanishes, flip easily:
read it beside the cosine). All of θ includes V and b_output, whose gradients no
scheme changes.
"""


def test_the_truncation_table_at_80_columns():
    assert rendered(sample()) == EXPECTED


def test_every_line_fits_and_no_number_is_cut_at_40_to_200_columns():
    event = sample()
    for width in (40, 60, 80, 120, 200):
        text = rendered(event, width)
        assert all(len(line) <= width for line in text.splitlines())
        for number in ("1.2e-01", "-0.2500", "100.0%", "--tbptt 2:4", "0.0e+00"):
            assert number in text, (width, number)


def test_a_long_sentence_draws_both_ends_and_says_it_has_no_bias_table_past_256_steps():
    T = 300
    event = TruncationEvent(
        step=2,
        sentence=0,
        scheme="chunks",
        k1=35,
        k2=35,
        losses=list(range(1, T + 1)),
        reach=[(s - 1) % 35 + 1 for s in range(1, T + 1)],
        metrics={name: metric(0.5, 0.5, 0.5) for name in SYMBOLS},
        bias=None,
    )
    text = rendered(event)
    assert "h₃₀₀" in text and "L₃₀₀" in text and "…" in text
    # the … column stands for the states between those drawn, the … row for the losses
    flat = " ".join(text.split())
    drawn = re.findall(r"h([₀-₉]+)", text.split("Kept terms")[1].split("\n")[2])
    digits = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
    shown = [int(d.translate(digits)) for d in drawn]
    gap = next(a for a, b in itertools.pairwise(shown) if b != a + 1)
    after = shown[shown.index(gap) + 1]

    def sub(n: int) -> str:
        return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))

    assert f"The … column stands for h{sub(gap + 1)}…h{sub(after - 1)}" in flat
    rows = re.findall(r"^ L([₀-₉]+) ", text, re.MULTILINE)
    losses = [int(r.translate(digits)) for r in rows]
    low = next(a for a, b in itertools.pairwise(losses) if b != a + 1)
    high = losses[losses.index(low) + 1]
    assert f"the … row for L{sub(low + 1)}…L{sub(high - 1)}, folded: not drawn." in flat
    assert "no bias against k" in text.lower().replace("\n", " ")


def test_a_table_with_nothing_folded_has_no_folding_note():
    assert "folded" not in rendered(sample())


@pytest.mark.parametrize("scheme", ["truncate", "chunks", "tbptt"])
def test_the_bias_table_says_which_k_it_varies_and_what_all_of_theta_holds(scheme):
    flat = " ".join(rendered(dataclasses.replace(sample(), scheme=scheme), 120).split())
    varies = {
        "tbptt": "tbptt at every K (K2 = K, K1 = min(2, K))",  # the rows --tbptt 1:1, 2:2, 2:3…
        "chunks": "chunks at every K",
        "truncate": "truncate at every K",
    }[scheme]
    assert f"Bias against K · sentence 1: {varies}, all of θ" in flat
    assert "All of θ includes V and b_output, whose gradients no scheme changes." in flat


def test_the_signs_column_says_an_entry_left_at_zero_lacks_the_true_sign():
    flat = " ".join(rendered(sample(), 120).split())
    says = "Signs agree: the share of entries with the true gradient's sign, 0 a sign of its own: "
    assert (
        flat.count(
            says + "an entry the scheme leaves at 0 where the true one is not 0 "
            "disagrees, one 0 in both agrees"
        )
        == 2
    )  # both tables


def test_the_readme_reads_the_signs_column_as_it_counts():
    text = " ".join((ROOT / "README.md").read_text().split())
    assert "the share of entries with the true gradient's sign" in text
    assert "leaves at exactly 0 where the true one is not 0 does not have it, one 0 in both" in text


def trace_of(args: list[str], capsys) -> list[str]:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize(
    "fixture",
    ["truncate_rnn.jsonl", "truncate_lstm_every.jsonl", "truncate_gru_corpus.jsonl"],
)
def test_a_truncate_trace_is_mains_with_the_truncation_line_added(fixture, capsys, monkeypatch):
    """The commands of tests/truncation/fixtures (made by main's code before the schemes)."""
    readme = (FIXTURES / "README.md").read_text()
    line = next(line for line in readme.splitlines() if f"> {fixture}" in line)
    args = shlex.split(line.split(">")[0])[1:]
    monkeypatch.chdir(FIXTURES)
    lines = trace_of(args, capsys)
    added = [line for line in lines if json.loads(line)["event"] == "truncation"]
    steps = {json.loads(line)["step"] for line in lines if '"event":"gradients"' in line}
    assert len(added) == len(steps) >= 1  # one per traced step
    kept = [line for line in lines if json.loads(line)["event"] != "truncation"]
    assert kept == (FIXTURES / fixture).read_text().splitlines()


def replayed(path: Path, capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--replay", str(path), "--width", "80", "--color", "never"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("scheme", "last"),
    [
        (["--truncate", "2"], "--truncate 5"),
        (["--chunks", "2"], "--chunks 5"),
        (["--tbptt", "2:3", "--steps", "2", "--cell", "gru"], "--tbptt 2:5"),
        (["--chunks", "3", "--update-every", "sequence", "--cell", "lstm"], "--chunks 5"),
    ],
)
def test_a_trace_with_the_event_replays_the_live_tables(scheme, last, tmp_path, capsys):
    args = ["I like NLP very much", *scheme, "--loss", "every", "--width", "80"]
    capsys.readouterr()
    assert main([*args, "--color", "never", "--output", str(tmp_path / "t.jsonl")]) == 0
    live = capsys.readouterr().out
    code, out, _ = replayed(tmp_path / "t.jsonl", capsys)
    assert code == 0 and out == live
    assert "Kept terms · sentence 1" in out and last in out


def tampered(lines: list[str], change) -> list[str]:
    out = []
    for line in lines:
        data = json.loads(line)
        if data["event"] == "truncation":
            change(data)
        out.append(json.dumps(data, ensure_ascii=False))
    return out


def set_(key, value):
    return lambda data: data.__setitem__(key, value)


TAMPERINGS = {
    "reach": set_("reach", [1, 2, 3, 2, 2]),
    "scheme": set_("scheme", "chunks"),
    "k1": set_("k1", 3),
    "losses": set_("losses", [5]),
    "sentence": set_("sentence", 1),
    "metrics": lambda d: d["metrics"]["W"].__setitem__("cosine", 2.0),
    "unknown parameter": lambda d: d["metrics"].__setitem__("\x1b[2J", d["metrics"]["W"]),
    "missing metric": lambda d: d["metrics"]["b"].pop("sign_agreement"),
    "nan": lambda d: d["metrics"]["b"].__setitem__("cosine", "NaN"),
    "bias rows": lambda d: d["bias"].pop(),
    "bias range": lambda d: d["bias"][0].__setitem__("relative_error", -1.0),
    "extra field": set_("blame", [1]),
}


@pytest.mark.parametrize("how", TAMPERINGS)
def test_a_tampered_truncation_event_is_refused_in_one_line(how, tmp_path, capsys):
    lines = trace_of(["I like NLP very much", "--truncate", "2", "--loss", "every"], capsys)
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(tampered(lines, TAMPERINGS[how])) + "\n")
    code, _out, err = replayed(path, capsys)
    assert code == 2, (how, err)
    assert err.count("\n") == 1 and err.startswith("bptt-trace: error: "), err
    assert "truncation" in err and "\x1b" not in err and "Traceback" not in err


def test_a_truncation_event_in_a_run_without_a_scheme_is_refused(tmp_path, capsys):
    with_scheme = trace_of(["I like NLP very much", "--truncate", "2"], capsys)
    event = next(line for line in with_scheme if '"event":"truncation"' in line)
    plain = trace_of(["I like NLP very much"], capsys)
    at = next(i for i, line in enumerate(plain) if '"event":"gradients"' in line)
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join([*plain[:at], event, *plain[at:]]) + "\n")
    code, _, err = replayed(path, capsys)
    assert code == 2 and "names no truncation scheme" in err


ROOT = Path(__file__).parents[2]
EXAMPLE = ["--file", str(ROOT / "sentences" / "long.txt"), "--loss", "every"]


def readme_block(after: str, nth: int = 1) -> list[str]:
    """The lines of the nth ``` block after the line that starts with ``after``."""
    lines = (ROOT / "README.md").read_text().splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith(after))
    for _ in range(nth):
        begin = next(i for i in range(end + 1, len(lines)) if lines[i].startswith("```"))
        end = next(i for i in range(begin + 1, len(lines)) if lines[i].startswith("```"))
    return lines[begin + 1 : end]


def test_the_readmes_worked_example_is_what_the_commands_print(capsys):
    scheme = ["--chunks", "5", "--update-every", "sequence"]
    capsys.readouterr()
    args = [*EXAMPLE, *scheme, "--only", "truncation", "--width", "80", "--color", "never"]
    assert main(args) == 0
    printed = [line.rstrip() for line in capsys.readouterr().out.splitlines()]
    table = readme_block("A worked example on `sentences/long.txt`", 2)
    assert table[0].startswith("Truncation · step 1 · --chunks 5") and len(table) == 11
    start = printed.index(table[0])
    assert printed[start : start + len(table)] == table

    def gradients(args):
        return next(
            json.loads(line) for line in trace_of(args, capsys) if '"event":"gradients"' in line
        )

    full, chunked = gradients(EXAMPLE), gradients([*EXAMPLE, *scheme])
    found = []
    for name in ("W_h", "W", "b"):
        g, f = np.array(chunked[name]), np.array(full[name])
        for i in zip(*np.nonzero(np.sign(g) != np.sign(f)), strict=True):
            found.append(f"{name}{list(map(int, i))}: chunked {g[i]:+.2e}, true {f[i]:+.2e}")
    assert found == readme_block("Two of the 16 entries of ∂L/∂Wʰ", 2)


def test_past_its_budget_the_bias_is_left_out_and_the_trace_still_replays(
    tmp_path, capsys, monkeypatch
):
    from bptt_trace.core import truncation_terms

    monkeypatch.setattr(truncation_terms, "BIAS_WORK", 0)
    args = ["I like NLP very much", "--chunks", "2", "--loss", "every"]
    lines = trace_of(args, capsys)
    event = next(json.loads(line) for line in lines if '"event":"truncation"' in line)
    assert event["bias"] is None and event["metrics"]["W"]["relative_error"] > 0
    (tmp_path / "t.jsonl").write_text("\n".join(lines) + "\n")
    code, out, _ = replayed(tmp_path / "t.jsonl", capsys)
    assert code == 0 and "No bias against K here" in " ".join(out.split())


def test_the_bias_is_affordable_at_the_benchmarks_size_and_not_for_a_wide_lstm():
    from bptt_trace.core.truncation_terms import affordable

    assert affordable(256, 256, 128, 128)  # the vanilla RNN at T = 256, H = 128, every loss
    assert affordable(256, 1, 256, 512)  # the LSTM there under --loss last: one loss
    assert not affordable(256, 256, 256, 512)  # and under --loss every
    assert not affordable(257, 1, 4, 4)  # longer than 256 steps


def test_the_json_schema_accepts_the_truncation_event_and_refuses_a_malformed_one(capsys):
    import jsonschema

    capsys.readouterr()
    assert main(["--schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    lines = trace_of(["I like NLP very much", "--tbptt", "2:3", "--loss", "every"], capsys)
    trace = [json.loads(line) for line in lines]
    event = next(e for e in trace if e["event"] == "truncation")
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate(event)
    jsonschema.Draft202012Validator({**schema, "$ref": "#/$defs/trace"}).validate(trace)
    for broken in ({**event, "reach": "far"}, {**event, "extra": 1}, {**event, "metrics": []}):
        assert not validator.is_valid(broken)


@pytest.mark.parametrize("loss", ["last", "every"])
def test_the_bias_table_says_why_its_rows_repeat_with_one_loss(loss, capsys):
    """Under --loss last every K with the same reach of the one loss has the same row (the
    table is not monotone in K); the caption says so then, and only then."""
    args = [*EXAMPLE, "--chunks", "2", "--loss", loss, "--only", "truncation", "--width", "80"]
    assert main([*args, "--color", "never", "--no-pager"]) == 0
    flat = " ".join(capsys.readouterr().out.split())
    says = "With one loss (--loss last) a scheme's gradient is fixed by how far that loss reaches"
    assert (says in flat) == (loss == "last")
