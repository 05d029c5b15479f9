"""A NumPy-only reader of nnstudio model files, written from the design's "Model file"
table alone (activation formulas included), not from nnstudio's code: a model that only
nnstudio can read fails the tests that use it."""

import json

import numpy as np


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


ACTIVATIONS = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
    "softplus": lambda z: np.logaddexp(0.0, z),
    "linear": lambda z: z,
    "softmax": _softmax,
}


def network_output(path, X):
    """``(meta, arrays, a)``: the JSON meta, every array of the file, and the last layer's
    output for raw features ``X`` (standardized with ``input.*`` first), in float64."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays["meta"][()]))
    a = (np.asarray(X, np.float64) - arrays["input.mean"]) / arrays["input.scale"]
    for i, act in enumerate(meta["activations"]):
        W = arrays[f"layers.{i}.weight"].astype(np.float64)  # (fan_out, fan_in)
        b = arrays[f"layers.{i}.bias"].astype(np.float64)
        a = ACTIVATIONS[act](a @ W.T + b)
    return meta, arrays, a
