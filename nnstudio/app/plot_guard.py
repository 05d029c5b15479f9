"""Which numbers a plot can draw.

pyqtgraph maps data to pixels with double-precision transforms whose scale is
``pixels / span``. For a view narrower than about 1e-300 (subnormal numbers, as in a CSV
column of 1e-310 values) or coordinates near the float64 limit, that scale overflows:
NaN positions, ZeroDivisionError in the axis tick code on every repaint, even a crash in
the paint engine. Data like that is left undrawn, with a note saying why; training and
every number the app shows are unaffected.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["MAX_COORD", "MIN_SPAN", "boundary_problem", "undrawable"]

#: the narrowest data range a plot draws (per axis; a constant column is fine)
MIN_SPAN = 1e-150
#: the largest magnitude a plotted coordinate may have
MAX_COORD = 1e150


def undrawable(columns: np.ndarray, names: Sequence[str]) -> str | None:
    """Why the columns of ``columns`` (n, k) cannot be plotted, or None if they can.
    ``names`` names the k columns in the message."""
    values = np.asarray(columns, np.float64)
    if values.ndim == 1:
        values = values[:, None]
    for j, name in enumerate(names[: values.shape[1]]):
        col = values[:, j]
        col = col[np.isfinite(col)]
        if not len(col):
            continue
        lo, hi = float(col.min()), float(col.max())
        if max(abs(lo), abs(hi)) > MAX_COORD:
            return f"not drawn: {name} reaches {max(abs(lo), abs(hi)):.3g}, too large to plot"
        if 0 < hi - lo < MIN_SPAN:
            return f"not drawn: {name} spans only {hi - lo:.3g}, too narrow to plot"
    return None


def boundary_problem(ds) -> str | None:
    """Why the :class:`~nnstudio.data.dataset.Dataset` ``ds`` gets no decision-boundary
    view (drawn over its two features, coloured by class or by the target), or None."""
    if ds.n_features != 2:
        return "needs two features"
    if ds.task == "classification":
        return undrawable(ds.X, ds.feature_names)
    y = ds.y.reshape(ds.n_samples, -1)[:, :1]
    return undrawable(np.hstack([ds.X, y]), [*ds.feature_names, ds.target_name])
