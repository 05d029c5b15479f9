"""The data panel: choose a dataset, see what it holds, set the validation split.

A dataset comes from the sample combo, the "Open…" button, a file dropped on the panel,
or the main window calling :meth:`DataPanel.load`. The panel shows the size and task,
the class counts, a scatter of the data and the first rows as a table. Changing the
target column or the task reloads the same source with that setting.

Every load runs on a worker thread (:mod:`nnstudio.app.data_loader`): the panel shows a
progress bar (``loadProgressBar``) with a Cancel button (``cancelLoadButton``) while a
load takes more than a moment, and the GUI thread only does bounded work with the
result (a sample of the points, the first rows, the largest classes).

Two ways to fail, on purpose:

- :meth:`DataPanel.load` (the main window's entry point) waits for the load, processing
  events, and raises the reader's :class:`~nnstudio.errors.NnstudioError` (or
  :class:`LoadCancelled`); the caller shows the message.
- Loads the panel starts itself (combo, Open…, drop, target/task change) emit
  ``loadFailed(message)`` instead, and the main window shows the dialog.

Either way, a failed or cancelled load leaves the panel exactly as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QEventLoop, QObject, QSignalBlocker, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QWidget,
)

from nnstudio.app import data_panel_ui, data_preview
from nnstudio.app.data_loader import LoadedData, LoadWorker, class_summary
from nnstudio.app.data_panel_ui import TASK_CHOICES, VAL_SPLIT_DECIMALS, VAL_SPLIT_MAX
from nnstudio.app.data_preview import CLASS_LIST_LIMIT, PREVIEW_COLUMNS, PREVIEW_ROWS
from nnstudio.app.drops import dropped_path
from nnstudio.app.threads import make_thread, running_threads
from nnstudio.app.turns import Turns
from nnstudio.data.dataset import Dataset
from nnstudio.data.samples import SAMPLES
from nnstudio.errors import NnstudioError

__all__ = [
    "CLASS_LIST_LIMIT",
    "PREVIEW_COLUMNS",
    "PREVIEW_ROWS",
    "TASK_CHOICES",
    "DataPanel",
    "LoadCancelled",
]

#: the object name of every load's thread (``shutdown`` waits for all of them)
_LOAD_THREAD = "loadThread"

#: a load shows its progress bar once it has taken this long (ms): quick loads never flash
PROGRESS_DELAY_MS = 150

_FILE_FILTER = "Data files (*.csv *.npz);;CSV files (*.csv);;NumPy archives (*.npz);;All files (*)"


class LoadCancelled(NnstudioError):
    """The user cancelled a load; nothing changed."""


class _Request(QObject):
    """One load: receives the worker's signals in the GUI thread (queued), and holds the
    outcome for a caller that waits (:meth:`DataPanel.load`)."""

    done = Signal()

    def __init__(self, panel: DataPanel, source: str, target, task, reporting: bool):
        super().__init__(panel)
        # The panel is reached through the Qt parent, never held here: a Python
        # reference back to it would make panel and request a reference cycle, which
        # Python's collector may free on any thread, the load thread included.
        self.source, self.target, self.task = source, target, task
        self.reporting = reporting
        self.outcome: tuple | None = None

    @Slot(float)
    def on_progress(self, fraction: float) -> None:
        self.parent()._on_load_progress(self, fraction)

    @Slot(object)
    def on_loaded(self, data: LoadedData) -> None:
        self.outcome = ("loaded", data)

    @Slot(object)
    def on_failed(self, exc: Exception) -> None:
        self.outcome = ("failed", exc)

    @Slot()
    def on_cancelled(self) -> None:
        self.outcome = ("cancelled", None)

    @Slot()
    def on_finished(self) -> None:
        self.parent()._on_load_finished(self)  # emits done when the load has ended

    @Slot()
    def announce(self) -> None:
        self.parent()._announce(self)

    @Slot()
    def end(self) -> None:
        """The load has ended: a waiting :meth:`DataPanel.load` returns."""
        self.done.emit()
        self.deleteLater()


def _is_csv_source(ds: Dataset) -> bool:
    """True when the dataset came from a CSV file (the only kind with a choice of target)."""
    src = ds.source
    if src.strip().lower() in SAMPLES and not Path(src).exists():
        return False
    return Path(src).suffix.lower() not in (".npz", ".npy")


class DataPanel(QWidget):
    """Dataset chooser, summary, scatter and preview; see the module docstring."""

    #: a Dataset, after any successful load (including target/task changes)
    datasetChanged = Signal(object)
    #: a Dataset just before its ``datasetChanged`` (for a loaded file, a turn of the
    #: event loop before): views that only show it (tabs, titles, axes) get ready here
    datasetArriving = Signal(object)
    #: the one-line error message of a failed load started by the panel's widgets
    loadFailed = Signal(str)
    #: the validation split, when the user changes it
    valSplitChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataPanel")
        self.setAccessibleName("Data")
        self.setAcceptDrops(True)
        self._dataset: Dataset | None = None
        self._target: str | None = None  # as requested (None: the default column)
        self._task: str | None = None  # as requested (None: auto)
        self._columns: list[str] = []  # all columns of the current source, file order
        self._training = False
        self._summary: LoadedData | None = None
        self._request: _Request | None = None  # the load in progress
        self._worker: LoadWorker | None = None
        self._turns = Turns(self)  # a finished load's pieces of work (see ``later``)
        self._taking_in = False  # True while datasetChanged of a finished load runs
        data_panel_ui.build(self)

    # ----------------------------------------------------------------- layout

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_labels()

    def _fit_labels(self) -> None:
        """Reserve the height the wrapped labels need at the current width: the
        splitter the panel sits in ignores height-for-width, so a label's second line
        would otherwise be drawn over the widget below it."""
        m = self.layout().contentsMargins()
        width = self.width() - m.left() - m.right()  # every label spans the panel
        if width <= 0:
            return
        for lab in (
            self.datasetInfoLabel,
            self.classCountsLabel,
            self.plotNoteLabel,
            self.previewNoteLabel,
        ):
            h = lab.heightForWidth(width)
            if h > 0 and lab.minimumHeight() != h:
                lab.setMinimumHeight(h)

    # ----------------------------------------------------------------- public API

    @property
    def dataset(self) -> Dataset | None:
        """The loaded dataset, or None."""
        return self._dataset

    def load(self, source: str, target: str | None = None, task: str | None = None) -> Dataset:
        """Load ``source`` (a CSV/NPZ path or a sample name) on a worker thread, wait for
        it (processing events: the window stays responsive and Cancel works), and show it.

        Raises the reader's ``NnstudioError`` (and changes nothing) when the input is
        rejected, :class:`LoadCancelled` when the user cancelled; on success updates every
        widget, emits ``datasetChanged`` and returns the dataset.
        """
        request = self._start_load(os.fspath(source), target, task, reporting=False)
        if request.outcome is None or request is self._request:
            loop = QEventLoop()
            request.done.connect(loop.quit)
            request.destroyed.connect(loop.quit)  # the panel went away meanwhile
            if request is self._request:  # not finished yet
                loop.exec()
        kind, value = request.outcome or ("cancelled", None)
        if kind == "loaded":
            return value.dataset
        if kind == "failed":
            raise value
        raise LoadCancelled(f"loading {Path(source).name} was cancelled; nothing changed")

    def is_loading(self) -> bool:
        """True while a load runs (until ``datasetChanged``, or its failure)."""
        return self._request is not None

    def cancel_load(self) -> None:
        """Stop the load in progress while its file is read (if any); the panel keeps
        what it showed. Once read, the data is being shown: too late to cancel."""
        if self._worker is not None:
            self._worker.cancel()

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Cancel any load and wait for its thread (closing the window); True if none
        is left running."""
        self.cancel_load()
        return all(t.wait(timeout_ms) for t in running_threads(_LOAD_THREAD))

    def load_from_drop(self, path: str) -> None:
        """Start loading a file the user dropped (here or on the main window):
        ``datasetChanged`` follows, or ``loadFailed`` with the message."""
        self._load_reporting(path)

    def val_split(self) -> float:
        """The validation fraction, 0.0 to VAL_SPLIT_MAX."""
        return float(self.valSplitSpin.value())

    def set_val_split(self, value: float) -> None:
        self.valSplitSpin.setValue(float(value))

    @staticmethod
    def val_split_problem(value: float) -> str | None:
        """Why the validation box cannot hold ``value`` exactly (it would round or clamp
        it in silence), or None when it can."""
        if not 0.0 <= value <= VAL_SPLIT_MAX or round(value, VAL_SPLIT_DECIMALS) != value:
            return (
                f"validation split {value!r} cannot be set in the app (0 to {VAL_SPLIT_MAX} "
                f"in steps of {10**-VAL_SPLIT_DECIMALS:g}); edit it in the project file"
            )
        return None

    def set_training(self, training: bool) -> None:
        """Lock the dataset, target, task and split while a training run is active."""
        self._training = bool(training)
        self.valSplitSpin.setEnabled(not self._training)
        self._update_enabled()

    def scatter_items(self) -> list[pg.ScatterPlotItem]:
        """The scatter items of ``dataPlot``: one per class, or for regression one per
        colour step that holds points (one item for one feature)."""
        return self._points.items()

    # ----------------------------------------------------------------- slots

    def _load_reporting(
        self, source: str, target: str | None = None, task: str | None = None
    ) -> None:
        """Start a load whose failure is reported with ``loadFailed``."""
        self._start_load(source, target, task, reporting=True)

    def _start_load(self, source: str, target, task, reporting: bool) -> _Request:
        if self._worker is not None:  # a newer load replaces the one in progress
            self._worker.cancel()
        request = _Request(self, source, target, task, reporting)
        worker = LoadWorker(source, target, task)
        thread = make_thread(worker, _LOAD_THREAD)  # held until it has ended
        worker.progress.connect(request.on_progress)
        worker.loaded.connect(request.on_loaded)
        worker.failed.connect(request.on_failed)
        worker.cancelled.connect(request.on_cancelled)
        worker.finished.connect(request.on_finished)
        self._request, self._worker = request, worker
        self.loadProgressBar.setValue(0)
        self._progress_timer.start(PROGRESS_DELAY_MS)
        self._update_enabled()
        thread.start()
        return request

    def _show_load_row(self) -> None:
        if self._request is not None:
            name = Path(self._request.source).name
            self.loadProgressBar.setFormat(f"Loading {name}… %p%")
            self._top.setCurrentWidget(self._load_row)

    def _on_load_progress(self, request: _Request, fraction: float) -> None:
        if request is self._request:
            self.loadProgressBar.setValue(round(1000 * fraction))

    def _on_load_finished(self, request: _Request) -> None:
        current = request is self._request
        if current:
            self._worker = None
            self._progress_timer.stop()
            self._top.setCurrentIndex(0)
        kind, value = request.outcome or ("cancelled", None)
        if not current and kind == "loaded":  # replaced by a newer load: drop it
            kind = "cancelled"
            request.outcome = (kind, None)
        if kind == "loaded":
            # The data is taken in over several turns of the event loop (turns.py): the
            # panel's summary now, its scatter next, then ``datasetArriving``, then
            # ``datasetChanged`` (``is_loading()`` is False from then on; handlers may
            # queue costly drawing with :meth:`later`). The load ends, and :meth:`load`
            # returns, once all of them have run.
            ds = value.dataset
            self._take(request, value, plot=False)
            self._turns.later(lambda: self._dataset is ds and self._show_plot(ds))
            self._turns.later(lambda: self._dataset is ds and self.datasetArriving.emit(ds))
            self._turns.later(request.announce)  # no reference to the panel
            return
        if current:
            self._request = None
        self._sync_controls()  # put the combos back to the state of the old dataset
        if kind == "failed" and request.reporting:
            self.loadFailed.emit(str(value))
        request.end()

    def _announce(self, request: _Request) -> None:
        ds = request.outcome[1].dataset
        if request is self._request:
            self._request = None
            self._update_enabled()
        if ds is self._dataset:  # not replaced meanwhile (``show_dataset``)
            self._taking_in = True
            try:
                self.datasetChanged.emit(ds)
            finally:
                self._taking_in = False
        self._turns.later(request.end)

    def later(self, piece) -> None:
        """For ``datasetChanged`` handlers: while a loaded file is being taken in, run
        ``piece()`` in a later turn of the event loop, before the load ends (and before
        :meth:`load` returns); at any other time (a sample regenerated, a target
        changed in memory) run it now."""
        if self._taking_in:
            self._turns.later(piece)
        else:
            piece()

    def finish_taking_in(self) -> None:
        """Run now whatever is left of taking in a loaded file (the views' drawing
        queued with :meth:`later`): for an action that needs every view current."""
        self._turns.flush()

    def _take(self, request, data: LoadedData, plot: bool = True) -> None:
        """Make ``data`` the panel's dataset and show it (``request`` holds the target
        and task asked for; ``plot=False`` leaves the scatter to the caller), without
        ``datasetChanged``."""
        ds = data.dataset
        same_source = self._dataset is not None and self._dataset.source == ds.source
        self._dataset, self._summary = ds, data
        self._target = request.target
        self._task = request.task
        if not (same_source and set(self._columns) == {*ds.feature_names, ds.target_name}):
            self._columns = [*ds.feature_names, ds.target_name]
        self._show(ds, plot)

    def show_dataset(self, ds: Dataset, target: str | None = None, task: str | None = None) -> None:
        """Show ``ds``, made in memory (a built-in sample regenerated with another noise or
        size), as a finished load would: any load in progress is cancelled, every view
        updates and ``datasetArriving`` then ``datasetChanged`` fire (after a loaded file
        still being taken in, so every listener sees the datasets in the order they
        came)."""
        self.cancel_load()
        self._turns.flush()

        class _Made:  # the request fields _take reads
            pass

        made = _Made()
        made.target, made.task = target, task
        self._take(made, class_summary(ds))
        self.datasetArriving.emit(ds)
        self.datasetChanged.emit(ds)

    @property
    def requested_task(self) -> str | None:
        """The task chosen in ``taskCombo`` (None: auto, the data's own)."""
        return self._task

    def summary(self) -> LoadedData | None:
        """The loaded dataset with each row's class index and the class counts."""
        if self._summary is None or self._summary.dataset is not self._dataset:
            self._summary = None if self._dataset is None else class_summary(self._dataset)
        return self._summary

    def _on_dataset_chosen(self, index: int) -> None:
        if index < 0:
            return
        source = self.datasetCombo.itemData(index)
        if not source or (self._dataset is not None and source == self._dataset.source):
            return
        self._load_reporting(str(source))

    def _choose_file(self) -> str | None:
        """Ask for a file; returns the path or None when cancelled (tests replace this)."""
        start = ""
        if self._dataset is not None and Path(self._dataset.source).is_file():
            start = str(Path(self._dataset.source).parent)
        path, _ = QFileDialog.getOpenFileName(self, "Open dataset", start, _FILE_FILTER)
        return path or None

    def _on_open_clicked(self) -> None:
        path = self._choose_file()
        if path:
            self._load_reporting(path)

    def _on_target_chosen(self, index: int) -> None:
        if index < 0 or self._dataset is None:
            return
        target = self.targetCombo.itemText(index)
        if target == self._dataset.target_name:
            return
        self._load_reporting(self._dataset.source, target=target, task=self._task)

    def _on_task_chosen(self, index: int) -> None:
        if index < 0 or self._dataset is None:
            return
        task = None if index == 0 else TASK_CHOICES[index]
        if task == self._task:
            return
        self._load_reporting(self._dataset.source, target=self._target, task=task)

    # ----------------------------------------------------------------- drag and drop

    def dragEnterEvent(self, event) -> None:
        # While training the drop goes on to the main window, which asks first.
        if not self._training and dropped_path(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        path = None if self._training else dropped_path(event.mimeData())
        if not path:
            event.ignore()
            return
        event.acceptProposedAction()
        self.load_from_drop(path)

    # ----------------------------------------------------------------- showing a dataset

    def _show(self, ds: Dataset, plot: bool = True) -> None:
        self._sync_controls()
        self._show_info(ds)
        self._show_table(ds)
        if plot:
            self._show_plot(ds)
        self._fit_labels()

    def _sync_controls(self) -> None:
        """Make the combos show the current dataset's source, target and task."""
        ds = self._dataset
        with QSignalBlocker(self.datasetCombo):
            if ds is None:
                self.datasetCombo.setCurrentIndex(-1)
            else:
                self._select_source(ds)
        with QSignalBlocker(self.targetCombo):
            self.targetCombo.clear()
            if ds is not None:
                self.targetCombo.addItems(self._columns)
                self.targetCombo.setCurrentIndex(self._columns.index(ds.target_name))
        with QSignalBlocker(self.taskCombo):
            self.taskCombo.setCurrentIndex(
                0 if self._task is None else TASK_CHOICES.index(self._task)
            )
            if ds is not None:
                self.taskCombo.setItemText(0, f"auto ({ds.task})" if self._task is None else "auto")
        self._update_enabled()

    def _select_source(self, ds: Dataset) -> None:
        combo = self.datasetCombo
        index = combo.findData(ds.source)
        if 0 <= index < self._n_samples:
            # a sample: drop any file entry
            while combo.count() > self._n_samples:
                combo.removeItem(combo.count() - 1)
            combo.setCurrentIndex(index)
            return
        # a file: one entry after a separator, showing the file name
        if combo.count() == self._n_samples:
            combo.insertSeparator(self._n_samples)
            combo.addItem(ds.name, ds.source)
        else:
            combo.setItemText(combo.count() - 1, ds.name)
            combo.setItemData(combo.count() - 1, ds.source)
        combo.setItemData(combo.count() - 1, ds.source, Qt.ItemDataRole.ToolTipRole)
        combo.setCurrentIndex(combo.count() - 1)

    def _update_enabled(self) -> None:
        ds = self._dataset
        idle = not self._training and self._request is None
        free = idle and ds is not None
        self.datasetCombo.setEnabled(idle)
        self.openDatasetButton.setEnabled(idle)
        self.targetCombo.setEnabled(free and _is_csv_source(ds) and len(self._columns) > 1)
        self.taskCombo.setEnabled(free)

    def _show_info(self, ds: Dataset) -> None:
        self.datasetInfoLabel.setText(data_preview.info_text(ds))
        self.datasetInfoLabel.setToolTip(ds.source)
        counts = self.summary().class_counts if ds.task == "classification" else None
        self.classCountsLabel.setText(data_preview.class_counts_text(ds, counts))

    def _show_table(self, ds: Dataset) -> None:
        data_preview.fill_table(self.previewTable, self.previewNoteLabel, ds)

    def _show_plot(self, ds: Dataset) -> None:
        index = self.summary().class_index if ds.task == "classification" else None
        data_preview.draw_scatter(
            self.dataPlot.getPlotItem(), self._points, self.plotNoteLabel, ds, index
        )
