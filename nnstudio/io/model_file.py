"""Model files: a trained network and its preprocessing in one ``.npz``.

The format is a contract (see the README): anyone with only NumPy can load it with
``numpy.load(path, allow_pickle=False)`` and compute predictions. Keys:

==========================  ==================  =============================================
``layers.{i}.weight``       (fan_out, fan_in)   dense layer i = 0..L-1 (torch.nn.Linear layout)
``layers.{i}.bias``         (fan_out,)          its bias
``input.mean``/``.scale``   (n_features,)       network input = (raw_x - mean) / scale
``target.mean``/``.scale``  (n_outputs,)        regression only: prediction = out * scale + mean
``meta``                    () str              JSON: format, version, layer_sizes, ...
==========================  ==================  =============================================

The engine keeps ``W`` as (fan_in, fan_out); this module transposes on the way in and out.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnstudio.errors import NnstudioError

from .. import __version__
from ..engine.activations import ACTIVATIONS
from ..engine.losses import LOSSES, check_pair
from ..engine.network import MLP
from ..engine.trainer import class_probabilities, predicted_classes
from ..untrusted import loads_json, read_npz
from .atomic import atomic_writer

FORMAT = "nnstudio.mlp"
VERSION = 1
#: the largest ``meta`` array (JSON text, stored as UTF-32) a model file may hold
MAX_META_BYTES = 64 * 1024**2


class ModelFileError(NnstudioError, ValueError):
    """A model file that cannot be read or written; the message says which and why."""


@dataclass
class TrainedModel:
    """A network with everything needed to go from raw features to predictions."""

    net: MLP
    task: str  # "classification" | "regression"
    input_mean: np.ndarray  # (n_features,)
    input_scale: np.ndarray  # (n_features,)
    feature_names: list[str]
    target_name: str = "target"
    classes: list | None = None  # classification: output unit j is classes[j]
    target_mean: np.ndarray | None = None  # regression: (n_outputs,)
    target_scale: np.ndarray | None = None
    extra: dict = field(default_factory=dict)  # more meta: training settings, metrics

    def output(self, X) -> np.ndarray:
        """Network output for raw features ``X (n, n_features)``, in float64: class
        probabilities, or regression values in the target's own units."""
        X = np.asarray(X, np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.input_mean):
            raise ValueError(f"expected {len(self.input_mean)} feature columns, got {X.shape}")
        return self.output_standardized((X - self.input_mean) / self.input_scale)

    def output_standardized(self, Z) -> np.ndarray:
        """Like :meth:`output`, for features already standardized with ``input.mean`` and
        ``input.scale``: ``Z = (X - mean) / scale``, (n, n_features)."""
        out = self.net.forward(np.asarray(Z)).astype(np.float64)
        if self.task == "regression" and self.target_mean is not None:
            out = out * self.target_scale + self.target_mean
        return out

    def predict_proba(self, X) -> np.ndarray:
        """``(n, n_classes)`` probabilities; one sigmoid unit gives ``[1 - p, p]``."""
        return class_probabilities(self.output(X))

    def predict(self, X) -> np.ndarray:
        """Class labels (object array of the original labels) or regression values
        (``(n,)`` for one output, else ``(n, k)``)."""
        out = self.output(X)
        if self.task == "classification":
            labels = np.empty(len(self.classes), dtype=object)
            labels[:] = self.classes
            return labels[predicted_classes(out)]
        return out[:, 0] if out.shape[1] == 1 else out

    def meta(self) -> dict:
        meta = dict(self.extra)
        meta.update(
            format=FORMAT,
            version=VERSION,
            layer_sizes=list(self.net.layer_sizes),
            activations=list(self.net.activations),
            loss=self.net.loss,
            task=self.task,
            # a list for every task (the contract's type); empty for regression
            classes=_jsonable(self.classes) if self.classes is not None else [],
            feature_names=list(self.feature_names),
            target_name=self.target_name,
            dtype=str(self.net.dtype),
            nnstudio_version=__version__,
        )
        return meta


def _jsonable(values):
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def save_model(model: TrainedModel, path: str | os.PathLike) -> None:
    """Write ``model`` to ``path`` atomically. Raises ``ModelFileError`` on failure."""
    arrays: dict[str, np.ndarray] = {}
    for i, (W, b) in enumerate(zip(model.net.weights, model.net.biases)):
        arrays[f"layers.{i}.weight"] = np.ascontiguousarray(W.T)
        arrays[f"layers.{i}.bias"] = b
    arrays["input.mean"] = np.asarray(model.input_mean, np.float64)
    arrays["input.scale"] = np.asarray(model.input_scale, np.float64)
    if model.task == "regression" and model.target_mean is not None:
        arrays["target.mean"] = np.asarray(model.target_mean, np.float64)
        arrays["target.scale"] = np.asarray(model.target_scale, np.float64)
    arrays["meta"] = np.array(json.dumps(model.meta()))
    with atomic_writer(path, "wb", what="model file", error=ModelFileError) as fh:
        np.savez(fh, **arrays)


