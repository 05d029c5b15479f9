"""The main window: the network designer and the data on the left, the training controls
and the live plots on the right, menus, a status bar, and the training thread.

Layout (one glance, left to right): *what the network is* (layer table, drawing) and
*what it learns from* (data panel); then *how it trains* (buttons and progress in one
row, the hyperparameters in two) and *what happens*: a Training tab with the decision
boundary as a large square on the left (2-D data only) and the loss and gradient-norm
plots stacked beside it, and a Timing tab with the loop-versus-matrix timing.

Threading: a run is a :class:`~nnstudio.app.worker.TrainingWorker` in a ``QThread``.
While it runs, the worker alone touches the session; this window only reads the updates
it emits and hands over a new learning rate or epoch count through the worker's
thread-safe setters. File actions that replace the session stop the run first (waiting
at most 2 s); exporting pauses it for the moment of the copy.

The methods ``load_dataset``, ``export_weights``, ``import_weights``, ``save_project``
and ``open_project`` do what the menus do, without file dialogs; they report problems
through :func:`nnstudio.app.dialogs.show_error` and return False, True on success.
"""

from __future__ import annotations

import copy
import json
import math
import os
from importlib.resources import files
from pathlib import Path

from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QLabel,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio import __version__
from nnstudio.app import dialogs
from nnstudio.app.boundary_view import BoundaryView
from nnstudio.app.data_panel import DataPanel
from nnstudio.app.layer_table import LayerTable
from nnstudio.app.network_view import NetworkView
from nnstudio.app.plots import TrainingPlots
from nnstudio.app.timing_panel import TimingPanel
from nnstudio.app.training_panel import IDLE, PAUSED, RUNNING, TrainingPanel
from nnstudio.app.worker import TrainingUpdate, TrainingWorker, make_thread
from nnstudio.data.dataset import Dataset
from nnstudio.data.errors import DataError
from nnstudio.data.loaders import load_dataset as read_dataset
from nnstudio.data.preprocessing import encode_labels
from nnstudio.engine.network import parameter_count
from nnstudio.io.model_file import ModelFileError, load_model, save_model
from nnstudio.io.project import ProjectFileError, load_project
from nnstudio.io.project import save_project as write_project
from nnstudio.pipeline import (
    ConfigError,
    Session,
    TrainConfig,
    build_session,
    config_for_model,
    layer_sizes,
    model_problem,
    output_layer,
    session_from_model,
    session_key,
)

__all__ = ["SETTINGS_ENV", "MainWindow", "app_settings"]

#: environment variable naming an INI file to use instead of the user's settings
SETTINGS_ENV = "NNSTUDIO_SETTINGS_PATH"
ORGANIZATION = "nnstudio"
APPLICATION = "nnstudio"
#: the window icon, in ``nnstudio/app/icons/``
ICON_FILE = "nnstudio.svg"
MAX_RECENT = 8
#: the longest a file action or closing waits for a run to stop
STOP_TIMEOUT_MS = 2000
#: the decision surface is drawn right away (outside a run) only below this many
#: multiply-adds; bigger networks wait for the next training update
SYNC_SURFACE_MACS = 3e8
#: layers in the run's weight copies for the network drawing at most (parameters)
MAX_DRAWN_PARAMETERS = 20_000_000
#: the Training tab: smallest side of the decision-boundary view, the narrowest the
#: plots beside it get, and the largest share of the tab's width the (square) boundary
#: view takes by itself
BOUNDARY_MIN = 220
PLOTS_MIN_WIDTH = 280
BOUNDARY_SHARE = 0.55
#: saved splitter positions carry this version; positions saved by an older layout
#: (e.g. the boundary view as a sliver) are ignored
LAYOUT_VERSION = 2
#: while training, one plot is redrawn per frame of this many ms (each plot at half that
#: rate), so a frame never pays for painting both plots at once
FRAME_MS = 33


