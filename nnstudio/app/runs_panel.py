"""The Runs tab: ``runsTable``, one row per training run, to compare runs.

A run is everything trained from one set of fresh weights: it starts when Train builds a
new network (the controller's ``runStarted``) and its row is updated whenever training
ends (``runEnded``) or an earlier epoch is restored, so Stop then Train keeps one row.
Columns come from :func:`nnstudio.runs.table` (the settings, then the final and the best
metrics).
Column 0 is checkable (``Qt.CheckStateRole``): a checked run's training-loss curve is
overlaid in ``lossPlot`` in a colour of its own, named "run N" in the plot's legend.
**Compare** lists the settings in which two runs differ (the two selected rows, else the
two first checked runs); **Export CSV...** writes the table (:func:`nnstudio.runs.write_csv`).
The runs are saved in the project file and come back with it.
"""

from __future__ import annotations

import os

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from nnstudio.errors import NnstudioError
from nnstudio.runs import Run, differences, format_value, run_from_trainer, table, write_csv

__all__ = ["RunsModel", "RunsPanel", "run_colour"]


def run_colour(number: int) -> QColor:
    """The colour of run ``number``'s curve: nine well-separated hues, then again darker."""
    return pg.intColor(number - 1, hues=9, values=2, maxValue=230, minValue=150)


