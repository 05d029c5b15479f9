"""Reading bytes nobody vouches for: NPZ archives, JSON text, any user-named file.

Data files, model files and project files come from users, other programs and the
internet. Whatever their bytes are, reading them ends in the data or in ONE
:class:`~nnstudio.errors.NnstudioError` (the caller's subclass, passed as ``error``)
whose message names the file; never another exception, never a read that does not
end, never an allocation the file only claims to need. The rules:

- **Only regular files.** A folder, a device (``/dev/zero``, ``/dev/urandom``), a FIFO
  or a socket is refused before a byte is read (:func:`open_regular` opens without
  blocking and checks what it opened, so a FIFO swapped in cannot hang the reader).
- **Sizes are checked from the headers before reading** (:func:`read_npz`). From the
  zip's end record and central directory: at most :data:`MAX_MEMBERS` members; each
  array's declared uncompressed size at most :data:`MAX_ARRAY_BYTES`, the arrays read
  from one archive together at most :data:`MAX_TOTAL_BYTES`; a member larger than
  :data:`RATIO_FLOOR_BYTES` that claims to expand more than :data:`MAX_RATIO` times is
  a zip bomb. From each ``.npy`` header: the shape times the item size must equal the
  member's declared size (a header claiming 10**12 elements is refused, not
  allocated). The decompressed bytes can never exceed the declared size: the zip layer
  stops there and checks the CRC.
- **Only plain arrays.** Numbers, booleans and fixed-size strings; object arrays (which
  ``numpy.load`` would unpickle) and structured, datetime or void dtypes are refused.
  The ``.npy`` header is parsed with :func:`ast.literal_eval` on at most
  :data:`MAX_NPY_HEADER` bytes, not with NumPy's tokenizer.
- **JSON nesting is bounded** (:data:`MAX_JSON_DEPTH`) before the parser sees the text.

Anything the zip, zlib or header layers raise on corrupt bytes (``BadZipFile``,
``zlib.error``, ``NotImplementedError`` for an unknown compression method, ``EOFError``,
``SyntaxError`` from the header, ``RecursionError``, ``MemoryError``, ``OSError``, ...)
becomes the caller's error: inside the byte-level reader every exception is a property
of the file, so it is caught as ``Exception`` there and nowhere else.
"""

from __future__ import annotations

import ast
import json
import os
import re
import stat
import struct
import zipfile
from collections.abc import Callable, Iterable
from typing import BinaryIO

import numpy as np

from nnstudio.errors import NnstudioError

__all__ = [
    "MAX_ARRAY_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_TOTAL_BYTES",
    "NpzArrays",
    "check_regular",
    "json_depth",
    "loads_json",
    "open_regular",
    "read_npz",
]

#: the largest declared uncompressed size of one array in an NPZ archive (2 GiB)
MAX_ARRAY_BYTES = 2 * 1024**3
#: the largest total declared size of the arrays read from one archive (4 GiB)
MAX_TOTAL_BYTES = 4 * 1024**3
#: the most members a zip archive may list
MAX_MEMBERS = 10_000
#: the largest central directory (the zip's table of contents)
MAX_CENTRAL_DIRECTORY = 16 * 1024**2
#: members whose declared size exceeds RATIO_FLOOR_BYTES may expand at most this much
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 64 * 1024**2
#: the longest ``.npy`` header (NumPy's own limit)
MAX_NPY_HEADER = 10_000
#: the deepest nesting of arrays and objects in JSON text
MAX_JSON_DEPTH = 64

ErrorType = Callable[[str], NnstudioError]

_NPY_MAGIC = b"\x93NUMPY"
_EOCD = b"PK\x05\x06"
_PLAIN_KINDS = "biufUS"  # bool, signed, unsigned, float, str, bytes


# --------------------------------------------------------------------------- files


