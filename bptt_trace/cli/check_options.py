"""The options of the panels "Check your own BPTT" (--init, --compare, --diff, --schema) and
"Exercise" (issue 23) in --help. ``options`` has the others and the way options are made."""

from pathlib import Path
from typing import Annotated, Literal

from .options import CHECK, flag, option

Layout = Literal["rows", "torch", "keras"]

Init = Annotated[
    Path | None, option(CHECK, "Start from your own weights (.npz in --layout).", "FILE")
]
LayoutChoice = Annotated[
    Layout, option(CHECK, "The layout of --init and --compare: rows (the tables'), torch, keras.")
]
Compare = Annotated[
    Path | None,
    option(
        CHECK, "Check your gradients (.npz) of --init's weights; exit 1 if they differ.", "FILE"
    ),
]
GradsTransposed = Annotated[
    bool,
    flag(
        CHECK,
        "Your code stores each gradient matrix of --compare transposed to its weight "
        "(a square one too): compare them so.",
        "--grads-transposed",
    ),
]
Diff = Annotated[
    tuple[Path, Path] | None,
    option(CHECK, "Compare two traces event by event; exit 1 if they differ.", "A B"),
]
Tolerance = Annotated[
    float,
    option(
        CHECK,
        "The relative tolerance of --diff (the default below); with --exercise, an answer's "
        "(without it: half a unit of the last shown decimal, or 1e-3 relative, the larger).",
        "R",
    ),
]
Schema = Annotated[bool, flag(CHECK, "Print the JSON Schema of a trace line.", "--schema")]

# Exercise mode (issue 23): one block, so that it merges apart from the other options.
EXERCISE = "Exercise"
ExerciseView = Literal["forward", "backward", "contributions", "update"]
Exercise = Annotated[
    ExerciseView | None,
    option(
        EXERCISE,
        "Show VIEW (forward, backward, contributions or update) of the first traced step with "
        "cells hidden as blanks [?A], [?B], … to compute by hand, and check the answers (at a "
        "prompt on a terminal, else from standard input or --answers); --json: the exercise "
        "as JSON, never its answers. --answers or --blanks alone: backward.",
        "VIEW",
    ),
]
Blanks = Annotated[
    int,
    option(
        EXERCISE,
        "How many blanks the exercise has (1 to 26); fewer when the view has fewer numbers "
        "that can be hidden at once (the exercise says so).",
        "N",
    ),
]
Answers = Annotated[
    Path | None,
    option(EXERCISE, 'Check the answers in FILE, JSON: {"A": \\[numbers], …}.', "FILE"),
]
ExerciseKey = Annotated[
    Path | None,
    option(EXERCISE, "Write the exercise's answer key (JSON) to FILE, for the teacher.", "FILE"),
]
