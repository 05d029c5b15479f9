"""The colours every view shares, so class k looks the same in the data scatter, the
decision surface and the network drawing.

Class colours start with the blue and orange of the TensorFlow Playground and continue
with the familiar categorical hues; beyond ten classes they are spread around the hue
circle by the golden angle so that neighbours stay distinct. Weight signs use the same
pair: orange for positive, blue for negative.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

__all__ = [
    "BASE_COLORS",
    "NEGATIVE",
    "NEUTRAL",
    "POSITIVE",
    "class_colors",
    "class_rgb",
    "diverging_rgb",
]

BASE_COLORS = (
    "#0877bd",  # blue
    "#f59322",  # orange
    "#2ca02c",  # green
    "#d62728",  # red
    "#9467bd",  # purple
    "#8c564b",  # brown
    "#e377c2",  # pink
    "#7f7f7f",  # grey
    "#bcbd22",  # olive
    "#17becf",  # cyan
)

POSITIVE = QColor("#f59322")  # positive weights
NEGATIVE = QColor("#0877bd")  # negative weights
NEUTRAL = QColor("#9e9e9e")  # no weights yet


def class_colors(n: int) -> list[QColor]:
    """``n`` distinct colours; colour ``k`` is the colour of class index ``k`` everywhere."""
    out = [QColor(c) for c in BASE_COLORS[: max(n, 0)]]
    for k in range(len(BASE_COLORS), n):
        hue = ((k - len(BASE_COLORS)) * 0.618033988749895 + 0.05) % 1.0
        out.append(QColor.fromHsvF(hue, 0.65, 0.85))
    return out


def class_rgb(n: int):
    """The same colours as an ``(n, 3)`` float64 array of 0..255 values (for NumPy maths)."""
    return np.array([[c.red(), c.green(), c.blue()] for c in class_colors(n)], np.float64).reshape(
        -1, 3
    )


def diverging_rgb(t):
    """Blue -> white -> orange for ``t`` in [0, 1] (any shape); returns ``t.shape + (3,)``
    float64 RGB in 0..255. Used for regression values."""
    t = np.clip(np.asarray(t, np.float64), 0.0, 1.0)[..., None]
    white = np.array([255.0, 255.0, 255.0])
    lo = np.array([NEGATIVE.red(), NEGATIVE.green(), NEGATIVE.blue()], np.float64)
    hi = np.array([POSITIVE.red(), POSITIVE.green(), POSITIVE.blue()], np.float64)
    s = 2.0 * t - 1.0  # -1 .. 1
    return np.where(s < 0, white + (-s) * (lo - white), white + s * (hi - white))
