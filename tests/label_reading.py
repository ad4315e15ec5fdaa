"""Reading a table label as the formula it is: each symbol with its time index becomes the
quantity ``named_quantities`` computed for that name and that time step, and ``∂L/∂X`` the
derivative of the loss with respect to X, so that a label can be evaluated and held against
the number printed beside it.

The grammar is the tables' own: ``·`` a product of row vectors and matrices, ``⊙`` entrywise,
``ᵀ`` a transpose, ``²`` a square, ``σ``, ``tanh``, ``f′``, ``log``, ``softmax``, ``Σ … gate …``
a sum over the cell's gates, ``X[yₜ]`` the entry of the target; a subscript ``ₜ`` is the row's
time step (``ₜ₋₁``, ``ₜ₊₁`` the ones beside it), a symbol without one (a_z) the row's own. Text
before a colon is prose (``the output at t:``), as is a trailing ``(total)``; ``from t = K
via …`` says that the row is the part of ∂L/∂hₖ₋₁ that flows through time step K, and that the
symbols without a time index after it are time step K's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
from named_quantities import Sentence, sigmoid

SUBSCRIPT = "₀₁₂₃₄₅₆₇₈₉"
INDEX = r"(?:[₀-₉]+|ₜ₋₁|ₜ₊₁|ₜ)"
SYMBOL_TEXT = r"(ŷ|h̃|[A-Za-z])(ʰ)?(_[A-Za-z]+)?(" + INDEX + r")?"
SYMBOL = re.compile(SYMBOL_TEXT)
"""A symbol: its letter, ʰ, a gate's _z, and a time index (₃, ₜ, ₜ₋₁)."""
DERIVATIVE = re.compile(
    r"∂L(?P<loss>" + INDEX + r")?/∂(?:\((?P<inner>[^()]*)\)"
    r"|(?P<symbol>(?:ŷ|h̃|[A-Za-z])ʰ?(?:_[A-Za-z]+)?" + INDEX + r"?))"
)
"""∂L/∂X, ∂Lₛ/∂X (this sentence's own loss at s), ∂L/∂(rₜ⊙hₜ₋₁)."""
LOSS = re.compile(r"L(" + INDEX + r")")
NUMBER = re.compile(r"\d+")
FUNCTIONS = {
    "tanh²": lambda a: np.tanh(a) ** 2,
    "tanh": np.tanh,
    "softmax": lambda a: np.exp(a - a.max()) / np.exp(a - a.max()).sum(),
    "log": np.log,
    "σ": sigmoid,
    "f′": lambda a: 1.0 - np.tanh(a) ** 2,  # the vanilla RNN's tanh
}
OPERATORS = {"·": "@", "⊙": "*", "−": "-", "+": "+", "/": "/", "ᵀ": ".T", "²": "**2", ")": ")"}
OPERATORS |= {"[": "@ (", "]": ").T"}
LOGITS = {"rnn": "o", "lstm": "v", "gru": "o", "gru-reset-after": "o"}
"""The logits' symbol in each cell: oₜ as the derivation writes them, vₜ for the LSTM, whose
oₜ is its output gate."""

STATES = ("h", "c")
"""The only quantities that exist at t = 0 (h₀ = c₀ = 0)."""

GATES = {
    "rnn": {"a": "a"},
    "lstm": {"i": "i", "f": "f", "g": "g", "o": "o", "c": "c"},
    "gru": {"z": "z", "r": "r", "h̃": "n"},
    "gru-reset-after": {"z": "z", "r": "r", "h̃": "n"},
}
GATE_LETTERS = {"rnn": (), "lstm": "ifgo", "gru": "zrn", "gru-reset-after": "zrn"}


class Missing(Exception):
    """The label names a quantity that does not exist for this row (after the last step, or
    a target where there is no output): its number must be shown as none."""


class LabelError(AssertionError):
    """The label names something that never exists (r₀, a time index below 0, a symbol no
    cell has)."""


def index_of(sub: str, t: int) -> int:
    if sub == "ₜ":
        return t
    if sub == "ₜ₋₁":
        return t - 1
    if sub == "ₜ₊₁":
        return t + 1
    return int("".join(str(SUBSCRIPT.index(ch)) for ch in sub))