def load_model(path: str | os.PathLike) -> TrainedModel:
    """Read a model file, checking every key, shape, type and name against the contract.

    Whatever the file holds, the result is a model or one :class:`ModelFileError` naming
    the file: the archive is read by :func:`nnstudio.untrusted.read_npz` (regular files
    only, sizes checked from the headers, no pickles) and the meta JSON by
    :func:`~nnstudio.untrusted.loads_json` (bounded nesting), then every value is
    checked by type and range."""
    shown = os.fspath(path)
    name = Path(shown).name

    def head_check(head: bytes) -> None:
        # Say what the file really is (a CSV given as the model is the common case).
        if not head.startswith(b"PK"):
            what = "a pickle" if head[:1] == b"\x80" else "not a zip archive"
            what = "an empty file" if not head else what
            raise ModelFileError(
                f"{name}: not an .npz model file ({what}); choose a model file saved by nnstudio"
            )

    arrays = read_npz(
        shown,
        error=ModelFileError,
        what="model file",
        fix="export the model again with nnstudio",
        head_check=head_check,
        limits={"meta": MAX_META_BYTES},
    )
    return _from_arrays(name, arrays)


def _fail(name: str, what: str) -> ModelFileError:
    return ModelFileError(f"{name}: {what}")


def _from_arrays(name: str, arrays: dict[str, np.ndarray]) -> TrainedModel:
    if "meta" not in arrays:
        raise _fail(name, "no 'meta' entry; this is not an nnstudio model file")
    if arrays["meta"].shape != () or arrays["meta"].dtype.kind not in "US":
        raise _fail(
            name,
            f"'meta' must be a 0-d string array of JSON, not {arrays['meta'].dtype} of shape "
            f"{arrays['meta'].shape}; export the model again",
        )
    meta = loads_json(str(arrays["meta"][()]), error=ModelFileError, where=name, what="'meta'")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _fail(name, f"'meta' does not say format {FORMAT!r}; not an nnstudio model file")
    version = meta.get("version")
    if type(version) is not int:
        raise _fail(name, "'meta' has no integer version")
    if version < 1:
        raise _fail(name, f"'meta' has version {version}; nnstudio model versions start at 1")
    if version > VERSION:
        raise _fail(
            name,
            f"model format version {version} is newer than this nnstudio reads ({VERSION}); "
            "upgrade nnstudio",
        )
    sizes = meta.get("layer_sizes")
    acts = meta.get("activations")
    if (
        not isinstance(sizes, list)
        or len(sizes) < 2
        or not all(type(s) is int and s >= 1 for s in sizes)
    ):
        raise _fail(
            name, f"'layer_sizes' must be a list of >= 2 positive integers, got {_short(sizes)}"
        )
    if not isinstance(acts, list) or len(acts) != len(sizes) - 1:
        raise _fail(name, f"'activations' must list one name per dense layer ({len(sizes) - 1})")
    for a in acts:
        if not isinstance(a, str) or a not in ACTIVATIONS:
            raise _fail(
                name, f"unknown activation {_short(a)}; known ones are {', '.join(ACTIVATIONS)}"
            )
    if "softmax" in acts[:-1]:
        raise _fail(name, "softmax is only allowed on the output layer")
    task = meta.get("task")
    if not isinstance(task, str) or task not in ("classification", "regression"):
        raise _fail(name, f"'task' must be classification or regression, got {_short(task)}")
    if task == "classification" and acts[-1] not in ("softmax", "sigmoid"):
        raise _fail(
            name,
            f"a classification model needs a softmax or sigmoid output (probabilities), not "
            f"{acts[-1]!r}",
        )
    loss = meta.get("loss") or ("mse" if task == "regression" else None)
    if not isinstance(loss, str) or loss not in LOSSES:
        raise _fail(name, f"unknown loss {_short(loss)}; known ones are {', '.join(LOSSES)}")
    try:
        check_pair(acts[-1], loss)
    except ValueError as exc:
        raise _fail(name, str(exc)) from exc

    weights, biases = [], []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        W = _get(name, arrays, f"layers.{i}.weight", (fan_out, fan_in))
        b = _get(name, arrays, f"layers.{i}.bias", (fan_out,))
        weights.append(W.T)
        biases.append(b)
    extra_layers = [
        k
        for k in arrays
        if k.startswith("layers.")
        and k.split(".")[1] not in {str(i) for i in range(len(sizes) - 1)}
    ]
    if extra_layers:
        raise _fail(name, f"has layers beyond layer_sizes: {', '.join(sorted(extra_layers))}")
    n_in, n_out = sizes[0], sizes[-1]
    mean = _get(name, arrays, "input.mean", (n_in,)).astype(np.float64)
    scale = _get(name, arrays, "input.scale", (n_in,)).astype(np.float64)
    if np.any(scale == 0):
        raise _fail(name, "'input.scale' contains zeros")
    t_mean = t_scale = None
    if task == "regression":
        if "target.mean" in arrays or "target.scale" in arrays:
            t_mean = _get(name, arrays, "target.mean", (n_out,)).astype(np.float64)
            t_scale = _get(name, arrays, "target.scale", (n_out,)).astype(np.float64)
    classes = meta.get("classes")
    if task == "classification":
        _check_classes(name, classes, 2 if n_out == 1 else n_out, n_out)
    features = meta.get("feature_names")
    if features is None:
        features = [f"x{j + 1}" for j in range(n_in)]
    _check_feature_names(name, features, n_in)
    target_name = meta.get("target_name")
    if target_name is not None and not isinstance(target_name, str):
        raise _fail(name, f"'target_name' must be a string, got {_short(target_name)}")
    dtype = meta.get("dtype")
    dtype = dtype if dtype in ("float32", "float64") else weights[0].dtype
    if np.dtype(dtype) not in (np.float32, np.float64):
        dtype = np.float64
    net = MLP(sizes, acts, loss, dtype=dtype, seed=0)
    net.set_params(weights, biases)
    known = {
        "format",
        "version",
        "layer_sizes",
        "activations",
        "loss",
        "task",
        "classes",
        "feature_names",
        "target_name",
        "dtype",
        "nnstudio_version",
    }
    return TrainedModel(
        net=net,
        task=task,
        input_mean=mean,
        input_scale=scale,
        feature_names=list(features),
        target_name=target_name or "target",
        classes=classes if task == "classification" else None,
        target_mean=t_mean,
        target_scale=t_scale,
        extra={k: v for k, v in meta.items() if k not in known},
    )


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _check_classes(name: str, classes, want: int, n_out: int) -> None:
    """``classes``: ``want`` distinct labels, each a string, a whole number or a finite
    number (the JSON a model file can hold); never lists, objects, null or booleans."""
    if not isinstance(classes, list) or len(classes) != want:
        raise _fail(
            name,
            f"'classes' must list {want} labels for {n_out} output unit(s), got {_short(classes)}",
        )
    for c in classes:
        ok = isinstance(c, str) or (
            isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c)
        )
        if not ok:
            raise _fail(name, f"class label {_short(c)} is not a string or a finite number")
    if len({(type(c) is str, c) for c in classes}) != len(classes):
        raise _fail(name, f"'classes' lists a label twice: {_short(classes)}")


