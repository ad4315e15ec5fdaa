"""The math, NumPy only: tokens and batches, the recurrent cells (``cells/``, one file a cell),
the output layer and its loss, BPTT full and truncated (``bptt``), the gradient flow
(``flow``: blame and per-loss gradients; ``jacobians``: vanishing or exploding), the gradient
check and the optimizer step. Nothing here prints or knows about events."""
