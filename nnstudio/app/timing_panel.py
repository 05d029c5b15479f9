"""The "Timing" tab: how much faster is backprop in matrix form than in loops?

``TimingPanel`` sweeps hidden-layer widths at the depth of the current network and plots,
log-log, the seconds one gradient takes per example by the loop engine (one example at a
time), the matrix engine (one example at a time) and the matrix engine on a mini-batch,
with the speed-up factors written on the plot and every number in a table. The current
network's width is marked with a vertical line; loop-engine figures that hit the time
budget (and so are extrapolated from the examples done) get hollow markers and a star.

The measurement (``nnstudio.engine.timing``) runs in a ``_TimingWorker`` on a thread
made by :func:`nnstudio.app.threads.make_thread`; the worker checks a ``threading.Event``
between measurements and between loop-engine examples, so Cancel takes effect within
one loop example. The GUI thread only copies numbers into the plot and the table.

Every run ends with exactly one signal: ``finished()`` (completed or cancelled; see
``was_cancelled``) or ``failed(str)``. Call ``shutdown(timeout_ms)`` from the main
window's ``closeEvent``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.app.boundary_view import style_plot
from nnstudio.app.named import named
from nnstudio.app.palette import BASE_COLORS
from nnstudio.app.threads import make_thread
from nnstudio.engine.timing import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_WIDTHS,
    TimingCancelled,
    TimingRow,
    sweep,
)
from nnstudio.pipeline import MAX_UNITS
from nnstudio.text import format_seconds, parse_int_list

__all__ = ["TimingPanel"]

#: (key, legend name, colour, symbol) of the three curves, in drawing order
METHODS = (
    ("loop", "loop engine, one example", BASE_COLORS[3], "o"),  # red
    ("matrix", "matrix engine, one example", BASE_COLORS[0], "s"),  # blue
    ("batch", "matrix engine, mini-batch", BASE_COLORS[2], "t"),  # green
)

TABLE_COLUMNS = (
    "width",
    "parameters",
    "loop / example",
    "matrix / example",
    "batch / example",
    "matrix speed-up",
    "batch speed-up",
    "max |grad diff|",
)


class _TimingWorker(QObject):
    """Runs one sweep in its thread. ``rowReady(i, n, row)`` after each width,
    ``failed(str)`` on an error, ``finished()`` always, last."""

    rowReady = Signal(int, int, object)
    failed = Signal(str)
    finished = Signal()

    def __init__(self, kwargs: dict, cancel: threading.Event, done: threading.Event):
        super().__init__()
        self._kwargs = kwargs
        self._cancel = cancel
        self._done = done

    @Slot()
    def run(self) -> None:
        try:
            sweep(
                **self._kwargs,
                progress=lambda i, n, row: self.rowReady.emit(i, n, row),
                should_stop=self._cancel.is_set,
            )
        except TimingCancelled:
            pass  # the panel knows: it set the cancel event
        except Exception as exc:  # reported to the GUI, never raised in a Qt thread
            self.failed.emit(f"timing failed: {exc}")
        finally:
            self._done.set()
            self.finished.emit()


def _label(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class TimingPanel(QWidget):
    """Loop engine against matrix engine, over hidden-layer widths.

    Signals: ``finished()`` when a run ends (done or cancelled), ``failed(str)`` when it
    cannot start or breaks, ``rowAdded(object)`` with each ``TimingRow`` as it comes.
    """

    finished = Signal()
    failed = Signal(str)
    rowAdded = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("timingPanel")
        self.setAccessibleName("Timing")
        self._layer_sizes = [2, 16, 16, 2]
        self._activations = ["tanh", "tanh", "softmax"]
        self._loss = "cross_entropy"
        self._rows: list[TimingRow] = []
        self._thread: QThread | None = None
        self._worker: _TimingWorker | None = None
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._error: str | None = None
        self.was_cancelled = False
        self._build_controls()
        self._build_plot()
        self._build_table()
        layout = QVBoxLayout(self)
        layout.addLayout(self._controls)
        layout.addWidget(self.status_label)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.table, 2)
        self._update_architecture_label()
        self._set_running(False)

    # ------------------------------------------------------------------ building
    def _build_controls(self) -> None:
        self.widths_edit = named(
            QLineEdit(",".join(map(str, DEFAULT_WIDTHS))),
            "timingWidthsEdit",
            "Widths to time",
            "Hidden-layer widths to time, separated by commas",
        )
        self.batch_spin = named(
            QSpinBox(),
            "timingBatchSizeSpin",
            "Timing mini-batch size",
            "Mini-batch size of the matrix engine's batch timing",
        )
        self.batch_spin.setRange(1, 4096)
        self.batch_spin.setValue(DEFAULT_BATCH_SIZE)
        self.budget_spin = named(
            QDoubleSpinBox(),
            "timingBudgetSpin",
            "Seconds per width",
            "Time bound of each width; the loop engine is extrapolated beyond it",
        )
        self.budget_spin.setRange(0.05, 60.0)
        self.budget_spin.setDecimals(2)
        self.budget_spin.setSingleStep(0.5)
        self.budget_spin.setSuffix(" s")
        self.budget_spin.setValue(1.0)
        self.run_button = named(
            QPushButton("Run"),
            "timingRunButton",
            "Run timing",
            "Time the loop and matrix engines over the widths",
        )
        self.cancel_button = named(
            QPushButton("Cancel"), "timingCancelButton", "Cancel timing", "Stop the timing run"
        )
        self.progress_bar = named(
            QProgressBar(), "timingProgressBar", "Timing progress", "Widths timed so far"
        )
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)

        form = QFormLayout()
        form.addRow("Widths", self.widths_edit)
        row = QHBoxLayout()
        row.addWidget(QLabel("Mini-batch"))
        row.addWidget(self.batch_spin)
        row.addWidget(QLabel("Budget per width"))
        row.addWidget(self.budget_spin)
        row.addStretch(1)
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        form.addRow(row)
        form.addRow(self.progress_bar)
        self._controls = form
        self.status_label = _label("")
        self.status_label.setObjectName("timingStatusLabel")
        self.status_label.setAccessibleName("Timing status")
        self.status_label.setWordWrap(True)

    def _build_plot(self) -> None:
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("timingPlot")
        self.plot.setAccessibleName("Timing plot")
        self.plot.setAccessibleDescription(
            "Seconds per example against hidden-layer width, log-log, for each engine"
        )
        style_plot(self.plot)  # white, like the other plots (dark text must show)
        item = self.plot.getPlotItem()
        item.showButtons()
        item.setLogMode(x=True, y=True)
        item.showGrid(x=True, y=True, alpha=0.25)
        item.setLabel("bottom", "hidden-layer width")
        item.setLabel("left", "seconds per example")
        legend = item.addLegend(offset=(-10, 10), labelTextColor="k")
        legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        self.curves: dict[str, pg.PlotDataItem] = {}
        for key, name, colour, symbol in METHODS:
            self.curves[key] = self.plot.plot(
                [],
                [],
                name=name,
                pen=pg.mkPen(colour, width=2),
                symbol=symbol,
                symbolSize=7,
                symbolBrush=colour,
                symbolPen=colour,
            )
        # loop-engine points extrapolated past the time budget: hollow, larger markers
        self.extrapolated_curve = pg.PlotDataItem(
            [],
            [],
            pen=None,
            symbol="o",
            symbolSize=13,
            symbolBrush=None,
            symbolPen=pg.mkPen(METHODS[0][2], width=2),
        )
        self.plot.addItem(self.extrapolated_curve)
        self.width_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen((120, 120, 120), style=Qt.PenStyle.DashLine)
        )
        self.plot.addItem(self.width_line, ignoreBounds=True)
        self.speedup_text = pg.TextItem("", anchor=(0, 1), color=(40, 40, 40))
        self.plot.addItem(self.speedup_text, ignoreBounds=True)

    def _build_table(self) -> None:
        self.table = QTableWidget(0, len(TABLE_COLUMNS))
        self.table.setObjectName("timingTable")
        self.table.setAccessibleName("Timing table")
        self.table.setHorizontalHeaderLabels(TABLE_COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

    # ------------------------------------------------------------------ public API
    def set_architecture(
        self, layer_sizes: Sequence[int], activations: Sequence[str], loss: str
    ) -> None:
        """The current network: its depth and activations are swept, its widest hidden
        layer is marked on the plot. Takes effect at the next run."""
        sizes = [int(s) for s in layer_sizes]
        acts = list(activations)
        if len(sizes) < 2 or len(acts) != len(sizes) - 1:
            raise ValueError(f"need one activation per layer: {sizes} with {acts}")
        self._layer_sizes, self._activations, self._loss = sizes, acts, loss
        self._update_architecture_label()
        self._update_width_line()

    def layer_sizes(self) -> list[int]:
        """The current network's layer sizes, input first (its depth is swept)."""
        return list(self._layer_sizes)

    def current_width(self) -> int | None:
        """The current network's widest hidden layer, or None without hidden layers."""
        hidden = self._layer_sizes[1:-1]
        return max(hidden) if hidden else None

    def is_running(self) -> bool:
        return self._thread is not None

    def rows(self) -> list[TimingRow]:
        return list(self._rows)

    def run(self) -> bool:
        """Start a sweep over the widths in the field; False (and ``failed``) if it cannot
        start. Does nothing while a run is going."""
        if self._thread is not None:
            return False
        try:
            widths = parse_int_list(self.widths_edit.text(), what="widths", high=MAX_UNITS)
        except ValueError as exc:
            return self._fail_now(str(exc))
        hidden = self._activations[:-1]
        depth = len(hidden)
        note = ""
        if depth == 0:  # no hidden layer to widen: time one tanh hidden layer
            hidden, depth = ["tanh"], 1
            note = " (the network has no hidden layer; timing one tanh hidden layer)"
        kwargs = dict(
            widths=widths,
            depth=depth,
            n_inputs=self._layer_sizes[0],
            n_outputs=self._layer_sizes[-1],
            hidden_activation=hidden,
            output_activation=self._activations[-1],
            loss=self._loss,
            batch_size=self.batch_spin.value(),
            time_budget_per_row=self.budget_spin.value(),
        )
        self._rows = []
        self.show_rows([])
        self._error = None
        self.was_cancelled = False
        self._cancel = threading.Event()
        self._done = threading.Event()
        self.progress_bar.setRange(0, len(widths))
        self.progress_bar.setValue(0)
        self.status_label.setText(f"Timing {len(widths)} widths{note}...")

        worker = _TimingWorker(kwargs, self._cancel, self._done)
        thread = make_thread(worker, "timingThread")
        worker.rowReady.connect(self._on_row_ready)
        worker.failed.connect(self._on_worker_failed)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._worker = thread, worker
        self._set_running(True)
        thread.start()
        return True

    def cancel(self) -> None:
        """Ask the running sweep to stop; ``finished`` follows shortly."""
        if self._thread is not None:
            self._cancel.set()
            self.status_label.setText("Cancelling...")

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel any run and wait for its thread to end (for ``closeEvent``). Returns
        True if no thread is left running."""
        thread = self._thread
        if thread is None:
            return True
        self._cancel.set()
        # The worker's finished -> thread.quit connection is queued to this (blocked)
        # thread, so wait for the worker directly and quit its thread from here.
        self._done.wait(max(timeout_ms, 0) / 1000)
        thread.quit()
        ok = bool(thread.wait(max(timeout_ms, 0)))
        if ok:
            self._thread = self._worker = None
            self._set_running(False)
        return ok

    def show_rows(self, rows: Sequence[TimingRow]) -> None:
        """Display ``rows``: one point per row on each curve, and a table row each."""
        rows = list(rows)
        self._rows = rows
        x = np.array([r.width for r in rows], np.float64)
        values = {
            "loop": [r.loop_s_per_example for r in rows],
            "matrix": [r.matrix_s_per_example for r in rows],
            "batch": [r.batch_s_per_example for r in rows],
        }
        for key, curve in self.curves.items():
            curve.setData(x, np.array(values[key], np.float64))
        extra = [r for r in rows if r.extrapolated]
        self.extrapolated_curve.setData(
            np.array([r.width for r in extra], np.float64),
            np.array([r.loop_s_per_example for r in extra], np.float64),
        )
        # label the measured widths themselves (a log axis would say "6·10¹7·10¹...")
        widths = sorted({int(r.width) for r in rows if r.width > 0})
        bottom = self.plot.getPlotItem().getAxis("bottom")
        bottom.setTicks([[(math.log10(w), str(w)) for w in widths]] if widths else None)
        self._fill_table(rows)
        self._update_speedup_text()
        self._update_width_line()

    # ------------------------------------------------------------------ updates
    def _fill_table(self, rows: list[TimingRow]) -> None:
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            star = " *" if r.extrapolated else ""
            cells = (
                str(r.width),
                str(r.n_weights),
                format_seconds(r.loop_s_per_example) + star,
                format_seconds(r.matrix_s_per_example),
                format_seconds(r.batch_s_per_example),
                f"{r.matrix_speedup:,.0f}x",
                f"{r.batch_speedup:,.0f}x",
                f"{r.max_grad_diff:.1e}",
            )
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j > 0:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if j == 2 and r.extrapolated:
                    item.setToolTip(
                        f"extrapolated: the time budget ran out after {r.loop_examples} "
                        f"of {r.batch_size} loop-engine examples"
                    )
                self.table.setItem(i, j, item)

    def _annotated_row(self) -> TimingRow | None:
        """The row nearest the current network's width (else the widest)."""
        if not self._rows:
            return None
        width = self.current_width()
        if width is None:
            return self._rows[-1]
        return min(self._rows, key=lambda r: (abs(math.log(r.width / width)), -r.width))

    def _update_speedup_text(self) -> None:
        row = self._annotated_row()
        if row is None:
            self.speedup_text.setText("")
            return
        star = " (loop extrapolated)" if row.extrapolated else ""
        self.speedup_text.setText(
            f"width {row.width}: matrix {row.matrix_speedup:,.0f}x, "
            f"mini-batch {row.batch_speedup:,.0f}x faster{star}"
        )
        # the plot is log-log, so item positions are log10 of the data
        self.speedup_text.setPos(math.log10(row.width), math.log10(row.batch_s_per_example))

    def _update_width_line(self) -> None:
        width = self.current_width()
        if width is None:
            self.width_line.hide()
            return
        self.width_line.setPos(math.log10(width))
        self.width_line.show()

    def _update_architecture_label(self) -> None:
        sizes = "-".join(map(str, self._layer_sizes))
        if self._thread is None:
            self.status_label.setText(
                f"Current network {sizes} ({', '.join(self._activations)}; {self._loss}). "
                "Run times one gradient per example at each width and this depth."
            )

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for w in (self.widths_edit, self.batch_spin, self.budget_spin):
            w.setEnabled(not running)

    def _fail_now(self, message: str) -> bool:
        self.status_label.setText(message)
        self.failed.emit(message)
        return False

    # ------------------------------------------------------------------ slots
    @Slot(int, int, object)
    def _on_row_ready(self, i: int, n: int, row: TimingRow) -> None:
        self.show_rows(self._rows + [row])
        self.progress_bar.setValue(i + 1)
        if not self._cancel.is_set():
            self.status_label.setText(f"Timed width {row.width} ({i + 1} of {n})")
        self.rowAdded.emit(row)

    @Slot(str)
    def _on_worker_failed(self, message: str) -> None:
        self._error = message

    @Slot()
    def _on_thread_finished(self) -> None:
        worker = self._worker
        self.was_cancelled = bool(worker is not None and self._cancel.is_set())
        self._thread = self._worker = None
        self._set_running(False)
        if self._error is not None:
            self.status_label.setText(self._error)
            self.failed.emit(self._error)
            return
        if self.was_cancelled:
            self.status_label.setText(f"Cancelled after {len(self._rows)} widths")
        else:
            extra = any(r.extrapolated for r in self._rows)
            self.status_label.setText(
                f"Done: {len(self._rows)} widths"
                + (" (hollow markers: loop engine extrapolated past the budget)" if extra else "")
            )
        self.finished.emit()
