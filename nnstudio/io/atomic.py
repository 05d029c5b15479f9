"""Atomic file writes: a temporary file in the target's folder, flushed, then renamed.

What a user of a desktop tool expects from "save", and what this module guarantees:

- A reader never sees a half-written file, and a failed write (a full disk, a folder
  that is not writable) leaves the old file exactly as it was and no temporary file
  behind. The failure is one :class:`WriteError` line that names the file.
- A new file gets the usual permissions, ``0666 & ~umask`` (the temporary file is
  created with mode 0666 and the kernel applies the umask), not the 0600 of
  ``tempfile.mkstemp``. A replaced file keeps its mode (and, where allowed, its owner).
- A symbolic link is written through: the link stays and its target gets the new
  content (the temporary file is made beside the target, so the rename is atomic).
- A target that exists and is not a regular file (a folder, a device such as
  ``/dev/null``, a FIFO, a socket), or is read-only for this user, is refused before
  anything is written.

:func:`check_writable` makes the same checks without writing, so that a command can
refuse a bad output path before spending minutes on training.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from nnstudio.errors import NnstudioError

__all__ = ["WriteError", "atomic_writer", "check_writable", "write_target"]


class WriteError(NnstudioError):
    """A file nnstudio was asked to write cannot be written; the message names it.

    ``path`` is the file as the user gave it, ``errno`` the OS error number or None."""

    def __init__(self, message: str, *, path: str | None = None, errno: int | None = None):
        super().__init__(message)
        self.path = path
        self.errno = errno


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words (``"a folder"``, ``"a FIFO (named pipe)"``)."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return "not a regular file"


def _advice(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "free some space or choose another folder"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "choose a folder you can write to"
    return "choose another file name or folder"


def _os_error(error: type[NnstudioError], shown: str, what: str, exc: OSError) -> NnstudioError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    err = error(f"{shown}: cannot write the {what} ({reason}); nothing was written: {_advice(exc)}")
    with contextlib.suppress(AttributeError):
        err.path, err.errno = shown, exc.errno
    return err


def write_target(
    path: str | os.PathLike, *, what: str = "file", error: type[NnstudioError] = WriteError
) -> tuple[Path, os.stat_result | None]:
    """The real file a write to ``path`` goes to (symbolic links followed) and its
    current ``stat``, or None when it does not exist yet.

    Raises ``error`` (one line naming ``path``) when the target exists but is not a
    regular file, or its folder does not exist or is not a folder."""
    shown = os.fspath(path)
    if not shown:
        raise error(f"no file name given for the {what}; give a file name")
    if "\x00" in shown:
        raise error(f"{shown!r}: a file name cannot hold a NUL character; give another name")
    target = Path(os.path.realpath(shown))
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:  # a symlink loop, a name too long, a file under a non-folder
        raise _os_error(error, shown, what, exc) from exc
    if st is not None and not stat.S_ISREG(st.st_mode):
        hint = (
            "give a file name such as model.npz"
            if stat.S_ISDIR(st.st_mode)
            else ("give the name of a regular file")
        )
        raise error(f"{shown}: cannot write the {what}: it is {file_kind(st.st_mode)}; {hint}")
    if st is not None and not os.access(target, os.W_OK):
        # renaming over it would work, but a read-only file says "do not overwrite me"
        raise error(
            f"{shown}: cannot write the {what}: the file is read-only; make it writable or "
            "choose another name"
        )
    folder = target.parent
    if not folder.is_dir():
        # the folder as the user wrote it, unless a symbolic link points elsewhere
        named = Path(shown).parent
        named = named if named.resolve() == folder else folder
        raise error(
            f"{shown}: cannot write the {what}: the folder {str(named)!r} does "
            "not exist; create it first"
        )
    return target, st


def check_writable(
    path: str | os.PathLike, *, what: str = "file", error: type[NnstudioError] = WriteError
) -> None:
    """Refuse, before any work is done, an output path that cannot be written: a folder,
    a device, a FIFO or socket, a missing folder, or a folder without write permission."""
    target, st = write_target(path, what=what, error=error)
    folder = target.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise error(
            f"{os.fspath(path)}: cannot write the {what} in the folder {str(folder)!r} "
            "(permission denied); choose another folder"
        )


def _create_temp(folder: Path, name: str) -> tuple[int, Path]:
    """A new file in ``folder`` opened for writing with mode 0666 (minus the umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))


def _keep_mode_and_owner(fd: int, tmp: Path, st: os.stat_result) -> None:
    if hasattr(os, "fchmod"):
        os.fchmod(fd, stat.S_IMODE(st.st_mode))
    else:  # Windows before Python 3.13: only the read-only bit exists
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
    if hasattr(os, "fchown") and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):  # only root (or the group's member) may
            os.fchown(fd, st.st_uid, st.st_gid)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); best effort."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_writer(
    path: str | os.PathLike,
    mode: str = "wb",
    *,
    what: str = "file",
    error: type[NnstudioError] = WriteError,
    **kwargs,
) -> Iterator[IO]:
    """Open a temporary file beside ``path``'s real target; on success rename it over
    the target (see the module docstring for permissions, links and refusals).

    ``what`` names the file in messages (``"model file"``); ``error`` is the
    :class:`~nnstudio.errors.NnstudioError` subclass raised when the OS refuses the
    write (a full disk, no permission), after the temporary file is removed. Other
    exceptions raised by the body propagate unchanged, also after the clean-up.
    ``kwargs`` go to :func:`open` (``encoding``, ``newline``)."""
    shown = os.fspath(path)
    target, st = write_target(path, what=what, error=error)
    try:
        fd, tmp = _create_temp(target.parent, target.name)
    except OSError as exc:
        raise _os_error(error, shown, what, exc) from exc
    try:
        if st is not None:
            _keep_mode_and_owner(fd, tmp, st)
        with os.fdopen(fd, mode, **kwargs) as fh:
            fd = -1  # the file object owns it now
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            raise _os_error(error, shown, what, exc) from exc
        raise
    _sync_folder(target.parent)
