"""The learning-rate finder tab: ``lrFinderButton``, ``lrFinderPlot``,
``useSuggestedLrButton``.

The button runs :func:`nnstudio.engine.lr_finder.lr_range_test` on a worker thread, on a
copy of the network that Train would start from (the window's data and settings, weights
from the seed), exactly as ``nnstudio lr-find`` does with the same settings, so both give
the same suggestion. The network on screen and its training are never touched.

``lrFinderPlot`` holds the smoothed loss against the learning rate on a log x axis (its
curve's ``xData`` are the rates; pyqtgraph's ``getData()`` returns their log10, as for
any log axis) with the suggested rate marked by a vertical line and a point on the
curve. ``useSuggestedLrButton`` puts the suggestion into ``learningRateSpin``.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nnstudio.app.threads import make_thread
from nnstudio.data.dataset import Dataset
from nnstudio.engine.lr_finder import RangeTest
from nnstudio.pipeline import TrainConfig, range_test

__all__ = ["LrFinderPanel"]


class _RangeWorker(QObject):
    done = Signal(object)
    failed = Signal(str)
    finished = Signal()

    def __init__(self, ds: Dataset, cfg: TrainConfig) -> None:
        super().__init__()
        self._ds, self._cfg = ds, copy.deepcopy(cfg)

    @Slot()
    def run(self) -> None:
        try:
            self.done.emit(range_test(self._ds, self._cfg))
        except Exception as exc:  # a ConfigError, a diverged sweep: one line for the user
            self.failed.emit(" ".join(str(exc).split()) or type(exc).__name__)
        finally:
            self.finished.emit()


class LrFinderPanel(QWidget):
    """The range test for ``window``'s data and settings; ``resultReady(RangeTest)``."""

    resultReady = Signal(object)

    def __init__(self, window, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lrFinderPanel")
        self._w = window
        self.run_button = QPushButton("Find learning rate")
        self.run_button.setObjectName("lrFinderButton")
        self.run_button.setAccessibleName("Find a learning rate")
        self.run_button.setToolTip(
            "Train a copy of the starting network for a few hundred steps while the "
            "learning rate grows from 1e-6 to 10, and suggest a rate"
        )
        self.use_button = QPushButton("Use suggested rate")
        self.use_button.setObjectName("useSuggestedLrButton")
        self.use_button.setAccessibleName("Use the suggested learning rate")
        self.use_button.setToolTip("Put the suggested rate into the learning-rate box")
        self.use_button.setEnabled(False)
        self.info = QLabel("Sweeps the learning rate on a copy of the network; training is "
                           "not touched.")  # fmt: skip
        self.info.setObjectName("lrFinderInfo")
        self.info.setWordWrap(True)

        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("lrFinderPlot")
        self.plot.setAccessibleName("Loss against learning rate")
        pi = self.plot.getPlotItem()
        pi.setLogMode(x=True, y=False)
        pi.setLabel("bottom", "learning rate")
        pi.setLabel("left", "smoothed loss")
        pi.setMenuEnabled(False)
        self.curve = pi.plot([], [], pen=pg.mkPen("#1f77b4", width=2), name="loss")
        self.point = pg.ScatterPlotItem(size=10, brush=pg.mkBrush("#d62728"), pen=None)
        pi.addItem(self.point)
        self.marker = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#d62728"))
        self.marker.setVisible(False)
        pi.addItem(self.marker, ignoreBounds=True)

        top = QHBoxLayout()
        top.addWidget(self.run_button)
        top.addWidget(self.use_button)
        top.addWidget(self.info, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)

        self.result: RangeTest | None = None
        self._thread: QThread | None = None
        self._worker: _RangeWorker | None = None
        self.run_button.clicked.connect(self.run)
        self.use_button.clicked.connect(self.use_suggestion)

    def is_running(self) -> bool:
        return self._thread is not None

    @Slot()
    def run(self) -> bool:
        """Start the range test for the current data and settings (False if it cannot)."""
        ds = self._w.data_panel.dataset
        if ds is None or self._thread is not None:
            return False
        worker = _RangeWorker(ds, self._w.current_config())
        worker.done.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        thread = make_thread(worker, "lrFinderThread")
        thread.finished.connect(self._on_thread_finished)
        self._worker, self._thread = worker, thread
        self.run_button.setEnabled(False)
        self.info.setText("Sweeping the learning rate...")
        thread.start()
        return True

    def shutdown(self, timeout_ms: int) -> None:
        """Wait for a running sweep (closing the window); it is short."""
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(timeout_ms)

    @Slot(object)
    def _on_done(self, result: RangeTest) -> None:
        self.show_result(result)

    def show_result(self, result: RangeTest) -> None:
        self.result = result
        lr = np.asarray(result.lr, np.float64)
        loss = np.asarray(result.loss, np.float64)
        self.curve.setData(lr, loss)
        i = int(np.argmin(np.abs(np.log10(lr) - math.log10(result.suggested_lr))))
        self.point.setData([math.log10(result.suggested_lr)], [loss[i]])
        self.marker.setValue(math.log10(result.suggested_lr))
        self.marker.setVisible(True)
        self.use_button.setEnabled(True)
        self.info.setText(
            f"Suggested learning rate {result.suggested_lr:.3g} (a tenth of the rate with "
            f"the lowest loss); {len(lr)} steps from {lr[0]:.3g} to {lr[-1]:.3g}, "
            f"{result.stopped}."
        )
        self.resultReady.emit(result)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.info.setText(f"The range test failed: {message}")

    @Slot()
    def _on_thread_finished(self) -> None:
        self._thread = self._worker = None
        self.run_button.setEnabled(True)

    @Slot()
    def use_suggestion(self) -> bool:
        """Put the suggested rate into ``learningRateSpin`` (clamped to its range)."""
        if self.result is None:
            return False
        spin = self._w.training_panel.lr_spin
        spin.setValue(min(max(self.result.suggested_lr, spin.minimum()), spin.maximum()))
        return True
