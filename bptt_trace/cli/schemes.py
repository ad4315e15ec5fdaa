"""--truncate, --chunks, --tbptt and --update-every checked: one scheme at a time, each K a
whole number of steps, K1 ≤ K2; every refusal one line that names the fix."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import MAX_K
from ..errors import InputError
from .number_checks import too_far
from .request import Request

SCHEME_OPTIONS = ("--truncate", "--chunks", "--tbptt")


@dataclass(frozen=True)
class SchemeOptions:
    """The checked values: at most one of ``truncate``, ``chunks``, ``tbptt``; ``update_every``
    set (to its default "chunk" unless given) only with --chunks or --tbptt."""

    truncate: int | None = None
    chunks: int | None = None
    tbptt: tuple[int, int] | None = None
    update_every: str | None = None

    @property
    def window(self) -> int | None:
        """The most time steps a window of --chunks or --tbptt runs (for the memory estimate)."""
        return self.chunks if self.tbptt is None else self.tbptt[1]


def check_schemes(req: Request) -> SchemeOptions:
    """Refuse two schemes at once, a K below 1, K1 > K2, a --tbptt that is not K1:K2, and
    --update-every without --chunks or --tbptt."""
    given = [
        name
        for name, value in zip(SCHEME_OPTIONS, (req.truncate, req.chunks, req.tbptt), strict=True)
        if value is not None
    ]
    if len(given) > 1:
        raise InputError(
            f"{' and '.join(given)} are two truncation schemes; give one of them "
            "(each defines its own gradient)"
        )
    if req.chunks is not None and req.chunks < 1:
        raise InputError(
            f"--chunks must be at least 1 step, not {req.chunks}; give K ≥ 1 (PyTorch's "
            "word_language_model uses 35), or leave it out for full BPTT"
        )
    if req.chunks is not None and req.chunks > MAX_K:
        raise InputError(too_far("--chunks", req.chunks))
    tbptt = parse_tbptt(req.tbptt) if req.tbptt is not None else None
    if req.update_every is not None and req.chunks is None and tbptt is None:
        raise InputError(
            f"--update-every {req.update_every} chooses when --chunks or --tbptt update "
            "(--truncate and full BPTT update once a step); add --chunks K or --tbptt K1:K2, "
            "or leave --update-every out"
        )
    windowed = req.chunks is not None or tbptt is not None
    return SchemeOptions(
        truncate=req.truncate,
        chunks=req.chunks,
        tbptt=tbptt,
        update_every=(req.update_every or "chunk") if windowed else None,
    )


def parse_tbptt(text: str) -> tuple[int, int]:
    """ "K1:K2" as (K1, K2), whole numbers with 1 ≤ K1 ≤ K2."""
    parts = text.split(":")
    shown = text.encode("unicode_escape").decode("ascii")[:40]  # no control sequence shown
    if len(parts) != 2 or not all(part.strip().isdecimal() for part in parts):
        raise InputError(
            f"--tbptt takes K1:K2, two whole numbers of steps such as --tbptt 2:4, not {shown!r}"
        )
    digits = [part.strip().lstrip("0") or "0" for part in parts]
    if any(len(d) > len(str(MAX_K)) for d in digits):  # before int(): 4,301 digits raise
        raise InputError(too_far("--tbptt", f"{parts[0].strip()}:{parts[1].strip()}"))
    k1, k2 = (int(d) for d in digits)
    if k2 > MAX_K or k1 > MAX_K:
        raise InputError(too_far("--tbptt", f"{parts[0].strip()}:{parts[1].strip()}"))
    if k1 < 1:
        raise InputError(
            f"--tbptt {k1}:{k2}: K1 must be at least 1 step; try --tbptt 1:{max(k2, 1)}"
        )
    if k1 > k2:
        raise InputError(
            f"--tbptt {k1}:{k2}: K1 must not exceed K2 (every loss of a window flows back "
            f"K2 − K1 + 1 steps at least); try --tbptt {k2}:{k1}"
        )
    return k1, k2