def _check_feature_names(name: str, features, n_in: int) -> None:
    """One distinct, non-empty string per input feature: predict picks columns by them."""
    if not isinstance(features, list) or len(features) != n_in:
        raise _fail(name, f"'feature_names' must list {n_in} names")
    bad = next((f for f in features if not isinstance(f, str) or not f.strip()), None)
    if bad is not None or any(not isinstance(f, str) for f in features):
        raise _fail(name, f"'feature_names' holds {_short(bad)}, not a column name")
    seen: set[str] = set()
    for f in features:
        if f in seen:
            raise _fail(
                name,
                f"'feature_names' lists {f!r} twice, so the model's columns are ambiguous; "
                "train the model again with distinct column names",
            )
        seen.add(f)


def _get(name: str, arrays: dict, key: str, shape: tuple) -> np.ndarray:
    if key not in arrays:
        raise _fail(name, f"missing array {key!r}; export the model again")
    a = arrays[key]
    if a.shape != shape:
        raise _fail(name, f"{key!r} has shape {a.shape}, expected {shape} from layer_sizes")
    if a.dtype.kind != "f":
        raise _fail(name, f"{key!r} must hold floating-point numbers, not {a.dtype}")
    if not np.all(np.isfinite(a)):
        raise _fail(name, f"{key!r} contains NaN or infinite values")
    return a
