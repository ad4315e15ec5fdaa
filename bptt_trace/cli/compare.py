"""The options that check rather than trace: ``--compare`` (your BPTT against the trace's),
``--diff`` (two traces) and ``--schema`` (the JSON Schema of a trace line).

Exit codes: 0 equal / matching, 1 a difference found, 2 bad input.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, shortened
from .messages import error


@dataclass(frozen=True)
class CheckRequest:
    sentence: str | None
    file: Path | None
    init: Path | None
    layout: str
    compare: Path | None
    diff: tuple[Path, Path] | None
    schema: bool
    tolerance: float
    activation: str | None
    loss: str
    target: str | None
    json_out: bool
    hidden: int | None = None
    cell: str = "rnn"
    reset_after: bool = False
    grads_transposed: bool = False
    scheme: tuple[int | None, int | None, str | None] = (None, None, None)
    """--truncate, --chunks, --tbptt as given: the gradients --compare checks are the scheme's."""
    others: tuple[str, ...] = ()
    """Options given that these modes do not use (refused)."""
    no_pager: bool = False
    """--diff's tables straight to the terminal, never through the pager."""
    color: str = "auto"
    width: int | None = None
    """--color and --width of --diff's and --compare's tables."""


def from_options(options: dict[str, Any]) -> int:
    """Run the mode from the command line's option values (by parameter name, with the
    Click context as ``ctx``); the exit code. The options the mode does not use
    (``uses.USES``) are refused."""
    from .uses import MODE_OPTIONS, given_parameters, ignored

    def value(name: str) -> Any:
        option = options[name]
        return getattr(option, "value", option)

    given = given_parameters(options["ctx"]) if options.get("ctx") is not None else []
    modes = [flag for name, flag in MODE_OPTIONS.items() if options.get(name)]
    return dispatch(
        CheckRequest(
            sentence=options["sentence"],
            file=options["file"],
            init=options["init"],
            layout=value("layout"),
            compare=options["compare"],
            diff=options["diff"],
            schema=options["schema"],
            tolerance=options["tolerance"],
            activation=value("activation"),
            loss=value("loss"),
            target=options["target"],
            json_out=options["json_out"],
            hidden=options["hidden"],
            cell=value("cell"),
            reset_after=options.get("reset_after", False),
            grads_transposed=options["grads_transposed"],
            scheme=(options.get("truncate"), options.get("chunks"), options.get("tbptt")),
            others=tuple(ignored(modes[0], given)) if modes else (),
            no_pager=options.get("no_pager", False),
            color=value("color") if "color" in options else "auto",
            width=options.get("width"),
        )
    )


def dispatch(req: CheckRequest) -> int:
    """The mode's exit code: 0 equal or matching, 1 a difference, 2 bad input (one line);
    stdout's failures are settled by the program's entry point (files.stdio.settle)."""
    try:
        modes = [
            name
            for name, on in (
                ("--compare", req.compare),
                ("--diff", req.diff),
                ("--schema", req.schema),
            )
            if on
        ]
        if len(modes) > 1:
            raise InputError(f"{' and '.join(modes)} are separate modes; give one of them")
        if req.others:
            raise InputError(
                f"{modes[0]} does not use {', '.join(req.others)}; leave "
                f"{'them' if len(req.others) > 1 else 'it'} out"
            )
        if req.schema:
            return schema(req)
        if req.diff is not None:
            return diff(req)
        return compare(req)
    except InputError as err:
        error(str(err))
        return 2
    except BrokenPipeError:
        return 141


def compare(req: CheckRequest) -> int:
    from ..files.inputs import read_sentences
    from ..files.jsonl import json_document
    from ..files.user_bptt import compare_files
    from .checks import check_target

    assert req.compare is not None
    if req.init is None:
        raise InputError("--compare needs the weights the gradients were computed at: add --init")
    corpus = read_sentences(req.sentence, req.file)
    target = check_target(req.target)
    scheme = compared_scheme(*req.scheme)
    result = compare_files(  # every key and shape checked from the headers, then read
        req.init,
        req.compare,
        corpus,
        req.layout,
        req.activation or "tanh",
        req.loss,
        target,
        req.cell,
        req.reset_after,
        req.grads_transposed,
        scheme,
        lambda vocab_size, hidden: fits(req, corpus, vocab_size, hidden),
    )
    if req.json_out:
        print(json_document(result.to_json()))
    else:
        from ..rendering.compare import compare_view
        from ..rendering.terminal import terminal_console

        terminal_console(req.color, width=req.width).print(compare_view(result))
    return result.exit_code


