"""File > Open Recent: the list of files opened or saved lately, kept in the settings.

:class:`RecentFiles` owns the list (newest first, at most ``MAX_RECENT``, one entry per
path), writes it to the settings on every change and rebuilds its menu. Choosing an entry
emits ``openRequested(kind, path)``; the window decides what opening means. An entry whose
file is gone is dropped when chosen (``missing(path)`` says so).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QMenu

__all__ = ["KINDS", "MAX_RECENT", "RecentFiles"]

MAX_RECENT = 8
#: what an entry is: a dataset (CSV/NPZ), a project (.json) or a model file (.npz)
KINDS = ("dataset", "project", "model")
SETTINGS_KEY = "recentFiles"


class RecentFiles(QObject):
    """The recent-files list behind ``menu`` (a ``QMenu`` the window places)."""

    openRequested = Signal(str, str)  # kind, path
    missing = Signal(str)  # path of an entry whose file no longer exists

    def __init__(self, menu: QMenu, settings: QSettings, parent: QObject | None = None):
        super().__init__(parent)
        self.menu = menu
        self._settings = settings
        self._entries: list[dict] = []
        self._enabled = True
        self._load()

    def entries(self) -> list[dict]:
        """``[{"kind": ..., "path": ...}, ...]``, newest first (copies)."""
        return [dict(e) for e in self._entries]

    def add(self, kind: str, path: str | os.PathLike) -> None:
        """Put ``path`` first (moving it up if it is listed already)."""
        path = os.path.abspath(os.fspath(path))
        self._entries = [e for e in self._entries if e["path"] != path]
        self._entries.insert(0, {"kind": kind, "path": path})
        del self._entries[MAX_RECENT:]
        self._changed()

    def remove(self, path: str) -> None:
        self._entries = [e for e in self._entries if e["path"] != path]
        self._changed()

    def clear(self) -> None:
        self._entries = []
        self._changed()

    def set_enabled(self, enabled: bool) -> None:
        """Enable the menu like File > Open (it stays disabled while it is empty)."""
        self._enabled = bool(enabled)
        self.menu.setEnabled(self._enabled and bool(self._entries))

    def choose(self, index: int) -> None:
        """What choosing entry ``index`` of the menu does (tests call it directly)."""
        entry = self._entries[index]
        if not os.path.exists(entry["path"]):
            self.remove(entry["path"])
            self.missing.emit(entry["path"])
            return
        self.openRequested.emit(entry["kind"], entry["path"])

    # ------------------------------------------------------------------ internals
    def _load(self) -> None:
        try:
            raw = json.loads(self._settings.value(SETTINGS_KEY, "[]", str) or "[]")
        except (ValueError, TypeError):
            raw = []
        self._entries = [
            {"kind": e["kind"], "path": e["path"]}
            for e in (raw if isinstance(raw, list) else [])
            if isinstance(e, dict)
            and e.get("kind") in KINDS
            and isinstance(e.get("path"), str)
            and e["path"]
        ][:MAX_RECENT]
        self._rebuild()

    def _changed(self) -> None:
        self._settings.setValue(SETTINGS_KEY, json.dumps(self._entries))
        self._rebuild()

    def _rebuild(self) -> None:
        menu = self.menu
        menu.clear()
        for i, entry in enumerate(self._entries):
            name = Path(entry["path"]).name
            act = menu.addAction(f"&{i + 1} {name} ({entry['kind']})")
            act.setToolTip(entry["path"])
            act.setStatusTip(entry["path"])
            act.triggered.connect(lambda _=False, i=i: self.choose(i))
        if self._entries:
            menu.addSeparator()
            menu.addAction("Clear list", self.clear)
        menu.setEnabled(self._enabled and bool(self._entries))
