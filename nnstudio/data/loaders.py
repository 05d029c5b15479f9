"""The front door for datasets: CSV files, NPZ files and built-in sample names.

Everything here reads and validates; nothing is ever written. Every problem with the
user's input becomes one :class:`~nnstudio.data.errors.DataError` whose message names the
file, the line (CSV) or array element (NPZ) and the column, and says what to do. Callers
can therefore show ``str(err)`` as it is and never need a traceback.

The work is done by one module per job, and this module only routes and assembles:

- :mod:`nnstudio.data.reading`: what a path is, its bytes and its UTF-8 text;
- :mod:`nnstudio.data.csv_reader`: the CSV table (header, numeric features, target cells);
- :mod:`nnstudio.data.npz_reader`: the NPZ archive;
- :mod:`nnstudio.data.targets`: what the target means (labels or numbers, the task).

CSV rules are in :mod:`~nnstudio.data.csv_reader`, NPZ rules in
:mod:`~nnstudio.data.npz_reader`, label rules in :mod:`~nnstudio.data.targets`. The target
is the last column unless ``target`` names one; all other columns are features. Task: a
text target, or a numeric one with at most :data:`MAX_AUTO_CLASSES` distinct integer
values, is classification; anything else is regression. ``task`` overrides.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nnstudio.data.csv_reader import Progress, read_csv
from nnstudio.data.dataset import Dataset
from nnstudio.data.errors import DataError
from nnstudio.data.npz_reader import (
    npz_features,
    npz_features_for,
    npz_names,
    npz_target_name,
    read_npz,
)
from nnstudio.data.reading import file_kind, fspath
from nnstudio.data.samples import SAMPLES, make_sample
from nnstudio.data.targets import (
    MAX_AUTO_CLASSES,
    check_classes,
    check_task,
    detect_task,
    exact_integers,
    match_labels,
    target_from_array,
    target_from_numbers,
    target_from_text,
)

__all__ = [
    "MAX_AUTO_CLASSES",
    "detect_task",
    "load_csv",
    "load_dataset",
    "load_features",
    "load_npz",
    "load_sample",
]


def load_dataset(
    source: str | os.PathLike,
    *,
    target: str | None = None,
    task: str | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Load a CSV file, an NPZ file or a built-in sample.

    ``source`` is a path (an existing file is always read as a file; ``.npz`` files and
    files that start like a zip archive go to :func:`load_npz`, everything else to
    :func:`load_csv`) or else a sample name from :data:`~nnstudio.data.samples.SAMPLES`.
    ``target`` names the target column (CSV); ``task`` is ``"classification"``,
    ``"regression"`` or None to detect it. ``progress(fraction)``, if given, is called
    as a CSV file is read (see :data:`~nnstudio.data.csv_reader.Progress`; it may raise to
    cancel). Raises DataError for any bad input.
    """
    check_task(task)
    where = fspath(source)
    kind = file_kind(where)
    if kind == "npz":
        return load_npz(where, target=target, task=task)
    if kind == "csv":
        return load_csv(where, target=target, task=task, progress=progress)
    key = where.strip().lower()
    if key in SAMPLES:
        return _load_sample(key, target=target, task=task)
    raise DataError(
        f"{where!r}: no such file or built-in sample; check the path, or run "
        f"`nnstudio samples` to list the samples ({', '.join(SAMPLES)})",
        path=where,
    )


