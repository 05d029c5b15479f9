"""What the data views need from every row of a dataset, computed once, off the GUI thread.

The app's views of the data (the data panel's scatter and class counts, the surface's
points and plane, the Fit tab's points, the errors table's image scale) draw a bounded
sample of the rows, but some of what they show depends on every row: each row's class,
the class counts, each feature's range, the target's range and spread. For a million
rows that is hundreds of milliseconds of NumPy, too long for the GUI thread. So it is
all computed here, in one pass, by :func:`data_facts`, which the load worker calls as
soon as the dataset is read; the views call it too and get the same, cached object (for
a dataset made in the GUI thread, a built-in sample, they compute it there: small data).

What a view may then do on the GUI thread is bounded: work on ``drawn`` (at most
:data:`MAX_POINTS` rows) and on per-column or per-class numbers. It is not a second copy
of the data: the drawn rows are at most ``MAX_POINTS x n_features`` numbers.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np

from nnstudio.data.dataset import Dataset
from nnstudio.data.preprocessing import encode_labels

__all__ = ["MAX_POINTS", "DataFacts", "data_facts", "plot_subset"]

#: at most this many points are drawn in a scatter (a fixed, seeded subset beyond that)
MAX_POINTS = 5000


def plot_subset(n: int, limit: int = MAX_POINTS) -> np.ndarray:
    """Indices of the rows to draw: all of them, or a fixed seeded sample of ``limit``
    (sorted) when there are more."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size=limit, replace=False))


@dataclass(frozen=True)
class DataFacts:
    """Per-row facts of a dataset, summed up for the views (read-only arrays).

    drawn : (m,) sorted row indices of the rows drawn, ``plot_subset(n_samples)``
    X_drawn : (m, n_features) float64, ``X[drawn]``
    class_index : classification: (n_samples,) intp, each row's index in
        ``dataset.classes``; regression: None
    class_counts : classification: (n_classes,) int64 rows per class; regression: None
    x_min, x_max : (n_features,) float64, each feature's smallest and largest value
    target_first : regression: (n_samples,) float64 view of the first target column
        (``y`` itself for one output); classification: None
    y_min, y_max, y_mean, y_std : regression: that column's range, mean and standard
        deviation (population, ``ddof=0``); classification: None
    """

    drawn: np.ndarray
    X_drawn: np.ndarray
    class_index: np.ndarray | None
    class_counts: np.ndarray | None
    x_min: np.ndarray
    x_max: np.ndarray
    target_first: np.ndarray | None
    y_min: float | None
    y_max: float | None
    y_mean: float | None
    y_std: float | None

    @property
    def labels_drawn(self) -> np.ndarray:
        """(m,) what colours the drawn rows: class indices (intp), or the first target
        column (float64)."""
        if self.class_index is not None:
            return self.class_index[self.drawn]
        return self.target_first[self.drawn]


def compute_facts(ds: Dataset) -> DataFacts:
    """The :class:`DataFacts` of ``ds``, computed now (O(n_samples x n_features))."""
    X = ds.X
    drawn = plot_subset(ds.n_samples)
    if ds.n_samples:
        x_min, x_max = X.min(axis=0), X.max(axis=0)
    else:
        x_min = x_max = np.full(ds.n_features, np.nan)
    index = counts = first = None
    y_stats: tuple = (None, None, None, None)
    if ds.task == "classification":
        index = encode_labels(ds.y, ds.classes).astype(np.intp)
        counts = np.bincount(index, minlength=len(ds.classes))
    else:
        first = np.asarray(ds.y, np.float64).reshape(ds.n_samples, -1)[:, 0]
        if len(first):
            y_stats = (
                float(first.min()),
                float(first.max()),
                float(first.mean()),
                float(first.std()),
            )
    facts = DataFacts(drawn, X[drawn], index, counts, x_min, x_max, first, *y_stats)
    for a in (facts.drawn, facts.X_drawn, index, counts, facts.x_min, facts.x_max):
        if a is not None:
            a.setflags(write=False)
    return facts


# The facts of each dataset, computed once: keyed by id(dataset) and dropped when the
# dataset is collected; valid while the dataset still holds the same X and y arrays.
_CACHE: dict[int, tuple[np.ndarray, np.ndarray, DataFacts]] = {}
_LOCK = threading.Lock()


def data_facts(ds: Dataset) -> DataFacts:
    """The :class:`DataFacts` of ``ds``: cached, so that the first call (the load worker's)
    pays for it and every view's call afterwards costs nothing. Thread-safe."""
    key = id(ds)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None and hit[0] is ds.X and hit[1] is ds.y:
        return hit[2]
    facts = compute_facts(ds)
    with _LOCK:
        fresh = key not in _CACHE
        _CACHE[key] = (ds.X, ds.y, facts)
    if fresh:
        weakref.finalize(ds, _forget, key)
    return facts


def _forget(key: int) -> None:
    with _LOCK:
        _CACHE.pop(key, None)
