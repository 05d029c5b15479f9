"""The one exception the data layer raises at users.

Every problem with a user's input (a missing file, a ragged row, a text value in a
feature column, ...) becomes a single :class:`DataError` whose ``str()`` is one line that
names the file, the line or column where the problem is, and what to do about it. The
CLI prints it after ``nnstudio: error:``; the app shows it in a message box. Nothing in
this package lets a traceback through for bad input.
"""

from __future__ import annotations

from nnstudio.errors import NnstudioError

__all__ = ["DataError", "empty_cell_error", "show"]


class DataError(NnstudioError, ValueError):
    """A user-facing input problem.

    ``str(err)`` is ONE line that names the file, the line or column where it applies,
    and what to do. The optional attributes carry the same facts for programs:

    - ``path``: the file (or sample name) concerned, as the user gave it, or None
    - ``line``: 1-based line number in a text file, or None
    - ``column``: column (feature) name, or None
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        # Keep the message on one line whatever the caller interpolated into it.
        message = " ".join(str(message).splitlines())
        super().__init__(message)
        self.path = path
        self.line = line
        self.column = column


def show(value: str, limit: int = 40) -> str:
    """A cell value quoted for a one-line message (long values cut to ``limit``)."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


def empty_cell_error(where: str, line: int, column: str) -> DataError:
    """The message for an empty cell of a CSV file at ``line`` in ``column``."""
    return DataError(
        f"{where}: line {line}, column {column!r}: the cell is empty; missing values are "
        "not supported: fill it in or delete the row",
        path=where,
        line=line,
        column=column,
    )