COMPARE_COPIES = 6
"""θ-sized float64 arrays a comparison holds beyond a run's traced step: the user's weights
and gradients as read and in float64, the parameters the rounding noise moves and their
gradients, a mistake's. Measured (peak resident memory, ``/usr/bin/time``) on the LSTM in the
torch layout at float32: 377 MB at H = 1000 and 1,830 MB at H = 2500, 8.6 θ a step up in H;
10.7 θ from H = 300 to 900 (tests/cli/test_compare_memory.py), where a run's estimate counts
5.3: the estimate was half the peak, and H = 2500 ended in a MemoryError under a 1.5 GB
cap. With 6 it grows 11.3 θ, and H = 2500 is estimated at 2.2 GB."""


def fits(req: CheckRequest, corpus: list[list[str]], vocab_size: int, hidden: int) -> None:
    """Refuse, from the files' headers, a comparison that would not fit in memory
    (``compare_bytes``)."""
    from ..core.cells import make_cell
    from .memory_checks import MAX_RUN_BYTES, gigabytes

    cell = make_cell({"cell": req.cell, "reset_after": req.reset_after})
    total = compare_bytes(cell, vocab_size, hidden, [len(sentence) for sentence in corpus])
    if total > MAX_RUN_BYTES:
        raise InputError(
            f"--init {req.init}: gradients of H = {hidden} over |vocab| = {vocab_size:,} would "
            f"hold about {gigabytes(total)} GB of memory at once to compare, more than the "
            f"limit of {MAX_RUN_BYTES / 1e9:.1f} GB; compare a smaller model's"
        )


def compare_bytes(cell: Any, vocab_size: int, hidden: int, lengths: list[int]) -> int:
    """What a comparison holds at once: a run's traced step (the parameters, their gradients
    and copies, estimated as a run's: ``core.footprint``) and ``COMPARE_COPIES`` more θ."""
    from ..core.footprint import run_bytes
    from ..core.model import parameter_count

    step = run_bytes(cell, vocab_size, hidden, lengths, None, False, "auto", False, None)
    return sum(step.values()) + COMPARE_COPIES * 8 * parameter_count(cell, vocab_size, hidden)


def compared_scheme(truncate: int | None, chunks: int | None, tbptt: str | None) -> Any:
    """The scheme --compare checks the gradients as (None: full BPTT), refused as a run
    refuses it (two at once, a K below 1, --tbptt not K1:K2 or K1 > K2)."""
    from types import SimpleNamespace

    from ..core.truncation import scheme_of
    from .schemes import check_schemes

    if truncate is not None and truncate < 1:
        raise InputError(f"--truncate must be at least 1 step, not {truncate}; try --truncate 3")
    given = SimpleNamespace(truncate=truncate, chunks=chunks, tbptt=tbptt, update_every=None)
    return scheme_of(check_schemes(given))  # type: ignore[arg-type]


def diff(req: CheckRequest) -> int:
    from ..files.jsonl import json_document
    from ..files.trace_reader import read_trace
    from ..trace.diff import diff_traces

    assert req.diff is not None
    if not (math.isfinite(req.tolerance) and req.tolerance > 0):
        raise InputError(
            f"--tolerance must be a finite number above 0, not {req.tolerance}; try 1e-9"
        )
    first, second = (read_trace(path, "--diff") for path in req.diff)
    result = diff_traces(first, second, req.tolerance)
    if req.json_out:
        print(json_document(result.to_json()))
        return 0 if result.equal else 1
    from ..rendering.diff import diff_view
    from ..rendering.terminal import terminal_console
    from .pager import pager_ready, paging

    with paging(not req.no_pager and pager_ready()) as code:  # longer than the screen: paged
        terminal_console(req.color, width=req.width).print(diff_view(result, *map(str, req.diff)))
    return code[0] or (0 if result.equal else 1)


def schema(req: CheckRequest) -> int:
    """The schema of any trace; with a SENTENCE (or --file) and --hidden, of that run's sizes."""
    from ..config import DEFAULT_HIDDEN
    from ..core.tokens import build_vocab
    from ..files.inputs import read_sentences
    from ..trace.json_schema import trace_line_schema
    from .checks import check_target

    sizes = {} if req.hidden is None else {"H": req.hidden}
    if req.sentence is not None or req.file is not None:
        corpus = read_sentences(req.sentence, req.file)
        vocab = build_vocab(corpus, check_target(req.target))
        sizes = {"V": len(vocab), "H": DEFAULT_HIDDEN if req.hidden is None else req.hidden}
    if sizes.get("H", 1) < 1:
        raise InputError(f"--hidden must be at least 1, not {req.hidden}; try --hidden 4")
    from .memory_checks import MAX_RUN_BYTES

    if 8 * sizes.get("H", 1) ** 2 > MAX_RUN_BYTES:  # Wʰ alone: no run writes such a trace
        raise InputError(
            f"--hidden {shortened(str(req.hidden))}: no run of that size fits in memory (Wʰ "
            f"alone past the limit of {MAX_RUN_BYTES / 1e9:.1f} GB); give the trace's --hidden"
        )
    text = json.dumps(trace_line_schema(sizes=sizes), ensure_ascii=False, indent=1)
    sys.stdout.write(text + "\n")  # whole, in one write
    return 0
