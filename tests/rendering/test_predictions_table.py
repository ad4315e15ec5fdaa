"""The predictions table on sample data: aligned columns, and a note on the sentences left out."""

import io

from bptt_trace.config import Config
from bptt_trace.rendering.renderer import make_console
from bptt_trace.rendering.training import predictions_table
from bptt_trace.trace.events import PredictionsEvent
from bptt_trace.trace.loop import run

BEFORE = [
    PredictionsEvent(
        0,
        0,
        ["I", "like"],
        [
            [["like", 0.2588], ["NLP", 0.2574], ["<eos>", 0.2514]],
            [["NLP", 0.2732], ["<eos>", 0.2718], ["like", 0.2462]],
        ],
        [None, "<eos>"],
    ),
    PredictionsEvent(
        0, 1, ["recurrent"], [[["recurrent", 0.5], ["I", 0.3], ["a", 0.2]]], ["<eos>"]
    ),
]
AFTER = [
    PredictionsEvent(
        200,
        0,
        ["I", "like"],
        [
            [["<eos>", 0.9973], ["NLP", 0.0010], ["like", 0.0009]],
            [["<eos>", 0.9999], ["I", 2.6658e-05], ["NLP", 2.5661e-05]],
        ],
        [None, "<eos>"],
    ),
    PredictionsEvent(
        200, 1, ["recurrent"], [[["<eos>", 0.99], ["I", 0.006], ["recurrent", 0.004]]], ["<eos>"]
    ),
]


def table_text(before=BEFORE, after=AFTER, sentences: int | None = None, width: int = 100) -> str:
    console = make_console(file=io.StringIO(), width=width)
    console.print(predictions_table(before, after, 4, sentences))
    return console.file.getvalue()


def test_tokens_and_probabilities_line_up_down_each_column() -> None:
    # before: tokens padded to "recurrent" (9); after: also 9, and probabilities right-aligned
    # to the widest, 2.6658e-05 (a probability that 4 decimals would show as 0.0000)
    lines = [line.rstrip() for line in table_text().splitlines()]
    assert lines[4:16] == [
        " 1          1   I           —        like      0.2588   <eos>         0.9973",
        "                                     NLP       0.2574   NLP           0.0010",
        "                                     <eos>     0.2514   like          0.0009",
        "            2   like        <eos>    NLP       0.2732   <eos>         0.9999",
        "                                     <eos>     0.2718   I         2.6658e-05",
        "                                     like      0.2462   NLP       2.5661e-05",
        "",
        " 2          1   recurrent   <eos>    recurrent 0.5000   <eos>         0.9900",
        "                                     I         0.3000   I             0.0060",
        "                                     a         0.2000   recurrent     0.0040",
        "",
        "ŷₜ is read out at every t; only the time steps with a target have a loss.",
    ]


def test_tokens_are_padded_by_their_width_on_screen() -> None:
    before = [PredictionsEvent(0, 0, ["x"], [[["日本", 0.6], ["a", 0.4]]], ["a"])]
    after = [PredictionsEvent(9, 0, ["x"], [[["a", 0.7], ["日本", 0.3]]], ["a"])]
    lines = [line.rstrip() for line in table_text(before, after).splitlines()]
    assert lines[4:6] == [
        " 1          1   x    a        日本 0.6000   a    0.7000",
        "                              a    0.4000   日本 0.3000",
    ]


def test_the_sentences_left_out_are_named_with_what_the_json_holds() -> None:
    text = " ".join(table_text(sentences=12).split())
    assert (
        "Sentences 3–12 (10 of 12) are not shown: predictions are made only for the first 2, "
        "the sentences a step traces in full, and the JSON trace holds only those "
        "(--detail full traces all)."
    ) in text
    for sentences in (None, 2):
        assert "not shown" not in table_text(sentences=sentences)


def test_the_trace_holds_predictions_for_the_traced_sentences_only() -> None:
    # what the note says: with 10 sentences, events for the first 8 (all under --detail full)
    corpus = [["I", "like", "NLP"]] * 10
    for detail, traced in (("auto", 8), ("full", 10)):
        events = [e for e in run(corpus, Config(steps=2, detail=detail)) if e.kind == "predictions"]
        assert sorted({e.sentence for e in events}) == list(range(traced))
        assert sorted({e.step for e in events}) == [0, 2]