def _kind_words(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular(path: str | os.PathLike, *, error: ErrorType, what: str = "file") -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file (links followed).

    A missing file, a folder, a device, a FIFO, a socket or an OS refusal raises
    ``error`` with one line naming ``path``. The open never blocks (``O_NONBLOCK``),
    and the check is made on the opened descriptor, so what is read is what was checked."""
    shown = os.fspath(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(shown, flags)
    except FileNotFoundError:
        raise error(f"{shown}: no such {what}; check the path") from None
    except IsADirectoryError:
        raise error(f"{shown}: is a folder, not a {what}; choose the file itself") from None
    except PermissionError:
        raise error(f"{shown}: permission denied; check that you may read this {what}") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        reason = getattr(exc, "strerror", None) or str(exc)
        raise error(f"{shown}: cannot be read ({reason}); check the {what}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise error(
                f"{shown}: is {_kind_words(st.st_mode)}, not a regular file; choose a {what} "
                "saved on disk"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def check_regular(path: str | os.PathLike, *, error: ErrorType, what: str = "file") -> None:
    """Raise ``error`` unless ``path`` can be opened as a regular file (see
    :func:`open_regular`)."""
    open_regular(path, error=error, what=what).close()


# --------------------------------------------------------------------------- NPZ


def read_npz(
    path: str | os.PathLike,
    *,
    error: ErrorType,
    what: str = "NPZ file",
    fix: str = "save it again",
    keys: Iterable[str] | None = None,
    head_check: Callable[[bytes], None] | None = None,
    file_words: str | None = None,
    limits: dict[str, int] | None = None,
) -> NpzArrays:
    """The arrays of the NPZ archive at ``path``, read under the limits of this module.

    ``keys``: the array names to read (others are not decompressed); None reads every
    ``.npy`` member. Names absent from the archive are simply absent from the result.
    ``head_check`` gets the first 8 bytes and may raise a more specific error (an empty
    file, a single ``.npy``, a CSV given by mistake). ``what`` names the kind of file
    and ``fix`` says what to do, in every message; any problem raises ``error``.
    ``file_words`` names the file in :func:`open_regular`'s messages (default ``what``).
    ``limits`` gives some arrays a smaller size limit than :data:`MAX_ARRAY_BYTES`
    (a model's ``meta`` JSON, say), checked from the headers like the others."""
    shown = os.fspath(path)
    with open_regular(path, error=error, what=file_words or what) as fh:
        try:
            head = fh.read(8)
        except OSError as exc:
            raise error(
                f"{shown}: cannot be read ({exc.strerror or exc}); check the file"
            ) from None
        if head_check is not None:
            head_check(head)
        if not head.startswith((b"PK\x03\x04", _EOCD)):
            raise error(f"{shown}: is not an {what} (not a zip archive); {fix}")
        return _NpzReader(fh, shown, error, what, fix, limits or {}).read(keys)


class NpzArrays(dict):
    """The arrays read (name -> array), and ``members``: the names of every ``.npy``
    member of the archive, read or not, in archive order."""

    members: list[str]


class _NpzReader:
    def __init__(
        self, fh: BinaryIO, shown: str, error: ErrorType, what: str, fix: str, limits: dict
    ):
        self.fh, self.shown, self.error, self.what, self.fix = fh, shown, error, what, fix
        self.limits = limits

    def fail(self, problem: str) -> NnstudioError:
        return self.error(f"{self.shown}: {problem}; {self.fix}")

    def read(self, keys: Iterable[str] | None) -> NpzArrays:
        self._check_end_record()
        try:
            zf = zipfile.ZipFile(self.fh)
        except NnstudioError:
            raise
        except Exception as exc:  # any failure here is the file's: see the module docstring
            raise self.fail(
                f"not a readable {self.what}, truncated or corrupt ({_why(exc)})"
            ) from None
        with zf:
            infos = {}
            for info in zf.infolist():
                if info.filename.endswith(".npy"):
                    infos.setdefault(info.filename[:-4], info)  # the first of duplicates
            wanted = list(infos) if keys is None else [k for k in keys if k in infos]
            total = 0
            for key in wanted:
                total += self._check_member(key, infos[key])
                if total > MAX_TOTAL_BYTES:
                    raise self.fail(
                        f"its arrays declare {_size(total)} in all, more than "
                        f"nnstudio reads from one file ({MAX_TOTAL_BYTES // 1024**3} GiB)"
                    )
            out = NpzArrays((key, self._read_member(zf, key, infos[key])) for key in wanted)
            out.members = list(infos)
            return out

    def _check_end_record(self) -> None:
        """Refuse absurd member counts and table sizes before ``zipfile`` parses them."""
        try:
            size = self.fh.seek(0, os.SEEK_END)
            tail_len = min(size, 22 + 65535)
            self.fh.seek(size - tail_len)
            tail = self.fh.read(tail_len)
            self.fh.seek(0)
        except OSError as exc:
            raise self.fail(f"cannot be read ({exc.strerror or exc})") from None
        at = tail.rfind(_EOCD)
        if at < 0 or len(tail) - at < 22:
            raise self.fail(f"not a readable {self.what}, truncated or corrupt (no zip end record)")
        n_total, cd_size = struct.unpack("<2xHL", tail[at + 8 : at + 16])
        loc = at - 20  # a Zip64 locator sits right before the end record
        if loc >= 0 and tail[loc : loc + 4] == b"PK\x06\x07":
            (offset,) = struct.unpack("<Q", tail[loc + 8 : loc + 16])
            try:
                self.fh.seek(min(offset, size))
                record = self.fh.read(56)
                self.fh.seek(0)
            except (OSError, OverflowError, ValueError):
                record = b""
            if len(record) == 56 and record[:4] == b"PK\x06\x06":
                # the Zip64 record's counts are the ones zipfile will believe
                n_total, cd_size = struct.unpack("<QQ", record[32:48])
        if n_total > MAX_MEMBERS and n_total != 0xFFFF:
            raise self.fail(f"the archive lists {n_total} members, more than {MAX_MEMBERS}")
        if cd_size > MAX_CENTRAL_DIRECTORY and cd_size != 0xFFFFFFFF:
            raise self.fail(f"the archive's table of contents is {cd_size} bytes, too large")

    def _check_member(self, key: str, info: zipfile.ZipInfo) -> int:
        size, packed = info.file_size, info.compress_size
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise self.fail(
                f"array {key!r} uses zip compression method {info.compress_type}, which "
                "nnstudio does not read (only stored or deflated, as numpy.savez writes)"
            )
        if info.flag_bits & 0x1:
            raise self.fail(f"array {key!r} is encrypted")
        if size > MAX_ARRAY_BYTES:
            raise self.fail(
                f"array {key!r} declares {_size(size)}, more than the "
                f"{MAX_ARRAY_BYTES // 1024**3} GiB nnstudio reads for one array"
            )
        if size > self.limits.get(key, MAX_ARRAY_BYTES):
            raise self.fail(
                f"array {key!r} declares {_size(size)}, more than the {_size(self.limits[key])} "
                "nnstudio reads for it"
            )
        if size > RATIO_FLOOR_BYTES and size > MAX_RATIO * max(packed, 1):
            raise self.fail(
                f"array {key!r} claims to expand {size / max(packed, 1):.0f} times (from "
                f"{packed} to {size} bytes), which only a zip bomb does"
            )
        return size

    def _read_member(self, zf: zipfile.ZipFile, key: str, info: zipfile.ZipInfo) -> np.ndarray:
        try:
            with zf.open(info) as m:
                dtype, shape, fortran, header_len = self._header(key, m)
                count = 1
                for n in shape:
                    count *= n
                nbytes = count * dtype.itemsize
                if header_len + nbytes != info.file_size:
                    raise self.fail(
                        f"array {key!r} is truncated or corrupt: its header describes {nbytes} "
                        f"bytes of data but the archive holds {info.file_size - header_len}"
                    )
                if dtype.itemsize == 0 and count > MAX_ARRAY_BYTES:
                    raise self.fail(f"array {key!r} has an absurd shape {shape}")
                buf = bytearray(nbytes)
                view, got = memoryview(buf), 0
                while got < nbytes:
                    n = m.readinto(view[got:])
                    if not n:
                        raise self.fail(f"array {key!r} is truncated or corrupt (data ends early)")
                    got += n
                if m.read(1):  # reads to the end, where the zip layer checks the CRC
                    raise self.fail(f"array {key!r} has bytes after its data")
            if dtype.kind == "U":
                self._check_code_points(key, buf, dtype)
            flat = np.frombuffer(buf, dtype=dtype, count=count) if count else np.empty(0, dtype)
            return flat.reshape(shape, order="F" if fortran else "C")
        except NnstudioError:
            raise
        except Exception as exc:  # any failure here is the file's: see the module docstring
            raise self.fail(
                f"array {key!r} cannot be read (truncated or corrupt: {_why(exc)})"
            ) from None

    def _check_code_points(self, key: str, buf: bytearray, dtype: np.dtype) -> None:
        """Text arrays hold UTF-32 code units; surrogates (U+D800..U+DFFF) and values
        beyond U+10FFFF are not characters and could not be written out as UTF-8."""
        order = dtype.byteorder if dtype.byteorder in "<>" else "="
        codes = np.frombuffer(buf, dtype=np.dtype("u4").newbyteorder(order))
        bad = ((codes >= 0xD800) & (codes <= 0xDFFF)) | (codes > 0x10FFFF)
        if bad.any():
            code = int(codes[np.argmax(bad)])
            raise self.fail(f"array {key!r} holds U+{code:X}, which is not a Unicode character")

    def _header(self, key: str, m) -> tuple[np.dtype, tuple[int, ...], bool, int]:
        """dtype, shape, Fortran order and header length of the ``.npy`` in ``m``."""
        magic = m.read(8)
        if len(magic) < 8 or magic[:6] != _NPY_MAGIC:
            raise self.fail(f"array {key!r} is not in .npy format")
        major = magic[6]
        if major == 1:
            (hlen,), width = struct.unpack("<H", m.read(2)), 2
        elif major in (2, 3):
            (hlen,), width = struct.unpack("<I", m.read(4)), 4
        else:
            raise self.fail(f"array {key!r} has .npy format version {major}, unknown to nnstudio")
        if hlen > MAX_NPY_HEADER:
            raise self.fail(f"array {key!r} has a {hlen}-byte header, more than {MAX_NPY_HEADER}")
        raw = m.read(hlen)
        if len(raw) != hlen:
            raise self.fail(f"array {key!r} is truncated or corrupt (header ends early)")
        text = raw.decode("utf-8" if major == 3 else "latin1")
        d = ast.literal_eval(text)
        if not isinstance(d, dict) or set(d) != {"descr", "fortran_order", "shape"}:
            raise self.fail(f"array {key!r} has a malformed .npy header")
        shape, fortran = d["shape"], d["fortran_order"]
        if (
            not isinstance(shape, tuple)
            or len(shape) > 32
            or not all(type(n) is int and n >= 0 for n in shape)
            or not isinstance(fortran, bool)
        ):
            raise self.fail(f"array {key!r} has a malformed shape or order in its header")
        descr = d["descr"]
        if not isinstance(descr, str) or len(descr) > 32:
            raise self.fail(
                f"array {key!r} has a record (structured) type, which nnstudio does not read "
                "(only numbers, booleans and text)"
            )
        dtype = np.dtype(descr)
        if dtype.hasobject:
            raise self.fail(
                f"array {key!r} holds pickled Python objects, which nnstudio never loads "
                "(they can run code); save plain numeric or string arrays"
            )
        if dtype.kind not in _PLAIN_KINDS or dtype.fields or dtype.subdtype:
            raise self.fail(
                f"array {key!r} has dtype {dtype}, which nnstudio does not read (only "
                "numbers, booleans and text)"
            )
        return dtype, shape, fortran, 8 + width + hlen


def _size(n: int) -> str:
    return f"{n / 1024**3:.2f} GiB ({n:,} bytes)" if n >= 1024**3 else f"{n:,} bytes"


def _why(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --------------------------------------------------------------------------- JSON

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` in JSON ``text`` (brackets inside strings
    do not count); a linear scan, no recursion."""
    depth = deepest = 0
    for m in _BRACKETS.finditer(_STRING.sub('""', text)):
        depth += 1 if m.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def loads_json(
    text: str, *, error: ErrorType, where: str, what: str = "JSON", max_depth: int = MAX_JSON_DEPTH
):
    """``json.loads(text)`` for untrusted text: nesting deeper than ``max_depth``, a
    number with too many digits, and any syntax error raise ``error`` naming ``where``
    (and the line for syntax errors)."""
    depth = json_depth(text)
    if depth > max_depth:
        raise error(
            f"{where}: {what} nested {depth} levels deep, more than the {max_depth} nnstudio "
            "reads; this is not a file nnstudio wrote"
        )
    try:
        doc = json.loads(text)
        # "\ud800" escapes decode to lone surrogates, which no file or terminal can show
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except json.JSONDecodeError as exc:
        raise error(f"{where}: line {exc.lineno}: {what} is not valid JSON ({exc.msg})") from None
    except UnicodeEncodeError:
        raise error(f"{where}: {what} holds text that is not valid Unicode") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # e.g. a 10**5-digit integer
        raise error(f"{where}: {what} cannot be read ({_why(exc)})") from None
    return doc
