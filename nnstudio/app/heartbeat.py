"""A heartbeat in the GUI thread: how late can the window be to react?

A ``QTimer`` asks to tick every ``interval_ms`` (5 ms by default, a precise timer) and
records the time between its ticks. While the GUI thread is free the gaps are about the
interval; a gap of g ms means the event loop could not run anything for about g ms, and
the tick came ``g - interval_ms`` late. The design's targets are on lateness: under 16 ms
at p99 and 50 ms at worst (gaps of 21 and 55 ms at the default 5 ms interval). Used by
the benchmarks ``stall_bench`` (training) and ``load_bench`` (loading); figures, never a
test of wall-clock time.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QElapsedTimer, Qt, QTimer

__all__ = ["Heartbeat"]


class Heartbeat:
    """Records the gaps between the ticks of a ``interval_ms`` timer in this thread.

    ``start()`` begins (the first gap is measured from ``start``), ``stop()`` ends;
    ``gaps_ms`` holds one gap per tick, ``ends_ms`` the time of each tick since
    ``start`` (both in ms, same length). ``stats()`` sums them up.
    """

    def __init__(self, interval_ms: int = 5) -> None:
        self.interval_ms = interval_ms
        self.gaps_ms: list[float] = []
        self.ends_ms: list[float] = []
        self._clock = QElapsedTimer()
        self._last = 0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.gaps_ms.clear()
        self.ends_ms.clear()
        self._clock.start()
        self._last = 0
        self._timer.start()

    def restart_gap(self) -> None:
        """Measure the next gap from now (leaves out a set-up step that is not measured)."""
        self._last = self._clock.nsecsElapsed()

    def elapsed_ms(self) -> float:
        """Milliseconds since ``start``."""
        return self._clock.nsecsElapsed() / 1e6

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = self._clock.nsecsElapsed()
        self.gaps_ms.append((now - self._last) / 1e6)
        self.ends_ms.append(now / 1e6)
        self._last = now

    def stats(self) -> dict:
        """``max_gap_ms``, ``p99_gap_ms``, ``mean_gap_ms``, ``ticks``, ``interval_ms``,
        ``max_gap_start_ms`` (when the longest gap began, ms since ``start``), and
        ``p99_late_ms`` and ``max_late_ms``: how late the ticks came (gap less the
        interval, at least 0).

        The first tick is left out (its gap includes the timer's own start-up)."""
        g = np.asarray(self.gaps_ms[1:] or [0.0])
        ends = self.ends_ms[1:] or [0.0]
        worst = int(np.argmax(g))
        late = np.maximum(g - self.interval_ms, 0.0)
        return {
            "max_gap_ms": float(g.max()),
            "p99_gap_ms": float(np.percentile(g, 99)),
            "mean_gap_ms": float(g.mean()),
            "ticks": len(self.gaps_ms[1:]),
            "interval_ms": self.interval_ms,
            "max_gap_start_ms": float(ends[worst] - g[worst]),
            "p99_late_ms": float(np.percentile(late, 99)),
            "max_late_ms": float(late.max()),
        }
