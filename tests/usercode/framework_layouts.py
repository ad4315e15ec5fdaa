"""A framework's weights and gradients in the layouts bptt-trace reads, converted by hand from
a torch state_dict's numbers (NumPy only: no torch, no TensorFlow, no bptt_trace).

Torch stacks the gates' rows: LSTM i, f, g, o; GRU r, z, n; each gate has two biases
(bias_ih, bias_hh). Keras's columns: LSTM i, f, c, o; GRU z, r, h (reset_after=True: a bias
of shape (2, 3H), row 0 the input biases, row 1 the recurrent ones).
"""

from __future__ import annotations

import numpy as np

Arrays = dict[str, np.ndarray]

TORCH_GATES = {"rnn": [""], "lstm": ["i", "f", "g", "o"], "gru": ["r", "z", "n"]}
KERAS_ORDER = {"rnn": [0], "lstm": [0, 1, 2, 3], "gru": [1, 0, 2]}  # torch blocks, keras order
KERAS_CELL = {"rnn": "simple_rnn/simple_rnn_cell", "lstm": "lstm/lstm_cell", "gru": "gru/gru_cell"}


def torch_parts(arrays: Arrays) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    w_ih, w_hh = arrays["rnn.weight_ih_l0"], arrays["rnn.weight_hh_l0"]
    return w_ih, w_hh, arrays["rnn.bias_ih_l0"], arrays["rnn.bias_hh_l0"], w_hh.shape[1]


def to_rows(arrays: Arrays, cell: str, gradients: bool = False) -> Arrays:
    """The rows layout (the trace's names, row vectors: aₜ = xₜ·W + hₜ₋₁·Wʰ + b). Torch's two
    biases of a gate add up to b; the gradient of each of them is then ∂L/∂b. The GRU keeps
    b_n and b_h_n apart (rₜ multiplies b_h_n)."""
    w_ih, w_hh, b_ih, b_hh, hidden = torch_parts(arrays)
    rows: Arrays = {}
    for k, gate in enumerate(TORCH_GATES[cell]):
        part, end = slice(k * hidden, (k + 1) * hidden), f"_{gate}" if gate else ""
        rows["W" + end], rows["W_h" + end] = w_ih[part].T, w_hh[part].T
        if cell == "gru" and gate == "n":
            rows["b_n"], rows["b_h_n"] = b_ih[part], b_hh[part]
        else:
            rows["b" + end] = b_ih[part] if gradients else b_ih[part] + b_hh[part]
    rows["V"], rows["b_output"] = arrays["fc.weight"].T, arrays["fc.bias"]
    return {**rows, **extras(arrays)}


def to_keras(arrays: Arrays, cell: str, gradients: bool = False) -> Arrays:
    """SimpleRNN / LSTM / GRU(reset_after=True) + Dense, keyed as Keras names the weights."""
    w_ih, w_hh, b_ih, b_hh, hidden = torch_parts(arrays)

    def keras_order(a: np.ndarray) -> np.ndarray:
        return np.concatenate([a[k * hidden : (k + 1) * hidden] for k in KERAS_ORDER[cell]])

    if cell == "gru":  # row 0 the input biases, row 1 the recurrent ones
        bias = np.stack([keras_order(b_ih), keras_order(b_hh)])
    else:
        bias = keras_order(b_ih if gradients else b_ih + b_hh)
    name = KERAS_CELL[cell]
    return {
        f"{name}/kernel": keras_order(w_ih).T,
        f"{name}/recurrent_kernel": keras_order(w_hh).T,
        f"{name}/bias": bias,
        "dense/kernel": arrays["fc.weight"].T,
        "dense/bias": arrays["fc.bias"],
        **extras(arrays),
    }


def as_get_weights(keras: Arrays) -> Arrays:
    """``np.savez(f, *model.get_weights())``: arr_0 … arr_4 in the layers' order."""
    arrays = [v for k, v in keras.items() if k not in ("loss", "vocab")]
    return {**{f"arr_{i}": a for i, a in enumerate(arrays)}, **extras(keras)}


def extras(arrays: Arrays) -> Arrays:
    return {k: arrays[k] for k in ("loss", "vocab") if k in arrays}
