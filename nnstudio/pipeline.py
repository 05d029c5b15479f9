"""From a dataset and settings to a network, a trainer and a model file, and back. No Qt.

This is the one place that decides how a ``Dataset`` becomes training arrays and an
``MLP``: the command line and the desktop app both call ``build_session`` and
``Session.model``, so a model trained in either behaves the same in the other. The way
back is here too: ``model_problem`` says whether a saved model fits the loaded data,
``config_for_model`` and ``session_from_model`` rebuild a session whose network and
preprocessing are the model's (its predictions equal the file's), and ``session_key``
tells whether an existing session can go on training under new settings.

Decisions (also in the README):

- Classification uses one softmax unit per class with cross-entropy, unless the loss is
  ``binary_cross_entropy`` on two classes, which uses one sigmoid unit (``classes[1]`` is
  the positive class). Regression uses linear output units with mse on standardized
  targets.
- Hidden layers default to two of 32 ReLU units, trained by Adam (lr 0.01), batch 32,
  validation split 0.2, seed 0, L2 decay ``L2_PER_ROW`` / training rows, up to 500
  epochs with patience 50, ending on the best validation epoch's weights. These were
  chosen by cross-validation against scikit-learn's MLP (``nnstudio.bench.defaults``).
"""

from __future__ import annotations

import copy
import json
import math
import os
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from .data.dataset import Dataset
from .data.preprocessing import PreparedData, Standardizer, prepare
from .engine.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from .engine.losses import LOSSES, check_pair, default_loss
from .engine.lr_finder import RangeTest, lr_range_test
from .engine.network import MLP
from .engine.optimizers import DEFAULT_LR, OPTIMIZERS, make_optimizer
from .engine.schedules import SCHEDULES, Schedule
from .engine.trainer import Trainer
from .errors import NnstudioError
from .io.model_file import TrainedModel
from .io.project import ProjectFileError, load_project

#: the default L2 decay is this divided by the number of training rows: the same
#: Gaussian prior on the weights whatever the data size, since the loss is a mean over
#: rows (a penalty ``lam/2 ||W||^2`` on the summed loss is ``lam/n`` on the mean). The
#: value 3 was chosen by cross-validation (README, "How the defaults were chosen").
L2_PER_ROW = 3.0

#: the widest hidden layer and the most hidden layers the app and CLI accept
MAX_UNITS = 4096
MAX_HIDDEN_LAYERS = 16


#: output activations whose units are class probabilities
PROBABILITY_OUTPUTS = ("softmax", "sigmoid")


class ConfigError(NnstudioError, ValueError):
    """A setting that cannot be used; the message names it and says what is allowed."""


