"""Parsing CSV text into a header, a float feature block and the target column.

The one entry point is :func:`read_csv`; everything the loaders need from a CSV file
comes through the :class:`CsvColumns` it returns, so replacing the parser means replacing
this module only.

Rules (see the design's "Data input"):

- UTF-8 text (a BOM is fine), a header row with one unique, non-empty name per column,
  then one row per example. CRLF line ends, blank lines and whitespace around cells are
  tolerated. The delimiter is a comma, or ``;`` / tab when the header has no comma.
- Feature columns must hold finite numbers. The target column comes back as numbers when
  every cell is one, else as text, for :mod:`nnstudio.data.targets` to interpret.

How (fast, and exact on failure): the file is read in blocks of about 256 KB of whole
lines, each block parsed by NumPy's C reader (``numpy.loadtxt``) into one float64 buffer
that grows with the share of the file read (the data is never held twice), with a small
converter on the target column only when its text matters (text labels; the spellings
of whole-number labels like ``007``). A block the C reader refuses (or that holds NaN or
Inf) is parsed again cell by cell with Python's ``csv`` module, that block only, with
the file line of its first line: odd but valid text (a row of only delimiters, ``1_000``)
is accepted as before, and a problem gets the exact message of the cell-by-cell reader.
Which problem a file reports first is that reader's too: a structure problem (a ragged
row, bad quoting) anywhere before a cell that is not a number anywhere, before a NaN or
Inf, each kind the first in the file. So after a problem the rest of the file is still
read, block by block (with progress and Cancel), but only to look for a problem of a
kind that comes first. A file whose lines cannot be cut into blocks safely (an odd count
of quote characters on a line, bare ``\\r`` line ends) and any encoding problem send the
whole file to the cell-by-cell reader. Messages about the target after a fast read (an
empty cell, NaN) find their line by one more scan of the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from nnstudio.data.errors import DataError, empty_cell_error, show
from nnstudio.data.reading import (
    NPY_MAGIC,
    ZIP_MAGIC,
    is_number,
    open_data_file,
    read_bytes,
    read_text,
)

__all__ = ["BLOCK_BYTES", "CsvColumns", "Progress", "Selector", "read_csv"]

_INT_LITERAL = re.compile(r"[+-]?\d+")
_BOM = "\ufeff"

#: Bytes read and parsed at a time: the unit of progress reports and of cancelling. NumPy's
#: reader holds the GIL while it parses a block (about 3 ms for 128 KB), so this also
#: bounds how long the GUI thread can wait each time it needs the GIL back while a file
#: loads. ``load_bench`` on a million rows, 3 runs each in turn: 64 KB blocks, the GUI's
#: p99 tick 2.1-2.2 ms late, loaded in 4.67-4.77 s; 128 KB 2.7-3.4 ms, 4.53-4.62 s;
#: 256 KB 5.4-6.2 ms, 4.46-4.67 s. Reading alone is as fast at all three.
BLOCK_BYTES = 1 << 17

#: Spellings of whole-number target values kept (for labels like "007"); a column with
#: more distinct ones is read as plain numbers (it has far too many classes anyway).
_MAX_SPELLINGS = 10_000

#: Given the header, the indices of the feature columns (in the order wanted) and of the
#: target column (or None). Raises DataError for a column that does not exist.
Selector = Callable[[list[str]], tuple[list[int], "int | None"]]

#: Called with the fraction of the file read so far (0..1) after each block; may raise
#: (for example to cancel), and the exception propagates out of :func:`read_csv`.
Progress = Callable[[float], None]


@dataclass
class CsvColumns:
    """What :func:`read_csv` read.

    header : the column names, as in the file (stripped)
    X : (n_rows, len(feature_cols)) float64, C-contiguous, every value finite
    feature_cols : indices into ``header`` of the columns of ``X``
    target_col : index into ``header`` of the target column, or None
    target_values : (n_rows,) float64 when every target cell is a number (NaN and Inf
        included), else None
    target_text : (n_rows,) object array of the stripped target cells when some cell is
        not a number, else None
    spellings : with ``target_values``, each stripped text of a whole-number target value
        mapped to its value (``{"007": 7.0}``), or None when not kept
    line_of : ``line_of(i)`` is the 1-based line of the file where data row ``i`` starts
    cell : ``cell(i, j)`` is the stripped text of data row ``i``, column ``j``
    """

    header: list[str]
    X: np.ndarray
    feature_cols: list[int]
    target_col: int | None
    target_values: np.ndarray | None
    target_text: np.ndarray | None
    spellings: dict[str, float] | None
    line_of: Callable[[int], int]
    cell: Callable[[int, int], str]

    def target_cell(self, i: int) -> str:
        """The stripped text of the target cell of data row ``i``."""
        return self.cell(i, self.target_col)


def read_csv(where: str, select: Selector, progress: Progress | None = None) -> CsvColumns:
    """Read the CSV file ``where``; ``select(header)`` picks the feature and target columns.

    Raises DataError for any bad input (see the module docstring)."""
    try:
        return _Fast(where, select, progress).read()
    except _CellByCell:
        return _read_slowly(where, select)


# --------------------------------------------------------------------------- fast path


class _CellByCell(Exception):
    """The fast reader cannot read this file exactly; read it cell by cell."""


class _TextTarget(Exception):
    """A target cell is not a number: read the target column as text."""


# The kinds of problem a block can have, in the order the cell-by-cell reader reports
# them: any structure problem in the file first, then the first cell that is not a
# number, then the first NaN or Inf.
_STRUCTURE, _NOT_A_NUMBER, _NOT_FINITE = 0, 1, 2


class _BadBlock(Exception):
    """A block's first problem: ``error`` (the exact DataError) and its ``kind``."""

    def __init__(self, kind: int, error: DataError):
        super().__init__(kind, error)
        self.kind, self.error = kind, error


