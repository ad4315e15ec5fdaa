"""What the schema's field-by-field checks cannot say: values that must agree with the run
(tokens and indices with the vocabulary and the sentence, lengths with T, losses and steps in
range), values that must lie in a range to be shown (probabilities, gate products, norms), the
fields the tables read from the run's config, text that reaches the terminal, (what one event
says about another: ``order``). The checks of the sentence events are ``sentence_checks``,
those of a window's events ``window_checks``; what any value must be to be shown,
``value_rules``.

``--replay`` shows nothing a check here has not seen; each problem is one line.
"""

from __future__ import annotations

from typing import Any

from .checks import MAX_INTEGER
from .sentence_checks import (
    blame_problem,
    gates_problem,
    jacobians_problem,
    loss_gradients_problem,
    predictions_problem,
    sentence_of,
)
from .summary import DETAILS, is_summary
from .truncation_event import truncation_problem
from .value_rules import is_count, is_number, text_problem
from .window_checks import chunk_problem, window_problem

CONFIG_EXTRAS: dict[str, tuple[Any, str]] = {
    "truncate": (is_count, "a whole number ≥ 1 or null"),
    "chunks": (is_count, "a whole number ≥ 1 or null"),
    "trace_every": (is_count, "a whole number ≥ 1 or null"),
    "clip": (lambda x: is_number(x) and x > 0, "a finite number above 0 or null"),
    "forget_bias": (is_number, "a finite number or null"),
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


def _token(data: dict[str, Any], run: dict[str, Any]) -> str | None:
    token = sentence_of(data, run)[data["t"] - 1]
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
    errors = [
        *data["max_error"].values(),
        *(data["truncation_error"] or {}).values(),
        *(data["raw_error"] or {}).values(),
    ]
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
    "blame": blame_problem,
    "gates": gates_problem,
    "jacobians": jacobians_problem,
    "loss_gradients": loss_gradients_problem,
    "check": _check,
    "gradients": _gradients,
    "update": _update,
    "train_step": _train_step,
    "predictions": predictions_problem,
    "end": _end,
    "diverged": _diverged,
    "truncation": truncation_problem,
}