def load_csv(
    path: str | os.PathLike,
    *,
    target: str | None = None,
    task: str | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Read a CSV file with a header row into a :class:`Dataset` (see module docstring)."""
    check_task(task)
    where = fspath(path)

    def select(header: list[str]) -> tuple[list[int], int]:
        t = _find_column(where, header, target) if target is not None else len(header) - 1
        return [j for j in range(len(header)) if j != t], t

    table = read_csv(where, select, progress)
    name = table.header[table.target_col]
    if table.target_values is not None:
        y, task_ = target_from_numbers(
            where,
            name,
            table.target_values,
            table.spellings,
            table.target_cell,
            table.line_of,
            task,
        )
    else:
        y, task_ = target_from_text(where, name, table.target_text, table.line_of, task)
    features = [table.header[j] for j in table.feature_cols]
    return _build(where, table.X, y, features, name, task_)


def load_npz(
    path: str | os.PathLike, *, target: str | None = None, task: str | None = None
) -> Dataset:
    """Read an ``.npz`` archive with arrays ``X`` and ``y`` into a :class:`Dataset`."""
    check_task(task)
    where = fspath(path)
    arrays = read_npz(where, required=("X", "y"))
    X = npz_features(where, arrays["X"])
    y = arrays["y"]
    if y.ndim in (1, 2) and y.shape[0] != X.shape[0]:
        raise DataError(
            f"{where}: X has {X.shape[0]} rows but y has {y.shape[0]}; they need one "
            "target per row of X: save matching arrays",
            path=where,
        )
    if y.ndim not in (1, 2) or y.shape[1:] == (0,):
        raise DataError(
            f"{where}: y has shape {y.shape}; it must be (n_samples,) or (n_samples, "
            "n_outputs): save it with that shape",
            path=where,
        )
    feature_names = npz_names(where, arrays.get("feature_names"), X.shape[1])
    target_name = npz_target_name(where, arrays.get("target_name"))
    if target is not None and target not in (target_name, "y"):
        raise DataError(
            f"{where}: an NPZ file keeps its target in array 'y' (named {target_name!r}); "
            f"there is no column {target!r} to choose: leave the target option empty",
            path=where,
            column=target,
        )
    y, task_ = target_from_array(where, target_name, y, task)
    return _build(where, X, y, feature_names, target_name, task_)


def load_features(
    source: str | os.PathLike,
    feature_names: Sequence[str],
    *,
    target_name: str | None = None,
    classes: Sequence | None = None,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Read the feature columns a trained model needs, for prediction.

    CSV: the columns named ``feature_names`` are picked by name, in that order; other
    columns are ignored. If a column ``target_name`` exists its values are returned too,
    or None when that column has an empty cell or a NaN/Inf (nothing to score against).
    With the model's ``classes`` (classification) they are the labels of those classes
    (:func:`~nnstudio.data.targets.match_labels`: ``"7"`` is the class ``"007"``);
    without, they are parsed as a training target would be (text labels, integers, or
    float64 numbers).
    NPZ: ``X`` must have ``len(feature_names)`` columns (reordered by its own
    ``feature_names`` array when it has one); ``y`` is returned when present.
    A sample name gives that sample's X and y. ``progress`` is as for
    :func:`load_dataset` (CSV files).

    Returns ``(X, y_or_None)`` with X (n_samples, n_features) float64.
    """
    names = [str(f) for f in feature_names]
    where = fspath(source)
    kind = file_kind(where)
    if kind == "npz":
        X, y = npz_features_for(where, names)
    elif kind == "csv":
        X, y = _csv_features_for(where, names, target_name, classes, progress)
    elif where.strip().lower() in SAMPLES:
        ds = make_sample(where)
        idx = [_find_column(where, ds.feature_names, n) for n in names]
        X, y = ds.X[:, idx], ds.y
    else:
        raise DataError(f"{where!r}: no such file or built-in sample; check the path", path=where)
    if y is not None and classes is not None and kind != "csv":
        y = match_labels(y.reshape(len(y), -1)[:, 0], classes)
    return X, y


# --------------------------------------------------------------------------- helpers


def _find_column(where: str, header: Sequence[str], name: str) -> int:
    if name in header:
        return list(header).index(name)
    folded = [j for j, h in enumerate(header) if h.lower() == str(name).strip().lower()]
    if len(folded) == 1:
        return folded[0]
    shown = ", ".join(repr(h) for h in header[:30]) + (", ..." if len(header) > 30 else "")
    raise DataError(
        f"{where}: there is no column {name!r}; available columns: {shown}",
        path=where,
        column=str(name),
    )


def _build(
    where: str,
    X: np.ndarray,
    y: np.ndarray,
    feature_names: list[str],
    target_name: str,
    task: str,
) -> Dataset:
    """The Dataset, after the checks every classification target must pass."""
    classes = check_classes(where, target_name, y) if task == "classification" else None
    return Dataset(Path(where).name, where, X, y, feature_names, target_name, task, classes)


def _load_sample(key: str, *, target: str | None, task: str | None) -> Dataset:
    ds = make_sample(key)
    if target is not None and target != ds.target_name:
        raise DataError(
            f"built-in sample {key!r} has the target {ds.target_name!r}; there is no "
            f"column {target!r}: leave the target option empty",
            path=key,
            column=target,
        )
    return _as_task(ds, task)


def load_sample(
    name: str,
    *,
    task: str | None = None,
    n_samples: int | None = None,
    noise: float | None = None,
) -> Dataset:
    """The built-in sample ``name`` (``samples.make_sample`` with its seed 0, size and
    noise), as ``task``: None or the sample's own task keeps it; ``"regression"`` makes a
    classification sample's labels 0..k-1 the numbers to fit. A regression sample cannot
    become a classification one."""
    check_task(task)
    return _as_task(make_sample(name, n_samples=n_samples, noise=noise), task)


def _as_task(ds: Dataset, task: str | None) -> Dataset:
    """Sample ``ds`` as ``task`` (see :func:`load_sample`)."""
    if task is None or task == ds.task:
        return ds
    if task == "regression":
        return Dataset(
            ds.name,
            ds.source,
            ds.X,
            ds.y.astype(np.float64),
            ds.feature_names,
            ds.target_name,
            "regression",
            None,
        )
    raise DataError(
        f"built-in sample {ds.source!r} is a regression sample with continuous targets; it "
        "cannot be used for classification: choose a classification sample",
        path=ds.source,
    )


def _csv_features_for(
    where: str,
    names: list[str],
    target_name: str | None,
    classes: Sequence | None,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    def select(header: list[str]) -> tuple[list[int], int | None]:
        missing = [n for n in names if n not in header]
        if missing:
            shown = ", ".join(repr(h) for h in header[:30])
            raise DataError(
                f"{where}: has no column {', '.join(repr(m) for m in missing[:10])}, which "
                f"the model needs (available columns: {shown}); give the file the model's "
                "feature columns",
                path=where,
                column=missing[0],
            )
        t = header.index(target_name) if target_name in header else None
        return [header.index(n) for n in names], t

    table = read_csv(where, select, progress)
    if table.target_col is None:
        return table.X, None
    cells, values = table.target_text, table.target_values
    if cells is not None and np.any(cells == ""):  # a blank cell: nothing to score against
        return table.X, None
    if classes is not None:
        if cells is None and not exact_integers(values):  # 2**63 and 2**63+1 are one float
            cells = np.array([table.target_cell(i) for i in range(len(values))], dtype=object)
        return table.X, match_labels(cells if cells is not None else values, classes)
    try:
        if cells is not None:
            y, _ = target_from_text(where, str(target_name), cells, table.line_of, None)
        else:
            name = str(target_name)
            y, _ = target_from_numbers(
                where, name, values, table.spellings, table.target_cell, table.line_of, None
            )
    except DataError:  # NaN/Inf: nothing to score against
        return table.X, None
    return table.X, y
