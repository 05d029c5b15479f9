"""Training speed: from slow motion (a few steps a second, to watch the surface and the
weights move) to full speed, changeable while training runs.

A speed is a position 0..``SPEED_MAX`` (the app's ``speedSlider``). ``SPEED_MAX`` is full
speed: no waiting at all. Below it the rate goes geometrically from ``SLOWEST`` steps a
second at 0 to ``FASTEST`` at ``SPEED_MAX - 1``, so each notch changes the speed by the
same factor (about 6.5%), which is how speed feels.

:class:`Pacer` is what the training worker calls between two steps: it waits until the
next step is due, on a ``threading.Event`` that a speed change (or a stop or pause
request) sets, so a new speed applies at once, even in the middle of a long wait. It is
called on the worker's thread only; the GUI thread only calls :meth:`Pacer.set_position`
and :meth:`Pacer.wake`. No Qt here.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

__all__ = ["FASTEST", "SLOWEST", "SPEED_MAX", "Pacer", "steps_per_second"]

SPEED_MAX = 100
#: steps a second at position 0 and at position SPEED_MAX - 1
SLOWEST = 2.0
FASTEST = 1000.0


def steps_per_second(position: int) -> float | None:
    """Steps a second at slider ``position`` (clamped to 0..SPEED_MAX); None at
    ``SPEED_MAX`` (full speed, no waiting)."""
    p = min(max(int(position), 0), SPEED_MAX)
    if p == SPEED_MAX:
        return None
    return SLOWEST * math.exp(math.log(FASTEST / SLOWEST) * p / (SPEED_MAX - 1))


class Pacer:
    """Spaces training steps ``1 / steps_per_second(position)`` apart.

    ``clock`` and ``event`` are injectable for tests (a clock that ``event.wait`` moves
    on); by default ``time.monotonic`` and a real ``threading.Event``.
    """

    def __init__(
        self,
        position: int = SPEED_MAX,
        clock: Callable[[], float] = time.monotonic,
        event: threading.Event | None = None,
    ):
        self._position = min(max(int(position), 0), SPEED_MAX)
        self._clock = clock
        self._wake = event or threading.Event()
        self._released: float | None = None  # when the last step was let go

    @property
    def position(self) -> int:
        return self._position

    @property
    def rate(self) -> float | None:
        return steps_per_second(self._position)

    def set_position(self, position: int) -> None:
        """Thread-safe: the new speed applies to the step being waited for."""
        self._position = min(max(int(position), 0), SPEED_MAX)
        self._wake.set()

    def wake(self) -> None:
        """Thread-safe: end a wait now so the worker can look at its stop/pause flags."""
        self._wake.set()

    def restart(self) -> None:
        """Forget the last step (after a pause): the next one goes without waiting."""
        self._released = None

    def wait(self, interrupted: Callable[[], bool] = lambda: False) -> float:
        """Block until the next step is due (or ``interrupted()`` turns true); returns
        the seconds waited. At full speed it returns 0.0 at once."""
        start = self._clock()
        while not interrupted():
            rate = self.rate
            if rate is None or self._released is None:
                break
            remaining = self._released + 1.0 / rate - self._clock()
            if remaining <= 0:
                break
            self._wake.wait(remaining)
            self._wake.clear()
        now = self._clock()
        self._released = now
        return now - start