@dataclass
class _Block:
    first_line: int  # file line of lines[0]
    lines: list[str]  # without line ends
    fraction: float  # of the file read once this block is done


class _Fast:
    def __init__(self, where: str, select: Selector, progress: Progress | None):
        self.where = where
        self.select = select
        self.progress = progress
        # how the target column is read: "plain" floats (the fast case), "spell" floats
        # keeping the texts of whole numbers (labels like "007"), or "text" labels
        self.mode = "plain"

    def read(self) -> CsvColumns:
        try:
            return self._read_once()
        except _TextTarget:
            self.mode = "text"
            return self._read_once()

    def _read_once(self) -> CsvColumns:
        blocks = self._blocks()
        header, header_line, first = self._header(blocks)
        feature_cols, t = self.select(header)
        self.header, self.feature_cols, self.t = header, list(feature_cols), t
        self.spellings: dict[str, float] | None = {} if t is not None else None
        self.codes: dict[str, int] = {}
        locate = _Locator(self.where, header_line, self._delimiter)
        rows = _Rows(len(self.feature_cols))
        found: _BadBlock | None = None  # the problem to report, once there is one
        for block in _chain(first, blocks):
            try:
                if found is None:
                    rows.add(*self._block_rows(block), block.fraction)
                elif found.kind != _STRUCTURE:  # look for a problem of a kind that comes first
                    self._block_rows(block)
            except _BadBlock as bad:
                if found is None or bad.kind < found.kind:
                    found = bad
            if self.progress is not None:
                self.progress(block.fraction)
        if found is not None:
            raise found.error
        if rows.n == 0:
            raise DataError(
                f"{self.where}: has a header row but no data rows; add one row per example "
                "below the header",
                path=self.where,
            )
        X, target = rows.finish()
        values = text = None
        spellings = self.spellings
        if t is not None:
            if self.mode == "text":
                keys = np.empty(len(self.codes), dtype=object)
                keys[:] = [k.strip() for k in self.codes]
                text = keys[target.astype(np.intp)]
                spellings = None
            else:
                values = target
                if spellings is not None:
                    spellings = {k.strip(): v for k, v in spellings.items()}
        return CsvColumns(
            header, X, self.feature_cols, t, values, text, spellings, locate.line_of, locate.cell
        )

    # ---------------------------------------------------------------- blocks of lines
    def _blocks(self) -> Iterator[_Block]:
        """The file as blocks of whole lines; raises _CellByCell for what only the
        cell-by-cell reader reports or reads exactly (encoding problems, bare CR line ends,
        odd quote counts)."""
        where = self.where
        fh = open_data_file(where)  # a DataError for anything but a regular file
        try:
            size = os.fstat(fh.fileno()).st_size
        except OSError:
            fh.close()
            read_bytes(where)  # raises the DataError that fits
            raise _CellByCell from None
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            rest, line, done, first = "", 1, 0, True
            while True:
                raw = fh.read(BLOCK_BYTES)
                done += len(raw)
                if first:
                    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
                    if body.startswith((b"\xff\xfe", b"\xfe\xff", *ZIP_MAGIC, NPY_MAGIC)):
                        raise _CellByCell
                if b"\x00" in raw:
                    raise _CellByCell
                try:
                    text = rest + decoder.decode(raw, final=not raw)
                except UnicodeDecodeError:
                    raise _CellByCell from None
                if first:
                    text = text.removeprefix(_BOM)
                    first = False
                if "\r" in text and text.count("\r") != text.count("\r\n"):
                    raise _CellByCell  # bare CR line ends: the csv module counts lines
                lines = text.split("\n")
                rest = lines.pop() if raw else ""
                if not raw and rest == "" and lines and lines[-1] == "":
                    lines.pop()
                if '"' in text and any(ln.count('"') % 2 for ln in lines):
                    raise _CellByCell  # a quoted value may run over lines
                if lines:
                    yield _Block(line, lines, min(done / size, 1.0) if size else 1.0)
                    line += len(lines)
                if not raw:
                    return
        finally:
            fh.close()

    def _header(self, blocks: Iterator[_Block]) -> tuple[list[str], int, _Block]:
        for block in blocks:
            for k, ln in enumerate(block.lines):
                if not ln.strip():
                    continue
                self._delimiter = _guess_delimiter(ln)
                cells = [c.strip() for c in next(csv.reader([ln], delimiter=self._delimiter))]
                if not any(cells):
                    continue  # a row of only delimiters
                line_no = block.first_line + k
                _check_header(self.where, cells, line_no)
                rest = _Block(line_no + 1, block.lines[k + 1 :], block.fraction)
                return cells, line_no, rest
        raise _CellByCell  # no header at all: an empty or blank file

    # ---------------------------------------------------------------- one block
    def _block_rows(self, block: _Block) -> tuple[np.ndarray, np.ndarray]:
        """The block's features (m, n_features) and target values (m,); raises
        _BadBlock with the block's first problem."""
        X_b, t_b = self._parse(block)
        if self.mode == "plain" and self.spellings is not None and len(t_b):
            # The first rows decide: whole numbers may be class labels whose spelling
            # counts; any fraction means numbers only.
            if np.all(t_b == np.round(t_b)):
                self.mode = "spell"
                X_b, t_b = self._parse(block)
            else:
                self.spellings = None
        if not np.isfinite(X_b).all():
            self._parse_slowly(block)  # NaN or Inf: the exact message, cell by cell
            raise _CellByCell  # pragma: no cover - the csv module saw no NaN: ask it all
        return X_b, t_b

    def _converter(self) -> Callable[[str], float]:
        if self.mode == "text":
            codes = self.codes

            def as_code(cell: str) -> float:
                code = codes.get(cell)
                if code is None:
                    code = codes[cell] = len(codes)
                return code

            return as_code

        def as_number(cell: str) -> float:
            try:
                value = float(cell)
            except ValueError:
                raise _TextTarget from None
            spellings = self.spellings
            if spellings is not None and value.is_integer() and cell not in spellings:
                if len(spellings) < _MAX_SPELLINGS:
                    spellings[cell] = value
                else:
                    self.spellings = None
            return value

        return as_number

    def _parse(self, block: _Block) -> tuple[np.ndarray, np.ndarray]:
        ncol, t = len(self.header), self.t
        if not any(ln.strip() for ln in block.lines):  # stops at the first row with text
            return np.empty((0, len(self.feature_cols))), np.empty(0)
        A = self._loadtxt(block, converted=self.mode != "plain")
        if A is None and self.mode == "plain" and t is not None:
            A = self._loadtxt(block, converted=True)  # is it the target that is text?
        if A is None or (A.size and A.shape[1] != ncol):
            return self._parse_slowly(block)
        if A.shape[0] == 0:
            A = A.reshape(0, ncol)
        X = A[:, self.feature_cols]
        target = A[:, t] if t is not None else np.empty(len(A))
        return X, target

    def _loadtxt(self, block: _Block, converted: bool) -> np.ndarray | None:
        """The block by NumPy's C reader, or None if it refuses it. ``converted`` reads
        the target column through :meth:`_converter`, which raises _TextTarget (out of
        here) on a cell that is not a number in "plain" and "spell" mode."""
        t = self.t
        try:
            return np.loadtxt(
                block.lines,
                delimiter=self._delimiter,
                comments=None,
                quotechar='"',
                ndmin=2,
                dtype=np.float64,
                converters={t: self._converter()} if converted and t is not None else None,
            )
        except ValueError as exc:
            if isinstance(exc.__cause__, _TextTarget):
                raise _TextTarget from None
            return None

    def _parse_slowly(self, block: _Block) -> tuple[np.ndarray, np.ndarray]:
        """The block cell by cell: its rows when it is valid, else _BadBlock with the
        exact DataError of its first problem (lines counted from the block's first)."""
        source = [ln + "\n" for ln in block.lines]
        where, header, cols = self.where, self.header, self.feature_cols
        try:
            _, rows, lines = _read_table(where, source, block.first_line, header, self._delimiter)
        except DataError as exc:
            raise _BadBlock(_STRUCTURE, exc) from None
        try:
            X = _numbers(where, header, rows, lines, cols)
        except DataError as exc:
            raise _BadBlock(_NOT_A_NUMBER, exc) from None
        try:
            _check_finite(where, header, rows, lines, cols, X)
        except DataError as exc:
            raise _BadBlock(_NOT_FINITE, exc) from None
        if self.t is None:
            return X, np.empty(len(rows))
        convert = self._converter()
        target = np.array([convert(r[self.t]) for r in rows], dtype=np.float64)
        return X, target


