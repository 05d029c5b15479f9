"""Turning a :class:`~nnstudio.data.dataset.Dataset` into arrays a network trains on.

:func:`prepare` does, in this order: a seeded shuffle split into training and validation
rows (stratified by class for classification), standardization of the features fitted
on the training rows only, and target encoding (one-hot for classification,
standardization fitted on the training rows for regression). The fitted scalers are what
the model file stores as ``input.mean/scale`` and ``target.mean/scale``, so that
prediction undoes exactly what training did.

This module does not shuffle mini-batches or hold anything between epochs; that is the
trainer's business.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnstudio.data.dataset import Dataset
from nnstudio.data.errors import DataError

__all__ = ["PreparedData", "Standardizer", "encode_labels", "one_hot", "prepare"]


@dataclass
class Standardizer:
    """Per-column affine map ``z = (x - mean) / scale``.

    ``mean`` and ``scale`` are float64 arrays of shape (n_columns,). ``scale`` is the
    population standard deviation (ddof=0) of the fitted data, with 1.0 for a column that
    is constant, so it is never 0 and constant columns map to 0.
    """

    mean: np.ndarray
    scale: np.ndarray

    def __post_init__(self) -> None:
        self.mean = np.atleast_1d(np.asarray(self.mean, dtype=np.float64)).copy()
        self.scale = np.atleast_1d(np.asarray(self.scale, dtype=np.float64)).copy()
        if self.mean.ndim != 1 or self.mean.shape != self.scale.shape:
            raise DataError(
                f"standardizer: mean {self.mean.shape} and scale {self.scale.shape} must be "
                "1-D arrays of the same length"
            )
        if not (np.isfinite(self.mean).all() and np.isfinite(self.scale).all()):
            raise DataError("standardizer: mean and scale must be finite")
        if np.any(self.scale <= 0):
            raise DataError("standardizer: every scale must be > 0")

    @classmethod
    def fit(cls, X, names=None, where: str = "data", rows=None) -> Standardizer:
        """Fit on ``X`` of shape (n_samples, n_columns) (or (n_samples,) for one column),
        or on its rows ``rows`` (int indices) only, without copying them all at once.

        ``names`` (one per column) and ``where`` (the file or sample) make the message of
        a column too large to standardize say which column of which data."""
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[:, None]
        n = X.shape[0] if rows is None else len(rows)
        if X.ndim != 2 or n == 0:
            raise DataError(f"standardizer: cannot fit on an array of shape {X.shape}")
        d = X.shape[1]
        total, top, bottom = np.zeros(d), np.full(d, -np.inf), np.full(d, np.inf)
        with np.errstate(over="ignore", invalid="ignore"):
            for block in _blocks(X, rows):
                total += block.sum(axis=0)
                np.maximum(top, block.max(axis=0), out=top)
                np.minimum(bottom, block.min(axis=0), out=bottom)
            mean = total / n
            squares = np.zeros(d)
            for block in _blocks(X, rows):
                block -= mean
                squares += (block * block).sum(axis=0)
            scale = np.sqrt(squares / n)
        bad = ~(np.isfinite(mean) & np.isfinite(scale))
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            name = names[j] if names is not None else f"column {j + 1}"
            raise DataError(
                f"{where}: column {name!r} has values too large to standardize (largest "
                f"magnitude {max(abs(top[j]), abs(bottom[j])):.3g}); rescale that column, "
                "e.g. to other units, and try again",
                path=where,
                column=name,
            )
        # Exactly constant columns (tested exactly, since the std of identical values can
        # come out as rounding noise like 1e-17) and any zero std get scale 1.
        constant = (top == bottom) | (scale == 0)
        scale[constant] = 1.0
        return cls(mean, scale)

    def transform(self, X) -> np.ndarray:
        """``(X - mean) / scale`` as a new float64 array of X's shape."""
        return (np.asarray(X, dtype=np.float64) - self.mean) / self.scale

    def transform_rows(
        self, X: np.ndarray, rows=None, dtype=np.float64, names=None, where: str = "data"
    ) -> np.ndarray:
        """``(X[rows] - mean) / scale`` (all rows when ``rows`` is None) as a new
        C-contiguous array of ``dtype``, computed a block of rows at a time so that no
        float64 copy of the whole selection is ever made. X is (n_samples, n_columns).

        Every result must be a finite number of ``dtype``: a value so far from the
        fitted data that it standardizes to Inf or NaN (1e308 against a scale of 0.5, or
        beyond float32's range) is a DataError naming the column (``names[j]``, else
        ``column j+1``), the row (1-based, of ``X[rows]``) and ``where``, never a silent
        NaN prediction."""
        X = np.asarray(X)
        n = X.shape[0] if rows is None else len(rows)
        out = np.empty((n, X.shape[1]), dtype=dtype)
        start = 0
        for block in _blocks(X, rows):
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                block -= self.mean
                block /= self.scale
                part = out[start : start + len(block)]
                part[...] = block
            bad = ~np.isfinite(part)
            if bad.any():
                i, j = (int(v) for v in np.argwhere(bad)[0])
                row = start + i if rows is None else int(rows[start + i])
                raw = float(X[row, j])
                with np.errstate(over="ignore", invalid="ignore"):
                    z = (raw - self.mean[j]) / self.scale[j]
                what = (
                    f"{z:.3g}, beyond the range of {np.dtype(dtype).name}"
                    if np.isfinite(z)
                    else f"{z}, not a finite number"
                )
                name = names[j] if names is not None else f"column {j + 1}"
                raise DataError(
                    f"{where}: column {name!r}, data row {row + 1}: the value {raw!r} "
                    f"standardizes to {what} (with the fitted mean and scale); rescale that "
                    "column (e.g. other units) or drop the row",
                    path=where,
                    column=str(name),
                )
            start += len(block)
        return out

    def inverse_transform(self, Z) -> np.ndarray:
        """``Z * scale + mean`` as a new float64 array of Z's shape."""
        return np.asarray(Z, dtype=np.float64) * self.scale + self.mean


