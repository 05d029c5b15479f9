"""Work for the GUI thread cut into pieces, each run in its own turn of the event loop.

Taking in a new dataset costs the window about 100 ms of view building and the
repaints that follow it, whatever the data's size. Run in one go, that is one 100 ms
freeze (the design allows 50). Here each piece runs from a timer, after the events the
previous piece caused (its relayouts and repaints) have been handled, so the window
reacts between pieces.

The timer is a real 1 ms one: Qt turns a 0 ms single shot into a posted event, run in
the same turn as the events before it. After each piece the layouts it changed are
settled at once (:func:`_settle_layouts`), so its repaint happens once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer

__all__ = ["Turns"]

#: rounds of pending layout requests handled after each piece (a widget layout moves a
#: plot, whose own layout then moves its axes, ...)
SETTLE_ROUNDS = 3


def _settle_layouts() -> None:
    """Handle the layout requests a piece left now, so the window is laid out once and
    painted once: left to the event loop, each layout step came with a repaint of the
    plots it moved (a plot painted three times over; load_bench's worst gap 33-36 ->
    23-26 ms for a million rows, 58-61 -> 32-38 ms for 10,000 classes)."""
    for _ in range(SETTLE_ROUNDS):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


class Turns(QObject):
    """A first-in, first-out queue of pieces of GUI work, one piece per turn."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pieces: deque[Callable[[], None]] = deque()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._run_one)

    def later(self, piece: Callable[[], None]) -> None:
        """Run ``piece()`` in a turn after the pieces already queued."""
        self._pieces.append(piece)
        if not self._timer.isActive():
            self._timer.start()

    def busy(self) -> bool:
        """True while pieces wait to run."""
        return bool(self._pieces)

    def flush(self) -> None:
        """Run every waiting piece now, in order (for a caller that needs their result)."""
        while self._pieces:
            self._timer.stop()
            self._run_one()

    def _run_one(self) -> None:
        if not self._pieces:  # flushed meanwhile
            return
        piece = self._pieces.popleft()
        try:
            piece()
            _settle_layouts()
        finally:
            if self._pieces:
                self._timer.start()