def _chain(first: _Block, rest: Iterator[_Block]) -> Iterator[_Block]:
    yield first
    yield from rest


class _Rows:
    """Blocks of rows written into one float64 buffer for X and one for the target, sized
    from the share of the file read so far (3% spare), grown if that falls short, and
    trimmed in place at the end: the data is never held twice."""

    def __init__(self, ncol: int):
        self.X = np.empty((0, ncol))
        self.t = np.empty(0)
        self.n = 0

    def add(self, X_b: np.ndarray, t_b: np.ndarray, fraction: float) -> None:
        m = len(X_b)
        if self.n + m > len(self.X):
            expected = max(int((self.n + m) / max(fraction, 1e-6) * 1.03) + 64, self.n + m)
            if self.n == 0:
                # np.empty, not resize: resize zero-fills the new rows, 160 MB for a
                # million rows of 20 columns, holding the GIL (the GUI thread waited 85 ms)
                self.X = np.empty((expected, self.X.shape[1]))
                self.t = np.empty(expected)
            else:
                self._resize(expected)
        self.X[self.n : self.n + m] = X_b
        self.t[self.n : self.n + m] = t_b
        self.n += m

    def _resize(self, rows: int) -> None:
        # ndarray.resize reallocates in place (no copy when the allocator can shrink or
        # extend the block); our buffers have no other references.
        self.X.resize((rows, self.X.shape[1]), refcheck=False)
        self.t.resize(rows, refcheck=False)

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        self._resize(self.n)
        return self.X, self.t