def app_settings() -> QSettings:
    """The settings store: the INI file named by ``$NNSTUDIO_SETTINGS_PATH`` if set (tests
    and portable setups), else the platform's user settings for nnstudio/nnstudio."""
    path = os.environ.get(SETTINGS_ENV)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(
        QSettings.Format.NativeFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def _icon() -> QIcon:
    """The app icon, shipped inside the package (``nnstudio/app/icons``); an empty icon
    if it is missing. Works from a source tree, a wheel and a zipped install alike."""
    try:
        resource = files("nnstudio.app").joinpath("icons", ICON_FILE)
        if isinstance(resource, Path):
            return QIcon(str(resource)) if resource.is_file() else QIcon()
        data = resource.read_bytes()  # not a plain file (e.g. inside a zip): render it
    except (OSError, ModuleNotFoundError):
        return QIcon()
    pixmap = QPixmap()
    if not pixmap.loadFromData(data, "SVG"):
        return QIcon()
    return QIcon(pixmap)


class BoundarySplitter(QSplitter):
    """The Training tab: ``boundary`` on the left, ``plots`` on the right.

    Until the user drags the handle, the boundary view is kept square, as tall as the
    tab and at most ``BOUNDARY_SHARE`` of its width; neither side can be collapsed.
    When the boundary view is hidden (data that is not 2-D) the plots take the space.
    """

    def __init__(self, boundary: QWidget, plots: QWidget, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.addWidget(boundary)
        self.addWidget(plots)
        self.setChildrenCollapsible(False)
        self.setCollapsible(0, False)
        self.setCollapsible(1, False)
        self.setStretchFactor(0, 0)
        self.setStretchFactor(1, 1)
        self.auto_fit = True  # False once the user places the handle
        self.splitterMoved.connect(self._on_moved)
        boundary.installEventFilter(self)

    def _on_moved(self, *_args) -> None:
        self.auto_fit = False

    def fit(self) -> None:
        """Make the boundary view square (unless the user placed the handle)."""
        boundary = self.widget(0)
        if not self.auto_fit or boundary.isHidden():
            return
        width = self.width() - self.handleWidth()
        if width <= 0:
            return
        side = min(self.height(), int(width * BOUNDARY_SHARE))
        side = max(side, boundary.minimumWidth())
        self.setSizes([side, max(width - side, 1)])

    def restore(self, state) -> bool:
        """Restore a saved handle position (the user's choice: no more auto fit)."""
        if not self.restoreState(state):
            return False
        self.auto_fit = False
        return True

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.widget(0) and event.type() == QEvent.Type.Show:
            QTimer.singleShot(0, self, self.fit)  # once the splitter has made room
        return super().eventFilter(watched, event)


class MainWindow(QMainWindow):
    """The nnstudio desktop window. ``MainWindow()`` needs no arguments."""

    def __init__(self, parent: QWidget | None = None, *, settings: QSettings | None = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("nnstudio")
        self.setWindowIcon(_icon())
        self.setAcceptDrops(True)
        self._settings = settings if settings is not None else app_settings()
        self._session: Session | None = None
        self._session_key: str | None = None
        self._pending_key: str | None = None
        self._worker: TrainingWorker | None = None
        self._thread = None
        self._state = IDLE
        self._stopping = False
        self._run_id = 0
        self._closing = False
        self._close_when_stopped = False
        self._output_activation: str | None = None  # pinned by an imported model
        self._hidden_settings = {"momentum": 0.9, "nesterov": False}
        self._last_report = None
        self._recent: list[dict] = []

        self._frame = QTimer(self)
        self._frame.setObjectName("plotFrameTimer")
        self._frame.setInterval(FRAME_MS)
        self._frame.timeout.connect(self._on_frame)
        self._next_plot = 0

        self._build_widgets()
        self._build_actions()
        self._build_menus()
        self._build_status_bar()
        self._connect()
        self._restore_settings()
        self._set_state(IDLE)
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
        self.boundary_view = BoundaryView()
        self.timing_panel = TimingPanel()

        net_box = QGroupBox("Network")
        net_box.setObjectName("networkGroup")
        nl = QVBoxLayout(net_box)
        net_split = QSplitter(Qt.Orientation.Vertical)
        net_split.setObjectName("networkSplitter")
        net_split.addWidget(self.layer_table)
        net_split.addWidget(self.network_view)
        net_split.setChildrenCollapsible(False)
        nl.addWidget(net_split)

        data_box = QGroupBox("Data")
        data_box.setObjectName("dataGroup")
        dl = QVBoxLayout(data_box)
        dl.addWidget(self.data_panel)

        self.left_splitter = QSplitter(Qt.Orientation.Vertical)
        self.left_splitter.setObjectName("leftSplitter")
        self.left_splitter.addWidget(net_box)
        self.left_splitter.addWidget(data_box)
        self.left_splitter.setChildrenCollapsible(False)

        # The decision boundary is what people come for: a large square on the left,
        # the loss and gradient-norm plots stacked on the right.
        self.boundary_view.setMinimumSize(BOUNDARY_MIN, BOUNDARY_MIN)
        self.plots.setMinimumWidth(PLOTS_MIN_WIDTH)
        self.training_split = BoundarySplitter(self.boundary_view, self.plots)
        self.training_split.setObjectName("trainingSplitter")

        self.tabs = QTabWidget()
        self.tabs.setObjectName("plotTabs")
        self.tabs.setAccessibleName("Plots")
        self.tabs.addTab(self.training_split, "Training")
        self.tabs.addTab(self.timing_panel, "Timing")

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.training_panel)
        rl.addWidget(self.tabs, 1)

        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.left_splitter)
        self.main_splitter.addWidget(right)
        self.main_splitter.setStretchFactor(0, 2)
        self.main_splitter.setStretchFactor(1, 5)
        self.main_splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.main_splitter)
        self.resize(1280, 800)

    def _action(self, text: str, name: str, shortcut=None, slot=None, tip: str = "") -> QAction:
        act = QAction(text, self)
        act.setObjectName(name)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        if slot is not None:
            act.triggered.connect(slot)
        return act

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        a = self._action
        self.open_dataset_action = a(
            "&Open Dataset...",
            "openDatasetAction",
            K.Open,
            self._ask_open_dataset,
            "Load a CSV or NPZ file",
        )
        self.open_project_action = a(
            "Open &Project...",
            "openProjectAction",
            "Ctrl+Shift+O",
            self._ask_open_project,
            "Open a saved project (.json)",
        )
        self.save_project_action = a(
            "&Save Project...",
            "saveProjectAction",
            K.Save,
            self._ask_save_project,
            "Save the architecture, data and settings as a project (.json)",
        )
        self.export_action = a(
            "&Export Weights...",
            "exportWeightsAction",
            "Ctrl+E",
            self._ask_export,
            "Save the trained network as a model file (.npz)",
        )
        self.import_action = a(
            "&Import Weights...",
            "importWeightsAction",
            "Ctrl+I",
            self._ask_import,
            "Load a model file (.npz) into the current session",
        )
        self.quit_action = a("&Quit", "quitAction", "Ctrl+Q", self.close, "Quit nnstudio")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.train_action = a("&Train", "trainAction", "F5", self.train, "Train the network")
        self.pause_action = a(
            "&Pause", "pauseAction", "F6", self.toggle_pause, "Pause or resume training"
        )
        self.step_action = a(
            "&Step One Epoch", "stepAction", "F10", self.step, "Train one epoch, then pause"
        )
        self.stop_action = a(
            "St&op", "stopAction", "Shift+F5", self.stop, "Stop training, keep the weights"
        )
        self.reset_action = a(
            "&Reset", "resetAction", "Ctrl+R", self.reset, "New weights from the seed"
        )
        self.about_action = a("&About nnstudio", "aboutAction", K.HelpContents, self._about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)

    def _build_menus(self) -> None:
        mb = self.menuBar()
        file_menu = mb.addMenu("&File")
        file_menu.setObjectName("fileMenu")
        file_menu.addAction(self.open_dataset_action)
        file_menu.addAction(self.open_project_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("recentMenu")
        file_menu.addSeparator()
        file_menu.addAction(self.save_project_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        train_menu = mb.addMenu("&Train")
        train_menu.setObjectName("trainMenu")
        for act in (
            self.train_action,
            self.pause_action,
            self.step_action,
            self.stop_action,
        ):
            train_menu.addAction(act)
        train_menu.addSeparator()
        train_menu.addAction(self.reset_action)
        help_menu = mb.addMenu("&Help")
        help_menu.setObjectName("helpMenu")
        help_menu.addAction(self.about_action)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.epoch_label = QLabel("")
        self.epoch_label.setObjectName("epochStatusLabel")
        self.loss_label = QLabel("")
        self.loss_label.setObjectName("lossStatusLabel")
        self.speed_label = QLabel("")
        self.speed_label.setObjectName("speedStatusLabel")
        # Fixed widths: a label whose text changes 30 times a second must not make the
        # whole window lay itself out again each time.
        fm = self.fontMetrics()
        for lab, sample in (
            (self.epoch_label, "Epoch 1000000/1000000"),
            (self.loss_label, "loss 0.0001234 (val 0.0001234), val accuracy 100.0%"),
            (self.speed_label, "12,345,678 samples/s"),
        ):
            lab.setFixedWidth(fm.horizontalAdvance(sample) + 12)
            sb.addPermanentWidget(lab)

    def _connect(self) -> None:
        tp = self.training_panel
        tp.train_button.clicked.connect(self.train)
        tp.pause_button.clicked.connect(self.toggle_pause)
        tp.step_button.clicked.connect(self.step)
        tp.stop_button.clicked.connect(self.stop)
        tp.reset_button.clicked.connect(self.reset)
        tp.lr_spin.valueChanged.connect(self._on_lr_changed)
        tp.epochs_spin.valueChanged.connect(self._on_epochs_changed)
        tp.settingsChanged.connect(self._on_settings_changed)
        tp.loss_combo.currentIndexChanged.connect(self._on_loss_changed)
        self.layer_table.architectureChanged.connect(self._refresh_architecture)
        self.layer_table.message.connect(lambda m: self.statusBar().showMessage(m, 6000))
        self.data_panel.datasetChanged.connect(self._on_dataset_changed)
        self.data_panel.loadFailed.connect(self._on_load_failed)
        self.data_panel.valSplitChanged.connect(self._on_val_split_changed)
        self.tabs.currentChanged.connect(self._on_tab_changed)

    @Slot(int)
    def _on_tab_changed(self, index: int) -> None:
        # The Timing tab measures the network on screen when it is shown with nothing to
        # show, unless a training run is using the CPU (then its Run button does it).
        tp = self.timing_panel
        if (
            self.tabs.widget(index) is tp
            and not tp.rows()
            and not tp.is_running()
            and self._state == IDLE
        ):
            tp.run()

    # ================================================================ state
    @property
    def session(self) -> Session | None:
        """The current session (network, trainer); do not touch it while training."""
        return self._session

    @property
    def state(self) -> str:
        """``idle``, ``running`` or ``paused``."""
        return self._state

    @property
    def is_training(self) -> bool:
        return self._thread is not None

    @property
    def worker(self) -> TrainingWorker | None:
        return self._worker

    def current_config(self) -> TrainConfig:
        """The settings the controls show, as a ``TrainConfig`` (not validated)."""
        cfg = TrainConfig(
            hidden_layers=self.layer_table.hidden_layers(),
            hidden_activations=self.layer_table.activations(),
            output_activation=self._output_activation,
            **self._hidden_settings,
        )
        self.training_panel.apply_to(cfg)
        cfg.val_split = float(self.data_panel.val_split())
        return cfg

    def _set_state(self, state: str) -> None:
        self._state = state
        has_session = self._session is not None
        self.training_panel.set_state(state, has_session=has_session)
        running = state in (RUNNING, PAUSED)
        stopping = self._stopping
        self.train_action.setEnabled(state != RUNNING and not stopping)
        self.train_action.setText("&Resume" if state == PAUSED else "&Train")
        self.pause_action.setEnabled(running and not stopping)
        self.pause_action.setText("&Resume" if state == PAUSED else "&Pause")
        self.step_action.setEnabled(state != RUNNING and not stopping)
        self.stop_action.setEnabled(running and not stopping)
        if stopping:
            for b in (
                self.training_panel.train_button,
                self.training_panel.pause_button,
                self.training_panel.step_button,
                self.training_panel.stop_button,
            ):
                b.setEnabled(False)
        self.layer_table.set_editable(not running)
        self.data_panel.set_training(running)
        for act in (self.open_dataset_action, self.open_project_action, self.import_action):
            act.setEnabled(not running)

    # ================================================================ training
    @Slot()
    def train(self) -> bool:
        """Start (or continue, or resume) training. Returns False if it cannot start."""
        if self._state == PAUSED and self._worker is not None:
            self._worker.resume()
            self._set_state(RUNNING)
            return True
        if self._thread is not None:
            return self._state == RUNNING
        return self._start(pause_after_epoch=False)

    @Slot()
    def step(self) -> bool:
        """Train one epoch, then pause."""
        if self._state == PAUSED and self._worker is not None:
            self._worker.step_epoch()
            self._set_state(RUNNING)
            return True
        if self._thread is not None:
            return False
        return self._start(pause_after_epoch=True)

    @Slot()
    def toggle_pause(self) -> None:
        if self._worker is None or self._stopping:
            return
        if self._state == RUNNING:
            self._worker.pause()
            self._set_state(PAUSED)
            self.statusBar().showMessage("Paused", 3000)
        elif self._state == PAUSED:
            self._worker.resume()
            self._set_state(RUNNING)

    @Slot()
    def stop(self) -> None:
        """Ask the run to end after the current step; the weights stay."""
        if self._worker is None:
            return
        self._worker.stop()
        self._stopping = True
        self._set_state(self._state)
        self.statusBar().showMessage("Stopping...", 3000)

    @Slot()
    def reset(self) -> None:
        """Stop any run and forget the weights; the next Train starts from the seed."""
        self._stop_and_wait()
        self._session = None
        self._session_key = None
        self._clear_run_views()
        self._refresh_architecture()
        self.statusBar().showMessage("Reset: the next run starts from new weights", 4000)

    def _start(self, *, pause_after_epoch: bool) -> bool:
        ds = self.data_panel.dataset
        if ds is None:
            dialogs.show_error(self, "No data", "Load a dataset or pick a sample first.")
            return False
        cfg = self.current_config()
        try:
            cfg.validate()
            output_layer(ds, cfg)
        except ConfigError as exc:
            dialogs.show_error(self, "Cannot train with these settings", str(exc))
            return False
        key = session_key(ds, cfg)
        session = self._session if self._session_key == key else None
        if session is not None:
            session.trainer.lr = cfg.learning_rate
            session.trainer.epochs = cfg.epochs
            if session.trainer.done:
                session = None
        self._run_id += 1
        grid = self.boundary_view.grid() if ds.n_features == 2 else None
        if grid is not None and len(grid) == 0:
            grid = None
        n_params = parameter_count(layer_sizes(ds, cfg))
        kwargs = dict(
            grid=grid,
            send_weights=n_params <= MAX_DRAWN_PARAMETERS,
            pause_after_epoch=pause_after_epoch,
        )
        if session is None:
            self._session = None
            self._session_key = None
            self._clear_run_views()
            frozen = copy.deepcopy(cfg)
            worker = TrainingWorker(factory=lambda: build_session(ds, frozen), **kwargs)
        else:
            worker = TrainingWorker(session, **kwargs)
        worker.run_id = self._run_id
        self._pending_key = key
        worker.sessionReady.connect(self._on_session_ready)
        worker.progress.connect(self._on_progress)
        worker.pausedChanged.connect(self._on_paused_changed)
        worker.failed.connect(self._on_failed)
        thread = make_thread(worker)
        thread.finished.connect(self._on_thread_finished)
        self._worker, self._thread = worker, thread
        self._stopping = False
        self._frame.start()
        self._set_state(RUNNING)
        self.statusBar().showMessage("Training...", 2000)
        thread.start()
        return True

    def _stop_and_wait(self, timeout_ms: int = STOP_TIMEOUT_MS) -> bool:
        """Stop the run and wait for its thread; deliver its last signals. True if no
        run is left."""
        thread, worker = self._thread, self._worker
        if thread is None:
            return True
        worker.stop()
        self._stopping = True
        # worker.finished -> thread.quit is queued to this (busy) thread: quit directly.
        thread.quit()
        if not thread.wait(timeout_ms):
            return False
        # Deliver what the worker emitted before it ended (updates, failure, finished).
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        if self._thread is thread:  # the queued finished signal had not arrived yet
            self._on_thread_finished()
        return True

    # ---------------------------------------------------------------- worker slots
    @Slot(object)
    def _on_session_ready(self, session: Session) -> None:
        self._session = session
        self._session_key = self._pending_key
        self.grad_plot.set_layers(session.net.n_layers)

    @Slot(object)
    def _on_progress(self, update: TrainingUpdate) -> None:
        if getattr(update, "run_id", self._run_id) != self._run_id:
            return
        # The numbers go into the plots' series now; the curves follow at the next frame.
        if update.epoch_reports:
            self.loss_plot.add_epochs(update.epoch_reports, redraw=False)
            self._last_report = update.epoch_reports[-1]
        if len(update.steps):
            self.grad_plot.add_steps(update.steps, update.grad_norms, redraw=False)
        if update.final:
            self.flush_plots()
        self.training_panel.set_progress(update.progress)
        if update.surface is not None and self.boundary_view.isVisible():
            try:
                self.boundary_view.set_surface(update.surface)
            except (ValueError, RuntimeError):
                pass  # the grid changed since the run started; the next run fixes it
        if update.weights is not None:
            self.network_view.set_weights(update.weights)
        self._show_numbers(update)

    @Slot()
    def _on_frame(self) -> None:
        """Redraw one dirty plot (the next in turn); paints of the two never add up."""
        plots = (self.loss_plot, self.grad_plot)
        for k in range(len(plots)):
            plot = plots[(self._next_plot + k) % len(plots)]
            if plot.dirty:
                plot.redraw()
                self._next_plot = (self._next_plot + k + 1) % len(plots)
                return

    def flush_plots(self) -> None:
        """Redraw every plot that has new numbers (end of a run, tests)."""
        for plot in (self.loss_plot, self.grad_plot):
            if plot.dirty:
                plot.redraw()

    def _show_numbers(self, update: TrainingUpdate) -> None:
        self.epoch_label.setText(f"Epoch {update.epoch}/{update.epochs}")
        rep = self._last_report
        if rep is not None:
            text = f"loss {rep.train_loss:.4g}"
            if rep.val_loss is not None:
                text += f" (val {rep.val_loss:.4g})"
            metric = rep.val_metric if rep.val_metric is not None else rep.train_metric
            which = "val " if rep.val_metric is not None else ""
            if rep.metric_name == "accuracy":
                text += f", {which}accuracy {metric:.1%}"
            else:
                text += f", {which}R\u00b2 {metric:.3f}"
            self.loss_label.setText(text)
        elif math.isfinite(update.batch_loss):
            self.loss_label.setText(f"batch loss {update.batch_loss:.4g}")
        if math.isfinite(update.samples_per_second):
            self.speed_label.setText(f"{update.samples_per_second:,.0f} samples/s")

    @Slot(bool)
    def _on_paused_changed(self, paused: bool) -> None:
        if self._thread is None or self._stopping:
            return
        want = PAUSED if paused else RUNNING
        # The worker pauses by itself after a Step; follow it. A pause the GUI asked
        # for is already shown, and a stale "paused" after a resume is ignored.
        if paused and self._worker is not None and self._worker.is_paused:
            self._set_state(want)
        elif not paused and self._worker is not None and not self._worker.is_paused:
            self._set_state(want)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self._closing:
            return
        if "diverged" in message:
            dialogs.show_error(
                self,
                "Training diverged",
                message + "\n\nTraining was stopped. Lower the learning rate (for example to a "
                "tenth) and train again.",
            )
        else:
            dialogs.show_error(self, "Training stopped", message)

    @Slot()
    def _on_thread_finished(self) -> None:
        self._frame.stop()
        self.flush_plots()
        self._thread = None
        self._worker = None
        self._stopping = False
        self._set_state(IDLE)
        s = self._session
        if s is not None and s.trainer.done:
            self.statusBar().showMessage(f"Finished {s.trainer.epoch} epochs", 5000)
        if self._close_when_stopped:
            QTimer.singleShot(0, self.close)

    # ---------------------------------------------------------------- live settings
    @Slot(float)
    def _on_lr_changed(self, value: float) -> None:
        if self._worker is not None:
            self._worker.set_lr(value)
            self.statusBar().showMessage(f"Learning rate {value:g} from the next step", 3000)

    @Slot(int)
    def _on_epochs_changed(self, value: int) -> None:
        if self._worker is not None:
            self._worker.set_epochs(value)

    @Slot()
    def _on_settings_changed(self) -> None:
        self._refresh_architecture()

    @Slot(float)
    def _on_val_split_changed(self, value: float) -> None:
        ds = self.data_panel.dataset
        if ds is not None:
            self.loss_plot.set_metric(self.loss_plot.metric_name, has_val=value > 0)

    @Slot()
    def _on_loss_changed(self) -> None:
        self._output_activation = None  # a chosen loss decides the output layer again
        self._refresh_architecture()

    # ================================================================ views
    def _clear_run_views(self) -> None:
        self.plots.clear_history()
        self.training_panel.set_progress(0.0)
        self.network_view.clear_weights()
        self.boundary_view.clear_surface()
        self._last_report = None
        for lab in (self.epoch_label, self.loss_label, self.speed_label):
            lab.setText("")

    @Slot()
    def _refresh_architecture(self) -> None:
        """Show the table's network (with the data's input and output layers) in the
        drawing, the timing tab and the output label."""
        ds = self.data_panel.dataset
        hidden = self.layer_table.hidden_layers()
        acts = self.layer_table.activations()
        if ds is None:
            self.layer_table.set_input(None)
            self.layer_table.set_output(None)
            self.network_view.set_architecture([], [])
            return
        cfg = self.current_config()
        self.layer_table.set_input(ds.n_features, ds.feature_names)
        try:
            units, out_act, loss = output_layer(ds, cfg)
        except ConfigError as exc:
            self.layer_table.set_output(None)
            self.layer_table.output_label.setText(f"Output: {exc}")
            return
        if ds.task == "classification":
            detail = ", ".join(str(c) for c in ds.classes[:6])
            detail = f"classes {detail}" + (", ..." if len(ds.classes) > 6 else "")
        else:
            detail = f"target {ds.target_name}"
        self.layer_table.set_output(units, out_act, f"{detail}; loss {loss}")
        sizes = [ds.n_features, *hidden, units]
        all_acts = [*acts, out_act]
        session = self._session
        shows_session = (
            session is not None
            and session.net.layer_sizes == sizes
            and session.net.activations == all_acts
        )
        if self.network_view.layer_sizes() != sizes or not shows_session:
            self.network_view.set_architecture(sizes, all_acts)
        else:
            self.network_view.set_architecture(sizes, all_acts)
            self.network_view.set_weights(session.net.weights)
        if ds.task == "classification":
            self.network_view.set_output_classes(ds.classes if units == len(ds.classes) else None)
        self.timing_panel.set_architecture(sizes, all_acts, loss)

    @Slot(object)
    def _on_dataset_changed(self, ds: Dataset | None, initial: bool = False) -> None:
        if not initial:
            self._session = None
            self._session_key = None
            self._output_activation = None
        self._clear_run_views()
        if ds is None:
            self.boundary_view.setVisible(False)
            self._refresh_architecture()
            return
        self.setWindowTitle(f"nnstudio \u2013 {ds.name}")
        self.loss_plot.set_metric(
            "accuracy" if ds.task == "classification" else "r2",
            has_val=self.data_panel.val_split() > 0,
        )
        if ds.n_features == 2:
            if ds.task == "classification":
                labels = encode_labels(ds.y, ds.classes)
                self.boundary_view.set_points(ds.X, labels, ds.classes)
            else:
                y = ds.y.reshape(ds.n_samples, -1)[:, 0]
                self.boundary_view.set_points(ds.X, y, None)
            self.boundary_view.setVisible(True)
        else:
            self.boundary_view.setVisible(False)
        self._refresh_architecture()
        self.statusBar().showMessage(ds.describe(), 8000)
        if not initial and os.path.isfile(ds.source):
            self._add_recent("dataset", ds.source)

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        if not self._closing:
            dialogs.show_error(self, "Cannot load the dataset", message)

    def _show_session_weights(self) -> None:
        """After an import: weights in the drawing, the surface on the boundary view."""
        s = self._session
        if s is None:
            return
        self._refresh_architecture()
        self.network_view.set_weights(s.net.weights)
        ds = self.data_panel.dataset
        grid = self.boundary_view.grid()
        if ds is not None and ds.n_features == 2 and len(grid):
            macs = len(grid) * sum(
                a * b for a, b in zip(s.net.layer_sizes[:-1], s.net.layer_sizes[1:])
            )
            if macs <= SYNC_SURFACE_MACS:
                self.boundary_view.set_surface(s.output(grid))

    # ================================================================ files
    def load_dataset(self, path_or_name: str | os.PathLike) -> bool:
        """Load a CSV/NPZ path or a built-in sample name into the data panel."""
        if not self._stop_and_wait():
            dialogs.show_error(self, "Cannot load the dataset", "training did not stop in time")
            return False
        source = os.fspath(path_or_name)
        try:
            self.data_panel.load(source)
        except DataError as exc:
            dialogs.show_error(self, "Cannot load the dataset", str(exc))
            return False
        return True

    def export_weights(self, path: str | os.PathLike) -> bool:
        """Write the current network and its preprocessing to a model file (.npz)."""
        session = self._session
        if session is None:
            dialogs.show_error(
                self,
                "Nothing to export",
                "There are no trained weights yet: train the network (or import weights) first.",
            )
            return False
        worker = self._worker
        try:
            if worker is not None and not worker.is_stopping:
                model = worker.read_paused(lambda: session.model(exported_by="nnstudio app"))
            else:
                self._stop_and_wait()
                model = session.model(exported_by="nnstudio app")
        except TimeoutError as exc:
            dialogs.show_error(self, "Cannot export the weights", str(exc))
            return False
        try:
            save_model(model, path)
        except ModelFileError as exc:
            dialogs.show_error(self, "Cannot export the weights", str(exc))
            return False
        self._add_recent("model", os.fspath(path))
        self.statusBar().showMessage(f"Weights saved to {os.fspath(path)}", 5000)
        return True

    def import_weights(self, path: str | os.PathLike) -> bool:
        """Load a model file into a new session on the current data (the layer table
        follows the model's architecture). The data must have the model's features."""
        title = "Cannot import the weights"
        try:
            model = load_model(path)
        except ModelFileError as exc:
            dialogs.show_error(self, title, str(exc))
            return False
        ds = self.data_panel.dataset
        source = model.extra.get("dataset")
        if ds is None and isinstance(source, str):
            try:
                ds = read_dataset(source)
            except DataError:
                ds = None
        if ds is None:
            dialogs.show_error(self, title, "Load the dataset the model was trained on first.")
            return False
        problem = model_problem(model, ds)
        if problem:
            dialogs.show_error(self, title, f"{Path(path).name}: {problem}")
            return False
        try:
            cfg = config_for_model(self.current_config(), model, ds)
            session = session_from_model(ds, cfg, model)
        except (ConfigError, DataError, ValueError) as exc:
            dialogs.show_error(self, title, f"{Path(path).name}: {exc}")
            return False
        if not self._stop_and_wait():
            dialogs.show_error(self, title, "training did not stop in time")
            return False
        if ds is not self.data_panel.dataset:
            try:
                self.data_panel.load(ds.source)
            except DataError as exc:
                dialogs.show_error(self, title, str(exc))
                return False
            cfg = config_for_model(self.current_config(), model, self.data_panel.dataset)
            session = session_from_model(self.data_panel.dataset, cfg, model)
            ds = self.data_panel.dataset
        self._apply_config(cfg)
        self._session = session
        self._session_key = session_key(ds, self.current_config())
        self._clear_run_views()
        self.grad_plot.set_layers(session.net.n_layers)
        self._show_session_weights()
        self._add_recent("model", os.fspath(path))
        self.statusBar().showMessage(f"Weights loaded from {Path(path).name}", 5000)
        return True

    def save_project(self, path: str | os.PathLike) -> bool:
        """Save architecture, dataset reference, hyperparameters and seed (.json)."""
        ds = self.data_panel.dataset
        title = "Cannot save the project"
        if ds is None:
            dialogs.show_error(self, title, "Load a dataset first: a project refers to one.")
            return False
        cfg = self.current_config()
        try:
            cfg.validate()
            write_project(
                path,
                {"source": ds.source, "target": ds.target_name, "task": ds.task},
                cfg.to_dict(),
            )
        except (ConfigError, ProjectFileError) as exc:
            dialogs.show_error(self, title, str(exc))
            return False
        self._add_recent("project", os.fspath(path))
        self.statusBar().showMessage(f"Project saved to {os.fspath(path)}", 5000)
        return True

    def open_project(self, path: str | os.PathLike) -> bool:
        """Restore a project: data, architecture, hyperparameters and seed. Training
        again gives the same curve."""
        title = "Cannot open the project"
        try:
            doc = load_project(path)
            cfg = TrainConfig.from_dict(doc["config"])
        except ProjectFileError as exc:
            dialogs.show_error(self, title, str(exc))
            return False
        except ConfigError as exc:
            dialogs.show_error(self, title, f"{Path(path).name}: {exc}")
            return False
        info = doc["dataset"]
        target, task = info.get("target"), info.get("task")
        try:
            ds = read_dataset(info["source"], target=target, task=task)  # check first
            output_layer(ds, cfg)
        except (DataError, ConfigError) as exc:
            dialogs.show_error(self, title, f"{Path(path).name}: {exc}")
            return False
        if not self._stop_and_wait():
            dialogs.show_error(self, title, "training did not stop in time")
            return False
        try:
            self.data_panel.load(info["source"], target=target, task=task)
        except DataError as exc:
            dialogs.show_error(self, title, str(exc))
            return False
        self.data_panel.set_val_split(cfg.val_split)
        self._apply_config(cfg)
        self._session = None
        self._session_key = None
        self._clear_run_views()
        self._refresh_architecture()
        self._add_recent("project", os.fspath(path))
        self.statusBar().showMessage(f"Opened project {Path(path).name}", 5000)
        return True

    def _apply_config(self, cfg: TrainConfig) -> None:
        """Show ``cfg`` in the controls (architecture, hyperparameters)."""
        self._hidden_settings = {"momentum": cfg.momentum, "nesterov": cfg.nesterov}
        self.layer_table.blockSignals(True)
        self.training_panel.blockSignals(True)
        try:
            self.layer_table.set_layers(cfg.hidden_layers, cfg.activations_for_hidden())
            self.training_panel.loss_combo.blockSignals(True)
            self.training_panel.set_from(cfg)
            self.training_panel.loss_combo.blockSignals(False)
        finally:
            self.layer_table.blockSignals(False)
            self.training_panel.blockSignals(False)
        self._output_activation = cfg.output_activation
        self._refresh_architecture()

    # ---------------------------------------------------------------- dialogs
    def _ask_open_dataset(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open dataset", self._last_dir(), "Data (*.csv *.npz *.txt *.tsv);;All files (*)"
        )
        if path:
            self._remember_dir(path)
            self.load_dataset(path)

    def _ask_open_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", self._last_dir(), "nnstudio project (*.json);;All files (*)"
        )
        if path:
            self._remember_dir(path)
            self.open_project(path)

    def _ask_save_project(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save project", self._last_dir(), "nnstudio project (*.json)"
        )
        if path:
            if not path.lower().endswith(".json"):
                path += ".json"
            self._remember_dir(path)
            self.save_project(path)

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export weights", self._last_dir(), "nnstudio model (*.npz)"
        )
        if path:
            if not path.lower().endswith(".npz"):
                path += ".npz"
            self._remember_dir(path)
            self.export_weights(path)

    def _ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import weights", self._last_dir(), "nnstudio model (*.npz);;All files (*)"
        )
        if path:
            self._remember_dir(path)
            self.import_weights(path)

    def _about(self) -> None:
        dialogs.show_info(
            self,
            "About nnstudio",
            f"<h3>nnstudio {__version__}</h3>"
            "<p>Design, train and understand multilayer perceptrons. Backpropagation in "
            "matrix form over whole mini-batches, on NumPy, with live plots.</p>"
            "<p>Shortcuts: F5 train, F6 pause/resume, F10 one epoch, Shift+F5 stop, "
            "Ctrl+R reset.</p><p>MIT licence.</p>",
        )

    def _last_dir(self) -> str:
        return str(self._settings.value("lastDir", "", str) or "")

    def _remember_dir(self, path: str) -> None:
        self._settings.setValue("lastDir", str(Path(path).parent))

    # ---------------------------------------------------------------- recent files
    def _add_recent(self, kind: str, path: str) -> None:
        path = os.path.abspath(path)
        self._recent = [r for r in self._recent if r["path"] != path]
        self._recent.insert(0, {"kind": kind, "path": path})
        del self._recent[MAX_RECENT:]
        self._settings.setValue("recentFiles", json.dumps(self._recent))
        self._rebuild_recent_menu()

    def recent_files(self) -> list[dict]:
        """``[{"kind": "dataset" | "project" | "model", "path": ...}, ...]``, newest first."""
        return [dict(r) for r in self._recent]

    def _rebuild_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        for i, entry in enumerate(self._recent):
            name = Path(entry["path"]).name
            act = menu.addAction(f"&{i + 1} {name} ({entry['kind']})")
            act.setToolTip(entry["path"])
            act.setStatusTip(entry["path"])
            act.triggered.connect(lambda _=False, e=dict(entry): self._open_recent(e))
        if self._recent:
            menu.addSeparator()
            menu.addAction("Clear list", self._clear_recent)
        menu.setEnabled(bool(self._recent))

    def _open_recent(self, entry: dict) -> None:
        kind, path = entry["kind"], entry["path"]
        if not os.path.exists(path):
            self._recent = [r for r in self._recent if r["path"] != path]
            self._settings.setValue("recentFiles", json.dumps(self._recent))
            self._rebuild_recent_menu()
            dialogs.show_error(self, "File not found", f"{path} no longer exists.")
            return
        {"dataset": self.load_dataset, "project": self.open_project, "model": self.import_weights}[
            kind
        ](path)

    def _clear_recent(self) -> None:
        self._recent = []
        self._settings.setValue("recentFiles", "[]")
        self._rebuild_recent_menu()

    # ---------------------------------------------------------------- settings
    def _restore_settings(self) -> None:
        s = self._settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = s.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        if s.value("window/layoutVersion", 0, int) == LAYOUT_VERSION:
            for split in (self.main_splitter, self.left_splitter):
                st = s.value(f"window/{split.objectName()}")
                if isinstance(st, QByteArray):
                    split.restoreState(st)
            st = s.value(f"window/{self.training_split.objectName()}")
            if isinstance(st, QByteArray):
                self.training_split.restore(st)
        try:
            self._recent = [
                r
                for r in json.loads(s.value("recentFiles", "[]", str) or "[]")
                if isinstance(r, dict) and {"kind", "path"} <= set(r)
            ]
        except (ValueError, TypeError):
            self._recent = []
        self._rebuild_recent_menu()
        text = s.value("training/config", "", str)
        if text:
            try:
                cfg = TrainConfig.from_dict(json.loads(text))
            except (ValueError, ConfigError):
                cfg = None
            if cfg is not None:
                self._apply_config(cfg)
                self.data_panel.set_val_split(cfg.val_split)
        self.plots.log_check.setChecked(s.value("plots/logScale", False, bool))
        self.tabs.setCurrentIndex(int(s.value("window/tab", 0, int)))

    def _save_settings(self) -> None:
        s = self._settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/layoutVersion", LAYOUT_VERSION)
        for split in (self.main_splitter, self.left_splitter):
            s.setValue(f"window/{split.objectName()}", split.saveState())
        key = f"window/{self.training_split.objectName()}"
        if self.training_split.auto_fit:
            s.remove(key)  # keep fitting the boundary view to the window
        else:
            s.setValue(key, self.training_split.saveState())
        s.setValue("window/tab", self.tabs.currentIndex())
        s.setValue("plots/logScale", self.plots.log_check.isChecked())
        cfg = self.current_config()
        s.setValue("training/config", json.dumps(cfg.to_dict()))
        ds = self.data_panel.dataset
        if ds is not None:
            s.setValue(
                "data/last",
                json.dumps({"source": ds.source, "target": ds.target_name, "task": ds.task}),
            )
        s.sync()

    def restore_last_dataset(self) -> bool:
        """Load the dataset of the last session, quietly (status bar only on failure)."""
        text = self._settings.value("data/last", "", str)
        if not text:
            return False
        try:
            info = json.loads(text)
            self.data_panel.load(info["source"], target=info.get("target"), task=info.get("task"))
        except (ValueError, KeyError, TypeError, DataError) as exc:
            self.statusBar().showMessage(f"Could not reload the last dataset: {exc}", 8000)
            return False
        return True

    # ================================================================ events
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing:
            self._save_settings()
        self._closing = True
        if not self._stop_and_wait(STOP_TIMEOUT_MS):
            # A single step longer than the timeout: hide now, close when it ends.
            self._close_when_stopped = True
            self.hide()
            event.ignore()
            return
        self.timing_panel.shutdown(STOP_TIMEOUT_MS)
        super().closeEvent(event)

    def dragEnterEvent(self, event) -> None:
        if _local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        files = _local_files(event.mimeData())
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        path = files[0]
        if path.lower().endswith(".json"):
            self.open_project(path)
            return
        if not self._stop_and_wait():
            return
        self.data_panel.load_from_drop(path)


def _local_files(mime) -> list[str]:
    if mime is None or not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]
