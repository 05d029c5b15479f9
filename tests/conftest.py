import os

# Must happen before any QApplication exists, or Qt aborts the whole process
# on a machine without a screen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402  (after the environment is set)


@pytest.fixture(autouse=True)
def private_settings(tmp_path, monkeypatch):
    """Never read or write the user's real app settings: an INI file per test
    (the variable is ``nnstudio.app.main_window.SETTINGS_ENV``)."""
    path = tmp_path / "settings.ini"
    monkeypatch.setenv("NNSTUDIO_SETTINGS_PATH", str(path))
    return path


@pytest.fixture
def errors(monkeypatch):
    """Every error dialog the app tries to show, as (title, message); none blocks."""
    from nnstudio.app import dialogs

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(dialogs, "show_error", lambda parent, t, m: shown.append((t, m)))
    return shown


@pytest.fixture
def window(qtbot, errors):
    """A shown main window, deleted after the test; its error dialogs go to ``errors``."""
    from nnstudio.app.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    return w
