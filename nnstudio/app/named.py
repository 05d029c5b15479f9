"""``named``: the names a control is found by.

Every control the user works with has an object name (what the design's contracts, the
tests and scripts look it up by), an accessible name (what a screen reader says), and
usually a tip, shown as its tooltip, in the status bar while the pointer is over it, and
given to screen readers as its description."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QWidget

__all__ = ["named"]

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str, accessible: str, tip: str = "") -> W:
    """``widget``, with its object name, accessible name and (if given) tip set."""
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    if tip:
        widget.setToolTip(tip)
        widget.setStatusTip(tip)
        widget.setAccessibleDescription(tip)
    return widget
