"""Refuse, at start-up, a Qt binding known to crash this interpreter.

PySide6 6.12.0 on CPython 3.11 hands back ``None`` from void calls (``setText``,
``update``, ...) and ``True`` from ``SignalInstance.emit()`` without taking a reference;
a GUI makes thousands of such calls a second, and within seconds CPython aborts with
"Fatal Python error: none_dealloc: deallocating None". CPython 3.12 and later make these
objects immortal, so there the bug is harmless. ``pyproject.toml`` excludes that release
(``PySide6-Essentials!=6.12.0``); an environment that has it anyway gets one clear line
instead of a crash a few seconds later. nnstudio never patches the interpreter.
"""

from __future__ import annotations

import sys

from nnstudio.errors import NnstudioError

__all__ = ["BAD_COMBINATIONS", "QtBindingError", "check_qt_binding"]

#: (PySide6 version, CPython (major, minor)) pairs that crash
BAD_COMBINATIONS = {("6.12.0", (3, 11))}


class QtBindingError(NnstudioError):
    """The installed PySide6 cannot run on this Python."""


def _python_version() -> tuple[int, int]:
    return sys.version_info[0], sys.version_info[1]


def check_qt_binding() -> None:
    """Raise :class:`QtBindingError` naming the bad PySide6/Python pair and the fix."""
    import PySide6

    version = str(getattr(PySide6, "__version__", ""))
    python = _python_version()
    if sys.implementation.name == "cpython" and (version, python) in BAD_COMBINATIONS:
        raise QtBindingError(
            f"PySide6 {version} crashes on CPython {python[0]}.{python[1]} (it drops "
            "references to None); install another release: "
            f'pip install "PySide6-Essentials!={version}"'
        )
