"""The app's shared pieces: one thread helper for every worker, one drop helper, one
seconds formatter, and the start-up refusal of a Qt binding known to crash."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QObject, QUrl, Signal, Slot
from PySide6.QtWidgets import QApplication

import nnstudio
import nnstudio.app as app_pkg
from nnstudio import cli
from nnstudio.app import qt_check, threads, timing_panel
from nnstudio.app.drops import dropped_path, dropped_paths
from nnstudio.app.main_window import MainWindow
from nnstudio.text import format_seconds

ROOT = Path(nnstudio.__file__).resolve().parent


# --------------------------------------------------------------------- threads


class _Once(QObject):
    finished = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.ran_in = None

    @Slot()
    def run(self) -> None:
        import threading

        self.ran_in = threading.current_thread()
        self.finished.emit()


class _Seen(QObject):
    """Records, in the GUI thread, what happened to a worker and its thread."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    @Slot()
    def worker_deleted(self) -> None:
        self.seen.append("worker deleted")

    @Slot()
    def thread_finished(self) -> None:
        self.seen.append("thread finished")

    @Slot()
    def thread_deleted(self) -> None:
        self.seen.append("thread deleted")


def test_make_thread_runs_the_worker_elsewhere_and_cleans_up(qtbot):
    import threading

    worker = _Once()
    thread = threads.make_thread(worker, "testThread")
    assert thread.objectName() == "testThread" and thread.parent() is None
    assert worker.thread() is thread
    rec = _Seen()
    worker.destroyed.connect(rec.worker_deleted)
    thread.finished.connect(rec.thread_finished)  # worker.finished -> thread.quit
    thread.destroyed.connect(rec.thread_deleted)  # thread.finished -> thread.deleteLater
    thread.start()  # thread.started -> worker.run
    qtbot.waitUntil(lambda: len(rec.seen) == 2, timeout=10_000)
    assert rec.seen == ["thread finished", "thread deleted"]
    assert worker.ran_in is not None and worker.ran_in is not threading.main_thread()
    # The worker is Python's: it goes with the last reference, here, on the GUI thread
    # (make_thread let go of it once the thread had ended).
    del worker
    assert rec.seen[-1] == "worker deleted"


def test_timing_panel_uses_the_one_thread_helper(qtbot, monkeypatch):
    made = []
    real = threads.make_thread

    def spy(worker, name="workerThread"):
        thread = real(worker, name)
        made.append(thread)
        return thread

    monkeypatch.setattr(timing_panel, "make_thread", spy)
    panel = timing_panel.TimingPanel()
    qtbot.addWidget(panel)
    panel.widths_edit.setText("2")
    panel.budget_spin.setValue(0.05)
    with qtbot.waitSignal(panel.finished, timeout=60_000):
        assert panel.run()
    assert len(made) == 1
    # and no module makes a QThread of its own
    for path in (ROOT / "app").glob("*.py"):
        if path.name != "threads.py":
            assert "QThread(" not in path.read_text(), path.name


# --------------------------------------------------------------------- drops and formats


def test_dropped_paths_keep_local_files_only(tmp_path):
    mime = QMimeData()
    a, b = tmp_path / "a.csv", tmp_path / "b.npz"
    mime.setUrls(
        [QUrl("https://example.org/x.csv"), QUrl.fromLocalFile(str(a)), QUrl.fromLocalFile(str(b))]
    )
    assert dropped_paths(mime) == [str(a), str(b)]
    assert dropped_path(mime) == str(a)
    empty = QMimeData()
    empty.setText("just text")
    assert dropped_paths(empty) == [] and dropped_path(empty) is None
    assert dropped_path(None) is None


def test_one_seconds_formatter():
    # the bench table and the Timing tab share nnstudio.text.format_seconds
    pattern = re.compile(r"def \w*fmt\w*seconds|def format_seconds")
    defs = [p.name for p in ROOT.rglob("*.py") if pattern.search(p.read_text())]
    assert defs == ["text.py"]
    assert timing_panel.format_seconds is format_seconds


# --------------------------------------------------------------------- the Qt binding


def test_no_writes_into_the_interpreter():
    for path in ROOT.rglob("*.py"):
        text = path.read_text()
        assert "from_address" not in text and "import ctypes" not in text, path.name


def test_pyproject_keeps_the_pyside_exclusion():
    text = (ROOT.parent / "pyproject.toml").read_text()
    assert re.search(r'"PySide6-Essentials[^"]*!=6\.12\.0[^"]*"', text)


@pytest.fixture
def crashing_binding(monkeypatch):
    import PySide6

    monkeypatch.setattr(PySide6, "__version__", "6.12.0")
    monkeypatch.setattr(qt_check, "_python_version", lambda: (3, 11))
    monkeypatch.setattr(qt_check.sys, "implementation", sys.implementation)


def test_pyside_6_12_0_on_python_3_11_is_refused_before_any_window(
    crashing_binding, monkeypatch, capsys
):
    made = []
    monkeypatch.setattr(MainWindow, "__init__", lambda self, *a, **k: made.append(self))
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    with pytest.raises(qt_check.QtBindingError) as info:
        app_pkg.run_gui()
    message = str(info.value)
    assert "PySide6 6.12.0" in message and "CPython 3.11" in message
    assert 'pip install "PySide6-Essentials!=6.12.0"' in message
    assert not made
    # the command line: one line, exit 2, no traceback
    assert cli.main(["gui"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("nnstudio: error: PySide6 6.12.0")
    assert "Traceback" not in err and not made


@pytest.mark.parametrize("version, python", [("6.12.0", (3, 12)), ("6.11.3", (3, 11))])
def test_other_pairs_start(monkeypatch, version, python):
    import PySide6

    monkeypatch.setattr(PySide6, "__version__", version)
    monkeypatch.setattr(qt_check, "_python_version", lambda: python)
    qt_check.check_qt_binding()  # no error
