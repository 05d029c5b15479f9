"""The File menu: open a dataset or a project, save a project, export and import weights,
with their file dialogs.

Each action has a method that does it without a dialog (``load_dataset``,
``open_project``, ``save_project``, ``export_weights``, ``import_weights``; the main
window offers them under the same names). Each checks everything it can before it
changes anything, reports any :class:`~nnstudio.errors.NnstudioError` through
:func:`nnstudio.app.dialogs.show_error` and returns False, leaving the data, the network
and the weights as they were; True on success. They stop a running training first
(``export_weights`` only pauses it for the moment of the copy).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow

from nnstudio.app import dialogs
from nnstudio.app.data_panel import LoadCancelled
from nnstudio.app.sample_controls import parse_project_fields
from nnstudio.app.window_state import last_dir, remember_dir
from nnstudio.data.loaders import load_dataset as read_dataset
from nnstudio.errors import NnstudioError
from nnstudio.io.model_file import load_model, save_model
from nnstudio.io.project import load_project
from nnstudio.io.project import save_project as write_project
from nnstudio.pipeline import (
    ConfigError,
    TrainConfig,
    config_for_model,
    model_problem,
    output_layer,
    session_from_model,
)
from nnstudio.runs import runs_from_json

__all__ = ["FileActions"]

DATA_FILTER = "Data (*.csv *.npz *.txt *.tsv);;All files (*)"
PROJECT_FILTER = "nnstudio project (*.json)"
MODEL_FILTER = "nnstudio model (*.npz)"
NOT_STOPPED = "training did not stop in time"
LOADING = "A dataset is loading: wait until it is shown (or press Cancel), then try again."


def _named(exc: Exception, path) -> str:
    """The error's line, starting with the file's name unless it names it already."""
    text = str(exc)
    name = Path(path).name
    return text if name in text else f"{name}: {text}"


class FileActions(QObject):
    """The File menu's actions and what they do, for ``window``."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.w = window
        #: a model imported with no data to put it on (see ``_hold``), or None
        self.held = None
        K = QKeySequence.StandardKey
        a = self._action
        self.open_dataset_action = a(
            "&Open Dataset...", "openDatasetAction", K.Open, self.ask_open_dataset,
            "Load a CSV or NPZ file",
        )  # fmt: skip
        self.open_project_action = a(
            "Open &Project...", "openProjectAction", "Ctrl+Shift+O", self.ask_open_project,
            "Open a saved project (.json)",
        )  # fmt: skip
        self.save_project_action = a(
            "&Save Project...", "saveProjectAction", K.Save, self.ask_save_project,
            "Save the architecture, data and settings as a project (.json)",
        )  # fmt: skip
        self.export_action = a(
            "&Export Weights...", "exportWeightsAction", "Ctrl+E", self.ask_export,
            "Save the trained network as a model file (.npz)",
        )  # fmt: skip
        self.import_action = a(
            "&Import Weights...", "importWeightsAction", "Ctrl+I", self.ask_import,
            "Load a model file (.npz) into the current session",
        )  # fmt: skip

    def _action(self, text, name, shortcut, slot, tip) -> QAction:
        act = QAction(text, self.w)
        act.setObjectName(name)
        act.setShortcut(QKeySequence(shortcut))
        act.setStatusTip(tip)
        act.setToolTip(tip)
        act.triggered.connect(slot)
        return act

    def opening_actions(self) -> tuple[QAction, ...]:
        """The actions that replace the data or the session (disabled while training)."""
        return (self.open_dataset_action, self.open_project_action, self.import_action)

    def _fail(self, title: str, message: str) -> bool:
        dialogs.show_error(self.w, title, message)
        return False

    def _stop(self) -> bool:
        """Stop any run (and finish drawing a dataset just loaded): False if the run
        did not stop."""
        self.w.data_panel.finish_taking_in()
        return self.w.controller.stop_and_wait()

    # ------------------------------------------------------------------ the actions
    def load_dataset(self, path_or_name: str | os.PathLike) -> bool:
        """Load a CSV/NPZ path or a built-in sample name into the data panel."""
        title = "Cannot load the dataset"
        if not self._stop():
            return self._fail(title, NOT_STOPPED)
        try:
            self.w.data_panel.load(os.fspath(path_or_name))
        except LoadCancelled:
            return False  # the user pressed Cancel: nothing to report
        except NnstudioError as exc:
            return self._fail(title, str(exc))
        return True

    def export_weights(self, path: str | os.PathLike) -> bool:
        """Write the current network and its preprocessing to a model file (.npz)."""
        title = "Cannot export the weights"
        self.w.data_panel.finish_taking_in()
        if self.w.controller.session is None and self.held is not None:
            try:
                save_model(self.held, path)
            except NnstudioError as exc:
                return self._fail(title, str(exc))
            self.w.recent.add("model", path)
            self.w.show_status(f"Weights saved to {os.fspath(path)}", 5000)
            return True
        if self.w.controller.session is None:
            return self._fail(
                "Nothing to export",
                "There are no trained weights yet: train the network (or import weights) first.",
            )
        try:
            model = self.w.controller.read_session(lambda s: s.model(exported_by="nnstudio app"))
        except TimeoutError as exc:
            return self._fail(title, str(exc))
        try:
            save_model(model, path)
        except NnstudioError as exc:
            return self._fail(title, str(exc))
        self.w.recent.add("model", path)
        self.w.show_status(f"Weights saved to {os.fspath(path)}", 5000)
        return True

    def import_weights(self, path: str | os.PathLike) -> bool:
        """Load a model file into a new session on the current data (the layer table
        follows the model's architecture). The data must have the model's features; with
        no data loaded, the dataset the model names is loaded."""
        title = "Cannot import the weights"
        w = self.w
        w.data_panel.finish_taking_in()  # the views the new session updates, current
        if w.data_panel.is_loading():  # its end would replace the data and the weights
            return self._fail(title, LOADING)
        try:
            model = load_model(path)
            ds = w.data_panel.dataset
            source = model.extra.get("dataset")
            if ds is None and isinstance(source, str):
                try:
                    ds = read_dataset(source)
                except NnstudioError:
                    ds = None
            if ds is None:
                return self._hold(model, path)
            problem = model_problem(model, ds)
            if problem:
                return self._fail(title, f"{Path(path).name}: {problem}")
            cfg = config_for_model(w.current_config(), model, ds)
            session = session_from_model(ds, cfg, model)
        except NnstudioError as exc:
            return self._fail(title, _named(exc, path))
        if not self._stop():
            return self._fail(title, NOT_STOPPED)
        if ds is not w.data_panel.dataset:
            try:
                ds = w.data_panel.load(ds.source)
                cfg = config_for_model(w.current_config(), model, ds)
                session = session_from_model(ds, cfg, model)
            except NnstudioError as exc:
                return self._fail(title, _named(exc, path))
        w.apply_config(cfg)
        w.controller.set_session(session, ds, w.current_config())
        w.recent.add("model", path)
        w.show_status(f"Weights loaded from {Path(path).name}", 5000)
        return True

    def _hold(self, model, path) -> bool:
        """No data to put the weights on (none loaded, and the model names none that can
        be read): keep the model, show its architecture, and put it on the next dataset
        loaded if that has the model's features and classes (see :meth:`adopt_held`).
        Export writes a held model back as it is."""
        if not self._stop():
            return self._fail("Cannot import the weights", NOT_STOPPED)
        net = model.net
        cfg = self.w.current_config()
        cfg.hidden_layers = [int(n) for n in net.layer_sizes[1:-1]]
        cfg.hidden_activations = list(net.activations[:-1])
        cfg.loss = net.loss
        cfg.dtype = str(net.dtype)
        cfg.output_activation = net.activations[-1]
        self.w.apply_config(cfg)
        self.held = model
        self.w.recent.add("model", path)
        features = ", ".join(model.feature_names[:6]) + (
            ", ..." if len(model.feature_names) > 6 else ""
        )
        self.w.show_status(
            f"Weights loaded from {Path(path).name}; load data with the features "
            f"{features} to use them"
        )
        return True

    def adopt_held(self, ds) -> None:
        """Put a held model (see :meth:`_hold`) on ``ds``, just loaded, when it fits;
        either way the model is no longer held."""
        model, self.held = self.held, None
        if model is None or ds is None or model_problem(model, ds):
            return
        w = self.w
        sizes, acts = model.net.layer_sizes[1:-1], model.net.activations[:-1]
        if w.layer_table.hidden_layers() != sizes or w.layer_table.activations() != acts:
            return  # the person has designed another network since
        try:
            cfg = config_for_model(w.current_config(), model, ds)
            session = session_from_model(ds, cfg, model)
        except NnstudioError:
            return
        w.apply_config(cfg)
        w.controller.set_session(session, ds, w.current_config())
        w.show_status(f"Weights put on {ds.name}", 5000)

    def save_project(self, path: str | os.PathLike) -> bool:
        """Save architecture, dataset reference, hyperparameters and seed (.json)."""
        title = "Cannot save the project"
        self.w.data_panel.finish_taking_in()  # the sample settings match the data shown
        ds = self.w.data_panel.dataset
        if ds is None:
            return self._fail(title, "Load a dataset first: a project refers to one.")
        cfg = self.w.current_config()
        try:
            cfg.validate()
            write_project(
                path,
                {
                    "source": ds.source,
                    "target": ds.target_name,
                    "task": ds.task,
                    **self.w.sample_controls.project_fields(),
                },
                cfg.to_dict(),
                runs=[run.to_json() for run in self.w.runs_panel.runs()],
            )
        except NnstudioError as exc:
            return self._fail(title, str(exc))
        self.w.recent.add("project", path)
        self.w.show_status(f"Project saved to {os.fspath(path)}", 5000)
        return True

    def open_project(self, path: str | os.PathLike) -> bool:
        """Restore a project: data, architecture, hyperparameters and seed. Training
        again gives the same curve."""
        title = "Cannot open the project"
        w = self.w
        try:
            doc = load_project(path)
            cfg = TrainConfig.from_dict(doc["config"])
            runs = runs_from_json(doc.get("runs", []), Path(path).name)
            info = doc["dataset"]
            sample = parse_project_fields(info, Path(path).name)
            target, task = info.get("target"), info.get("task")
            problem = w.data_panel.val_split_problem(cfg.val_split)
            if problem is not None:
                raise ConfigError(problem)
            ds = read_dataset(info["source"], target=target, task=task)  # check first
            output_layer(ds, cfg)
        except NnstudioError as exc:
            return self._fail(title, _named(exc, path))
        if not self._stop():
            return self._fail(title, NOT_STOPPED)
        try:
            w.data_panel.load(info["source"], target=target, task=task)
        except NnstudioError as exc:
            return self._fail(title, _named(exc, path))
        w.data_panel.set_val_split(cfg.val_split)
        if sample is not None:
            w.sample_controls.set_parameters(*sample)
        w.apply_config(cfg)
        w.controller.set_session(None)
        w.runs_panel.set_runs(runs)
        w.recent.add("project", path)
        w.show_status(f"Opened project {Path(path).name}", 5000)
        return True

    def may_replace(self, what: str) -> bool:
        """True if nothing trains, or the user agrees to stop the run (the load that
        follows stops it; the weights stay)."""
        if not self.w.controller.is_training:
            return True
        return dialogs.ask(
            self.w, what, "Training is running. Stop it and load the file? The weights stay."
        )

    def open_recent(self, kind: str, path: str) -> bool:
        """Open a recent-files entry the way it was opened before (asking first while
        training)."""
        if not self.may_replace("Open a recent file"):
            return False
        act = {
            "dataset": self.load_dataset,
            "project": self.open_project,
            "model": self.import_weights,
        }[kind]
        return act(path)

    # ------------------------------------------------------------------ dialogs
    def _ask(self, save: bool, caption: str, filter_: str, suffix: str = "") -> str | None:
        settings = self.w.settings
        ask = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        path, _ = ask(self.w, caption, last_dir(settings), filter_)
        if not path:
            return None
        if suffix and not path.lower().endswith(suffix):
            path += suffix
        remember_dir(settings, path)
        return path

    def ask_open_dataset(self) -> None:
        path = self._ask(False, "Open dataset", DATA_FILTER)
        if path:
            self.load_dataset(path)

    def ask_open_project(self) -> None:
        path = self._ask(False, "Open project", f"{PROJECT_FILTER};;All files (*)")
        if path:
            self.open_project(path)

    def ask_save_project(self) -> None:
        path = self._ask(True, "Save project", PROJECT_FILTER, ".json")
        if path:
            self.save_project(path)

    def ask_export(self) -> None:
        path = self._ask(True, "Export weights", MODEL_FILTER, ".npz")
        if path:
            self.export_weights(path)

    def ask_import(self) -> None:
        path = self._ask(False, "Import weights", f"{MODEL_FILTER};;All files (*)")
        if path:
            self.import_weights(path)
