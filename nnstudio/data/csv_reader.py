"""Parsing CSV text into a header, a float feature block and raw target cells.

The one entry point is :func:`read_csv`; everything the loaders need from a CSV file
comes through the :class:`CsvColumns` it returns, so replacing the parser (for example by
a C parser) means replacing this module only.

Rules (see the design's "Data input"):

- UTF-8 text (a BOM is fine), a header row with one unique, non-empty name per column,
  then one row per example. CRLF line ends, blank lines and whitespace around cells are
  tolerated. The delimiter is a comma, or ``;`` / tab when the header has no comma.
- Feature columns must hold finite numbers. The target column is returned as text,
  cell by cell, for :mod:`nnstudio.data.targets` to parse.

Every problem is one DataError naming the file, the line and the column, and what to do.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnstudio.data.errors import DataError, empty_cell_error, show
from nnstudio.data.reading import is_number, read_text

__all__ = ["CsvColumns", "Selector", "read_csv"]

_INT_LITERAL = re.compile(r"[+-]?\d+")

#: Given the header, the indices of the feature columns (in the order wanted) and of the
#: target column (or None). Raises DataError for a column that does not exist.
Selector = Callable[[list[str]], tuple[list[int], "int | None"]]


@dataclass
class CsvColumns:
    """What :func:`read_csv` read.

    header : the column names, as in the file (stripped)
    X : (n_rows, len(feature_cols)) float64, every value finite
    feature_cols : indices into ``header`` of the columns of ``X``
    target : the target column's cells as text (stripped), one per row, or None
    target_col : index into ``header`` of the target column, or None
    line_of : ``line_of(i)`` is the 1-based line of the file where data row ``i`` starts
    """

    header: list[str]
    X: np.ndarray
    feature_cols: list[int]
    target: list[str] | None
    target_col: int | None
    line_of: Callable[[int], int]


def read_csv(where: str, select: Selector) -> CsvColumns:
    """Read the CSV file ``where``; ``select(header)`` picks the feature and target columns."""
    header, rows, lines = _read_table(where)
    feature_cols, t = select(header)
    X = _numeric_block(where, header, rows, lines, feature_cols)
    target = None if t is None else [r[t] for r in rows]
    return CsvColumns(header, X, list(feature_cols), target, t, lines.__getitem__)


def _guess_delimiter(text: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if "," in first:
        return ","
    counts = {d: first.count(d) for d in ";\t"}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_table(where: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows (cells stripped) and the 1-based line where each row starts."""
    text = read_text(where)
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
    if header is None:  # pragma: no cover - read_text rejects files with no text
        raise DataError(f"{where}: the file is empty; add a header row and data", path=where)
    if not rows:
        raise DataError(
            f"{where}: has a header row but no data rows; add one row per example below the header",
            path=where,
        )
    return header, rows, lines


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
    numeric = [c for c in header if is_number(c)]
    if len(numeric) >= len(header) - 1 and any(not _INT_LITERAL.fullmatch(c) for c in numeric):
        shown = ", ".join(header[:4]) + (", ..." if len(header) > 4 else "")
        raise DataError(
            f"{where}: line {line_no} looks like data ({shown}), not a header row; add a "
            "first line with the column names, e.g. x1,x2,...,target",
            path=where,
            line=line_no,
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
                    raise empty_cell_error(where, ln, header[j]) from None
                if not is_number(cell):
                    hint = " (use a point as the decimal separator)" if "," in cell else ""
                    raise DataError(
                        f"{where}: line {ln}, column {header[j]!r}: {show(cell)} is not a "
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
            f"{where}: line {lines[i]}, column {name!r}: {show(rows[i][cols[k]])} is not a "
            "finite number; NaN and Inf cannot be trained on: fill in a value or delete "
            "the row",
            path=where,
            line=lines[i],
            column=name,
        )
    return X
