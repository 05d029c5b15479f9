"""The window's contracts: object and accessible names, menus and shortcuts, settings
that stay out of the user's real store, ``run_gui``, and that worker signals reach the
window in the GUI thread."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget

import nnstudio.app as app_pkg
from nnstudio.app import plots
from nnstudio.app.main_window import SETTINGS_ENV, MainWindow, app_settings

CONTRACT = [
    "layerTable",
    "addLayerButton",
    "removeLayerButton",
    "datasetCombo",
    "openDatasetButton",
    "trainButton",
    "pauseButton",
    "stepButton",
    "stopButton",
    "resetButton",
    "learningRateSpin",
    "epochsSpin",
    "batchSizeSpin",
    "lossPlot",
    "gradNormPlot",
    "timingPlot",
    "progressBar",
]


@pytest.fixture
def window(qtbot, errors):
    w = MainWindow()
    qtbot.addWidget(w)
    return w


def test_contract_names_exist_once_with_accessible_names(window):
    for name in CONTRACT:
        found = window.findChildren(QWidget, name)
        assert len(found) == 1, name
        assert found[0].accessibleName(), name
    assert isinstance(window.findChild(QWidget, "layerTable"), QAbstractItemView)


def test_every_enabled_control_has_a_name(window):
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox

    for cls in (QAbstractButton, QAbstractSpinBox, QComboBox):
        for w in window.findChildren(cls):
            if w.parent() is not None and w.parent().inherits("QAbstractSpinBox"):
                continue
            if w.inherits("QToolButton") or w.objectName() == "activationCombo":
                continue  # pyqtgraph's own buttons; per-row editors in the table
            assert w.objectName(), f"unnamed {type(w).__name__}: {getattr(w, 'text', str)()}"


@pytest.mark.parametrize(
    "action, keys",
    [
        ("openDatasetAction", "Ctrl+O"),
        ("openProjectAction", "Ctrl+Shift+O"),
        ("saveProjectAction", "Ctrl+S"),
        ("exportWeightsAction", "Ctrl+E"),
        ("importWeightsAction", "Ctrl+I"),
        ("quitAction", "Ctrl+Q"),
        ("trainAction", "F5"),
        ("pauseAction", "F6"),
        ("stepAction", "F10"),
        ("stopAction", "Shift+F5"),
        ("resetAction", "Ctrl+R"),
    ],
)
def test_menu_shortcuts(window, action, keys):
    from PySide6.QtGui import QAction

    act = window.findChild(QAction, action)
    assert act is not None
    assert act.shortcut() == QKeySequence(keys)


def test_menus_and_recent_submenu(window):
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == ["File", "Train", "Help"]
    assert window.recent_menu.title().replace("&", "") == "Open Recent"
    assert not window.recent_menu.isEnabled()  # nothing opened yet


def test_settings_go_to_the_test_file(window, private_settings):
    s = app_settings()
    assert s.format() == QSettings.Format.IniFormat
    assert s.fileName() == str(private_settings)
    window.close()
    assert private_settings.exists()
    assert "training" in private_settings.read_text()


def test_progress_reaches_the_window_in_the_gui_thread(qtbot, window, monkeypatch):
    seen = set()
    original = plots.LossPlot.add_epochs

    def spy(self, *a, **k):
        seen.add(threading.current_thread() is threading.main_thread())
        return original(self, *a, **k)

    monkeypatch.setattr(plots.LossPlot, "add_epochs", spy)
    window.load_dataset("xor")
    window.training_panel.epochs_spin.setValue(3)
    window.train()
    qtbot.waitUntil(lambda: not window.is_training, timeout=60_000)
    assert seen == {True}


def test_run_gui_loads_what_it_is_given(qtbot, monkeypatch, errors, tmp_path):
    made = []
    real_init = MainWindow.__init__

    def init(self, *a, **k):
        real_init(self, *a, **k)
        made.append(self)

    monkeypatch.setattr(MainWindow, "__init__", init)
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    assert app_pkg.run_gui(dataset="circles") == 0
    w = made[-1]
    qtbot.addWidget(w)
    assert w.data_panel.dataset.name == "circles" and w.isVisible()
    assert QApplication.instance().organizationName() == "nnstudio"
    # nothing given: the last dataset, else the default sample
    assert app_pkg.run_gui() == 0
    qtbot.addWidget(made[-1])
    assert made[-1].data_panel.dataset.name == app_pkg.DEFAULT_SAMPLE
    # a missing file becomes a dialog, never a traceback
    assert app_pkg.run_gui(dataset=str(tmp_path / "missing.csv")) == 0
    qtbot.addWidget(made[-1])
    assert errors and "missing.csv" in errors[-1][1]


def test_the_window_icon_ships_inside_the_package(window):
    from importlib.resources import files

    assert files("nnstudio.app").joinpath("icons", "nnstudio.svg").is_file()
    assert not window.windowIcon().isNull()
    assert not window.windowIcon().pixmap(32, 32).isNull()


def test_conftest_settings_variable_is_the_apps():
    # conftest spells the variable out to avoid importing Qt; it must stay the app's.
    assert SETTINGS_ENV == "NNSTUDIO_SETTINGS_PATH"
