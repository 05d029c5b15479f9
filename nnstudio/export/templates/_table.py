"""Fragment: reading a data file as ``nnstudio predict`` and ``nnstudio train`` do, with
NumPy and the standard library only (inlined into the exported scripts).

CSV rules (nnstudio's loader): UTF-8 with an optional BOM; the delimiter is ``,`` if the
first non-blank line has one, else whichever of ``;`` and tab it has more of; cells are
stripped; blank rows (or rows of only delimiters) are skipped; the first row left is the
header. Columns are picked by exact name. NPZ: arrays ``X`` and optional ``y``,
``feature_names``, ``target_name``, read with ``allow_pickle=False``.
"""

import csv
import io

import numpy as np

# ---- inlined into exported scripts below ----


class DataFileError(Exception):
    """Bad input; ``str()`` is one line naming the file and what is wrong."""


def read_table(path):
    """``(header, rows)`` of a CSV file: lists of stripped cell strings."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise DataFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: is not UTF-8 text; re-save it as UTF-8 CSV") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ","
    if "," not in first:
        counts = {d: first.count(d) for d in ";\t"}
        best = max(counts, key=counts.get)
        delimiter = best if counts[best] else ","
    header, rows = None, []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            if header is None:
                header = cells
            elif len(cells) != len(header):
                raise DataFileError(
                    f"{path}: a row has {len(cells)} fields but the header has {len(header)}"
                )
            else:
                rows.append(cells)
    except csv.Error as exc:
        raise DataFileError(f"{path}: cannot be parsed as CSV ({exc})") from None
    if header is None or not rows:
        raise DataFileError(f"{path}: needs a header row and at least one data row")
    return header, rows


def numeric_columns(path, header, rows, names):
    """Columns ``names`` of the table as a finite float64 array (n_rows, len(names))."""
    missing = [n for n in names if n not in header]
    if missing:
        raise DataFileError(
            f"{path}: has no column {', '.join(repr(m) for m in missing[:10])}; available "
            f"columns: {', '.join(repr(h) for h in header[:30])}"
        )
    cols = [header.index(n) for n in names]
    try:
        X = np.array([[r[j] for j in cols] for r in rows], dtype=np.float64)
    except ValueError:
        raise DataFileError(f"{path}: a feature cell is empty or not a number") from None
    X = X.reshape(len(rows), len(cols))
    if not np.isfinite(X).all():
        raise DataFileError(f"{path}: the features contain NaN or Inf")
    return X


def read_npz(path):
    """The arrays of an NPZ data file (``X`` required)."""
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError) as exc:
        raise DataFileError(f"{path}: not a readable NPZ file ({exc})") from None
    if "X" not in arrays or arrays["X"].ndim != 2:
        raise DataFileError(f"{path}: needs a 2-D array X (rows, features)")
    return arrays


def npz_features(path, arrays, names):
    """``X`` as float64 with columns reordered by the file's ``feature_names`` when it
    names all of ``names``; it must then have ``len(names)`` columns."""
    X = arrays["X"].astype(np.float64)
    if "feature_names" in arrays:
        have = [str(v) for v in arrays["feature_names"].tolist()]
        if len(have) == X.shape[1] and set(names) <= set(have):
            X = X[:, [have.index(n) for n in names]]
    if X.shape[1] != len(names):
        raise DataFileError(f"{path}: X has {X.shape[1]} columns; the model needs {len(names)}")
    if not np.isfinite(X).all():
        raise DataFileError(f"{path}: X contains NaN or Inf")
    return np.ascontiguousarray(X)