def _not_finite(where: str, line: int, name: str, text: str) -> DataError:
    return DataError(
        f"{where}: line {line}, column {name!r}: {show(text)} is not a finite number; NaN "
        "and Inf cannot be trained on: fill in a value or delete the row",
        path=where,
        line=line,
        column=name,
    )


class _Locator:
    """Line numbers and cell texts of data rows, found by a scan only when asked for (an
    error message). Rows are counted as the readers count them: non-blank lines after
    the header, a line of only delimiters being blank."""

    def __init__(self, where: str, header_line: int, delimiter: str):
        self.where, self.header_line, self.delimiter = where, header_line, delimiter
        self._cache: dict[int, tuple[int, list[str]]] = {}

    def _find(self, i: int) -> tuple[int, list[str]]:
        if i not in self._cache:
            row = -1
            with open(self.where, encoding="utf-8-sig", newline="") as fh:
                for line_no, text in enumerate(fh, start=1):
                    if line_no <= self.header_line or not text.strip():
                        continue
                    cells = [c.strip() for c in next(csv.reader([text], delimiter=self.delimiter))]
                    if not any(cells):
                        continue
                    row += 1
                    if row == i:
                        self._cache[i] = (line_no, cells)
                        break
        return self._cache[i]

    def line_of(self, i: int) -> int:
        return self._find(i)[0]

    def cell(self, i: int, j: int) -> str:
        return self._find(i)[1][j]


# --------------------------------------------------------------------------- cell by cell