#: rows per block when standardizing: big enough for speed, small enough (a few MB) that
#: large data is never copied whole
_BLOCK_ROWS = 65536


def _blocks(X: np.ndarray, rows):
    """Float64 copies of consecutive blocks of ``X[rows]`` (of ``X`` when rows is None)."""
    n = X.shape[0] if rows is None else len(rows)
    for lo in range(0, n, _BLOCK_ROWS):
        hi = min(lo + _BLOCK_ROWS, n)
        part = X[lo:hi] if rows is None else X[rows[lo:hi]]
        yield np.array(part, dtype=np.float64)


@dataclass
class PreparedData:
    """Arrays ready for training, plus what is needed to undo the preprocessing.

    - ``X_train`` (n_train, n_features), ``X_val`` (n_val, n_features): standardized, in
      the requested dtype, C-contiguous. ``X_val`` has 0 rows when ``val_split == 0``.
    - ``Y_train`` (n_train, n_outputs), ``Y_val`` (n_val, n_outputs): one-hot for
      classification; standardized targets for regression; same dtype.
    - ``y_train_labels``, ``y_val_labels``: classification only, int64 indices into
      ``classes``; None for regression.
    - ``input_scaler``, ``target_scaler``: fitted on the training rows only
      (``target_scaler`` is None for classification).
    - ``train_index``, ``val_index``: int64 row numbers into the original dataset, in the
      (shuffled) order of the rows of ``X_train`` / ``X_val``.
    """

    X_train: np.ndarray
    Y_train: np.ndarray
    X_val: np.ndarray
    Y_val: np.ndarray
    y_train_labels: np.ndarray | None
    y_val_labels: np.ndarray | None
    input_scaler: Standardizer
    target_scaler: Standardizer | None
    classes: list | None
    train_index: np.ndarray
    val_index: np.ndarray
    task: str = "classification"

    @property
    def n_train(self) -> int:
        return int(self.X_train.shape[0])

    @property
    def n_val(self) -> int:
        return int(self.X_val.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_outputs(self) -> int:
        return int(self.Y_train.shape[1])


def one_hot(indices, n_classes: int, dtype=np.float32) -> np.ndarray:
    """(n,) integer class indices -> (n, n_classes) array with a single 1 per row."""
    idx = np.asarray(indices)
    if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
        raise DataError(f"one_hot: need a 1-D integer array, got {idx.dtype} {idx.shape}")
    if idx.size and (idx.min() < 0 or idx.max() >= n_classes):
        raise DataError(f"one_hot: class indices must be in [0, {n_classes}), got {idx.max()}")
    out = np.zeros((idx.shape[0], int(n_classes)), dtype=dtype)
    out[np.arange(idx.shape[0]), idx] = 1
    return out


def encode_labels(y, classes: list) -> np.ndarray:
    """Labels ``y`` (n,) -> int64 indices into ``classes``; DataError for an unknown label.

    Labels compare as Python objects, so ``"1"`` (text) and ``1`` (number) differ.
    """
    lookup = {c: i for i, c in enumerate(classes)}
    values = np.asarray(y, dtype=object).tolist()
    out = np.empty(len(values), dtype=np.int64)
    for i, v in enumerate(values):
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        try:
            out[i] = lookup[v]
        except (KeyError, TypeError):
            shown = ", ".join(repr(c) for c in classes[:10])
            raise DataError(
                f"row {i}: label {v!r} is not one of the known classes ({shown})"
            ) from None
    return out


def _check_val_split(val_split) -> float:
    ok = isinstance(val_split, (int, float, np.integer, np.floating)) and not isinstance(
        val_split, bool
    )
    if not ok or not math.isfinite(float(val_split)) or not 0 <= float(val_split) < 1:
        raise DataError(
            f"validation split must be a number with 0 <= split < 1 (a fraction of the "
            f"rows), got {val_split!r}"
        )
    return float(val_split)


def _stratified_counts(sizes: np.ndarray, val_split: float, n_val: int) -> np.ndarray:
    """How many rows of each class go to validation: proportional (largest remainder),
    never taking a class's last row, adding up to ``n_val`` when that is possible."""
    quota = val_split * sizes
    take = np.floor(quota).astype(np.int64)
    caps = np.maximum(sizes - 1, 0)
    take = np.minimum(take, caps)
    remaining = n_val - int(take.sum())
    order = np.argsort(-(quota - np.floor(quota)), kind="stable")
    for c in order:
        if remaining <= 0:
            break
        if take[c] < caps[c]:
            take[c] += 1
            remaining -= 1
    while remaining > 0 and np.any(take < caps):
        c = int(np.argmax(caps - take))
        take[c] += 1
        remaining -= 1
    return take


def _split(
    ds: Dataset, labels: np.ndarray | None, val_split: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = ds.n_samples
    if val_split == 0:
        return rng.permutation(n).astype(np.int64), np.empty(0, np.int64)
    if n < 2:
        raise DataError(
            f"{ds.name}: only {n} row; a validation split needs at least 2 rows: add rows "
            "or set the validation split to 0"
        )
    n_val = min(max(int(round(val_split * n)), 1), n - 1)
    if labels is None:
        perm = rng.permutation(n).astype(np.int64)
        return perm[n_val:], perm[:n_val]
    groups = [rng.permutation(np.flatnonzero(labels == c)) for c in range(len(ds.classes))]
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    take = _stratified_counts(sizes, val_split, n_val)
    if take.sum() == 0:
        raise DataError(
            f"{ds.name}: every class has a single row, so no row can be held out for "
            "validation without losing a class from training: add rows or set the "
            "validation split to 0"
        )
    val = np.concatenate([g[:t] for g, t in zip(groups, take)]).astype(np.int64)
    train = np.concatenate([g[t:] for g, t in zip(groups, take)]).astype(np.int64)
    return rng.permutation(train), rng.permutation(val)


def prepare(
    ds: Dataset, *, val_split: float = 0.2, seed: int = 0, dtype=np.float32
) -> PreparedData:
    """Split, standardize and encode ``ds`` for training.

    Parameters
    ----------
    ds : the dataset
    val_split : fraction of rows held out for validation, 0 <= val_split < 1. The count
        is ``round(val_split * n)``, at least 1 when val_split > 0, and at most n - 1.
        Classification splits are stratified: each class contributes in proportion, and
        every class keeps at least one training row.
    seed : seed of the shuffle; the same dataset, split and seed give the same rows
    dtype : float dtype of the returned arrays (float32 default, or float64)

    Raises DataError for a bad split, too few rows, or fewer than 2 classes in training.
    """
    val_split = _check_val_split(val_split)
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise DataError(f"dtype must be float32 or float64, got {dtype}")
    if ds.n_samples == 0:
        raise DataError(f"{ds.name}: the dataset has no rows")
    classification = ds.task == "classification"
    labels = encode_labels(ds.y, ds.classes) if classification else None
    if classification and len(ds.classes) < 2:
        raise DataError(
            f"{ds.name}: target {ds.target_name!r} has only one class; classification needs "
            "at least two"
        )
    train, val = _split(ds, labels, val_split, seed)

    input_scaler = Standardizer.fit(ds.X, ds.feature_names, ds.name, rows=train)

    def features(rows: np.ndarray) -> np.ndarray:
        return input_scaler.transform_rows(ds.X, rows, dtype, ds.feature_names, ds.name)

    if classification:
        k = len(ds.classes)
        y_tr, y_va = labels[train], labels[val]
        if np.unique(y_tr).size < 2:
            raise DataError(
                f"{ds.name}: the training split holds only one class; classification needs "
                "at least two: add rows of the other classes"
            )
        Y_tr, Y_va = one_hot(y_tr, k, dtype), one_hot(y_va, k, dtype)
        target_scaler = None
    else:
        Y = ds.y.reshape(ds.n_samples, -1)
        target_scaler = Standardizer.fit(Y, [ds.target_name] * Y.shape[1], ds.name, rows=train)
        names = [ds.target_name] * Y.shape[1]
        Y_tr = target_scaler.transform_rows(Y, train, dtype, names, ds.name)
        Y_va = target_scaler.transform_rows(Y, val, dtype, names, ds.name)
        y_tr = y_va = None
    return PreparedData(
        X_train=features(train),
        Y_train=Y_tr,
        X_val=features(val),
        Y_val=Y_va,
        y_train_labels=y_tr,
        y_val_labels=y_va,
        input_scaler=input_scaler,
        target_scaler=target_scaler,
        classes=list(ds.classes) if classification else None,
        train_index=train,
        val_index=val,
        task=ds.task,
    )
