"""Activation functions and their derivatives, as two tables keyed by name.

The names are a contract: the model file stores them as they are written here.

``ACTIVATIONS[name](Z)`` overwrites ``Z`` (shape ``(n_samples, n_units)``) with ``f(Z)``
and returns it. ``DERIVATIVES[name](Z, A, delta)`` overwrites ``delta`` (dL/dA) with
dL/dZ, given the pre-activation ``Z`` (may be ``None`` for the activations that only
need ``A``) and the activation ``A = f(Z)``. Derivatives are written in terms of the
output ``A`` where that is possible, so the forward pass need not keep ``Z``.

This module is NumPy only and imports nothing else from nnstudio.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

LEAKY_RELU_SLOPE = 0.01
ELU_ALPHA = 1.0


def sigmoid(Z: np.ndarray) -> np.ndarray:
    # 1 / (1 + exp(-z)) overflows exp for z << 0; the tanh form is stable everywhere.
    np.multiply(Z, 0.5, out=Z)
    np.tanh(Z, out=Z)
    np.multiply(Z, 0.5, out=Z)
    np.add(Z, 0.5, out=Z)
    return Z


def tanh(Z: np.ndarray) -> np.ndarray:
    return np.tanh(Z, out=Z)


def relu(Z: np.ndarray) -> np.ndarray:
    return np.maximum(Z, 0, out=Z)


def leaky_relu(Z: np.ndarray) -> np.ndarray:
    # max(z, 0.01 z) is z for z >= 0 and 0.01 z below.
    return np.maximum(Z, Z * LEAKY_RELU_SLOPE, out=Z)


def elu(Z: np.ndarray) -> np.ndarray:
    neg = np.minimum(Z, 0)
    np.expm1(neg, out=neg)
    if ELU_ALPHA != 1.0:
        neg *= ELU_ALPHA
    np.maximum(Z, 0, out=Z)
    np.add(Z, neg, out=Z)
    return Z


def softplus(Z: np.ndarray) -> np.ndarray:
    # log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)), stable for any z.
    t = np.abs(Z)
    np.negative(t, out=t)
    np.exp(t, out=t)
    np.log1p(t, out=t)
    np.maximum(Z, 0, out=Z)
    np.add(Z, t, out=Z)
    return Z


def linear(Z: np.ndarray) -> np.ndarray:
    return Z


def softmax(Z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis (the units of one example)."""
    Z -= Z.max(axis=-1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=-1, keepdims=True)
    return Z


def _d_sigmoid(Z, A, delta):
    # f' = a (1 - a)
    delta *= A
    delta *= 1 - A
    return delta


def _d_tanh(Z, A, delta):
    # f' = 1 - a^2
    delta *= 1 - A * A
    return delta


def _d_relu(Z, A, delta):
    # f' = 1 where a > 0, else 0; sign(a) is exactly that and needs no boolean temporary.
    delta *= np.sign(A)
    return delta


def _d_leaky_relu(Z, A, delta):
    delta *= np.where(A > 0, 1.0, LEAKY_RELU_SLOPE).astype(A.dtype, copy=False)
    return delta


def _d_elu(Z, A, delta):
    # f' = 1 for a > 0, and a + alpha below (since a = alpha (e^z - 1)).
    delta *= np.where(A > 0, 1.0, A + ELU_ALPHA).astype(A.dtype, copy=False)
    return delta


def _d_softplus(Z, A, delta):
    # f' = sigmoid(z) = 1 - exp(-a)
    delta *= -np.expm1(-A)
    return delta


def _d_linear(Z, A, delta):
    return delta


def _d_softmax(Z, A, delta):
    # Jacobian-vector product of softmax, row by row: a * (g - sum(g * a)).
    s = np.sum(delta * A, axis=-1, keepdims=True)
    delta -= s
    delta *= A
    return delta


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "softplus": softplus,
    "linear": linear,
    "softmax": softmax,
}

DERIVATIVES: dict[str, Callable[[np.ndarray | None, np.ndarray, np.ndarray], np.ndarray]] = {
    "sigmoid": _d_sigmoid,
    "tanh": _d_tanh,
    "relu": _d_relu,
    "leaky_relu": _d_leaky_relu,
    "elu": _d_elu,
    "softplus": _d_softplus,
    "linear": _d_linear,
    "softmax": _d_softmax,
}

#: Activations allowed on hidden layers (softmax is for the output layer only).
HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "softmax")


def apply(name: str, Z: np.ndarray) -> np.ndarray:
    """Return ``f(Z)`` as a new array, leaving ``Z`` untouched."""
    return ACTIVATIONS[name](np.array(Z, copy=True))


def check_name(name: str) -> str:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return name
