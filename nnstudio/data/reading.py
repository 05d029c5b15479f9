"""Reading a user's file: what kind it is, its bytes, and its text.

This module knows files, not tables: whether a path names a file, a folder or nothing,
whether a file is an NPZ/zip archive or text, and how to get its bytes or its UTF-8 text
with every operating-system failure (missing, permission, folder) and every encoding
problem (UTF-16, NUL bytes, bytes that are not UTF-8) turned into one
:class:`~nnstudio.data.errors.DataError` that names the file and, for text, the line.
Parsing the table is :mod:`nnstudio.data.csv_reader`'s job; the NPZ archive is
:mod:`nnstudio.data.npz_reader`'s. Only regular files are read (see
:mod:`nnstudio.untrusted`): ``/dev/zero``, a FIFO or a folder is refused up front.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from nnstudio.data.errors import DataError
from nnstudio.untrusted import open_regular

__all__ = [
    "NPY_MAGIC",
    "ZIP_MAGIC",
    "data_error",
    "file_kind",
    "folder_error",
    "fspath",
    "is_number",
    "line_of",
    "open_data_file",
    "read_bytes",
    "read_text",
    "string_values",
]

#: First bytes of a zip archive (an ``.npz`` is one) and of a single ``.npy`` array.
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
NPY_MAGIC = b"\x93NUMPY"

_BOM = b"\xef\xbb\xbf"


def fspath(source) -> str:
    """``source`` (a str or path-like) as a str, or a DataError for anything else."""
    try:
        return os.fspath(source)
    except TypeError:
        raise DataError(
            f"{source!r}: not a file path or sample name; give a path or a sample name"
        ) from None


def file_kind(where: str) -> str | None:
    """``"npz"`` or ``"csv"`` for an existing file (by its ending, or by its first bytes
    for a zip or ``.npy``), None if there is no file at ``where``.

    A folder, a device (``/dev/zero``), a FIFO or a socket is a DataError before a byte
    is read: only regular files are data."""
    path = Path(where)
    if not (where and "\x00" not in where and path.exists()):
        return None
    if path.is_dir():
        raise folder_error(where)
    with open_data_file(where) as fh:  # refuses what is not a regular file
        try:
            head = fh.read(8)
        except OSError:
            head = b""
    if path.suffix.lower() in (".npz", ".npy") or head.startswith((*ZIP_MAGIC, NPY_MAGIC)):
        return "npz"
    return "csv"


def data_error(where: str):
    """A factory of DataErrors about the file ``where`` (for :mod:`nnstudio.untrusted`)."""
    return lambda message: DataError(message, path=where)


def open_data_file(where: str) -> BinaryIO:
    """``where`` opened for binary reading if it is a regular file, else a DataError
    (missing, a folder, a device, a FIFO, a socket, no permission)."""
    if Path(where).is_dir():
        raise folder_error(where)
    return open_regular(where, error=data_error(where), what="file")


def folder_error(where: str) -> DataError:
    """The error for a folder given where a data file belongs."""
    return DataError(
        f"{where}: is a folder, not a data file; choose a .csv or .npz file", path=where
    )


def read_bytes(where: str, limit: int = -1) -> bytes:
    """The file's bytes (the first ``limit`` only, if given), or a DataError."""
    with open_data_file(where) as fh:
        try:
            return fh.read(limit)
        except OSError as exc:
            raise DataError(
                f"{where}: cannot be read ({exc.strerror or exc}); check the file", path=where
            ) from None


def line_of(data: bytes, offset: int) -> int:
    """1-based line number of byte ``offset`` in ``data``."""
    return data.count(b"\n", 0, offset) + 1


#: the first bytes of a text file checked for binary content before the rest is read
_HEAD_BYTES = 1 << 16


def read_text(where: str) -> str:
    """The file decoded as UTF-8 text (without a BOM), binary and non-UTF-8 files rejected.

    The first 64 KiB are checked for binary content (UTF-16, zip, NUL bytes) before the
    rest is read, so a huge binary or sparse file is refused without reading it whole."""
    with open_data_file(where) as fh:
        try:
            data = fh.read(_HEAD_BYTES)
            _refuse_binary(where, data)
            data += fh.read()
        except MemoryError:
            raise DataError(
                f"{where}: is too large to read into memory; use a smaller file", path=where
            ) from None
        except OSError as exc:
            raise DataError(
                f"{where}: cannot be read ({exc.strerror or exc}); check the file", path=where
            ) from None
    skip = _refuse_binary(where, data)
    data = data[skip:]
    if not data.strip():
        raise DataError(
            f"{where}: the file is empty; it needs a header row and at least one data row",
            path=where,
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = line_of(data, exc.start)
        raise DataError(
            f"{where}: line {line}: byte 0x{data[exc.start]:02X} at byte offset {exc.start + skip} "
            "is not UTF-8 text; re-save the file as UTF-8 (in Excel: 'CSV UTF-8')",
            path=where,
            line=line,
        ) from None


def _refuse_binary(where: str, data: bytes) -> int:
    """DataError for UTF-16 text, a zip/``.npy`` file or a NUL byte in ``data`` (the
    file's first bytes, or all of them); returns the length of a UTF-8 BOM to skip."""
    skip = len(_BOM) if data.startswith(_BOM) else 0  # offsets in messages stay true
    body = data[skip:]
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(
            f"{where}: is UTF-16 text; re-save it as UTF-8 CSV (in Excel: 'CSV UTF-8')",
            path=where,
            line=1,
        )
    if body.startswith((*ZIP_MAGIC, NPY_MAGIC)):
        raise DataError(
            f"{where}: is a binary NumPy/zip file, not CSV text; give it the .npz "
            "extension or choose a CSV file",
            path=where,
            line=1,
        )
    nul = body.find(b"\x00")
    if nul >= 0:
        line = line_of(body, nul)
        raise DataError(
            f"{where}: line {line}: a NUL byte at byte offset {nul + skip} shows this is a binary "
            "file, not CSV text; choose a CSV text file",
            path=where,
            line=line,
        )
    return skip


def is_number(cell: str) -> bool:
    """True if ``float(cell)`` accepts the text (so also ``nan`` and ``inf``)."""
    try:
        float(cell)
    except ValueError:
        return False
    return True


def string_values(a) -> list[str]:
    """The items of a NumPy str/bytes array as Python ``str`` (bytes decoded as UTF-8)."""
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in a.tolist()]