def _read_slowly(where: str, select: Selector) -> CsvColumns:
    """The whole file with Python's csv module: exact messages for every problem."""
    text = read_text(where)
    delimiter = _guess_delimiter(text)
    header, rows, lines = _read_table(where, io.StringIO(text, newline=""), 1, None, delimiter)
    if header is None:  # pragma: no cover - read_text rejects files with no text
        raise DataError(f"{where}: the file is empty; add a header row and data", path=where)
    if not rows:
        raise DataError(
            f"{where}: has a header row but no data rows; add one row per example below the header",
            path=where,
        )
    feature_cols, t = select(header)
    X = _numeric_block(where, header, rows, lines, list(feature_cols))
    values = text_col = spellings = None
    if t is not None:
        cells = [r[t] for r in rows]
        try:
            values = np.array(cells, dtype=np.float64)
        except ValueError:
            text_col = np.empty(len(cells), dtype=object)
            text_col[:] = cells
        else:
            spellings = {c: v for c, v in zip(cells, values.tolist()) if v.is_integer()}
    return CsvColumns(
        header,
        X,
        list(feature_cols),
        t,
        values,
        text_col,
        spellings,
        lines.__getitem__,
        lambda i, j: rows[i][j],
    )


def _guess_delimiter(text: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if "," in first:
        return ","
    counts = {d: first.count(d) for d in ";\t"}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_table(
    where: str, source, first_line: int, header: list[str] | None, delimiter: str
) -> tuple[list[str] | None, list[list[str]], list[int]]:
    """Header, data rows (cells stripped) and the 1-based line where each row starts.

    ``source`` yields lines with their line ends, the first being line ``first_line``
    of the file. With ``header`` None the first non-blank row is the header (checked);
    otherwise every row must have ``len(header)`` cells."""
    reader = csv.reader(source, delimiter=delimiter)
    rows: list[list[str]] = []
    lines: list[int] = []
    offset = first_line - 1
    start = 1
    try:
        for row in reader:
            line_no, start = start, reader.line_num + 1
            cells = [c.strip() for c in row]
            if reader.line_num > line_no and any("\n" in c or "\r" in c for c in cells):
                raise DataError(
                    f"{where}: line {line_no + offset}: a quoted value runs on over "
                    f'{reader.line_num - line_no + 1} lines; is a closing quote (") missing? '
                    "Close the quote or remove it",
                    path=where,
                    line=line_no + offset,
                )
            if not any(cells):
                continue  # blank line (or a row of only delimiters, as spreadsheets write)
            if header is None:
                header = cells
                _check_header(where, header, line_no + offset)
                continue
            if len(cells) != len(header):
                raise DataError(
                    f"{where}: line {line_no + offset} has {len(cells)} fields but the header "
                    f"has {len(header)} columns; every row needs one value per column (check "
                    "for a missing or extra delimiter)",
                    path=where,
                    line=line_no + offset,
                )
            rows.append(cells)
            lines.append(line_no + offset)
    except csv.Error as exc:
        raise DataError(
            f"{where}: line {reader.line_num + offset}: cannot be parsed as CSV ({exc}); fix "
            "the quoting on that line",
            path=where,
            line=reader.line_num + offset,
        ) from None
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
    """Columns ``cols`` of ``rows`` as a finite float64 array (n_rows, len(cols)): the
    first cell that is not a number is reported before the first NaN or Inf."""
    X = _numbers(where, header, rows, lines, cols)
    _check_finite(where, header, rows, lines, cols, X)
    return X


def _numbers(
    where: str, header: list[str], rows: list[list[str]], lines: list[int], cols: list[int]
) -> np.ndarray:
    """Columns ``cols`` of ``rows`` as float64 (n_rows, len(cols)), NaN and Inf included;
    DataError for the first cell (row by row) that is empty or not a number."""
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
    return X.reshape(len(rows), len(cols))


def _check_finite(
    where: str,
    header: list[str],
    rows: list[list[str]],
    lines: list[int],
    cols: list[int],
    X: np.ndarray,
) -> None:
    """DataError for the first NaN or Inf of ``X`` (row by row), the columns ``cols``
    of ``rows``."""
    bad = ~np.isfinite(X)
    if bad.any():
        i, k = (int(v) for v in np.argwhere(bad)[0])
        raise _not_finite(where, lines[i], header[cols[k]], rows[i][cols[k]])
