"""The menu bar: File (from :class:`~nnstudio.app.file_actions.FileActions`), Train and
Help, with their shortcuts. Every action has an ``objectName`` (a contract for tests and
automation)."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from nnstudio import __version__
from nnstudio.app import dialogs

__all__ = ["build_menus", "set_run_actions"]

ABOUT = (
    f"<h3>nnstudio {__version__}</h3>"
    "<p>Design, train and understand multilayer perceptrons. Backpropagation in "
    "matrix form over whole mini-batches, on NumPy, with live plots.</p>"
    "<p>Shortcuts: F5 train, F6 pause/resume, F10 one epoch, Shift+F5 stop, "
    "Ctrl+R reset.</p><p>MIT licence.</p>"
)


def _action(w: QMainWindow, text: str, name: str, shortcut, slot, tip: str = "") -> QAction:
    act = QAction(text, w)
    act.setObjectName(name)
    act.setShortcut(QKeySequence(shortcut))
    if tip:
        act.setStatusTip(tip)
        act.setToolTip(tip)
    act.triggered.connect(slot)
    return act


def build_menus(w: QMainWindow) -> None:
    """Make the window's run actions (``w.train_action`` ... ``w.about_action``),
    ``w.recent_menu`` and the menu bar."""
    a = _action
    w.quit_action = a(w, "&Quit", "quitAction", "Ctrl+Q", w.close, "Quit nnstudio")
    w.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
    w.train_action = a(w, "&Train", "trainAction", "F5", w.train, "Train the network")
    w.pause_action = a(w, "&Pause", "pauseAction", "F6", w.toggle_pause, "Pause or resume training")
    w.step_action = a(
        w, "&Step One Epoch", "stepAction", "F10", w.step, "Train one epoch, then pause"
    )
    w.stop_action = a(
        w, "St&op", "stopAction", "Shift+F5", w.stop, "Stop training, keep the weights"
    )
    w.reset_action = a(w, "&Reset", "resetAction", "Ctrl+R", w.reset, "New weights from the seed")
    w.about_action = a(
        w,
        "&About nnstudio",
        "aboutAction",
        QKeySequence.StandardKey.HelpContents,
        lambda: dialogs.show_info(w, "About nnstudio", ABOUT),
    )
    w.about_action.setMenuRole(QAction.MenuRole.AboutRole)

    f = w.files
    file_menu = w.menuBar().addMenu("&File")
    file_menu.setObjectName("fileMenu")
    file_menu.addAction(f.open_dataset_action)
    file_menu.addAction(f.open_project_action)
    w.recent_menu = file_menu.addMenu("Open &Recent")
    w.recent_menu.setObjectName("recentMenu")
    file_menu.addSeparator()
    file_menu.addAction(f.save_project_action)
    file_menu.addSeparator()
    file_menu.addAction(f.export_action)
    file_menu.addAction(w.exports.export_as_action)
    file_menu.addAction(f.import_action)
    file_menu.addSeparator()
    file_menu.addAction(w.quit_action)
    train_menu = w.menuBar().addMenu("&Train")
    train_menu.setObjectName("trainMenu")
    for act in (w.train_action, w.pause_action, w.step_action, w.stop_action):
        train_menu.addAction(act)
    train_menu.addSeparator()
    train_menu.addAction(w.reset_action)
    help_menu = w.menuBar().addMenu("&Help")
    help_menu.setObjectName("helpMenu")
    help_menu.addAction(w.about_action)


def set_run_actions(w: QMainWindow, state: str, stopping: bool) -> None:
    """Enable the Train menu for ``state`` (``idle``, ``running``, ``paused``); Train and
    Step stay enabled while stopping: they start when the run has ended."""
    running = state in ("running", "paused")
    w.train_action.setEnabled(state != "running" or stopping)
    w.train_action.setText("&Resume" if state == "paused" and not stopping else "&Train")
    w.pause_action.setEnabled(running and not stopping)
    w.pause_action.setText("&Resume" if state == "paused" else "&Pause")
    w.step_action.setEnabled(state != "running" or stopping)
    w.stop_action.setEnabled(running and not stopping)
