"""The application icon, shipped inside the package (``nnstudio/app/icons``)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from PySide6.QtGui import QIcon, QPixmap

__all__ = ["ICON_FILE", "app_icon"]

ICON_FILE = "nnstudio.svg"


def app_icon() -> QIcon:
    """The app icon; an empty icon if it is missing. Works from a source tree, a wheel
    and a zipped install alike."""
    try:
        resource = files("nnstudio.app").joinpath("icons", ICON_FILE)
        if isinstance(resource, Path):
            return QIcon(str(resource)) if resource.is_file() else QIcon()
        data = resource.read_bytes()  # not a plain file (e.g. inside a zip): render it
    except (OSError, ModuleNotFoundError):
        return QIcon()
    pixmap = QPixmap()
    if not pixmap.loadFromData(data, "SVG"):
        return QIcon()
    return QIcon(pixmap)
