"""Qt-free helpers the main window uses to put a saved model back into a session.

Nothing here trains; it only decides whether a model file fits the loaded data and
builds a :class:`~nnstudio.pipeline.Session` whose network and preprocessing are the
model's, so that the session's predictions equal the file's. (These belong next to
``build_session`` in :mod:`nnstudio.pipeline`; they live here until they move.)
"""

from __future__ import annotations

import copy
import json

import numpy as np

from nnstudio.data.dataset import Dataset
from nnstudio.data.preprocessing import Standardizer, prepare
from nnstudio.io.model_file import TrainedModel
from nnstudio.pipeline import ConfigError, Session, TrainConfig, build_session, output_layer

__all__ = ["config_for_model", "model_problem", "session_from_model", "session_key"]

#: settings a running trainer can take on without a new network
LIVE_SETTINGS = ("lr", "epochs")


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
    data.X_train = np.ascontiguousarray(scaler.transform(ds.X[data.train_index]), dtype)
    data.X_val = np.ascontiguousarray(scaler.transform(ds.X[data.val_index]), dtype)
    if ds.task == "regression" and model.target_mean is not None:
        ts = Standardizer(model.target_mean, model.target_scale)
        Y = ds.y.reshape(ds.n_samples, -1)
        data.target_scaler = ts
        data.Y_train = np.ascontiguousarray(ts.transform(Y[data.train_index]), dtype)
        data.Y_val = np.ascontiguousarray(ts.transform(Y[data.val_index]), dtype)
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
