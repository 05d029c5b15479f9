"""Loading datasets from CSV files, NPZ files and built-in sample names.

Everything here reads and validates; nothing is ever written. Every problem with the
user's input becomes one :class:`~nnstudio.data.errors.DataError` whose message names the
file, the line (CSV) or array element (NPZ) and the column, and says what to do. Callers
can therefore show ``str(err)`` as it is and never need a traceback.

CSV rules (see the design's "Data input"):

- UTF-8 text (a BOM is fine), a header row with one unique, non-empty name per column,
  then one row per example. CRLF line ends, blank lines and whitespace around cells are
  tolerated. The delimiter is a comma, or ``;`` / tab when the header has no comma.
- The target is the last column unless ``target`` names one; all other columns are
  features and must be finite numbers.
- Task: a text target, or a numeric one with at most :data:`MAX_AUTO_CLASSES` distinct
  integer values, is classification; anything else is regression. ``task`` overrides.

NPZ rules: arrays ``X`` (n, d) numeric and ``y`` (n,) or (n, k); optional string arrays
``feature_names`` (d,) and ``target_name`` (scalar). Loaded with ``allow_pickle=False``.
A 2-D ``y`` whose rows are one-hot is read as class indices 0..k-1.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from nnstudio.data.dataset import TASKS, Dataset, label_list
from nnstudio.data.errors import DataError
from nnstudio.data.samples import SAMPLES, make_sample

__all__ = [
    "MAX_AUTO_CLASSES",
    "detect_task",
    "load_csv",
    "load_dataset",
    "load_features",
    "load_npz",
]

#: A numeric target with at most this many distinct integer values is detected as
#: classification; more, or any non-integer value, means regression.
MAX_AUTO_CLASSES = 20

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_NPY_MAGIC = b"\x93NUMPY"
_INT_LITERAL = re.compile(r"[+-]?\d+")


# --------------------------------------------------------------------------- public API


def load_dataset(
    source: str | os.PathLike, *, target: str | None = None, task: str | None = None
) -> Dataset:
    """Load a CSV file, an NPZ file or a built-in sample.

    ``source`` is a path (an existing file is always read as a file; ``.npz`` files and
    files that start like a zip archive go to :func:`load_npz`, everything else to
    :func:`load_csv`) or else a sample name from :data:`~nnstudio.data.samples.SAMPLES`.
    ``target`` names the target column (CSV); ``task`` is ``"classification"``,
    ``"regression"`` or None to detect it. Raises DataError for any bad input.
    """
    _check_task_arg(task)
    where = _fspath(source)
    kind = _file_kind(where)
    if kind == "npz":
        return load_npz(where, target=target, task=task)
    if kind == "csv":
        return load_csv(where, target=target, task=task)
    key = where.strip().lower()
    if key in SAMPLES:
        return _load_sample(key, target=target, task=task)
    raise DataError(
        f"{where!r}: no such file or built-in sample; check the path, or run "
        f"`nnstudio samples` to list the samples ({', '.join(SAMPLES)})",
        path=where,
    )


def load_csv(
    path: str | os.PathLike, *, target: str | None = None, task: str | None = None
) -> Dataset:
    """Read a CSV file with a header row into a :class:`Dataset` (see module docstring)."""
    _check_task_arg(task)
    where = _fspath(path)
    header, rows, lines = _read_table(where)
    t = _find_column(where, header, target) if target is not None else len(header) - 1
    feature_cols = [j for j in range(len(header)) if j != t]
    X = _numeric_block(where, header, rows, lines, feature_cols)
    raw = [r[t] for r in rows]
    _check_no_empty(where, header[t], raw, lines)
    y, task_ = _target_from_text(where, header[t], raw, lines, task)
    return _build(
        where,
        Path(where).name,
        X,
        y,
        [header[j] for j in feature_cols],
        header[t],
        task_,
        lambda i: f"line {lines[i]}",
    )


def load_npz(
    path: str | os.PathLike, *, target: str | None = None, task: str | None = None
) -> Dataset:
    """Read an ``.npz`` archive with arrays ``X`` and ``y`` into a :class:`Dataset`."""
    _check_task_arg(task)
    where = _fspath(path)
    arrays = _read_npz(where, required=("X", "y"))
    X = _npz_features(where, arrays["X"])
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
    feature_names = _npz_names(where, arrays.get("feature_names"), X.shape[1])
    target_name = _npz_target_name(where, arrays.get("target_name"))
    if target is not None and target not in (target_name, "y"):
        raise DataError(
            f"{where}: an NPZ file keeps its target in array 'y' (named {target_name!r}); "
            f"there is no column {target!r} to choose: leave the target option empty",
            path=where,
            column=target,
        )
    y, task_ = _target_from_array(where, target_name, y, task)
    return _build(
        where, Path(where).name, X, y, feature_names, target_name, task_, lambda i: f"y[{i}]"
    )


def detect_task(y) -> str:
    """Guess the task from target values ``y`` ((n,) or (n, k)).

    Text (or boolean) labels -> ``"classification"``; numbers that are all integers
    with at most :data:`MAX_AUTO_CLASSES` distinct values -> ``"classification"``;
    anything else, including any 2-D ``y`` with more than one column, -> ``"regression"``.
    """
    y = np.asarray(y)
    if y.ndim == 2:
        if y.shape[1] != 1:
            return "regression"
        y = y[:, 0]
    if y.dtype.kind in "USb":
        return "classification"
    if y.dtype.kind == "O":
        if any(isinstance(v, (str, bytes)) for v in y.ravel().tolist()):
            return "classification"
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            return "classification"
    if y.dtype.kind not in "iuf":
        return "regression"
    if y.dtype.kind == "f" and not (np.isfinite(y).all() and np.all(y == np.round(y))):
        return "regression"
    return "classification" if np.unique(y).size <= MAX_AUTO_CLASSES else "regression"


def load_features(
    source: str | os.PathLike, feature_names: Sequence[str], *, target_name: str | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Read the feature columns a trained model needs, for prediction.

    CSV: the columns named ``feature_names`` are picked by name, in that order; other
    columns are ignored. If a column ``target_name`` exists its raw values are returned
    too (text -> object array of str, integers -> int64, other numbers -> float64), or
    None when that column has an empty cell or a NaN/Inf (nothing to score against).
    NPZ: ``X`` must have ``len(feature_names)`` columns (reordered by its own
    ``feature_names`` array when it has one); ``y`` is returned when present.
    A sample name gives that sample's X and y.

    Returns ``(X, y_or_None)`` with X (n_samples, n_features) float64.
    """
    names = [str(f) for f in feature_names]
    where = _fspath(source)
    kind = _file_kind(where)
    if kind == "npz":
        return _npz_features_for(where, names)
    if kind == "csv":
        return _csv_features_for(where, names, target_name)
    if where.strip().lower() in SAMPLES:
        ds = make_sample(where)
        idx = [_find_column(where, ds.feature_names, n) for n in names]
        return ds.X[:, idx], ds.y
    raise DataError(f"{where!r}: no such file or built-in sample; check the path", path=where)


