"""What the window remembers between sessions, in ``QSettings``: its geometry, the
splitter positions, the shown tab, the log-scale toggle, the last settings, the last
dataset and the last folder of a file dialog. (The recent-files list is
:mod:`nnstudio.app.recent_files`.)

The store is the INI file named by ``$NNSTUDIO_SETTINGS_PATH`` if set (tests, portable
setups), else the platform's user settings for nnstudio/nnstudio. Everything read back is
checked: a value of the wrong type or a state saved by an older layout is ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow

from nnstudio.data.dataset import Dataset
from nnstudio.errors import NnstudioError
from nnstudio.pipeline import TrainConfig

__all__ = [
    "APPLICATION",
    "LAYOUT_VERSION",
    "ORGANIZATION",
    "SETTINGS_ENV",
    "app_settings",
    "first_size",
    "last_dataset",
    "last_dir",
    "remember_dir",
    "restore",
    "restore_layout",
    "save",
    "saved_config",
    "save_layout",
    "save_session",
]

#: environment variable naming an INI file to use instead of the user's settings
SETTINGS_ENV = "NNSTUDIO_SETTINGS_PATH"
ORGANIZATION = "nnstudio"
APPLICATION = "nnstudio"
#: saved splitter positions carry this version; positions saved by an older layout
#: (e.g. the boundary view as a sliver) are ignored
LAYOUT_VERSION = 2
#: the size of a window with no saved geometry (bounded by the screen)
FIRST_SIZE = (1280, 800)


def first_size(window: QMainWindow) -> QSize:
    """The size of a window with no saved geometry: ``FIRST_SIZE``, or less on a smaller
    screen (the window fits a 1280x720 screen)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    size = QSize(*FIRST_SIZE)
    if screen is not None:
        size = size.boundedTo(screen.availableGeometry().size())
    return size


def app_settings() -> QSettings:
    """The settings store: the INI file named by ``$NNSTUDIO_SETTINGS_PATH`` if set, else
    the platform's user settings for nnstudio/nnstudio."""
    path = os.environ.get(SETTINGS_ENV)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(
        QSettings.Format.NativeFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def _bytes(settings: QSettings, key: str) -> QByteArray | None:
    value = settings.value(key)
    return value if isinstance(value, QByteArray) else None


def restore(window: QMainWindow) -> None:
    """Everything a new window takes from the last session (not yet its dataset)."""
    s = window.settings
    restore_layout(s, window)
    cfg = saved_config(s)
    if cfg is not None:
        window.apply_config(cfg)
        window.data_panel.set_val_split(cfg.val_split)


def save(window: QMainWindow) -> None:
    """Everything the next session takes from this window."""
    s = window.settings
    save_layout(s, window)
    save_session(s, window.current_config(), window.data_panel.dataset)
    s.sync()


def restore_layout(settings: QSettings, window: QMainWindow) -> None:
    """Geometry, dock/toolbar state, splitters (if saved by this layout), tab, log scale."""
    geometry = _bytes(settings, "window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    state = _bytes(settings, "window/state")
    if state is not None:
        window.restoreState(state)
    if settings.value("window/layoutVersion", 0, int) == LAYOUT_VERSION:
        for split in (window.main_splitter, window.left_splitter):
            st = _bytes(settings, f"window/{split.objectName()}")
            if st is not None:
                split.restoreState(st)
        st = _bytes(settings, f"window/{window.training_split.objectName()}")
        if st is not None:
            window.training_split.restore(st)
    window.plots.log_check.setChecked(settings.value("plots/logScale", False, bool))
    window.show_tab(int(settings.value("window/tab", 0, int)))


def save_layout(settings: QSettings, window: QMainWindow) -> None:
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState())
    settings.setValue("window/layoutVersion", LAYOUT_VERSION)
    for split in (window.main_splitter, window.left_splitter):
        settings.setValue(f"window/{split.objectName()}", split.saveState())
    key = f"window/{window.training_split.objectName()}"
    if window.training_split.auto_fit:
        settings.remove(key)  # keep fitting the boundary view to the window
    else:
        settings.setValue(key, window.training_split.saveState())
    settings.setValue("window/tab", window.tabs.currentIndex())
    settings.setValue("plots/logScale", window.plots.log_check.isChecked())


def saved_config(settings: QSettings) -> TrainConfig | None:
    """The settings of the last session, or None (none saved, or not valid)."""
    text = settings.value("training/config", "", str)
    if not text:
        return None
    try:
        data = json.loads(text)
        return TrainConfig.from_dict(data) if isinstance(data, dict) else None
    except (ValueError, TypeError, RecursionError, NnstudioError):
        return None


def save_session(settings: QSettings, cfg: TrainConfig, ds: Dataset | None) -> None:
    """The current settings and the dataset (source, target, task) for next time."""
    settings.setValue("training/config", json.dumps(cfg.to_dict()))
    if ds is not None:
        settings.setValue(
            "data/last",
            json.dumps({"source": ds.source, "target": ds.target_name, "task": ds.task}),
        )


def last_dataset(settings: QSettings) -> dict | None:
    """``{"source", "target", "task"}`` of the last session's dataset, or None."""
    text = settings.value("data/last", "", str)
    if not text:
        return None
    try:
        info = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(info, dict) or not isinstance(info.get("source"), str):
        return None
    target, task = info.get("target"), info.get("task")
    return {
        "source": info["source"],
        "target": target if isinstance(target, str) else None,
        "task": task if isinstance(task, str) else None,
    }


def last_dir(settings: QSettings) -> str:
    """The folder of the last file chosen in a dialog ("" at first)."""
    return str(settings.value("lastDir", "", str) or "")


def remember_dir(settings: QSettings, path: str) -> None:
    settings.setValue("lastDir", str(Path(path).parent))
