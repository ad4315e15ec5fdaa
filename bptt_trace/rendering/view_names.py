"""The names of the views: imported by --help, so it imports nothing."""

VIEWS = (
    "forward",
    "output",
    "backward",
    "contributions",
    "blame",
    "truncation",
    "jacobians",
    "update",
    "formulas",
    "training",
)
"""The views ``--only`` may name: the tables of the forward pass, the output and loss, the
backward pass, the contributions and running sums, the blame matrix (with the per-loss terms
and the LSTM's gates, and under a truncation scheme its table), the truncation table and its
bias against K alone (under --truncate, --chunks or --tbptt), vanishing or exploding, the
update, the update formulas, and the loss curve with the predictions after training. The
model's header shows only without --only; the gradient check and the closing line always
show."""