# --------------------------------------------------------------------------- files


def _fspath(source) -> str:
    try:
        return os.fspath(source)
    except TypeError:
        raise DataError(
            f"{source!r}: not a file path or sample name; give a path or a sample name"
        ) from None


def _file_kind(where: str) -> str | None:
    """``"npz"`` or ``"csv"`` for an existing file (by its ending, or by its first bytes
    for a zip or ``.npy``), None if there is no file at ``where``."""
    path = Path(where)
    if not (where and path.exists()):
        return None
    if path.is_dir():
        raise _folder_error(where)
    if path.suffix.lower() in (".npz", ".npy") or _sniff(path).startswith(
        (*_ZIP_MAGIC, _NPY_MAGIC)
    ):
        return "npz"
    return "csv"


def _check_task_arg(task: str | None) -> None:
    if task is not None and task not in TASKS:
        raise DataError(f"unknown task {task!r}; use 'classification' or 'regression'")


def _folder_error(where: str) -> DataError:
    return DataError(
        f"{where}: is a folder, not a data file; choose a .csv or .npz file", path=where
    )


def _sniff(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(8)
    except OSError:
        return b""


def _read_bytes(where: str, limit: int = -1) -> bytes:
    """The file's bytes (the first ``limit`` only, if given), or a DataError."""
    path = Path(where)
    try:
        if path.is_dir():
            raise _folder_error(where)
        with open(path, "rb") as fh:
            return fh.read(limit)
    except FileNotFoundError:
        raise DataError(f"{where}: no such file; check the path", path=where) from None
    except PermissionError:
        raise DataError(
            f"{where}: permission denied; check that you may read this file", path=where
        ) from None
    except IsADirectoryError:
        raise _folder_error(where) from None
    except OSError as exc:
        raise DataError(
            f"{where}: cannot be read ({exc.strerror or exc}); check the file", path=where
        ) from None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _read_text(where: str) -> str:
    """The file decoded as UTF-8 text, with binary and non-UTF-8 files rejected."""
    data = _read_bytes(where)
    skip = 3 if data.startswith(b"\xef\xbb\xbf") else 0  # UTF-8 BOM; offsets stay true
    data = data[skip:]
    if not data.strip():
        raise DataError(
            f"{where}: the file is empty; it needs a header row and at least one data row",
            path=where,
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(
            f"{where}: is UTF-16 text; re-save it as UTF-8 CSV (in Excel: 'CSV UTF-8')",
            path=where,
            line=1,
        )
    if data.startswith((*_ZIP_MAGIC, _NPY_MAGIC)):
        raise DataError(
            f"{where}: is a binary NumPy/zip file, not CSV text; give it the .npz "
            "extension or choose a CSV file",
            path=where,
            line=1,
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line = _line_of(data, nul)
        raise DataError(
            f"{where}: line {line}: a NUL byte at byte offset {nul + skip} shows this is a binary "
            "file, not CSV text; choose a CSV text file",
            path=where,
            line=line,
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        raise DataError(
            f"{where}: line {line}: byte 0x{data[exc.start]:02X} at byte offset {exc.start + skip} "
            "is not UTF-8 text; re-save the file as UTF-8 (in Excel: 'CSV UTF-8')",
            path=where,
            line=line,
        ) from None


def _guess_delimiter(text: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if "," in first:
        return ","
    counts = {d: first.count(d) for d in ";\t"}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _show(value: str, limit: int = 40) -> str:
    """A cell value quoted for a one-line message."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


def _read_table(where: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows (cells stripped) and the 1-based line where each row starts."""
    text = _read_text(where)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_guess_delimiter(text))
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for row in reader:
            line_no, start = start, reader.line_num + 1
            cells = [c.strip() for c in row]
            if reader.line_num > line_no and any("\n" in c or "\r" in c for c in cells):
                raise DataError(
                    f"{where}: line {line_no}: a quoted value runs on over "
                    f'{reader.line_num - line_no + 1} lines; is a closing quote (") missing? '
                    "Close the quote or remove it",
                    path=where,
                    line=line_no,
                )
            if not any(cells):
                continue  # blank line (or a row of only delimiters, as spreadsheets write)
            if header is None:
                header = cells
                _check_header(where, header, line_no)
                continue
            if len(cells) != len(header):
                raise DataError(
                    f"{where}: line {line_no} has {len(cells)} fields but the header has "
                    f"{len(header)} columns; every row needs one value per column (check "
                    "for a missing or extra delimiter)",
                    path=where,
                    line=line_no,
                )
            rows.append(cells)
            lines.append(line_no)
    except csv.Error as exc:
        raise DataError(
            f"{where}: line {reader.line_num}: cannot be parsed as CSV ({exc}); fix the "
            "quoting on that line",
            path=where,
            line=reader.line_num,
        ) from None
    if header is None:  # pragma: no cover - _read_text rejects files with no text
        raise DataError(f"{where}: the file is empty; add a header row and data", path=where)
    if not rows:
        raise DataError(
            f"{where}: has a header row but no data rows; add one row per example below the header",
            path=where,
        )
    return header, rows, lines


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _check_header(where: str, header: list[str], line_no: int) -> None:
    if len(header) < 2:
        raise DataError(
            f"{where}: line {line_no}: the header has only one column ({header[0]!r}); a "
            "dataset needs feature columns and a target column separated by commas",
            path=where,
            line=line_no,
        )
    for j, name in enumerate(header):
        if not name:
            raise DataError(
                f"{where}: line {line_no}: column {j + 1} has no name in the header; give "
                "every column a name (a spreadsheet index column? save without it)",
                path=where,
                line=line_no,
            )
    seen: dict[str, int] = {}
    for j, name in enumerate(header):
        if name in seen:
            raise DataError(
                f"{where}: line {line_no}: column name {name!r} appears twice in the header "
                f"(columns {seen[name] + 1} and {j + 1}); rename one of them",
                path=where,
                line=line_no,
                column=name,
            )
        seen[name] = j
    numeric = [c for c in header if _is_number(c)]
    if len(numeric) >= len(header) - 1 and any(not _INT_LITERAL.fullmatch(c) for c in numeric):
        shown = ", ".join(header[:4]) + (", ..." if len(header) > 4 else "")
        raise DataError(
            f"{where}: line {line_no} looks like data ({shown}), not a header row; add a "
            "first line with the column names, e.g. x1,x2,...,target",
            path=where,
            line=line_no,
        )


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


def _check_no_empty(where: str, name: str, values: list[str], lines: list[int]) -> None:
    for v, ln in zip(values, lines):
        if v == "":
            raise DataError(
                f"{where}: line {ln}, column {name!r}: the cell is empty; missing values are "
                "not supported: fill it in or delete the row",
                path=where,
                line=ln,
                column=name,
            )


def _numeric_block(
    where: str, header: list[str], rows: list[list[str]], lines: list[int], cols: list[int]
) -> np.ndarray:
    """Columns ``cols`` of ``rows`` as a finite float64 array (n_rows, len(cols))."""
    try:
        X = np.array([[r[j] for j in cols] for r in rows], dtype=np.float64)
    except ValueError:
        for r, ln in zip(rows, lines):  # find the first bad cell for the message
            for j in cols:
                cell = r[j]
                if cell == "":
                    _check_no_empty(where, header[j], [cell], [ln])
                if not _is_number(cell):
                    hint = " (use a point as the decimal separator)" if "," in cell else ""
                    raise DataError(
                        f"{where}: line {ln}, column {header[j]!r}: {_show(cell)} is not a "
                        f"number{hint}; feature columns must be numeric: fix the value, "
                        "delete the row, or make this column the target",
                        path=where,
                        line=ln,
                        column=header[j],
                    ) from None
        raise  # pragma: no cover - every cell parsed one by one, so numpy would have too
    X = X.reshape(len(rows), len(cols))
    bad = ~np.isfinite(X)
    if bad.any():
        i, k = (int(v) for v in np.argwhere(bad)[0])
        name = header[cols[k]]
        raise DataError(
            f"{where}: line {lines[i]}, column {name!r}: {_show(rows[i][cols[k]])} is not a "
            "finite number; NaN and Inf cannot be trained on: fill in a value or delete "
            "the row",
            path=where,
            line=lines[i],
            column=name,
        )
    return X


def _target_from_text(
    where: str, name: str, raw: list[str], lines: list[int], task: str | None
) -> tuple[np.ndarray, str]:
    """Parse a CSV target column: numbers when every cell is one, else text labels."""
    try:
        values = np.array(raw, dtype=np.float64)
    except ValueError:
        if task == "regression":
            i = next(i for i, v in enumerate(raw) if not _is_number(v))
            raise DataError(
                f"{where}: line {lines[i]}, column {name!r}: {_show(raw[i])} is text, and a "
                "regression target must be numeric; use classification, or choose a "
                "numeric target column",
                path=where,
                line=lines[i],
                column=name,
            ) from None
        return np.array(raw, dtype=object), "classification"
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"{where}: line {lines[i]}, column {name!r}: {_show(raw[i])} is not a finite "
            "number; the target cannot be NaN or Inf: fill in a value or delete the row",
            path=where,
            line=lines[i],
            column=name,
        )
    y, task_ = _numeric_target(where, name, values, task, lambda i: f"line {lines[i]}")
    if task_ == "classification":
        # Labels written like "007" or "1.0" keep the text the file has, not int(text),
        # as long as each class is written one way ("2" beside "2.0" means one class, 2).
        spellings: dict[int, set[str]] = {}
        for cell, v in zip(raw, y.tolist()):
            spellings.setdefault(v, set()).add(cell.strip())
        one_way = all(len(texts) == 1 for texts in spellings.values())
        if one_way and any(texts != {str(v)} for v, texts in spellings.items()):
            return np.array([cell.strip() for cell in raw], dtype=object), task_
    return y, task_


def _numeric_target(
    where: str, name: str, values: np.ndarray, task: str | None, loc: Callable[[int], str]
) -> tuple[np.ndarray, str]:
    task_ = task or detect_task(values)
    if task_ == "regression":
        return values.astype(np.float64), task_
    frac = values != np.round(values)
    if frac.any():
        i = int(np.argmax(frac))
        raise DataError(
            f"{where}: {loc(i)}, column {name!r}: {float(values[i])!r} "
            "is not a whole number, and numeric class labels must be integers; use "
            "regression, or label the classes with integers or text",
            path=where,
            column=name,
        )
    return values.astype(np.int64), task_


def _build(
    where: str,
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    feature_names: list[str],
    target_name: str,
    task: str,
    loc: Callable[[int], str],
) -> Dataset:
    """Final checks shared by all loaders, then the Dataset."""
    if task == "classification":
        classes = label_list(y)
        n = len(y)
        if len(classes) < 2:
            raise DataError(
                f"{where}: target {target_name!r} has only one class ({classes[0]!r}) in all "
                f"{n} rows; classification needs at least two classes: choose another "
                "target column, or use regression",
                path=where,
                column=target_name,
            )
        if y.dtype.kind == "O" and len(classes) > max(MAX_AUTO_CLASSES, n // 2):
            raise DataError(
                f"{where}: target {target_name!r} has {len(classes)} different text values "
                f"in {n} rows, which looks like an identifier, not a class label; choose "
                "the target column explicitly",
                path=where,
                column=target_name,
            )
        return Dataset(name, where, X, y, feature_names, target_name, task, classes)
    return Dataset(name, where, X, y, feature_names, target_name, task, None)


# --------------------------------------------------------------------------- NPZ


def _read_npz(where: str, required: Sequence[str]) -> dict[str, np.ndarray]:
    """All arrays of an NPZ archive, with every failure mode turned into a DataError."""
    head = _read_bytes(where, 8)
    if not head:
        raise DataError(
            f"{where}: the file is empty; save arrays X and y into it with "
            "numpy.savez(file, X=X, y=y)",
            path=where,
        )
    if head.startswith(_NPY_MAGIC):
        raise DataError(
            f"{where}: holds a single NumPy array (.npy format), not named arrays X and y; "
            "save with numpy.savez(file, X=X, y=y)",
            path=where,
        )
    if not head.startswith(_ZIP_MAGIC):
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


def _npz_features(where: str, X: np.ndarray) -> np.ndarray:
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


def _string_values(a: np.ndarray) -> list[str]:
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in a.tolist()]


def _npz_names(where: str, names: np.ndarray | None, d: int) -> list[str]:
    if names is None:
        return [f"x{j + 1}" for j in range(d)]
    if names.dtype.kind not in "US" or names.ndim != 1 or names.shape[0] != d:
        raise DataError(
            f"{where}: array feature_names must hold {d} strings (one per column of X), got "
            f"shape {names.shape} dtype {names.dtype}; fix it or leave it out",
            path=where,
            column="feature_names",
        )
    out = [s.strip() for s in _string_values(names)]
    if len(set(out)) != len(out) or not all(out):
        raise DataError(
            f"{where}: array feature_names has empty or repeated names; give each column of "
            "X a unique name",
            path=where,
            column="feature_names",
        )
    return out


def _npz_target_name(where: str, name: np.ndarray | None) -> str:
    if name is None:
        return "y"
    if name.dtype.kind not in "US" or name.size != 1:
        raise DataError(
            f"{where}: array target_name must be one string, got shape {name.shape} dtype "
            f"{name.dtype}; fix it or leave it out",
            path=where,
            column="target_name",
        )
    return _string_values(name.reshape(-1))[0].strip() or "y"


def _target_from_array(
    where: str, name: str, y: np.ndarray, task: str | None
) -> tuple[np.ndarray, str]:
    """y of an NPZ file as labels or float targets, with the task decided."""
    kind = y.dtype.kind
    if kind in "US":
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if task == "regression" or y.ndim != 1:
            raise DataError(
                f"{where}: array y holds text labels; they can only be a classification "
                "target with shape (n_samples,): use classification",
                path=where,
                column="y",
            )
        return np.array(_string_values(y), dtype=object), "classification"
    if kind == "b":
        y = y.astype(np.int64)
        kind = "i"
    if kind not in "iuf":
        raise DataError(
            f"{where}: array y has dtype {y.dtype}; targets must be numbers or strings",
            path=where,
            column="y",
        )
    y = y.astype(np.float64)
    bad = ~np.isfinite(y)
    if bad.any():
        idx = tuple(int(v) for v in np.argwhere(bad)[0])
        raise DataError(
            f"{where}: y[{', '.join(map(str, idx))}] is {y[idx]}; the target cannot be NaN or "
            "Inf: replace or drop that row",
            path=where,
            column="y",
        )
    if y.ndim == 2 and y.shape[1] > 1:
        one_hot = np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1)
        if task == "classification" or (task is None and one_hot):
            if not one_hot:
                raise DataError(
                    f"{where}: array y has {y.shape[1]} columns that are not one-hot rows; "
                    "for classification save one label per row, y of shape (n_samples,)",
                    path=where,
                    column="y",
                )
            return y.argmax(axis=1).astype(np.int64), "classification"
        return y, "regression"
    if y.ndim == 2:
        task_ = task or detect_task(y)
        if task_ == "regression":
            return y, task_
        y = y[:, 0]
    return _numeric_target(where, name, y, task, lambda i: f"y[{i}]")


# --------------------------------------------------------------------------- samples


def _load_sample(key: str, *, target: str | None, task: str | None) -> Dataset:
    ds = make_sample(key)
    if target is not None and target != ds.target_name:
        raise DataError(
            f"built-in sample {key!r} has the target {ds.target_name!r}; there is no column "
            f"{target!r}: leave the target option empty",
            path=key,
            column=target,
        )
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
        f"built-in sample {key!r} is a regression sample with continuous targets; it "
        "cannot be used for classification: choose a classification sample",
        path=key,
    )


# --------------------------------------------------------------------------- prediction


def _csv_features_for(
    where: str, names: list[str], target_name: str | None
) -> tuple[np.ndarray, np.ndarray | None]:
    header, rows, lines = _read_table(where)
    missing = [n for n in names if n not in header]
    if missing:
        shown = ", ".join(repr(h) for h in header[:30])
        raise DataError(
            f"{where}: has no column {', '.join(repr(m) for m in missing[:10])}, which the "
            f"model needs (available columns: {shown}); give the file the model's feature "
            "columns",
            path=where,
            column=missing[0],
        )
    cols = [header.index(n) for n in names]
    X = _numeric_block(where, header, rows, lines, cols)
    if target_name is None or target_name not in header:
        return X, None
    t = header.index(target_name)
    raw = [r[t] for r in rows]
    if "" in raw:  # a blank target column: nothing to score against, still predictable
        return X, None
    try:
        values = np.array(raw, dtype=np.float64)
    except ValueError:
        return X, np.array(raw, dtype=object)
    if not np.isfinite(values).all():
        return X, None
    if np.all(values == np.round(values)):
        return X, values.astype(np.int64)
    return X, values


def _npz_features_for(where: str, names: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
    arrays = _read_npz(where, required=("X",))
    X = _npz_features(where, arrays["X"])
    if "feature_names" in arrays:
        have = _npz_names(where, arrays["feature_names"], X.shape[1])
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
        y = np.array(_string_values(y.reshape(len(y), -1)[:, 0]), dtype=object)
    return np.ascontiguousarray(X), y