def check_indices(label: str, sentence: Sentence) -> None:
    """No time index below 0, none at 0 but for h₀ and c₀ (what else would r₀ be?)."""
    if re.search(r"(?<![ₜₛₖⱼ])₋[₀-₉]", label):
        raise LabelError(f"{label!r} names a time index below 0")
    for m in SYMBOL.finditer(label):
        base, sub = m.group(1), m.group(4)
        if sub is None or sub[0] not in SUBSCRIPT:
            continue
        k = index_of(sub, 0)
        if k == 0 and base not in STATES:
            raise LabelError(f"{label!r} names {m.group(0)}: nothing but h₀, c₀ is at t = 0")


class Reader:
    """Evaluates labels for the rows of one sentence of a run."""

    def __init__(self, sentence: Sentence, symbols: Mapping[str, str]) -> None:
        self.s = sentence
        self.params = {symbol: name for name, symbol in symbols.items()}
        self.cache: dict[tuple[str, int, int | None], np.ndarray] = {}

    def quantity(self, name: str, k: int) -> np.ndarray:
        if k < 0:
            raise LabelError(f"time index {k} < 0")
        if k == 0 and name not in STATES:
            raise LabelError(f"{name} at t = 0 does not exist")
        if (name, k) not in self.s.values:
            raise Missing(f"{name} at {k}")
        return self.s.values[name, k][None, :]

    def derivative(self, name: str, k: int, loss: int | None) -> np.ndarray:
        if (k < 1 and name not in STATES) or k > self.s.T or (loss and loss not in self.s.losses):
            raise Missing(f"∂L/∂{name} at {k}")
        key = (name, k, loss)
        if key not in self.cache:
            self.cache[key] = self.s.derivative(name, k, loss)[None, :]
        return self.cache[key]

    def resolve(self, m: re.Match, t: int) -> tuple[str, Any]:
        """A symbol: ('param', array), ('number', B) or ('quantity', (name, k))."""
        base, sup, suffix, sub = m.group(1), m.group(2) or "", m.group(3) or "", m.group(4)
        whole = base + sup + suffix
        if sub is None and whole in self.params:
            return "param", np.asarray(self.s.p[self.params[whole]])
        if whole == "B" and sub is None:
            return "number", np.full((1, 1), float(self.s.B))
        k = t if sub is None else index_of(sub, t)
        names = {"x": "x", "h": "h", "ŷ": "y_hat", "y": "y", LOGITS[self.s.cell]: "logits"}
        names.update(GATES[self.s.cell])
        if base == "a" and suffix and self.s.cell != "rnn":
            return "quantity", (f"a{suffix}", k)
        if whole in names:
            return "quantity", (names[whole], k)
        raise LabelError(f"unknown symbol {m.group(0)!r}")

    def compound(self, inner: str, t: int) -> tuple[str, int]:
        """∂L/∂(rₖ⊙hₖ₋₁): the product the GRU forms before Wʰ_n, at step k."""
        m = re.fullmatch(r"r(" + INDEX + r")\s*⊙\s*h(" + INDEX + r")", inner)
        if m and self.s.cell == "gru":
            k, j = index_of(m.group(1), t), index_of(m.group(2), t)
            if j == k - 1:
                return "rh", k
        raise LabelError(f"∂L/∂({inner}) names no quantity of the {self.s.cell}")

    def evaluate(self, text: str, t: int) -> np.ndarray:
        """The value of a label's formula at row t (Missing if it names what does not exist)."""
        scope: dict[str, Any] = {}
        source = self.python(text, t, scope)
        try:
            return np.asarray(eval(source, {"__builtins__": {}}, scope), dtype=float)
        except (SyntaxError, ValueError, TypeError) as error:
            raise LabelError(f"cannot evaluate {text!r} ({source}): {error}") from error

    def python(self, text: str, t: int, scope: dict[str, Any]) -> str:
        """The formula as Python: each symbol, derivative, loss, number and function a name in
        ``scope`` bound to its value, each operator Python's (· @, ⊙ *, ᵀ .T, ² **2, X[y] X·yᵀ),
        a product where two values meet (z₂(1 − z₂))."""
        text = expand_sums(text, GATE_LETTERS[self.s.cell])
        text = re.sub(r"log (\S+)", r"log(\1)", text)  # −log ŷₜ[yₜ]
        out: list[str] = []
        after_value = False  # whether the last piece ends a value

        def value(bound: Any, starts: bool = True) -> None:
            nonlocal after_value
            name = f"v{len(scope)}"
            scope[name] = bound
            out.extend(["*", name] if after_value and starts else [name])
            after_value = not callable(bound)

        pos = 0
        while pos < len(text):
            if text[pos] == " ":
                pos += 1
            elif m := DERIVATIVE.match(text, pos):
                loss = index_of(m["loss"], t) if m["loss"] else None
                if m["inner"] is not None:
                    name, k = self.compound(m["inner"], t)
                else:
                    kind, what = self.resolve(SYMBOL.fullmatch(m["symbol"]), t)
                    if kind != "quantity":
                        raise LabelError(f"∂L/∂ of a parameter in a time step's row: {text!r}")
                    name, k = what
                value(self.derivative(name, k, loss))
                pos = m.end()
            elif m := LOSS.match(text, pos):
                k = index_of(m[1], t)
                if k not in self.s.losses:
                    raise Missing(f"L at {k}")
                value(np.full((1, 1), self.s.losses[k]))
                pos = m.end()
            elif word := next((w for w in FUNCTIONS if text.startswith(w, pos)), None):
                value(FUNCTIONS[word])
                pos += len(word)
            elif m := NUMBER.match(text, pos):
                value(np.full((1, 1), float(m[0])))
                pos = m.end()
            elif text[pos] == "(":
                out.extend(["*", "("] if after_value else ["("])
                after_value, pos = False, pos + 1
            elif text[pos] in OPERATORS:
                out.append(OPERATORS[text[pos]])
                after_value, pos = text[pos] in ")]ᵀ²", pos + 1
            elif (m := SYMBOL.match(text, pos)) and m.end() > pos:
                kind, what = self.resolve(m, t)
                value(self.quantity(*what) if kind == "quantity" else what)
                pos = m.end()
            else:
                raise LabelError(f"cannot read {text[pos:]!r} in {text!r}")
        return " ".join(out)

    def check(self, label: str, printed: Any, t: int, what: str, atol: float = 1e-7) -> None:
        """The printed number (an array, or None for "— none") is what the label names;
        ``atol`` for a number read from its text (4 decimals: 5e-5)."""
        check_indices(label, self.s)
        text = re.sub(r"\n\s*less L.*", "", label).strip()
        text = re.sub(r"^[+=⊙−]\s+", "", text)
        checks: list[tuple[str, Any]] = []
        step = re.match(r"from t = (\d+) via[^:]*:?\s*", text)
        at = t
        if step:
            at = int(step.group(1))
            checks.append(("h_into", at))
            text = text[step.end() :]
        elif ":" in text:
            text = text.split(":", 1)[1]
        text = re.sub(r"\s*\((total|to [^)]*)\)\s*$", "", text).strip()
        checks += [("side", side) for side in text.split(" = ") if side.strip()]
        assert checks, f"{what}: the label {label!r} names no quantity"
        for kind, item in checks:
            try:
                if kind == "h_into":
                    expected = self.derivative("h_into", item, None)
                else:
                    expected = self.evaluate(item, at)
            except Missing as gone:
                assert printed is None, f"{what}: {label!r} shows a number for {gone}"
                continue
            assert printed is not None, f"{what}: {label!r} shows none, but {item} exists"
            value = np.atleast_1d(np.asarray(printed, dtype=float))
            expected = np.full(value.shape, expected.item()) if expected.size == 1 else expected
            assert expected.size == value.size, f"{what}: {label!r} has the shape of {item}?"
            expected = expected.reshape(value.shape)
            close = np.allclose(value, expected, rtol=max(1e-5, atol), atol=atol)
            assert close, (
                f"{what}: {label!r} shows {value.ravel()}, but {item} is {expected.ravel()}"
            )


def expand_sums(text: str, gates: str) -> str:
    """Σ ∂L/∂a_gate·Wʰ_gateᵀ: the sum over the cell's gates of what follows."""
    if "Σ" not in text:
        return text
    head, body = text.split("Σ", 1)
    body = body.strip()
    if "gate" not in body:
        raise LabelError(f"a sum over what? {text!r}")
    return head + "(" + " + ".join(body.replace("gate", g) for g in gates) + ")"
