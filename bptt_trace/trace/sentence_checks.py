"""The checks of the events that speak of one sentence as a whole (``sentence_events``):
blame, gates, Jacobian norms, per-loss gradients and predictions, against the run
(``consistency``)."""

from __future__ import annotations

from typing import Any

from .value_rules import is_number, is_whole, text_problem


def sentence_of(data: dict[str, Any], run: dict[str, Any]) -> list[str]:
    """The tokens of the event's sentence."""
    return run["sentences"][data["sentence"]]  # type: ignore[no-any-return]


def in_sentence(losses: list[int], T: int) -> str | None:
    """Losses at time steps 1 … T, in order, each once."""
    if not losses or any(not 1 <= s <= T for s in losses) or losses != sorted(set(losses)):
        return f"'losses' should list time steps 1 … {T} in order, each once"
    return None


def blame_problem(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    T = len(sentence_of(data, run))
    problem = in_sentence(data["losses"], T)
    if problem:
        return problem
    arrays = [v for k, v in data.items() if k.startswith("matrix")] + [*data["shares"].values()]
    if not all(is_whole(a) for a in arrays):
        return "'matrix' and 'shares' are written whole, never as a summary"
    if any(len(a) != len(data["losses"]) for k, a in data.items() if k.startswith("matrix")):
        return "'matrix' should have one row per entry of 'losses'"
    if any(v < 0 for a in arrays for row in a for v in (row if isinstance(row, list) else [row])):
        return "'matrix' and 'shares' hold norms, never below 0"
    return None


def gates_problem(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    if text_problem(data["carry"]) or not is_whole(data["products"]):
        return "'carry' should name a gate and 'products' be a list"
    if not all(0 <= p <= 1 for p in data["products"]):
        return "'products' should hold gate products between 0 and 1"
    for name, shares in data["saturation"].items():
        if text_problem(name) or not (
            isinstance(shares, list) and len(shares) == 2 and all(is_number(s) for s in shares)
        ):
            return "'saturation' should map each gate to [share below 0.1, share above 0.9]"
        if not all(0 <= s <= 1 for s in shares):
            return "'saturation' should hold shares between 0 and 1"
    return None


def jacobians_problem(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    T, norms = len(sentence_of(data, run)), data["norms"]
    if not is_whole(norms) or not norms:
        return "'norms' should be a list of at least one number, never a summary"
    if not 1 <= data["first"] <= T or data["first"] + len(norms) - 1 != T:
        return f"'norms' should run from k = 'first' to T = {T}, one norm each"
    numbers = [*norms, data["sigma_max"], data["spectral_radius"], data["end_to_end"], data["rate"]]
    if any(v < 0 for v in numbers):
        return "norms, sigma_max, spectral_radius, end_to_end and rate are never below 0"
    for name in ("verdict", "cause"):
        if data[name] is not None and text_problem(data[name]):
            return f"{name!r} should be {text_problem(data[name])}"
    return None


def loss_gradients_problem(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    T = len(sentence_of(data, run))
    problem = in_sentence(data["losses"], T)
    if problem:
        return problem
    for name, values in data.items():
        if name in ("event", "step", "sentence", "losses"):
            continue
        if not is_whole(values) or len(values) != len(data["losses"]):
            return f"{name!r} should hold one gradient per entry of 'losses', never a summary"
    return None


def predictions_problem(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    tokens, top, targets = data["tokens"], data["top"], data["targets"]
    vocab = set(run["vocab"])
    if tokens != sentence_of(data, run):
        return "'tokens' should be the tokens of its sentence"
    if len(top) != len(tokens) or len(targets) != len(tokens):
        return "'top' and 'targets' should have one entry per token"
    k = len(top[0]) if top else 0
    if not 1 <= k <= len(vocab) or any(len(row) != k for row in top):
        return "'top' should list the same number (≥ 1) of tokens at every t"
    for row in top:
        for token, p in row:
            if token not in vocab or not 0 <= p <= 1:
                return "'top' should pair tokens of the vocabulary with probabilities"
    if any(target is not None and target not in vocab for target in targets):
        return "'targets' should be tokens of the vocabulary or null"
    return None
