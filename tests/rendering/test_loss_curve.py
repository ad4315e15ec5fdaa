"""The loss curve on synthetic runs: its axes, labels, ranges and log scale."""

import io

import pytest

from bptt_trace.rendering.renderer import make_console
from bptt_trace.rendering.training import LossCurve

WIDTHS = [40, 57, 80, 100, 140]


def draw(losses: list[float], width: int = 80, height: int = 10) -> list[str]:
    console = make_console(file=io.StringIO(), width=width)
    console.print(LossCurve(range(1, len(losses) + 1), losses, height=height))
    return [line.rstrip() for line in console.file.getvalue().splitlines()]


class Plot:
    """A drawn curve read back: the labelled rows and, for each row, its characters."""

    def __init__(self, lines: list[str]) -> None:
        axis = next(i for i, line in enumerate(lines) if "└" in line)
        self.axis_title = lines[axis - self.height(lines, axis) - 1]
        edge = lines[axis].index("└")
        rows = lines[axis - self.height(lines, axis) : axis]
        self.labels = {r: row[:edge].strip() for r, row in enumerate(rows) if row[:edge].strip()}
        self.width = lines[axis].count("─")
        self.rows = [row[edge + 1 :].ljust(self.width) for row in rows]
        self.under = lines[axis + 1 :]

    @staticmethod
    def height(lines: list[str], axis: int) -> int:
        n = 0
        while lines[axis - n - 1][:1] != "l":  # up to the axis title, "loss …"
            n += 1
        return n

    def marks(self, column: int) -> list[int]:
        """The rows (0 at the top) where a column is drawn."""
        return [r for r, row in enumerate(self.rows) if row[column] != " "]

    def mean(self, column: int) -> int:
        (row,) = [r for r, line in enumerate(self.rows) if line[column] == "●"]
        return row


def decay(n: int, decades: float) -> list[float]:
    return [10.0 ** (-decades * i / (n - 1)) for i in range(n)]


def test_ten_steps_over_five_decades_fall_one_row_a_step_on_a_log_axis() -> None:
    plot = Plot(draw(decay(10, 5)))  # log10 falls by 5/9 a step: one row of ten a step
    assert plot.axis_title == "loss (log scale)"
    assert plot.labels == {0: "1.0000", 4: "5.99e-03", 9: "1.00e-05"}  # 10^(-5·4/9) = 0.005995
    columns = [c for c in range(plot.width) if plot.marks(c)]
    assert [plot.marks(c) for c in columns] == [[i] for i in range(10)]
    assert columns[0] == 0 and columns[-1] == plot.width - 1  # spread over the whole axis


@pytest.mark.parametrize("width", WIDTHS)
def test_a_long_run_reaches_both_labels(width: int) -> None:
    lines = draw(decay(100_000, 5), width)
    plot = Plot(lines)
    assert max(len(line) for line in lines) <= width
    assert plot.axis_title == "loss (log scale)"
    assert plot.labels[0] == "1.0000" and plot.labels[9] == "1.00e-05"
    assert plot.marks(0)[0] == 0  # the first column holds the highest loss, on the top label
    assert plot.marks(plot.width - 1)[-1] == 9  # the last holds the lowest, on the bottom one
    means = [plot.mean(c) for c in range(plot.width)]
    assert means == sorted(means)  # the loss only falls
    assert plot.under[0].split() == ["1", "training", "step", "100000"]
    assert "consecutive steps: │ spans their lowest to highest loss, ● marks their mean." in (
        " ".join(lines)
    )


def test_a_column_of_several_steps_draws_their_range_and_marks_their_mean() -> None:
    # at width 40 the labels take 6 + 2 columns: 32 columns, two steps each
    losses = [4.0, 2.0] * 16 + [3.0, 1.0] * 16
    lines = draw(losses, width=40, height=5)
    start = lines.index("loss")  # a linear axis: 4 / 1 is under two decades
    assert lines[start + 1 : start + 7] == [
        "4.0000 ┤" + "│" * 16,  # 4 → row 0; 2.5 → row 2; 1 → row 4
        "       │" + "●" * 16 + "│" * 16,  # mean 3 → row 1.33 → 1
        "2.5000 ┤" + "│" * 32,
        "       │" + "│" * 16 + "●" * 16,  # 2 → row 2.67 → 3; mean 2 → 3
        "1.0000 ┤" + " " * 16 + "│" * 16,
        "       └" + "─" * 32,
    ]
    assert "Each column covers 2 consecutive steps" in " ".join(lines)


def test_two_decades_or_fewer_stay_linear() -> None:
    assert Plot(draw(decay(50, 1.9))).axis_title == "loss"
    assert Plot(draw(decay(50, 2.1))).axis_title == "loss (log scale)"


@pytest.mark.parametrize("width", WIDTHS)
def test_a_flat_curve_is_one_labelled_line(width: int) -> None:
    lines = draw([0.6931] * 500, width)
    plot = Plot(lines)
    assert max(len(line) for line in lines) <= width
    assert plot.axis_title == "loss"
    assert plot.labels == {4: "0.6931"}
    assert {tuple(plot.marks(c)) for c in range(plot.width)} == {(4,)}


def test_a_single_step() -> None:
    lines = draw([2.5])
    plot = Plot(lines)
    assert lines[0] == "Loss curve · the loss L at training step 1"
    assert plot.labels == {4: "2.5000"} and plot.rows[4] == "●"
    assert plot.under == ["        1 (training step)"]


@pytest.mark.parametrize("width", WIDTHS)
def test_two_steps_at_the_two_ends(width: int) -> None:
    lines = draw([1.5, 0.2], width)
    plot = Plot(lines)
    assert max(len(line) for line in lines) <= width
    assert plot.labels == {0: "1.5000", 4: "0.9222", 9: "0.2000"}  # 0.2 + 1.3·5/9 = 0.9222
    assert plot.rows[0][0] == "●" and plot.rows[9][-1] == "●"
    title = "Loss curve · the loss L at each training step, 1–2"
    assert " ".join(lines).startswith(title)  # wrapped at 40 columns


@pytest.mark.parametrize("width", WIDTHS)
def test_the_largest_finite_numbers_do_not_overflow(width: int) -> None:
    lines = draw([1.7e308, -1.7e308] * 500 + [1.7e308, 0.0, 1.0], width)
    text = "\n".join(lines)
    assert "inf" not in text and "nan" not in text
    plot = Plot(lines)
    assert max(len(line) for line in lines) <= width
    assert plot.labels[0] == "1.70e+308" and plot.labels[9] == "-1.70e+308"
    assert plot.labels[4] == "1.89e+307"  # −1.7e308 + 3.4e308·5/9
    assert plot.marks(0) == list(range(10))  # a column holding both spans the axis


def test_the_largest_over_the_smallest_positive_is_a_log_axis_without_overflow() -> None:
    plot = Plot(draw([1.7e308, 1e-300, 0.0]))
    assert plot.axis_title == "loss (log scale)"
    assert plot.labels[0] == "1.70e+308" and plot.labels[9] == "1.00e-300"
    assert "1 step with a loss of exactly 0 is drawn on the bottom line." in " ".join(
        draw([1.7e308, 1e-300, 0.0], width=200)
    )
