"""The gradient check, one click away: backprop against central differences.

``gradCheckButton`` runs :func:`nnstudio.insight.backprop_check.check_backprop` on a
worker thread (``make_thread``), for a float64 copy of the current network on a batch of
the current training data; pressing it again while it runs cancels. ``gradCheckTable``
then holds one row per dense layer, and its column "max relative error" holds that
layer's largest error as a number; one line under it says whether backprop matches.

Where the network and data come from is the caller's business: :meth:`set_source` takes
a function returning ``(net, X, Y)`` (a copy of the network, standardized inputs and the
targets the trainer uses), or a function the worker calls to make them (for example to
build the network the settings describe, when none exists yet), or raising
``LookupError`` with a message for the user.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from nnstudio.app.tables import RowsModel, make_table
from nnstudio.app.threads import make_thread
from nnstudio.errors import NnstudioError
from nnstudio.insight.backprop_check import BackpropCheck, Cancelled, check_backprop

__all__ = ["GRAD_HEADERS", "GradCheckPanel", "GradCheckWorker"]

GRAD_HEADERS = ("layer", "weights", "checked", "max relative error")
_IDLE_TEXT = "Check gradients"


class GradCheckWorker(QObject):
    """Runs one check in its thread. Signals: ``progress(float)`` (0..1, throttled to
    whole percents), ``done(object)`` with the :class:`BackpropCheck`, ``failed(str)``,
    ``cancelled()``, and ``finished()`` always, last."""

    progress = Signal(float)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, args) -> None:
        super().__init__()
        self._args = args  # (net, X, Y), or a function that returns them
        self._stop = threading.Event()
        self._last = -1

    def stop(self) -> None:
        """Thread-safe: cancel between two checked entries."""
        self._stop.set()

    def _progress(self, fraction: float) -> None:
        pct = int(fraction * 100)
        if pct != self._last:
            self._last = pct
            self.progress.emit(fraction)

    @Slot()
    def run(self) -> None:
        try:
            net, X, Y = self._args() if callable(self._args) else self._args
            rep = check_backprop(net, X, Y, should_stop=self._stop.is_set, progress=self._progress)
            self.done.emit(rep)
        except Cancelled:
            self.cancelled.emit()
        except NnstudioError as exc:  # settings that cannot build a network: say why
            self.failed.emit(f"Cannot check the gradients: {exc}")
        except Exception as exc:  # a bug: say so instead of dying silently in a thread
            self.failed.emit(f"the gradient check failed: {type(exc).__name__}: {exc}")
        finally:
            self.finished.emit()


class GradCheckPanel(QWidget):
    """Button, per-layer table and verdict line; see the module docstring.

    Signal ``checkFinished(object)``: the :class:`BackpropCheck` (None if cancelled or
    failed), after the table shows it."""

    checkFinished = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gradCheckPanel")
        self.button = QPushButton(_IDLE_TEXT)
        self.button.setObjectName("gradCheckButton")
        self.button.setAccessibleName("Check gradients")
        self.button.setToolTip(
            "Compare backprop's gradient with central differences in float64, layer by layer"
        )
        self.button.clicked.connect(self._on_clicked)
        self.progress = QProgressBar()
        self.progress.setObjectName("gradCheckProgress")
        self.progress.setAccessibleName("Gradient check progress")
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.model = RowsModel(list(GRAD_HEADERS))
        self.table = make_table(
            self.model,
            "gradCheckTable",
            "Gradient check per layer",
            "One row per dense layer: the largest relative error between backprop and "
            "central differences",
            stretch=1,
        )
        self.table.setToolTip("error = |backprop - numerical| / max(1, |backprop|, |numerical|)")
        self.verdict = QLabel("Check backprop against central differences for this network.")
        self.verdict.setObjectName("gradCheckLabel")
        self.verdict.setAccessibleName("Gradient check result")
        self.verdict.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(self.progress, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.verdict)
        lay.addWidget(self.table, 1)
        self._source: Callable | None = None
        self._worker: GradCheckWorker | None = None
        self._thread = None
        self._report: BackpropCheck | None = None

    def set_source(self, source: Callable | None) -> None:
        """``source()`` -> ``(net, X, Y)`` for the next check (see the module docstring)."""
        self._source = source

    @property
    def running(self) -> bool:
        return self._thread is not None

    def report(self) -> BackpropCheck | None:
        return self._report

    def clear(self) -> None:
        self._report = None
        self.verdict.setStyleSheet("")
        self.model.set_rows([])
        self.verdict.setText("Check backprop against central differences for this network.")

    # ----------------------------------------------------------------- running

    def _on_clicked(self) -> None:
        if self.running:
            self.cancel()
        else:
            self.start()

    def start(self) -> bool:
        """Start a check; False (with the reason in the verdict line) if there is
        nothing to check or one runs already."""
        if self.running:
            return False
        try:
            if self._source is None:
                raise LookupError("load data to check the gradients")
            args = self._source()
        except LookupError as exc:
            self.verdict.setText(str(exc)[:1].upper() + str(exc)[1:] + ".")
            return False
        worker = GradCheckWorker(args)
        thread = make_thread(worker)
        thread.setObjectName("gradCheckThread")
        worker.progress.connect(self._on_progress)
        worker.done.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        thread.finished.connect(self._on_thread_finished)
        self._worker, self._thread = worker, thread
        self.button.setText("Cancel check")
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.verdict.setText("Checking\u2026")
        thread.start()
        return True

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.stop()

    def stop_and_wait(self, timeout_ms: int = 2000) -> bool:
        """Cancel a running check and wait for its thread (closing the window)."""
        thread = self._thread
        if thread is None:
            return True
        self.cancel()
        thread.quit()
        return thread.wait(timeout_ms)

    @Slot(float)
    def _on_progress(self, fraction: float) -> None:
        self.progress.setValue(int(fraction * 100))

    @Slot(object)
    def _on_done(self, rep: BackpropCheck) -> None:
        self._report = rep
        self.model.set_rows(
            [
                (
                    c.layer + 1,
                    f"{c.fan_in} \u00d7 {c.fan_out}",
                    f"{c.checked} of {c.total}",
                    c.max_error,
                )
                for c in rep.layers
            ]
        )
        self.verdict.setText(rep.summary())
        color = "#2a7d2a" if rep.matches else "#c62828"
        self.verdict.setStyleSheet(f"QLabel {{ color: {color}; font-weight: bold; }}")
        self.checkFinished.emit(rep)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.verdict.setStyleSheet("QLabel { color: #c62828; }")
        self.verdict.setText(message)
        self.checkFinished.emit(None)

    @Slot()
    def _on_cancelled(self) -> None:
        self.verdict.setText("Gradient check cancelled.")
        self.checkFinished.emit(None)

    @Slot()
    def _on_thread_finished(self) -> None:
        self._worker = self._thread = None
        self.button.setText(_IDLE_TEXT)
        self.progress.setVisible(False)