class RunsModel(QAbstractTableModel):
    """Rows = runs; column 0 (the run number) is checkable. ``checkedChanged(Run)``."""

    checkedChanged = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._runs: list[Run] = []
        self._headers, self._rows = table([])

    def runs(self) -> list[Run]:
        return list(self._runs)

    def set_runs(self, runs: list[Run]) -> None:
        self.beginResetModel()
        self._runs = list(runs)
        self._headers, self._rows = table(self._runs)
        self.endResetModel()

    def upsert(self, run: Run) -> None:
        """Add ``run``, or replace the row of the run with its number (keeping its check)."""
        for i, r in enumerate(self._runs):
            if r.number == run.number:
                run.checked = r.checked
                self._runs[i] = run
                self._headers, self._rows = table(self._runs)
                self.dataChanged.emit(self.index(i, 0), self.index(i, self.columnCount() - 1))
                return
        n = len(self._runs)
        self.beginInsertRows(QModelIndex(), n, n)
        self._runs.append(run)
        self._headers, self._rows = table(self._runs)
        self.endInsertRows()

    # -- Qt model -------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None

    def flags(self, index):
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        run = self._runs[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.CheckStateRole and index.column() == 0:
            return Qt.CheckState.Checked if run.checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0 and run.checked:
            return run_colour(run.number)
        if role == Qt.ItemDataRole.ToolTipRole:
            return ", ".join(f"{k} {format_value(v)}" for k, v in run.settings.items())
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != 0:
            return False
        run = self._runs[index.row()]
        state = value.value if hasattr(value, "value") else value
        checked = int(state) == Qt.CheckState.Checked.value
        if checked == run.checked:
            return True
        run.checked = checked
        self.dataChanged.emit(index, index)
        self.checkedChanged.emit(run)
        return True


class RunsPanel(QWidget):
    """The runs of ``window``'s controller, their overlays in ``window.loss_plot``."""

    def __init__(self, window, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runsPanel")
        self._w = window
        self.model = RunsModel(self)
        self.view = QTableView()
        self.view.setObjectName("runsTable")
        self.view.setAccessibleName("Runs")
        self.view.setToolTip("One row per run; check runs to overlay their loss curves")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.compare_button = QPushButton("Compare")
        self.compare_button.setObjectName("compareRunsButton")
        self.compare_button.setAccessibleName("Compare two runs")
        self.compare_button.setToolTip(
            "The settings in which the two selected runs (else the first two checked) differ"
        )
        self.export_button = QPushButton("Export CSV...")
        self.export_button.setObjectName("exportRunsButton")
        self.export_button.setAccessibleName("Export the runs table as CSV")
        self.diff_label = QLabel("Select or check two runs and press Compare.")
        self.diff_label.setObjectName("runsDiffLabel")
        self.diff_label.setWordWrap(True)
        self.diff_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QHBoxLayout()
        buttons.addWidget(self.compare_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.diff_label)

        self._overlays: dict[int, pg.PlotDataItem] = {}
        self._current: int | None = None  # the number of the run the session belongs to
        self.model.checkedChanged.connect(self._on_checked)
        self.compare_button.clicked.connect(self.compare)
        self.export_button.clicked.connect(self._ask_export)
        c = window.controller
        c.runStarted.connect(self._on_run_started)
        c.runEnded.connect(self._on_run_ended)
        # A restored epoch is where the run now ends: its row follows.
        window.playback.restored.connect(self._on_run_ended)

    # ------------------------------------------------------------------ runs
    def runs(self) -> list[Run]:
        return self.model.runs()

    def set_runs(self, runs: list[Run]) -> None:
        """Replace the runs (a project was opened); their checks and overlays with them."""
        for number in list(self._overlays):
            self._remove_overlay(number)
        self._current = None
        self.model.set_runs(runs)
        for run in runs:
            if run.checked:
                self._add_overlay(run)

    @Slot()
    def _on_run_started(self) -> None:
        numbers = [r.number for r in self.model.runs()]
        self._current = max(numbers, default=0) + 1

    @Slot(object)
    def _on_run_ended(self, _ended) -> None:
        session = self._w.controller.session
        if session is None or not session.trainer.history:
            return
        if self._current is None:  # an imported network trained on: a run of its own
            self._on_run_started()
        settings = {"dataset": session.dataset.name, **session.config.to_dict()}
        acts = session.config.activations_for_hidden()
        settings["activation"] = acts[0] if len(set(acts)) == 1 else "-".join(acts)
        settings["lr"] = session.config.learning_rate
        run = run_from_trainer(self._current, settings, session.trainer)
        self.model.upsert(run)
        if run.checked:
            self._add_overlay(run)

    # ------------------------------------------------------------------ overlays
    @Slot(object)
    def _on_checked(self, run: Run) -> None:
        if run.checked:
            self._add_overlay(run)
        else:
            self._remove_overlay(run.number)

    def overlay(self, number: int) -> pg.PlotDataItem | None:
        """The loss curve of run ``number`` in ``lossPlot``, if it is checked."""
        return self._overlays.get(number)

    def _add_overlay(self, run: Run) -> None:
        self._remove_overlay(run.number)
        x = np.arange(1, run.epochs_done + 1, dtype=np.float64)
        y = np.array([np.nan if v is None else v for v in run.train_loss], np.float64)
        pen = pg.mkPen(run_colour(run.number), width=1.5)
        item = pg.PlotDataItem(x, y, pen=pen, name=f"run {run.number}")
        item.setZValue(-1)  # under the live curves
        self._w.loss_plot.getPlotItem().addItem(item)
        self._overlays[run.number] = item

    def _remove_overlay(self, number: int) -> None:
        item = self._overlays.pop(number, None)
        if item is not None:
            self._w.loss_plot.getPlotItem().removeItem(item)

    # ------------------------------------------------------------------ compare, export
    def _pair(self) -> list[Run]:
        runs = self.model.runs()
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        if len(rows) == 2:
            return [runs[r] for r in rows]
        return [r for r in runs if r.checked][:2]

    @Slot()
    def compare(self) -> list[tuple]:
        """Show (and return) the settings in which the two chosen runs differ."""
        pair = self._pair()
        if len(pair) != 2:
            self.diff_label.setText("Select two rows (or check two runs) to compare them.")
            return []
        a, b = pair
        diff = differences(a, b)
        if not diff:
            self.diff_label.setText(f"Runs {a.number} and {b.number} have the same settings.")
        else:
            parts = [f"{k}: {format_value(va)} \u2192 {format_value(vb)}" for k, va, vb in diff]
            self.diff_label.setText(f"Run {a.number} \u2192 run {b.number}: " + "; ".join(parts))
        return diff

    def export_csv(self, path: str | os.PathLike) -> bool:
        """Write the table as CSV; an error goes to a dialog (False)."""
        from nnstudio.app import dialogs

        try:
            write_csv(self.model.runs(), path)
        except (NnstudioError, OSError) as exc:
            dialogs.show_error(self._w, "Cannot export the runs", str(exc))
            return False
        self._w.show_status(f"Runs exported to {os.fspath(path)}", 5000)
        return True

    @Slot()
    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self._w, "Export runs", "runs.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path if path.lower().endswith(".csv") else path + ".csv")
