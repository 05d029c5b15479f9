"""The in-memory dataset every loader returns.

A :class:`Dataset` is the raw table as the user gave it: features in their original units
(no standardization; that is :func:`nnstudio.data.preprocessing.prepare`'s job) and targets
in their original type, so class labels keep their text. Loaders validate files; the
constructor here re-checks the invariants so that code building a ``Dataset`` by hand
(tests, the app) cannot create an inconsistent one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnstudio.data.errors import DataError

__all__ = ["TASKS", "Dataset", "label_list"]

TASKS = ("classification", "regression")


def label_list(values) -> list:
    """Sorted unique labels of ``values`` as plain Python ``str``/``int``/``float`` objects.

    The result is JSON-serialisable and is what ``Dataset.classes`` and the model file's
    ``meta["classes"]`` hold. Numbers sort numerically, text sorts by code point.
    """
    arr = np.asarray(values)
    if arr.dtype.kind in "OUS":
        items = {_as_text(v) for v in arr.ravel().tolist()}
        return sorted(items)
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    uniq = np.unique(arr)
    return [_as_number(v) for v in uniq.tolist()]


def _normalize_labels(y: np.ndarray, where: str) -> np.ndarray:
    """Labels in one canonical type: object array of ``str``, int64, or float64."""
    kind = y.dtype.kind
    if kind in "OUS":
        return np.array([_as_text(v) for v in y.tolist()], dtype=object)
    if kind == "u" and y.size and int(y.max()) > np.iinfo(np.int64).max:
        return np.array([str(v) for v in y.tolist()], dtype=object)  # exact, not wrapped
    if kind in "biu":
        return y.astype(np.int64)
    if kind == "f":
        if not np.isfinite(y).all():
            raise DataError(f"{where}: class labels contain NaN or Inf; remove them", path=where)
        if np.all(y == np.round(y)) and np.abs(y).max(initial=0) < 2**53:
            return y.astype(np.int64)
        return y.astype(np.float64)
    raise DataError(f"{where}: class labels of dtype {y.dtype} are not supported", path=where)


def _as_text(v) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    return str(v)


def _as_number(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


@dataclass
class Dataset:
    """A table of examples: ``X`` features and ``y`` targets, rows are examples.

    Attributes
    ----------
    name : display name (the file's base name, or the sample name)
    source : what was passed to ``load_dataset`` (the path as given, or the sample name)
    X : (n_samples, n_features) float64, finite, C-contiguous
    y : classification: (n_samples,) labels in their original type (text -> object array
        of ``str``; integers -> int64). Regression: float64 (n_samples,) or
        (n_samples, n_outputs).
    feature_names : one name per column of ``X``
    target_name : name of the target column
    task : ``"classification"`` or ``"regression"``
    classes : classification: sorted unique labels as Python ``str``/``int``; output unit
        j of a classifier stands for ``classes[j]``. Regression: None.
    """

    name: str
    source: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    target_name: str
    task: str
    classes: list | None = None

    def __post_init__(self) -> None:
        where = self.source or self.name
        if self.task not in TASKS:
            raise DataError(
                f"{where}: unknown task {self.task!r}; use 'classification' or 'regression'",
                path=where,
            )
        X = np.asarray(self.X)
        if X.ndim != 2 or X.dtype.kind not in "biuf":
            raise DataError(
                f"{where}: features must be a 2-D numeric array (n_samples, n_features), "
                f"got shape {X.shape} and dtype {X.dtype}",
                path=where,
            )
        X = np.ascontiguousarray(X, dtype=np.float64)
        if not np.isfinite(X).all():
            raise DataError(f"{where}: features contain NaN or Inf; remove them", path=where)
        y = np.asarray(self.y)
        if y.ndim not in (1, 2) or y.shape[0] != X.shape[0]:
            raise DataError(
                f"{where}: {X.shape[0]} feature rows but targets of shape {y.shape}; "
                "give one target per row",
                path=where,
            )
        if len(self.feature_names) != X.shape[1]:
            raise DataError(
                f"{where}: {len(self.feature_names)} feature names for {X.shape[1]} "
                "feature columns; give one name per column",
                path=where,
            )
        self.feature_names = [str(f) for f in self.feature_names]
        self.target_name = str(self.target_name)
        if self.task == "classification":
            if y.ndim != 1:
                raise DataError(
                    f"{where}: classification needs one label per row, got targets of "
                    f"shape {y.shape}",
                    path=where,
                )
            y = _normalize_labels(y, where)
            if self.classes is None:
                self.classes = label_list(y)
            else:
                self.classes = list(self.classes)
        else:
            if y.dtype.kind not in "biuf":
                raise DataError(
                    f"{where}: target {self.target_name!r} holds text labels, which cannot "
                    "be a regression target; use task 'classification' or pick a numeric "
                    "target column",
                    path=where,
                    column=self.target_name,
                )
            y = np.asarray(y, dtype=np.float64)
            if not np.isfinite(y).all():
                raise DataError(f"{where}: targets contain NaN or Inf; remove them", path=where)
            self.classes = None
        self.X = X
        self.y = y

    @property
    def n_samples(self) -> int:
        """Number of rows (examples)."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of feature columns (the network's input size)."""
        return int(self.X.shape[1])

    @property
    def n_outputs(self) -> int:
        """Network output size: number of classes, or number of regression targets."""
        if self.task == "classification":
            return len(self.classes or [])
        return int(self.y.shape[1]) if self.y.ndim == 2 else 1

    def describe(self) -> str:
        """One line for a status bar or the CLI, e.g. ``iris.csv: 150 rows, 4 features, ...``."""
        if self.task == "classification":
            shown = ", ".join(str(c) for c in (self.classes or [])[:6])
            more = ", ..." if len(self.classes or []) > 6 else ""
            kind = f"classification, {self.n_outputs} classes ({shown}{more})"
        else:
            kind = f"regression, {self.n_outputs} output{'s' if self.n_outputs > 1 else ''}"
        return (
            f"{self.name}: {self.n_samples} row{'s' if self.n_samples != 1 else ''}, "
            f"{self.n_features} feature{'s' if self.n_features != 1 else ''}, {kind}, "
            f"target {self.target_name!r}"
        )
