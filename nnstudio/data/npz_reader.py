"""Reading NPZ archives: arrays ``X`` and ``y`` and their optional names.

Rules: arrays ``X`` (n, d) numeric and ``y`` (n,) or (n, k); optional string arrays
``feature_names`` (d,) and ``target_name`` (scalar). Loaded with ``allow_pickle=False``:
an archive holding pickled objects is refused, never unpickled. Every failure of the
archive (not a zip, truncated, corrupt, sizes beyond the limits of
:mod:`nnstudio.untrusted`) is one DataError naming the file. What ``y``
means (labels or numbers) is :mod:`nnstudio.data.targets`' job.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nnstudio.data.errors import DataError
from nnstudio.data.reading import NPY_MAGIC, ZIP_MAGIC, data_error, folder_error, string_values
from nnstudio.untrusted import read_npz as read_untrusted_npz

__all__ = ["npz_features", "npz_features_for", "npz_names", "npz_target_name", "read_npz"]


_NPZ_KEYS = ("X", "y", "feature_names", "target_name")
_SAVE = "save it again with numpy.savez(file, X=X, y=y)"


def read_npz(where: str, required: Sequence[str]) -> dict[str, np.ndarray]:
    """The arrays ``X``, ``y``, ``feature_names`` and ``target_name`` that the archive
    has (``required`` ones must be there), read by the guarded reader of
    :mod:`nnstudio.untrusted`: regular files only, sizes checked from the zip and
    ``.npy`` headers before reading, no pickles; every failure is one DataError."""

    def head_check(head: bytes) -> None:
        if not head:
            raise DataError(
                f"{where}: the file is empty; save arrays X and y into it with "
                "numpy.savez(file, X=X, y=y)",
                path=where,
            )
        if head.startswith(NPY_MAGIC):
            raise DataError(
                f"{where}: holds a single NumPy array (.npy format), not named arrays X and "
                "y; save with numpy.savez(file, X=X, y=y)",
                path=where,
            )
        if not head.startswith(ZIP_MAGIC):
            what = "pickled Python objects" if head[:1] == b"\x80" else "not a zip archive"
            raise DataError(
                f"{where}: is not an NPZ file ({what}); nnstudio reads arrays saved with "
                "numpy.savez(file, X=X, y=y)",
                path=where,
            )

    if Path(where).is_dir():
        raise folder_error(where)
    arrays = read_untrusted_npz(
        where,
        error=data_error(where),
        what="NPZ file",
        fix=_SAVE,
        keys=tuple(dict.fromkeys((*required, *_NPZ_KEYS))),
        head_check=head_check,
        file_words="file",
    )
    missing = [k for k in required if k not in arrays]
    if missing:
        found = ", ".join(repr(k) for k in arrays.members) or "no arrays"
        raise DataError(
            f"{where}: has no array {' or '.join(repr(m) for m in missing)} (found "
            f"{found}); save features as X (n_samples, n_features) and targets as "
            "y: numpy.savez(file, X=X, y=y)",
            path=where,
        )
    return dict(arrays)


def npz_features(where: str, X: np.ndarray) -> np.ndarray:
    if X.dtype.kind not in "biuf":
        raise DataError(
            f"{where}: array X has dtype {X.dtype}, which is not numeric; features must be "
            "numbers: save X as a float array",
            path=where,
            column="X",
        )
    if X.ndim != 2:
        hint = " (for one feature use X.reshape(-1, 1))" if X.ndim == 1 else ""
        raise DataError(
            f"{where}: array X has shape {X.shape}; it must be 2-D (n_samples, n_features){hint}",
            path=where,
            column="X",
        )
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(
            f"{where}: array X has shape {X.shape}; it needs at least one row and one column",
            path=where,
            column="X",
        )
    X = np.ascontiguousarray(X, dtype=np.float64)
    bad = ~np.isfinite(X)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise DataError(
            f"{where}: X[{i}, {j}] is {X[i, j]}; NaN and Inf cannot be trained on: replace "
            "or drop that row",
            path=where,
            column="X",
        )
    return X


def npz_names(where: str, names: np.ndarray | None, d: int) -> list[str]:
    if names is None:
        return [f"x{j + 1}" for j in range(d)]
    if names.dtype.kind not in "US" or names.ndim != 1 or names.shape[0] != d:
        raise DataError(
            f"{where}: array feature_names must hold {d} strings (one per column of X), got "
            f"shape {names.shape} dtype {names.dtype}; fix it or leave it out",
            path=where,
            column="feature_names",
        )
    out = [s.strip() for s in string_values(names)]
    if len(set(out)) != len(out) or not all(out):
        raise DataError(
            f"{where}: array feature_names has empty or repeated names; give each column of "
            "X a unique name",
            path=where,
            column="feature_names",
        )
    return out


def npz_target_name(where: str, name: np.ndarray | None) -> str:
    if name is None:
        return "y"
    if name.dtype.kind not in "US" or name.size != 1:
        raise DataError(
            f"{where}: array target_name must be one string, got shape {name.shape} dtype "
            f"{name.dtype}; fix it or leave it out",
            path=where,
            column="target_name",
        )
    return string_values(name.reshape(-1))[0].strip() or "y"


def npz_features_for(where: str, names: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """The columns of ``X`` a model with features ``names`` needs, for prediction.

    With a ``feature_names`` array, columns are picked by name, exactly as CSV columns
    are (any order, extra columns ignored, a missing name is a DataError). Without one,
    ``X``'s columns are the features in order, and their number must match."""
    arrays = read_npz(where, required=("X",))
    X = npz_features(where, arrays["X"])
    if "feature_names" in arrays:
        have = npz_names(where, arrays["feature_names"], X.shape[1])
        missing = [n for n in names if n not in have]
        if missing:
            count = (
                f"array X has {X.shape[1]} columns but the model needs {len(names)}; "
                if X.shape[1] != len(names)
                else ""
            )
            shown = ", ".join(repr(h) for h in have[:30]) + (", ..." if len(have) > 30 else "")
            raise DataError(
                f"{where}: {count}its feature_names have no column "
                f"{', '.join(repr(m) for m in missing[:10])}, which the model needs "
                f"(available columns: {shown}); save X with the model's feature columns",
                path=where,
                column=missing[0],
            )
        X = X[:, [have.index(n) for n in names]]
    elif X.shape[1] != len(names):
        raise DataError(
            f"{where}: array X has {X.shape[1]} columns but the model needs {len(names)} "
            f"({', '.join(names[:10])}); save X with those columns",
            path=where,
            column="X",
        )
    y = arrays.get("y")
    if y is not None and (y.ndim == 0 or y.shape[0] != X.shape[0]):
        y = None
    if y is not None and y.dtype.kind in "US":
        y = np.array(string_values(y.reshape(len(y), -1)[:, 0]), dtype=object)
    return np.ascontiguousarray(X), y
