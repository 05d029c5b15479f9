"""The desktop app: the only package that imports PySide6 or pyqtgraph.

``run_gui()`` is what ``nnstudio`` / ``nnstudio gui`` call; ``MainWindow`` can also be
made directly (tests, embedding).
"""

from __future__ import annotations

import os
import sys

__all__ = ["DEFAULT_SAMPLE", "MainWindow", "run_gui"]

#: the sample shown when the app starts with nothing else to show
DEFAULT_SAMPLE = "moons"


def __getattr__(name: str):
    # Import Qt only when the window is really wanted (``import nnstudio.app`` stays cheap).
    if name == "MainWindow":
        from nnstudio.app.main_window import MainWindow

        return MainWindow
    raise AttributeError(name)


def run_gui(
    dataset: str | os.PathLike | None = None,
    model: str | os.PathLike | None = None,
    project: str | os.PathLike | None = None,
) -> int:
    """Open the main window, load what was given, and run the event loop.

    ``project`` is opened first, then ``dataset`` replaces its data, then ``model`` is
    imported into whatever data is loaded. With none of them, the last session's dataset
    (or the ``moons`` sample) is shown. Problems appear as dialogs, never tracebacks.
    Returns the event loop's exit code.
    """
    from nnstudio.app.qt_check import check_qt_binding

    check_qt_binding()  # before any Qt object exists: one line instead of a crash

    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from nnstudio import __version__
    from nnstudio.app.icon import app_icon
    from nnstudio.app.main_window import MainWindow
    from nnstudio.app.window_state import APPLICATION, ORGANIZATION

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("nnstudio")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    pg.setConfigOptions(useOpenGL=False)

    window = MainWindow()
    window.closed.connect(app.quit)  # also when a long step made the close wait
    window.show()
    if project is not None:
        window.open_project(project)
    if dataset is not None:
        window.load_dataset(dataset)
    if project is None and dataset is None:
        if not window.restore_last_dataset():
            window.load_dataset(DEFAULT_SAMPLE)
    if model is not None:
        window.import_weights(model)
    return app.exec()
