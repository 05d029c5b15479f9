"""A guard against a reference-counting bug in some PySide6 builds.

Seen with PySide6 6.12.0 on CPython 3.11: functions that return nothing (``setText``,
``update``, ``processEvents``, ...) hand back ``None`` without taking a new reference,
and ``SignalInstance.emit()`` does the same with ``True``. Each such call lowers the
reference count of ``None`` or ``True`` by one, and a GUI makes thousands of them a
second: within seconds of training CPython aborts with "Fatal Python error:
none_dealloc: deallocating None" (or ``bool_dealloc``). CPython 3.12 and later make
these singletons immortal, so there the bug is harmless.

:func:`apply` measures whether this PySide6 has the bug (a few calls on a private
object) and, only then, raises the reference counts of ``None``, ``True`` and ``False``
by 2**40, which makes them as good as immortal, as CPython 3.12 does anyway. Nothing
changes with a PySide6 that counts correctly. It runs when :mod:`nnstudio.app` is first
imported, before any widget exists.
"""

from __future__ import annotations

import sys

__all__ = ["applied", "apply", "leaks"]

_PROBES = 64
_BUMP = 1 << 40
_applied = False
_BALLAST: list = []


def applied() -> bool:
    """True if the workaround was needed and applied in this process."""
    return _applied


def leaks() -> dict[str, bool]:
    """Whether void calls leak ``None`` and ``emit()`` leaks ``True`` in this PySide6."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        sig = Signal()

    probe = _Probe()
    n0, t0 = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.setObjectName("probe")
    n1 = sys.getrefcount(None)
    for _ in range(_PROBES):
        probe.sig.emit()
    t1 = sys.getrefcount(True)
    # A few references may come and go by chance; a leak loses one per call.
    return {"None": n0 - n1 >= _PROBES, "True": t0 - t1 >= _PROBES}


def apply() -> bool:
    """Detect the bug and neutralise it; returns True if it was found."""
    global _applied
    if _applied:
        return True
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    found = leaks()
    if not any(found.values()):
        return False
    import ctypes

    for obj in (None, True, False):
        if hasattr(sys, "gettotalrefcount"):  # debug build: do not poke at the header
            _BALLAST.extend([obj] * (1 << 22))
        else:
            ctypes.c_ssize_t.from_address(id(obj)).value += _BUMP
    _applied = True
    return True
