"""Reading NPZ archives: arrays ``X`` and ``y`` and their optional names.

Rules: arrays ``X`` (n, d) numeric and ``y`` (n,) or (n, k); optional string arrays
``feature_names`` (d,) and ``target_name`` (scalar). Loaded with ``allow_pickle=False``:
an archive holding pickled objects is refused, never unpickled. Every failure of the
archive (not a zip, truncated, corrupt) is one DataError naming the file. What ``y``
means (labels or numbers) is :mod:`nnstudio.data.targets`' job.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence

import numpy as np

from nnstudio.data.errors import DataError
from nnstudio.data.reading import NPY_MAGIC, ZIP_MAGIC, read_bytes, string_values

__all__ = ["npz_features", "npz_features_for", "npz_names", "npz_target_name", "read_npz"]


def read_npz(where: str, required: Sequence[str]) -> dict[str, np.ndarray]:
    """All arrays of an NPZ archive, with every failure mode turned into a DataError."""
    head = read_bytes(where, 8)
    if not head:
        raise DataError(
            f"{where}: the file is empty; save arrays X and y into it with "
            "numpy.savez(file, X=X, y=y)",
            path=where,
        )
    if head.startswith(NPY_MAGIC):
        raise DataError(
            f"{where}: holds a single NumPy array (.npy format), not named arrays X and y; "
            "save with numpy.savez(file, X=X, y=y)",
            path=where,
        )
    if not head.startswith(ZIP_MAGIC):
        what = "pickled Python objects" if head[:1] == b"\x80" else "not a zip archive"
        raise DataError(
            f"{where}: is not an NPZ file ({what}); nnstudio reads arrays saved with "
            "numpy.savez(file, X=X, y=y)",
            path=where,
        )
    out: dict[str, np.ndarray] = {}
    try:
        # Open the file ourselves: np.load(path) leaks its handle when the zip is corrupt.
        with open(where, "rb") as fh, np.load(fh, allow_pickle=False) as archive:
            names = list(archive.files)
            missing = [k for k in required if k not in names]
            if missing:
                found = ", ".join(repr(k) for k in names) or "no arrays"
                raise DataError(
                    f"{where}: has no array {' or '.join(repr(m) for m in missing)} (found "
                    f"{found}); save features as X (n_samples, n_features) and targets as "
                    "y: numpy.savez(file, X=X, y=y)",
                    path=where,
                )
            for key in names:
                if key not in (*required, "X", "y", "feature_names", "target_name"):
                    continue
                try:
                    out[key] = archive[key]
                except ValueError as exc:
                    if "pickle" in str(exc).lower() or "object" in str(exc).lower():
                        raise DataError(
                            f"{where}: array {key!r} holds pickled Python objects, which "
                            "nnstudio never loads (they can run code); save plain numeric "
                            "or string arrays",
                            path=where,
                            column=key,
                        ) from None
                    raise
    except DataError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, RuntimeError) as exc:
        raise DataError(
            f"{where}: cannot be read as NPZ ({exc}); the file is truncated or corrupt: "
            "save it again with numpy.savez",
            path=where,
        ) from None
    return out


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
    arrays = read_npz(where, required=("X",))
    X = npz_features(where, arrays["X"])
    if "feature_names" in arrays:
        have = npz_names(where, arrays["feature_names"], X.shape[1])
        if set(names) <= set(have):
            X = X[:, [have.index(n) for n in names]]
    if X.shape[1] != len(names):
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
