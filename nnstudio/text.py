"""Short user-facing text in and out: lists of whole numbers, and durations.

The command line (``--layers``, ``bench --widths``) and the app's Timing tab read lists of
whole numbers typed by a person through ``parse_int_list``, and every table that shows a
duration writes it through ``format_seconds``, so they all accept and print the same.
No Qt, no NumPy.
"""

from __future__ import annotations

import math

from .errors import NnstudioError

__all__ = ["IntListError", "format_seconds", "parse_int_list"]


class IntListError(NnstudioError, ValueError):
    """A list of whole numbers that cannot be used; the message says which item and why."""


def parse_int_list(
    text: str, *, what: str = "values", low: int = 1, high: int | None = None
) -> list[int]:
    """``"8, 32;128"`` -> ``[8, 32, 128]``: whole numbers separated by commas (or
    semicolons), spaces ignored, each in ``low..high``. ``what`` names the list in the
    message of the ``IntListError`` raised for an empty list, an item that is not a whole
    number, or one out of range."""
    items = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if not items:
        raise IntListError(f"{what}: enter whole numbers separated by commas, like 8,32,128")
    values = []
    for item in items:
        try:
            values.append(int(item))
        except ValueError:
            raise IntListError(
                f"{what}: {item!r} is not a whole number; give whole numbers separated by "
                "commas, like 8,32,128"
            ) from None
    for v in values:
        if v < low or (high is not None and v > high):
            span = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise IntListError(f"{what}: {v} is out of range; each must be {span}")
    return values


def format_seconds(s: float) -> str:
    """A duration with three significant digits in s, ms or us: ``0.0000123`` ->
    ``"12.3 us"``, ``2.5`` -> ``"2.50 s"``; ``"-"`` for a value that is not finite."""
    if not math.isfinite(s):
        return "-"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} us"
