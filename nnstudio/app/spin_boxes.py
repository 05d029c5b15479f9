"""Spin boxes that say why they refuse a number instead of clamping it silently.

A ``QSpinBox`` with maximum 10 turns a typed "1000" into "10" without a word: the
keystroke that leaves the range is simply dropped. These emit ``refused(reason)`` at
that keystroke, with the allowed range in the reason, so the panel can show it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox

__all__ = ["RangeDoubleSpinBox", "RangeSpinBox"]


def _typed_number(box, text: str) -> float | None:
    body = text.strip()
    if box.prefix() and body.startswith(box.prefix()):
        body = body[len(box.prefix()) :]
    if box.suffix() and body.endswith(box.suffix()):
        body = body[: -len(box.suffix())]
    body = body.strip().replace(box.locale().groupSeparator(), "")
    value, ok = box.locale().toDouble(body)
    return value if ok else None


def _check(box, text: str, result):
    """Emit ``box.refused`` if ``text`` is a number outside the box's range."""
    state = result[0] if isinstance(result, tuple) else result
    if state != QValidator.State.Acceptable and text.strip():
        value = _typed_number(box, text)
        if value is not None and not (box.minimum() <= value <= box.maximum()):
            what = box.accessibleName() or "the value"
            fmt = (lambda v: f"{v:.0f}") if isinstance(box, QSpinBox) else (lambda v: f"{v:g}")
            box.refused.emit(
                f"{what} must be from {fmt(box.minimum())} to {fmt(box.maximum())}; "
                f"{fmt(value)} is out of range"
            )
    return result


class RangeSpinBox(QSpinBox):
    """A ``QSpinBox`` that emits ``refused(reason)`` for a typed number out of range."""

    refused = Signal(str)

    def validate(self, text: str, pos: int):
        return _check(self, text, super().validate(text, pos))


class RangeDoubleSpinBox(QDoubleSpinBox):
    """A ``QDoubleSpinBox`` that emits ``refused(reason)`` for a typed number out of
    range."""

    refused = Signal(str)

    def validate(self, text: str, pos: int):
        return _check(self, text, super().validate(text, pos))
