"""What the schema's field-by-field checks cannot say: values that must agree with the run
(tokens and indices with the vocabulary and the sentence, lengths with T, losses and steps in
range), values that must lie in a range to be shown (probabilities, gate products, norms), the
fields the tables read from the run's config, text that reaches the terminal, (what one event
says about another: ``order``).

``--replay`` shows nothing a check here has not seen; each problem is one line.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from .checks import MAX_INTEGER
from .summary import DETAILS, is_summary
from .truncation_event import truncation_problem
from .window_checks import chunk_problem, window_problem

MAX_TEXT = 1_000
"""Longest free text (a verdict, a warning, a message) a trace may hold, in characters."""


def _number(x: Any) -> bool:
    if isinstance(x, int) and not isinstance(x, bool):
        return abs(x) <= MAX_INTEGER  # a 401-digit integer is no float
    return isinstance(x, float) and math.isfinite(x)


def _count(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= MAX_INTEGER


def text_problem(text: str) -> str | None:
    """Free text shown as it is: bounded, no control, format or half character in it."""
    if len(text) > MAX_TEXT:
        return f"text of at most {MAX_TEXT:,} characters"
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            return f"text without control characters (it holds U+{ord(ch):04X})"
    return None


CONFIG_EXTRAS: dict[str, tuple[Any, str]] = {
    "truncate": (_count, "a whole number ≥ 1 or null"),
    "chunks": (_count, "a whole number ≥ 1 or null"),
    "trace_every": (_count, "a whole number ≥ 1 or null"),
    "clip": (lambda x: _number(x) and x > 0, "a finite number above 0 or null"),
    "forget_bias": (_number, "a finite number or null"),
    "detail": (lambda x: x in DETAILS, f"one of {', '.join(DETAILS)}"),
    "check": (lambda x: isinstance(x, bool), "true or false"),
}
"""Config fields the tables read besides those every trace has; each may be absent."""


def config_problem(config: dict[str, Any]) -> str | None:
    """The optional config fields, when present, in their types and ranges."""
    for key, (ok, want) in CONFIG_EXTRAS.items():
        value = config.get(key)
        if value is not None and not ok(value):
            return f"run event: config {key!r} should be {want}"
    if not config["lr"] > 0:
        return "run event: config 'lr' should be above 0"
    if config.get("reset_after") is True and config.get("cell") != "gru":
        return "run event: config 'reset_after' is the GRU's, and 'cell' should then be gru"
    schemes = [key for key in ("truncate", "chunks", "tbptt") if config.get(key) is not None]
    if len(schemes) > 1:
        return f"run event: config has two truncation schemes ({', '.join(schemes)})"
    if (config.get("update_every") is not None) != (schemes in (["chunks"], ["tbptt"])):
        return "run event: config 'update_every' goes with 'chunks' or 'tbptt', and only then"
    loaded = config.get("loaded")
    if loaded is not None and text_problem(loaded["path"]):
        return f"run event: config 'loaded' path should be {text_problem(loaded['path'])}"
    for key in ("hidden", "seed", "steps"):
        if config[key] > MAX_INTEGER:
            return f"run event: config {key!r} is too large"
    return None


def event_problem(kind: str, data: dict[str, Any], run: dict[str, Any]) -> str | None:
    """What is wrong with ``data`` (an event that passed its field checks) against ``run``."""
    check = CONSISTENCY.get(kind)
    problem = check(data, run) if check is not None else None
    return None if problem is None else f"{kind} event: {problem}"


def _sentence(data: dict[str, Any], run: dict[str, Any]) -> list[str]:
    return run["sentences"][data["sentence"]]  # type: ignore[no-any-return]


def _token(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    token = _sentence(data, run)[data["t"] - 1]
    if data["token"] != token:
        return f"'token' should be {token!r}, the sentence's token at t = {data['t']}"
    if run["vocab"][data["token_index"]] != token:
        return "'token_index' should be the index of 'token' in the vocabulary"
    return None


def _output(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    if run["vocab"][data["target_index"]] != data["target"]:
        return "'target_index' should be the index of 'target' in the vocabulary"
    y_hat = data["y_hat"]
    if not is_summary(y_hat) and not all(0 <= p <= 1 for p in y_hat):
        return "'y_hat' should hold probabilities between 0 and 1"
    return _losses_ok(data)


def _losses_ok(data: dict[str, Any], run: Any = None) -> str | None:
    return "'loss' should be ≥ 0" if data["loss"] < 0 else None


def _in_sentence(losses: list[int], T: int) -> str | None:
    if not losses or any(not 1 <= s <= T for s in losses) or losses != sorted(set(losses)):
        return f"'losses' should list time steps 1 … {T} in order, each once"
    return None


def _whole(value: Any) -> bool:
    """Whether an array written whole at every detail is whole (holds no summary)."""
    if isinstance(value, dict):
        return False
    return all(_whole(item) for item in value) if isinstance(value, list) else True


def _blame(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    T = len(_sentence(data, run))
    problem = _in_sentence(data["losses"], T)
    if problem:
        return problem
    arrays = [v for k, v in data.items() if k.startswith("matrix")] + [*data["shares"].values()]
    if not all(_whole(a) for a in arrays):
        return "'matrix' and 'shares' are written whole, never as a summary"
    if any(len(a) != len(data["losses"]) for k, a in data.items() if k.startswith("matrix")):
        return "'matrix' should have one row per entry of 'losses'"
    if any(v < 0 for a in arrays for row in a for v in (row if isinstance(row, list) else [row])):
        return "'matrix' and 'shares' hold norms, never below 0"
    return None


def _gates(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    if text_problem(data["carry"]) or not _whole(data["products"]):
        return "'carry' should name a gate and 'products' be a list"
    if not all(0 <= p <= 1 for p in data["products"]):
        return "'products' should hold gate products between 0 and 1"
    for name, shares in data["saturation"].items():
        if text_problem(name) or not (
            isinstance(shares, list) and len(shares) == 2 and all(_number(s) for s in shares)
        ):
            return "'saturation' should map each gate to [share below 0.1, share above 0.9]"
        if not all(0 <= s <= 1 for s in shares):
            return "'saturation' should hold shares between 0 and 1"
    return None


def _jacobians(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    T, norms = len(_sentence(data, run)), data["norms"]
    if not _whole(norms) or not norms:
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


def _loss_gradients(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    T = len(_sentence(data, run))
    problem = _in_sentence(data["losses"], T)
    if problem:
        return problem
    for name, values in data.items():
        if name in ("event", "step", "sentence", "losses"):
            continue
        if not _whole(values) or len(values) != len(data["losses"]):
            return f"{name!r} should hold one gradient per entry of 'losses', never a summary"
    return None


def _check(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    names = set(data["max_error"])
    for field in ("checked", "total", "skipped"):
        counts = data[field]
        if set(counts) != names or not all(
            isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_INTEGER
            for n in counts.values()
        ):
            return f"{field!r} should map each parameter to a count"
    if any(data["checked"][n] > data["total"][n] for n in names):
        return "'checked' should be at most 'total'"
    errors = [*data["max_error"].values(), *(data["truncation_error"] or {}).values()]
    if any(e < 0 for e in errors) or not data["tolerance"] > 0:
        return "errors should be ≥ 0 and 'tolerance' above 0"
    return None


def _update(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    if not data["lr"] > 0 or not 0 < data["scale"] <= 1 or data["grad_norm"] < 0:
        return "'lr' should be above 0, 'scale' in (0, 1] and 'grad_norm' ≥ 0"
    return chunk_problem(data, run)


def _gradients(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    return window_problem(data, run) or _losses_ok(data)


def _train_step(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    return "'grad_norm' should be ≥ 0" if data["grad_norm"] < 0 else _losses_ok(data)


def _predictions(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    tokens, top, targets = data["tokens"], data["top"], data["targets"]
    vocab = set(run["vocab"])
    if tokens != _sentence(data, run):
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


def _end(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    warning = data.get("warning")
    if warning is not None and text_problem(warning):
        return f"'warning' should be {text_problem(warning)}"
    after = data.get("loss_after")
    if after is not None and not after >= 0:
        return "'loss_after' should be ≥ 0 (a cross-entropy)"
    return _losses_ok(data)


def _diverged(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    for name in ("quantity", "message"):
        if text_problem(data[name]):
            return f"{name!r} should be {text_problem(data[name])}"
    return None


CONSISTENCY = {
    "forward": _token,
    "backward": _token,
    "output": _output,
    "blame": _blame,
    "gates": _gates,
    "jacobians": _jacobians,
    "loss_gradients": _loss_gradients,
    "check": _check,
    "gradients": _gradients,
    "update": _update,
    "train_step": _train_step,
    "predictions": _predictions,
    "end": _end,
    "diverged": _diverged,
    "truncation": truncation_problem,
}
