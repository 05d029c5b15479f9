"""Drag and drop of files: the one place that reads local paths out of a drop.

The main window and the data panel both accept files; both ask :func:`dropped_paths`.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData

__all__ = ["dropped_path", "dropped_paths"]


def dropped_paths(mime: QMimeData | None) -> list[str]:
    """The local file paths a drag carries, in order (URLs that are not local files,
    such as ``http://`` links, are left out)."""
    if mime is None or not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]


def dropped_path(mime: QMimeData | None) -> str | None:
    """The first local file a drag carries, or None."""
    paths = dropped_paths(mime)
    return paths[0] if paths else None
