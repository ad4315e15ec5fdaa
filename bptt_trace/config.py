"""The run's configuration: every option that affects the numbers, its choices and defaults.

One source of truth: the command line's choices and defaults, ``Config`` and the schema's
checks of a trace's config all read them from here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

EOS = "<eos>"
"""The token after the sentence: the default target."""

CellName = Literal["rnn", "lstm", "gru"]
Activation = Literal["tanh", "sigmoid", "relu"]
LossMode = Literal["last", "every"]
Detail = Literal["auto", "full", "summary"]
UpdateEvery = Literal["chunk", "sequence"]

CELL_NAMES: tuple[str, ...] = get_args(CellName)
ACTIVATIONS: tuple[str, ...] = get_args(Activation)
LOSS_MODES: tuple[str, ...] = get_args(LossMode)
DETAILS: tuple[str, ...] = get_args(Detail)
UPDATE_EVERY: tuple[str, ...] = get_args(UpdateEvery)

DEFAULT_HIDDEN = 4
DEFAULT_LR = 0.1
DEFAULT_PRECISION = 4
MAX_PRECISION = 17
"""The most decimals --precision shows (a float64 holds 17 significant digits)."""
DEFAULT_FORGET_BIAS = 1.0
DEFAULT_INIT_SCALE = 1.0


@dataclass(frozen=True)
class Config:
    """Every option that affects the numbers; the ``run`` event's "config" is this dict."""

    hidden: int = DEFAULT_HIDDEN
    lr: float = DEFAULT_LR
    seed: int = 0
    activation: Activation = "tanh"
    loss: LossMode = "last"
    target: str = EOS
    steps: int = 1
    trace_every: int | None = None
    truncate: int | None = None
    chunks: int | None = None
    """--chunks K: the time axis cut into chunks of K steps (``core.truncation``); in a
    trace's config only when given, so that other traces read as they always have."""
    tbptt: tuple[int, int] | None = None
    """--tbptt K1:K2 as (K1, K2), a list in the JSON; in a trace's config only when given."""
    update_every: UpdateEvery | None = None
    """--update-every: "chunk" (an update after each window) or "sequence" (one a step, of
    the windows' summed gradient); set, and in a trace's config, only with --chunks or --tbptt."""
    clip: float | None = None
    check: bool = False
    detail: Detail = "auto"
    cell: str = "rnn"
    """The recurrent cell by name (``core.cells``); a trace's config leaves out the default."""
    forget_bias: float = DEFAULT_FORGET_BIAS
    """The LSTM's initial b_f; in a trace's config only for the LSTM."""
    reset_after: bool = False
    """--reset-after: the GRU with its reset gate after the recurrent product (torch's
    nn.GRU); in a trace's config only when true, so that other traces read as they always have."""
    init_scale: float = DEFAULT_INIT_SCALE
    """--init-scale: every initial weight multiplied by it (biases not); in a trace's config
    only when it is not 1, so that traces of the default read as they always have."""
    loaded: dict[str, Any] | None = None
    """--load: where the model came from, ``{"path": …, "updates": n or None}`` (the path
    with its control characters escaped); in a trace's config only for a loaded model."""

    def __post_init__(self) -> None:
        """--update-every's default, "chunk", with --chunks or --tbptt (K1, K2 as a pair); a
        truncation scheme that the command line would refuse is a ValueError here too (one
        line naming it), for a Config made in code."""
        if self.tbptt is not None:
            object.__setattr__(self, "tbptt", tuple(self.tbptt))
        problem = scheme_problem(self)
        if problem is not None:
            raise ValueError(problem)
        if self.update_every is None and (self.chunks is not None or self.tbptt is not None):
            object.__setattr__(self, "update_every", "chunk")

    def traced(self, step: int) -> bool:
        """Whether training step ``step`` is traced in full: the first, the last, every K-th."""
        every = self.trace_every
        return step in (1, self.steps) or (every is not None and step % every == 0)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if data["cell"] == "rnn":  # traces of the vanilla RNN read as they always have
            del data["cell"]
        if self.cell != "lstm":
            del data["forget_bias"]
        if not self.reset_after:
            del data["reset_after"]
        if self.init_scale == DEFAULT_INIT_SCALE:
            del data["init_scale"]
        if self.loaded is None:
            del data["loaded"]
        for scheme_field in ("chunks", "tbptt", "update_every"):  # only when a scheme is used
            if data[scheme_field] is None:
                del data[scheme_field]
        if self.tbptt is not None:
            data["tbptt"] = list(self.tbptt)
        return data


def whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


MAX_K = 1_000_000
"""The largest K (or K2) of --truncate, --chunks and --tbptt: far past any sentence a run can
hold, where every K is full BPTT already."""


def scheme_problem(config: Config) -> str | None:
    """What is wrong with a Config's truncation scheme, or None: at most one of truncate,
    chunks and tbptt; each K a whole number ≥ 1; 1 ≤ K1 ≤ K2; update_every only with chunks
    or tbptt, and "chunk" or "sequence"."""
    given = [name for name in ("truncate", "chunks", "tbptt") if getattr(config, name) is not None]
    if len(given) > 1:
        return f"{' and '.join(given)} are two truncation schemes; give one"
    for name in ("truncate", "chunks"):
        value = getattr(config, name)
        if value is not None and not (whole(value) and 1 <= value <= MAX_K):
            return f"{name} must be a whole number of steps from 1 to {MAX_K:,}, not {value!r}"
    if config.tbptt is not None:
        pair = config.tbptt
        if len(pair) != 2 or not all(whole(k) for k in pair) or not 1 <= pair[0] <= pair[1]:
            return f"tbptt must be (K1, K2) with 1 ≤ K1 ≤ K2, not {pair!r}"
        if pair[1] > MAX_K:
            return f"tbptt's K2 must be at most {MAX_K:,} steps, not {pair[1]!r}"
    if config.update_every is not None:
        if config.chunks is None and config.tbptt is None:
            return "update_every needs chunks or tbptt"
        if config.update_every not in get_args(UpdateEvery):
            return f"update_every must be 'chunk' or 'sequence', not {config.update_every!r}"
    return None