@dataclass
class TrainConfig:
    hidden_layers: list[int] = field(default_factory=lambda: [32, 32])
    hidden_activations: list[str] | None = None  # one per hidden layer; None: `activation`
    activation: str = "relu"
    output_activation: str | None = None  # None: softmax (classification) / linear
    loss: str | None = None  # None: follows the output activation
    optimizer: str = "adam"
    lr: float | None = None  # None: the optimizer's default
    momentum: float = 0.9
    nesterov: bool = False
    epochs: int = 500  # an upper bound: patience usually ends training long before
    batch_size: int = 32
    l2: float | None = None  # None: L2_PER_ROW / training rows (``l2_for``)
    val_split: float = 0.2
    seed: int = 0
    dtype: str = "float32"
    schedule: str = "constant"  # learning-rate schedule, one of SCHEDULES
    patience: int = 50  # epochs without a lower validation loss before stopping; 0: never
    restore_best: bool = True  # end with the weights of the best validation epoch
    refit: bool = False  # then retrain on all rows for the best epoch's number of epochs

    def activations_for_hidden(self) -> list[str]:
        if self.hidden_activations is not None:
            return list(self.hidden_activations)
        return [self.activation] * len(self.hidden_layers)

    @property
    def learning_rate(self) -> float:
        return DEFAULT_LR[self.optimizer] if self.lr is None else float(self.lr)

    def validate(self) -> TrainConfig:
        """Raise ``ConfigError`` naming the first setting of the wrong type or out of range.

        Values are checked, never coerced: a float where a whole number belongs
        (``hidden_layers: [1.9]``), ``true`` for a number, text for a number, a list for
        a name are refused, each with the setting's name (the key of ``to_dict`` and of
        a project file) and what is allowed. This is the one home of the settings'
        ranges; the app's controls and the command line follow it."""
        layers = self.hidden_layers
        if not isinstance(layers, (list, tuple)):
            raise ConfigError(
                f"hidden_layers must be a list of whole numbers (units per hidden layer), "
                f"got {_show(layers)}"
            )
        if len(layers) > MAX_HIDDEN_LAYERS:
            raise ConfigError(f"at most {MAX_HIDDEN_LAYERS} hidden layers are allowed")
        for i, n in enumerate(layers):
            if not _is_int(n) or not 1 <= n <= MAX_UNITS:
                raise ConfigError(
                    f"hidden layer {i + 1} has {_show(n)} units; use a whole number from 1 "
                    f"to {MAX_UNITS}"
                )
        if self.hidden_activations is not None and not (
            isinstance(self.hidden_activations, (list, tuple))
            and all(isinstance(a, str) for a in self.hidden_activations)
        ):
            raise ConfigError(
                f"hidden_activations must be a list of activation names or null, got "
                f"{_show(self.hidden_activations)}"
            )
        _name(self.activation, HIDDEN_ACTIVATIONS, "hidden activation")
        acts = self.activations_for_hidden()
        if len(acts) != len(layers):
            raise ConfigError(
                f"{len(acts)} activations for {len(layers)} hidden layers; "
                "give one per hidden layer"
            )
        for a in acts:
            _name(a, HIDDEN_ACTIVATIONS, "hidden activation")
        if self.output_activation is not None:
            _name(self.output_activation, ACTIVATIONS, "output activation")
        if self.loss is not None:
            _name(self.loss, LOSSES, "loss")
        _name(self.optimizer, OPTIMIZERS, "optimizer")
        if self.lr is not None:
            _real(self.lr, "learning rate must be a positive number", lo=0.0, lo_open=True)
        _real(self.momentum, "momentum must be in [0, 1)", lo=0.0, hi=1.0)
        if not isinstance(self.nesterov, (bool, np.bool_)):
            raise ConfigError(f"nesterov must be true or false, got {_show(self.nesterov)}")
        _whole("epochs", self.epochs, 1, MAX_EPOCHS)
        _whole("batch size", self.batch_size, 1, MAX_BATCH_SIZE)
        if self.l2 is not None:
            _real(self.l2, "L2 must be a number >= 0", lo=0.0)
        _real(self.val_split, "validation split must be in [0, 1)", lo=0.0, hi=1.0)
        _whole("seed", self.seed, 0, MAX_SEED)
        if not isinstance(self.dtype, str) or self.dtype not in ("float32", "float64"):
            raise ConfigError(f"dtype must be float32 or float64, got {_show(self.dtype)}")
        _name(self.schedule, SCHEDULES, "schedule")
        _whole("patience", self.patience, 0, MAX_EPOCHS)
        for name in ("restore_best", "refit"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ConfigError(f"{name} must be true or false, got {_show(getattr(self, name))}")
        return self

    def l2_for(self, n_train: int) -> float:
        """The L2 decay for ``n_train`` training rows: ``l2``, or with ``l2`` None
        ``L2_PER_ROW / n_train``."""
        if self.l2 is not None:
            return float(self.l2)
        return L2_PER_ROW / max(int(n_train), 1)

    def settings_meta(self, n_train: int | None = None) -> dict:
        """The training settings as the model file's meta records them (design.md), with
        the learning rate (and, given ``n_train``, the L2 decay) resolved to numbers."""
        return {
            "optimizer": self.optimizer,
            "lr": self.learning_rate,
            "momentum": self.momentum,
            "nesterov": self.nesterov,
            "batch_size": self.batch_size,
            "epochs": self.epochs,
            "l2": self.l2 if n_train is None else self.l2_for(n_train),
            "l2_auto": self.l2 is None,
            "seed": self.seed,
            "schedule": self.schedule,
            "patience": self.patience,
            "val_split": self.val_split,
            "restore_best": self.restore_best,
            "refit": self.refit,
        }

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        """Build from a dict (e.g. a project file), ignoring unknown keys (settings of a
        newer nnstudio); validated as it is, without coercion (see :meth:`validate`)."""
        if not isinstance(d, dict):
            raise ConfigError(f"training settings must be a JSON object, got {_show(d)}")
        names = {f.name for f in fields(cls)}
        cfg = cls(**{k: v for k, v in d.items() if k in names})
        try:
            return cfg.validate()
        except ConfigError as exc:
            raise ConfigError(f"invalid training settings: {exc}") from None


#: the most epochs, the largest batch and seed the app and CLI accept
MAX_EPOCHS = 1_000_000
MAX_BATCH_SIZE = 1_000_000
MAX_SEED = 2**32 - 1


def _show(value, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_real(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _name(value, choices, kind: str) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(f"unknown {kind} {_show(value)}; choose one of {', '.join(choices)}")


def _real(value, rule: str, lo: float, hi: float | None = None, lo_open: bool = False) -> None:
    """A finite real number (not a bool, not text) with lo <= value < hi (lo < value
    when ``lo_open``); else ConfigError ``"<rule>, got <value>"``."""
    ok = _is_real(value) and math.isfinite(value)
    if ok:
        ok = (value > lo if lo_open else value >= lo) and (hi is None or value < hi)
    if not ok:
        raise ConfigError(f"{rule}, got {_show(value)}")


def _whole(what: str, value, lo: int, hi: int) -> None:
    if not _is_int(value) or not lo <= value <= hi:
        raise ConfigError(f"{what} must be a whole number from {lo} to {hi}, got {_show(value)}")


def read_project(path) -> tuple[dict, TrainConfig]:
    """A project file's document and its validated training settings.

    Any problem, with the file or with a setting in it (wrong type, out of range), is
    one :class:`~nnstudio.io.project.ProjectFileError` that names the file."""
    doc = load_project(path)
    try:
        cfg = TrainConfig.from_dict(doc["config"])
    except ConfigError as exc:
        raise ProjectFileError(f"{os.fspath(path)}: {exc}") from None
    return doc, cfg


def output_layer(ds: Dataset, cfg: TrainConfig) -> tuple[int, str, str]:
    """``(n_output_units, output_activation, loss)`` for this data and these settings."""
    if ds.task == "classification":
        k = len(ds.classes)
        act = cfg.output_activation
        loss = cfg.loss
        if act is None:
            act = "sigmoid" if (loss == "binary_cross_entropy" and k == 2) else "softmax"
        if loss is None:
            loss = default_loss(act)
        if act not in PROBABILITY_OUTPUTS:
            # the predicted p_<label> columns must be probabilities
            raise ConfigError(
                f"output activation {act!r} does not give class probabilities; "
                "classification uses softmax (or sigmoid)"
            )
        units = 1 if (act == "sigmoid" and k == 2 and loss == "binary_cross_entropy") else k
    else:
        act = cfg.output_activation or "linear"
        loss = cfg.loss or "mse"
        if loss != "mse":
            raise ConfigError(f"loss {loss!r} is for classification; regression uses mse")
        if act == "softmax":
            raise ConfigError(
                "a softmax output sums to 1 and cannot fit regression targets; use linear "
                "(the default) for regression"
            )
        units = ds.n_outputs
    try:
        check_pair(act, loss)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    return units, act, loss


def layer_sizes(ds: Dataset, cfg: TrainConfig) -> list[int]:
    """``[n_features, *hidden_layers, n_output_units]`` of the network for this data and
    these settings (raises ``ConfigError`` like ``output_layer``)."""
    return [ds.n_features, *cfg.hidden_layers, output_layer(ds, cfg)[0]]


def training_targets(Y: np.ndarray, units: int) -> np.ndarray:
    """One-hot rows for ``k`` units, or the positive-class column for one sigmoid unit."""
    return Y[:, 1:2] if units == 1 and Y.shape[1] == 2 else Y


@dataclass
class Session:
    """Everything one training run needs, built from a dataset and settings."""

    dataset: Dataset
    config: TrainConfig
    data: PreparedData
    net: MLP
    trainer: Trainer
    #: set on a refit session: the session that chose the number of epochs
    selection: Session | None = None

    def model(self, **extra) -> TrainedModel:
        """A snapshot of the current network with its preprocessing, for saving.

        The meta records the settings (``TrainConfig.settings_meta``), ``best_epoch`` and
        the metrics of the epoch whose weights the network holds."""
        d = self.data
        chooser = self.selection or self
        meta = {"training": self.config.to_dict(), "epochs_trained": self.trainer.epoch}
        meta.update(self.config.settings_meta(self.data.n_train))
        meta["best_epoch"] = chooser.trainer.best_epoch
        if chooser.trainer.history:
            last = chooser.trainer.final_report
            meta["metrics"] = {
                "train_loss": last.train_loss,
                "val_loss": last.val_loss,
                f"train_{last.metric_name}": last.train_metric,
                f"val_{last.metric_name}": last.val_metric,
            }
        src = self.dataset.source
        # a file by its absolute path, so the app finds it from any working folder
        meta["dataset"] = os.path.abspath(src) if os.path.isfile(src) else src
        meta.update(extra)
        ts = d.target_scaler
        return TrainedModel(
            net=self.net.copy(),
            task=self.dataset.task,
            input_mean=d.input_scaler.mean.copy(),
            input_scale=d.input_scaler.scale.copy(),
            feature_names=list(self.dataset.feature_names),
            target_name=self.dataset.target_name,
            classes=list(self.dataset.classes) if self.dataset.task == "classification" else None,
            target_mean=None if ts is None else np.atleast_1d(ts.mean).copy(),
            target_scale=None if ts is None else np.atleast_1d(ts.scale).copy(),
            extra=meta,
        )

    def apply_live(self, cfg: TrainConfig) -> None:
        """Give the trainer ``cfg``'s ``LIVE_SETTINGS`` (between steps, e.g. before a
        run continues): the base learning rate, the planned epochs, patience, keeping the
        best weights, and the schedule (a new schedule starts with a fresh plateau state)."""
        t = self.trainer
        t.lr = cfg.learning_rate
        t.epochs = int(cfg.epochs)
        t.patience = int(cfg.patience)
        t.restore_best = bool(cfg.restore_best)
        if t.schedule.name != cfg.schedule:
            t.schedule = Schedule(cfg.schedule)
        self.config = copy.deepcopy(self.config)
        for name in LIVE_SETTINGS:
            setattr(self.config, name, getattr(cfg, name))

    def output(self, X_raw: np.ndarray) -> np.ndarray:
        """Network output for raw (unstandardized) features, e.g. a decision-boundary grid."""
        X = self.data.input_scaler.transform(np.asarray(X_raw, np.float64))
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging net shows as nan
            return self.net.forward(X)


def build_session(ds: Dataset, cfg: TrainConfig, data: PreparedData | None = None) -> Session:
    """Prepare the data, make the network (weights from ``cfg.seed``) and its trainer."""
    cfg.validate()
    units, out_act, loss = output_layer(ds, cfg)
    if data is None:
        data = prepare(ds, val_split=cfg.val_split, seed=cfg.seed, dtype=np.dtype(cfg.dtype))
    acts = [*cfg.activations_for_hidden(), out_act]
    net = MLP(layer_sizes(ds, cfg), acts, loss, dtype=cfg.dtype, seed=cfg.seed)
    optimizer = make_optimizer(
        cfg.optimizer,
        cfg.learning_rate,
        cfg.l2_for(data.n_train),
        momentum=cfg.momentum,
        nesterov=cfg.nesterov,
    )
    trainer = Trainer(
        net,
        data.X_train,
        training_targets(data.Y_train, units),
        data.X_val,
        training_targets(data.Y_val, units) if len(data.X_val) else None,
        optimizer=optimizer,
        batch_size=cfg.batch_size,
        epochs=cfg.epochs,
        seed=cfg.seed,
        task=ds.task,
        schedule=cfg.schedule,
        patience=cfg.patience,
        restore_best=cfg.restore_best,
    )
    return Session(ds, cfg, data, net, trainer)


def refit_session(session: Session) -> Session:
    """A new session for retraining on all rows of ``session``'s dataset (no validation
    split, standardization fitted on all rows) for ``session.trainer.best_epoch`` epochs
    with the same settings; it is not trained yet. Its ``config`` is the original one and
    its ``selection`` is ``session``, whose best epoch and validation metrics the refit
    model's meta reports (the refit network has seen the validation rows)."""
    epochs = session.trainer.best_epoch or session.config.epochs
    cfg = copy.deepcopy(session.config)
    cfg.val_split, cfg.epochs, cfg.patience, cfg.refit = 0.0, int(epochs), 0, False
    new = build_session(session.dataset, cfg)
    new.config = session.config
    new.selection = session
    return new


def train(session: Session, callback=None, refit_callback=None) -> Session:
    """Train ``session`` to the end, then, if its config says ``refit``, retrain on all
    rows (``refit_session``). Returns the session holding the final network.
    ``callback(step_report)`` is called after each step of the first run,
    ``refit_callback`` after each step of the refit."""
    session.trainer.run(callback)
    if not session.config.refit or not session.trainer.has_validation:
        return session
    final = refit_session(session)
    final.trainer.run(refit_callback)
    return final


def range_test(ds: Dataset, cfg: TrainConfig) -> RangeTest:
    """The learning-rate range test on the network and training rows ``build_session``
    gives for ``ds`` and ``cfg`` (a fresh network: nothing trained is touched), with the
    same optimizer settings. Shared by ``nnstudio lr-find`` and the app's LR finder."""
    session = build_session(ds, copy.deepcopy(cfg))
    t = session.trainer
    return lr_range_test(
        session.net,
        t.X,
        t.Y,
        optimizer=cfg.optimizer,
        l2=t.optimizer.l2,
        batch_size=cfg.batch_size,
        seed=cfg.seed,
        momentum=cfg.momentum,
        nesterov=cfg.nesterov,
        task=ds.task,
    )


# ---------------------------------------------------------------- models back into sessions
#: settings an existing trainer can take on without a new network (``Session.apply_live``)
LIVE_SETTINGS = ("lr", "epochs", "patience", "restore_best", "schedule")


def session_key(ds: Dataset | None, cfg: TrainConfig) -> str:
    """Equal keys: the same data and settings (apart from the learning rate and epochs),
    so an existing session can go on training."""
    d = {k: v for k, v in cfg.to_dict().items() if k not in LIVE_SETTINGS}
    return f"{id(ds)}:{json.dumps(d, sort_keys=True, default=str)}"


def _same_labels(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return list(a) == list(b) or [str(x) for x in a] == [str(x) for x in b]


def model_problem(model: TrainedModel, ds: Dataset) -> str | None:
    """Why ``model`` cannot be used with ``ds``, or None if it can."""
    n_in = len(model.input_mean)
    if n_in != ds.n_features:
        names = ", ".join(model.feature_names[:6]) + (", ..." if n_in > 6 else "")
        return (
            f"the model expects {n_in} input feature{'s' if n_in != 1 else ''} ({names}) "
            f"but the dataset {ds.name!r} has {ds.n_features}; load data with the model's "
            "features first"
        )
    if model.task != ds.task:
        return (
            f"the model does {model.task} but the dataset {ds.name!r} is a {ds.task} "
            "dataset; load matching data first"
        )
    if ds.task == "classification":
        if not _same_labels(model.classes, ds.classes):
            return (
                f"the model's classes {model.classes!r} differ from the dataset's "
                f"{ds.classes!r}; load data with the same class labels"
            )
    elif model.net.n_outputs != ds.n_outputs:
        return (
            f"the model predicts {model.net.n_outputs} target(s) but the dataset has "
            f"{ds.n_outputs}; load matching data first"
        )
    return None


def config_for_model(cfg: TrainConfig, model: TrainedModel, ds: Dataset) -> TrainConfig:
    """``cfg`` with the model's architecture, output layer, loss and dtype (validated).

    The output activation is only pinned when the data's default would differ."""
    out = copy.deepcopy(cfg)
    net = model.net
    out.hidden_layers = [int(n) for n in net.layer_sizes[1:-1]]
    out.hidden_activations = list(net.activations[:-1])
    out.loss = net.loss
    out.dtype = str(net.dtype)
    out.output_activation = None
    units, act, _loss = output_layer(ds, out)
    if act != net.activations[-1] or units != net.n_outputs:
        out.output_activation = net.activations[-1]
        units, act, _loss = output_layer(ds, out)
        if units != net.n_outputs:
            raise ConfigError(
                f"the model has {net.n_outputs} output unit(s) with {net.activations[-1]}, "
                f"which this data cannot use ({units} needed)"
            )
    return out.validate()


def session_from_model(ds: Dataset, cfg: TrainConfig, model: TrainedModel) -> Session:
    """A session on ``ds`` whose network and input/target scaling are the model's.

    ``cfg`` must come from :func:`config_for_model`. The training split is the one
    ``cfg`` gives; its rows are standardized with the model's scalers, so training can go
    on from the imported weights."""
    problem = model_problem(model, ds)
    if problem:
        raise ConfigError(problem)
    dtype = np.dtype(cfg.dtype)
    data = prepare(ds, val_split=cfg.val_split, seed=cfg.seed, dtype=dtype)
    scaler = Standardizer(model.input_mean, model.input_scale)
    data.input_scaler = scaler
    data.X_train = scaler.transform_rows(ds.X, data.train_index, dtype, ds.feature_names, ds.name)
    data.X_val = scaler.transform_rows(ds.X, data.val_index, dtype, ds.feature_names, ds.name)
    if ds.task == "regression" and model.target_mean is not None:
        ts = Standardizer(model.target_mean, model.target_scale)
        Y = ds.y.reshape(ds.n_samples, -1)
        data.target_scaler = ts
        names = [ds.target_name] * Y.shape[1]
        data.Y_train = ts.transform_rows(Y, data.train_index, dtype, names, ds.name)
        data.Y_val = ts.transform_rows(Y, data.val_index, dtype, names, ds.name)
    session = build_session(ds, cfg, data)
    net = session.net
    if (
        net.layer_sizes != model.net.layer_sizes
        or net.activations != model.net.activations
        or net.loss != model.net.loss
    ):
        raise ConfigError(
            f"the model's network {model.net!r} does not match the one these settings "
            f"build ({net!r})"
        )
    net.set_params(model.net.weights, model.net.biases)
    return session
