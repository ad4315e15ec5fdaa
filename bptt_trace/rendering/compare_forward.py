"""--compare's verdict on the forward pass: the user's loss is another model's, and which
options reproduce it, the one under which the gradients agree first."""

from __future__ import annotations

from rich.text import Text

from ..usercode.comparison import ForwardCheck
from .compare_candidates import sci


def evidence_text(name: str, names: dict[str, str]) -> Text:
    """A gradient of the forward pass alone differs: the forward pass does."""
    return Text(
        f"✗ the forward pass differs, not BPTT: your ∂L/∂{names.get(name, name)} = Σₜ (ŷₜ − yₜ) "
        "depends on the forward pass alone, and it differs; check the activation, --loss, "
        "--target and the token order (add a vocab array), or save your loss to find out",
        "status.bad",
    )


def forward_lines(forward: ForwardCheck) -> list[Text]:
    """The forward verdict: the forward pass differs, and what reproduces the user's numbers."""
    if forward.user_loss is not None:
        head = (
            f"✗ the forward pass differs, not BPTT: your loss {forward.user_loss:.10g}, the "
            f"trace's {forward.trace_loss:.10g} (relative difference {sci(forward.rel or 0.0)})"
        )
    else:
        head = "✗ the forward pass differs, not BPTT: your gradients are those of another model"
    lines = [Text(head, "status.bad")]
    if not forward.explained_by:
        lines.append(
            Text(
                "  no option tried reproduces your loss: check the activation, --loss last or "
                "every, a mean or a sum over sentences and time steps, --target, the token order "
                "and the output layer",
                "note",
            )
        )
        return lines
    return lines + option_lines(forward)


SLIP = "your forward pass "
"""How a slip of the forward pass that no option makes begins (usercode.forward_slips)."""

SHOWN = 6
"""The options shown besides the first; the JSON lists them all."""


def option_lines(forward: ForwardCheck) -> list[Text]:
    """The options that reproduce the user's loss, the first one under which the gradients
    agree leading, and beside each of the others what the gradients do under it."""
    said = forward.explained_by
    under = forward.gradients_under or [forward.gradients_then, *[None] * (len(said) - 1)]
    lines = [Text(f"  reproduced with: {said[0]}")]
    every = forward.gradients_then == "differs"  # under each option listed
    if forward.gradients_then == "match" and said[0].startswith(SLIP):
        lines.append(
            Text("  and your gradients are that forward pass's: your BPTT is right for it", "note")
        )
    elif forward.gradients_then == "match":
        lines.append(
            Text("  and with it your gradients agree with the trace's: run again so", "note")
        )
    elif under[0] == "differs" and not every:
        lines[0].append(" (your gradients differ then)")
    if len(said) > 1:
        lines.append(Text("  your loss is also reproduced with (simplest first):"))
    for option, verdict in list(zip(said, under, strict=True))[1 : SHOWN + 1]:
        line = Text(f"    {option}")
        if verdict == "match":
            too = " too" if forward.gradients_then == "match" else ""
            line.append(f" (your gradients agree then{too})", "note")
        elif verdict == "differs" and not every:
            line.append(" (your gradients differ then)")
        lines.append(line)
    if len(said) > SHOWN + 1:
        more = len(said) - SHOWN - 1
        lines.append(Text(f"    … and {more} more (--json lists them all)", "note"))
    if every:
        it = "it" if len(said) == 1 else "the first"
        then = "then" if len(said) == 1 else "under each of them"
        lines.append(
            Text(f"  your gradients still differ {then}: run again with {it} to see where", "note")
        )
    return lines
