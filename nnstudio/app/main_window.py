"""The main window: it builds the views and connects them; it decides nothing about runs,
files or settings itself.

Where the views go: :mod:`nnstudio.app.layout`. Who does what:

- :class:`~nnstudio.app.controller.TrainingController` owns the run (state machine,
  worker and thread, session); the window forwards button presses to it and shows what
  it emits.
- :class:`~nnstudio.app.file_actions.FileActions` owns the File menu and its dialogs; the
  methods ``load_dataset``, ``export_weights``, ``import_weights``, ``save_project`` and
  ``open_project`` here do what the menus do, without file dialogs (errors go to
  :func:`nnstudio.app.dialogs.show_error`; False then, True on success).
- :class:`~nnstudio.app.recent_files.RecentFiles` owns File > Open Recent, and
  :mod:`nnstudio.app.window_state` what is remembered between sessions.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QMainWindow,
    QWidget,
)

from nnstudio.app import dialogs, window_state
from nnstudio.app.architecture import show_architecture
from nnstudio.app.best_epoch import BestEpochViews
from nnstudio.app.class_views import ClassViews
from nnstudio.app.controller import IDLE, PAUSED, RUNNING, RunEnded, TrainingController
from nnstudio.app.data_panel import DataPanel
from nnstudio.app.drops import dropped_path
from nnstudio.app.export_dialog import ExportActions
from nnstudio.app.file_actions import FileActions
from nnstudio.app.fit_view import FitView
from nnstudio.app.grad_check_panel import GradCheckPanel
from nnstudio.app.icon import app_icon
from nnstudio.app.insight_views import InsightViews
from nnstudio.app.layer_table import LayerTable
from nnstudio.app.layout import arrange
from nnstudio.app.lr_finder_panel import LrFinderPanel
from nnstudio.app.menus import build_menus, set_run_actions
from nnstudio.app.network_view import NetworkView
from nnstudio.app.playback import PlaybackBar
from nnstudio.app.plots import TrainingPlots
from nnstudio.app.recent_files import RecentFiles
from nnstudio.app.run_views import RunViews
from nnstudio.app.runs_panel import RunsPanel
from nnstudio.app.sample_controls import SampleControls
from nnstudio.app.status import StatusLabels
from nnstudio.app.surface_panel import SurfacePanel
from nnstudio.app.threads import collect_garbage_on_the_gui_thread, leave_the_gui_a_core
from nnstudio.app.timing_panel import TimingPanel
from nnstudio.app.training_panel import TrainingPanel
from nnstudio.app.unit_views import UnitViews
from nnstudio.app.window_state import SETTINGS_ENV, app_settings
from nnstudio.data.dataset import Dataset
from nnstudio.errors import NnstudioError
from nnstudio.pipeline import Session, TrainConfig

__all__ = ["SETTINGS_ENV", "MainWindow", "app_settings"]

APP_TITLE = "nnstudio"
#: closing waits this long for the current step to end; a longer step hides the window
#: and the process ends as soon as that step does
CLOSE_WAIT_MS = 1000


class MainWindow(QMainWindow):
    """The nnstudio desktop window. ``MainWindow()`` needs no arguments.

    ``closed`` is emitted when the window has really closed (its run and threads ended),
    also when that happens later than the close request (a long training step).
    """

    closed = Signal()

    def __init__(self, parent: QWidget | None = None, *, settings: QSettings | None = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_TITLE)
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self._settings = settings if settings is not None else app_settings()
        leave_the_gui_a_core()
        collect_garbage_on_the_gui_thread()
        self.controller = TrainingController(self)
        self._closing = False
        self._close_when_stopped = False
        self._output_activation: str | None = None  # pinned by an imported model
        self._task: str | None = None  # of the data shown, for the loss to follow
        self._hidden_settings = {"momentum": 0.9, "nesterov": False}
        self._wanted_tab: int | None = None  # a result tab to show once data fits it
        self._placing_tabs = False  # True while the window itself changes the tab

        self._build_widgets()
        self.files = FileActions(self)
        self.exports = ExportActions(self)
        build_menus(self)
        self.status = StatusLabels(self.statusBar())
        self.run_views = RunViews(
            self.plots, self.training_panel, self.boundary_view, self.network_view, self.status
        )
        self.epoch_label = self.status.epoch_label
        self.loss_label = self.status.loss_label
        self.speed_label = self.status.speed_label
        self.insight = InsightViews(
            self.controller,
            self.surface_panel,
            self.fit_view,
            self.class_views,
            self.unit_views,
            self.grad_check_panel,
            self.network_view,
            self,
            config=self.current_config,
        )
        self.recent = RecentFiles(self.recent_menu, self._settings, self)
        # Speed and the epoch timeline: a row between the buttons and the plots.
        self.playback = PlaybackBar(self)
        self.tabs.parentWidget().layout().insertWidget(1, self.playback)
        self.lr_finder = LrFinderPanel(self)
        self.tabs.addTab(self.lr_finder, "LR finder")
        self.runs_panel = RunsPanel(self)
        self.tabs.addTab(self.runs_panel, "Runs")
        # Noise and points of a built-in sample, under the data panel's target and task.
        self.sample_controls = SampleControls(self)
        self.data_panel.layout().insertWidget(3, self.sample_controls)
        # Keep best weights, patience, schedule; best-epoch marker; lr in the status bar.
        self.best_epoch = BestEpochViews(self)
        self.tabs.parentWidget().layout().insertWidget(1, self.best_epoch.controls)
        self._connect()
        window_state.restore(self)
        self._on_state_changed(IDLE)
        self._on_dataset_changed(self.data_panel.dataset, initial=True)

    # ================================================================ building
    def _build_widgets(self) -> None:
        self.layer_table = LayerTable()
        self.network_view = NetworkView()
        self.data_panel = DataPanel()
        self.training_panel = TrainingPanel()
        self.plots = TrainingPlots()
        self.loss_plot = self.plots.loss_plot
        self.grad_plot = self.plots.grad_plot
        self.surface_panel = SurfacePanel()
        self.boundary_view = self.surface_panel.view
        self.fit_view = FitView()
        self.class_views = ClassViews()
        self.unit_views = UnitViews()
        self.grad_check_panel = GradCheckPanel()
        self.timing_panel = TimingPanel()

        arrange(self)
        self.resize(window_state.first_size(self))

    def _connect(self) -> None:
        tp, c = self.training_panel, self.controller
        tp.train_button.clicked.connect(self.train)
        tp.pause_button.clicked.connect(self.toggle_pause)
        tp.step_button.clicked.connect(self.step)
        tp.stop_button.clicked.connect(self.stop)
        tp.reset_button.clicked.connect(self.reset)
        tp.lr_spin.valueChanged.connect(self._on_lr_changed)
        tp.epochs_spin.valueChanged.connect(c.set_epochs)
        tp.settingsChanged.connect(self._refresh_architecture)
        tp.loss_combo.currentIndexChanged.connect(self._on_loss_changed)
        self.layer_table.architectureChanged.connect(self._refresh_architecture)
        self.layer_table.message.connect(lambda m: self.show_status(m, 6000))
        tp.message.connect(lambda m: self.show_status(m, 6000))
        self.data_panel.datasetChanged.connect(self._on_dataset_changed)
        self.data_panel.datasetArriving.connect(self._show_dataset_look)
        self.data_panel.loadFailed.connect(self._on_load_failed)
        self.data_panel.valSplitChanged.connect(self._on_val_split_changed)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.tabs.tabBarClicked.connect(self._forget_wanted_tab)  # even the tab shown
        self.recent.openRequested.connect(self.files.open_recent)
        self.recent.missing.connect(
            lambda path: dialogs.show_error(self, "File not found", f"{path} no longer exists.")
        )
        c.stateChanged.connect(self._on_state_changed)
        c.sessionChanged.connect(self._on_session_changed)
        c.runStarted.connect(self.run_views.clear)
        c.runStarted.connect(self.insight.clear)
        c.progress.connect(self.run_views.show_update)
        c.diverged.connect(self._on_diverged)
        c.failed.connect(self._on_failed)
        c.runEnded.connect(self._on_run_ended)

    # ================================================================ reading
    @property
    def session(self) -> Session | None:
        """The current session (network, trainer); do not touch it while training."""
        return self.controller.session

    @property
    def state(self) -> str:
        """``idle``, ``running`` or ``paused``."""
        return self.controller.state

    @property
    def is_training(self) -> bool:
        return self.controller.is_training

    @property
    def worker(self):
        return self.controller.worker

    @property
    def settings(self) -> QSettings:
        """The settings store this window reads and writes."""
        return self._settings

    def recent_files(self) -> list[dict]:
        """``[{"kind": "dataset" | "project" | "model", "path": ...}, ...]``, newest first."""
        return self.recent.entries()

    def show_status(self, text: str, ms: int = 0) -> None:
        """A message in the status bar (``ms`` = 0: until the next one)."""
        self.statusBar().showMessage(text, ms)

    def current_config(self) -> TrainConfig:
        """The settings the controls show, as a ``TrainConfig`` (not validated)."""
        cfg = TrainConfig(
            hidden_layers=self.layer_table.hidden_layers(),
            hidden_activations=self.layer_table.activations(),
            output_activation=self._output_activation,
            **self._hidden_settings,
        )
        self.training_panel.apply_to(cfg)
        self.best_epoch.apply_to(cfg)
        cfg.val_split = float(self.data_panel.val_split())
        return cfg

    def apply_config(self, cfg: TrainConfig) -> None:
        """Show ``cfg`` in the controls (architecture, hyperparameters)."""
        self._hidden_settings = {"momentum": cfg.momentum, "nesterov": cfg.nesterov}
        self.layer_table.blockSignals(True)
        self.training_panel.blockSignals(True)
        try:
            self.layer_table.set_layers(cfg.hidden_layers, cfg.activations_for_hidden())
            self.training_panel.loss_combo.blockSignals(True)
            self.training_panel.set_from(cfg)
            self.training_panel.loss_combo.blockSignals(False)
            self.best_epoch.set_from(cfg)
        finally:
            self.layer_table.blockSignals(False)
            self.training_panel.blockSignals(False)
        self._output_activation = cfg.output_activation
        self._refresh_architecture()

    # ================================================================ training
    @Slot()
    def train(self) -> bool:
        """Start (or continue, or resume) training. False if it cannot start."""
        return self._run(self.controller.train)

    @Slot()
    def step(self) -> bool:
        """Train one epoch, then pause."""
        return self._run(self.controller.step)

    def _run(self, action) -> bool:
        self.data_panel.finish_taking_in()  # the views the run will update, current
        ds = self.data_panel.dataset
        if self.data_panel.is_loading():  # its end replaces the data and the weights
            self.show_status("Loading data: training can start once it is loaded", 6000)
            return False
        if ds is None:
            dialogs.show_error(self, "No data", "Load a dataset or pick a sample first.")
            return False
        try:  # the surface comes with the result views (InsightViews), not a grid
            return action(ds, self.current_config(), None)
        except NnstudioError as exc:
            dialogs.show_error(self, "Cannot train with these settings", str(exc))
            return False

    @Slot()
    def toggle_pause(self) -> None:
        self.controller.toggle_pause()

    @Slot()
    def stop(self) -> None:
        """Ask the run to end after the current step; the weights stay."""
        self.controller.stop()

    @Slot()
    def reset(self) -> None:
        """Stop any run and forget the weights; the next Train starts from the seed."""
        if not self.controller.reset():
            dialogs.show_error(self, "Cannot reset", "training did not stop in time")
            return
        self._refresh_architecture()
        self.show_status("Reset: the next run starts from new weights", 4000)

    @Slot(float)
    def _on_lr_changed(self, value: float) -> None:
        if self.controller.set_lr(value):
            self.show_status(f"Learning rate {value:g} from the next step", 3000)

    # ---------------------------------------------------------------- controller slots
    @Slot(str)
    def _on_state_changed(self, state: str) -> None:
        c = self.controller
        stopping = c.stopping
        running = state in (RUNNING, PAUSED)
        self.training_panel.set_state(state, stopping=stopping)
        self.best_epoch.set_running(running)
        set_run_actions(self, state, stopping)
        self.layer_table.set_editable(not running)
        self.data_panel.set_training(running)
        for act in self.files.opening_actions():
            act.setEnabled(not running)
        self.recent.set_enabled(not running)
        if running:
            self.run_views.started()
        if stopping:
            self.show_status("Stopping...")
        elif state == PAUSED:
            self.show_status("Paused")
        elif state == RUNNING:
            self.show_status("Training...", 2000)

    @Slot(object)
    def _on_session_changed(self, session: Session | None) -> None:
        if session is None:
            self.run_views.clear()
            return
        self.plots.grad_plot.set_layers(session.net.n_layers)
        if not self.controller.is_training:  # imported: show its weights now
            self._refresh_architecture()
            self.run_views.show_session(session, self.data_panel.dataset)

    @Slot(object)
    def _on_diverged(self, exc) -> None:
        if not self._closing:
            lr = getattr(exc, "lr", None)
            hint = f" (for example to {lr / 10:g}, a tenth)" if lr else " (for example to a tenth)"
            dialogs.show_error(
                self,
                "Training diverged",
                f"{exc}\n\nTraining was stopped. Lower the learning rate{hint} and train again.",
            )

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if not self._closing:
            dialogs.show_error(self, "Training stopped", message)

    @Slot(object)
    def _on_run_ended(self, ended: RunEnded) -> None:
        self.run_views.ended()
        if ended.finished:
            self.show_status(self.best_epoch.ended_text(ended), 8000)
        elif ended.stopped:
            self.show_status(f"Stopped at epoch {ended.epoch} of {ended.epochs}", 5000)
        else:
            self.statusBar().clearMessage()
        if self._close_when_stopped:
            QTimer.singleShot(0, self.close)

    # ================================================================ views
    def flush_plots(self) -> None:
        """Redraw every plot that has new numbers (end of a run, tests)."""
        self.plots.flush()

    @Slot()
    def _refresh_architecture(self) -> None:
        show_architecture(self)

    @Slot(object)
    def _on_dataset_changed(self, ds: Dataset | None, initial: bool = False) -> None:
        if not initial:
            self._output_activation = None
            if self.controller.session is not None:
                self.controller.set_session(None)
            self._loss_follows_task(ds)
        elif ds is not None:
            self._task = ds.task
        self.run_views.clear()
        self.insight.set_dataset(ds, later=self.data_panel.later)
        if initial:  # later, datasetArriving has shown it just before
            self._show_dataset_look(ds)
        self._refresh_architecture()
        if ds is None:
            return
        self.show_status(ds.describe(), 8000)
        if not initial and os.path.isfile(ds.source):
            self.recent.add("dataset", ds.source)
        if not initial:  # after the views it updates (DataPanel.later keeps the order)
            self.data_panel.later(lambda: self._adopt_held(ds))

    def _adopt_held(self, ds: Dataset) -> None:
        if self.data_panel.dataset is ds:  # not replaced meanwhile
            self.files.adopt_held(ds)

    @Slot(object)
    def _show_dataset_look(self, ds: Dataset | None) -> None:
        """What shows the data and not the weights: the title, the result tabs that fit
        it, the loss plot's metric. On ``datasetArriving``: for a loaded file a turn
        before ``datasetChanged``, which spreads the window's relayout and repaint."""
        self._show_result_tabs(ds)
        if ds is None:
            self.setWindowTitle(APP_TITLE)
            return
        # Ends with the application's display name, so Qt does not add it a second time.
        self.setWindowTitle(f"{ds.name} \u2014 {APP_TITLE}")
        self.loss_plot.set_metric(
            "accuracy" if ds.task == "classification" else "r2",
            has_val=self.data_panel.val_split() > 0,
        )

    def _show_result_tabs(self, ds: Dataset | None) -> None:
        """The surface for data with two or more features; the Fit tab for one feature
        or regression; the Classes tab for classification. A tab hidden while it was
        shown comes back as the shown tab with data it fits (unless the user picked
        another tab meanwhile)."""
        self.surface_panel.setVisible(ds is not None and ds.n_features >= 2)
        tabs = self.tabs
        fit = ds is not None and (ds.n_features == 1 or ds.task == "regression")
        classes = ds is not None and ds.task == "classification"
        shown = tabs.currentIndex()
        self._placing_tabs = True  # the tab changes below are not the user's choice
        try:
            tabs.setTabVisible(tabs.indexOf(self.fit_tab), fit)
            tabs.setTabVisible(tabs.indexOf(self.class_views), classes)
            if self._wanted_tab is None and shown >= 0 and not tabs.isTabVisible(shown):
                self._wanted_tab = shown  # back when data it fits is back
            wanted = self._wanted_tab
            if wanted is not None and tabs.isTabVisible(wanted):
                tabs.setCurrentIndex(wanted)
                self._wanted_tab = None
        finally:
            self._placing_tabs = False

    def show_tab(self, index: int) -> None:
        """Show tab ``index`` of the result tabs; a tab hidden for the current data (Fit,
        Classes) is shown once data it fits arrives, unless the user picks a tab first
        (how the last session's tab comes back)."""
        if not 0 <= index < self.tabs.count():
            return
        self._placing_tabs = True
        try:
            self.tabs.setCurrentIndex(index)
        finally:
            self._placing_tabs = False
        self._wanted_tab = None if self.tabs.isTabVisible(index) else index

    def select_unit(self, layer: int | None, unit: int | None = None) -> None:
        """Show hidden unit ``unit`` of hidden layer ``layer`` (0 = the first hidden
        layer) on ``boundaryPlot``; ``select_unit(None)`` goes back to the network's
        output. Clicking a unit in ``networkView`` does the same. Raises ``ValueError``
        for a unit the network on screen does not have."""
        if layer is None:
            self.insight.select_unit(None)
            return
        if unit is None:
            raise ValueError("select_unit(layer, unit) needs both, or None for the output")
        self.insight.select_unit((int(layer), int(unit)))

    def selected_unit(self) -> tuple[int, int] | None:
        """``(layer, unit)`` shown on the surface, or None for the network's output."""
        return self.insight.selected_unit()

    def _loss_follows_task(self, ds: Dataset | None) -> None:
        task, self._task = self._task, (ds.task if ds is not None else None)
        if ds is not None and task not in (None, ds.task):
            if self.training_panel.follow_task():
                self.show_status(f"Loss back to auto: it follows the task ({ds.task})", 6000)

    @Slot(float)
    def _on_val_split_changed(self, value: float) -> None:
        if self.data_panel.dataset is not None:
            self.loss_plot.set_metric(self.loss_plot.metric_name, has_val=value > 0)
        self._refresh_architecture()

    @Slot()
    def _on_loss_changed(self) -> None:
        self._output_activation = None  # a chosen loss decides the output layer again
        self._refresh_architecture()

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        if not self._closing:
            dialogs.show_error(self, "Cannot load the dataset", message)

    @Slot(int)
    def _forget_wanted_tab(self, _index: int = -1) -> None:
        self._wanted_tab = None

    @Slot(int)
    def _on_tab_changed(self, index: int) -> None:
        if not self._placing_tabs:  # the user chose a tab (click or keyboard)
            self._forget_wanted_tab()
        # The Timing tab measures the network on screen when it is shown with nothing to
        # show, unless a training run is using the CPU (then its Run button does it).
        tp = self.timing_panel
        if self.tabs.widget(index) is tp and not tp.rows() and not tp.is_running():
            if not self.controller.is_training:
                tp.run()

    # ================================================================ files
    def load_dataset(self, path_or_name: str | os.PathLike) -> bool:
        """Load a CSV/NPZ path or a built-in sample name into the data panel."""
        return self.files.load_dataset(path_or_name)

    def export_weights(self, path: str | os.PathLike) -> bool:
        """Write the current network and its preprocessing to a model file (.npz)."""
        return self.files.export_weights(path)

    def export_model(self, path: str | os.PathLike, fmt: str) -> bool:
        """Export the network as ``fmt`` (onnx, torch, numpy, torch-train) to ``path``."""
        return self.exports.export_model(path, fmt)

    def import_weights(self, path: str | os.PathLike) -> bool:
        """Load a model file into a new session on the current data."""
        return self.files.import_weights(path)

    def save_project(self, path: str | os.PathLike) -> bool:
        """Save architecture, dataset reference, hyperparameters and seed (.json)."""
        return self.files.save_project(path)

    def open_project(self, path: str | os.PathLike) -> bool:
        """Restore a project: data, architecture, hyperparameters and seed."""
        return self.files.open_project(path)

    # ================================================================ settings
    def restore_last_dataset(self) -> bool:
        """Load the dataset of the last session, quietly (status bar only on failure)."""
        info = window_state.last_dataset(self._settings)
        if info is None:
            return False
        try:
            self.data_panel.load(info["source"], target=info["target"], task=info["task"])
        except NnstudioError as exc:
            self.show_status(f"Could not reload the last dataset: {exc}", 8000)
            return False
        return True

    # ================================================================ events
    def closeEvent(self, event: QCloseEvent) -> None:
        self.data_panel.finish_taking_in()  # a loaded dataset fully in, before the save
        if not self._closing:
            window_state.save(self)
        self._closing = True
        self.controller.abandon()
        if not self.controller.stop_and_wait(CLOSE_WAIT_MS):
            # A step longer than the wait: hide now, close when it ends (_on_run_ended).
            self._close_when_stopped = True
            self.hide()
            event.ignore()
            return
        self.timing_panel.shutdown(CLOSE_WAIT_MS)
        self.data_panel.shutdown(CLOSE_WAIT_MS)
        self.lr_finder.shutdown(CLOSE_WAIT_MS)
        self.grad_check_panel.stop_and_wait(CLOSE_WAIT_MS)
        self.insight.wait(CLOSE_WAIT_MS)
        super().closeEvent(event)
        self.closed.emit()

    def dragEnterEvent(self, event) -> None:
        if dropped_path(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        path = dropped_path(event.mimeData())
        if not path:
            event.ignore()
            return
        event.acceptProposedAction()
        if not self.files.may_replace("Load the dropped file"):
            return
        if path.lower().endswith(".json"):
            self.open_project(path)
        else:
            self.load_dataset(path)
