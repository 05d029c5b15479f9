"""Activation functions and their derivatives, as two tables keyed by name.

The names are a contract: the model file stores them as they are written here.

``ACTIVATIONS[name](Z)`` overwrites ``Z`` (shape ``(n_samples, n_units)``) with ``f(Z)``
and returns it. ``DERIVATIVES[name](work, A, delta)`` overwrites ``delta`` (dL/dA) with
dL/dZ, given the activation ``A = f(Z)``; ``work`` is ``None`` or a scratch array shaped
like ``A`` that the derivative may overwrite, which spares it a temporary. Every
derivative is written in terms of the output ``A``, so the forward pass need not keep
``Z``.

This module is NumPy only and imports nothing else from nnstudio.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: negative slope of leaky_relu
LEAKY_RELU_SLOPE = 0.01
# elu's alpha is 1 (the design fixes it): f(z) = z for z > 0, e^z - 1 below.


def sigmoid(Z: np.ndarray) -> np.ndarray:
    # 1 / (1 + exp(-z)) overflows exp for z << 0; the tanh form is stable everywhere.
    np.multiply(Z, 0.5, out=Z)
    np.tanh(Z, out=Z)
    np.multiply(Z, 0.5, out=Z)
    np.add(Z, 0.5, out=Z)
    return Z


def tanh(Z: np.ndarray) -> np.ndarray:
    return np.tanh(Z, out=Z)


# NumPy 2.4's np.maximum runs 3.4x slower against the scalar 0 than against an array of
# zeros (128 x 512 float32: 26 us against 7.5), so ReLU takes its zeros from a cached,
# read-only block once an array has 1,024 elements or more (below that the scalar is as
# fast), up to _ZEROS_MAX elements (4 MB in float32; larger arrays, such as a whole
# data set's forward pass, use the scalar rather than hold that much memory).
_ZEROS: dict[np.dtype, np.ndarray] = {}
_ZEROS_MIN = 1024
_ZEROS_MAX = 1 << 20


def _zeros_like(Z: np.ndarray):
    """Zeros shaped like ``Z``, read-only (a view of a cached block), or the scalar 0."""
    if not _ZEROS_MIN <= Z.size <= _ZEROS_MAX:
        return 0
    block = _ZEROS.get(Z.dtype)
    if block is None or block.size < Z.size:
        block = np.zeros(max(Z.size, 1 << 16), Z.dtype)
        block.flags.writeable = False
        _ZEROS[Z.dtype] = block
    return block[: Z.size].reshape(Z.shape)


def relu(Z: np.ndarray) -> np.ndarray:
    return np.maximum(Z, _zeros_like(Z), out=Z)


def leaky_relu(Z: np.ndarray) -> np.ndarray:
    # max(z, 0.01 z) is z for z >= 0 and 0.01 z below.
    return np.maximum(Z, Z * LEAKY_RELU_SLOPE, out=Z)


def elu(Z: np.ndarray) -> np.ndarray:
    # z for z > 0, e^z - 1 below: max(z, 0) + expm1(min(z, 0))
    neg = np.minimum(Z, 0)
    np.expm1(neg, out=neg)
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
    # (the ufuncs' own reduce: max() and sum() add a Python wrapper per call)
    if Z.ndim == 1 and Z.size <= 16:
        # one example with few units: their max and sum as Python floats (tolist, max,
        # sum) cost less than two ufunc reductions (2.2 against 3.1 us for 2 units)
        np.subtract(Z, max(Z.tolist()), out=Z)
        np.exp(Z, out=Z)
        return np.divide(Z, sum(Z.tolist()), out=Z)
    if Z.ndim == 1:  # one example: reduce to scalars, 0.6 us cheaper than keepdims
        np.subtract(Z, np.maximum.reduce(Z), out=Z)
        np.exp(Z, out=Z)
        return np.divide(Z, np.add.reduce(Z), out=Z)
    Z -= np.maximum.reduce(Z, axis=-1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= np.add.reduce(Z, axis=-1, keepdims=True)
    return Z


def _scratch(work, A):
    return np.empty_like(A) if work is None else work


# The derivatives avoid Python numbers as ufunc operands where an array form exists: a
# Python scalar costs about 0.3-0.4 us more per call than an array (NumPy 2.4), which is
# a tenth of a tiny network's step over its layers.


def _d_sigmoid(work, A, delta):
    # f' = a (1 - a) = a - a^2
    t = np.multiply(A, A, out=_scratch(work, A))
    np.subtract(A, t, out=t)
    np.multiply(delta, t, out=delta)
    return delta


def _d_tanh(work, A, delta):
    # f' = 1 - a^2, applied as delta - delta * a^2
    t = np.multiply(A, A, out=_scratch(work, A))
    np.multiply(t, delta, out=t)
    np.subtract(delta, t, out=delta)
    return delta


def _d_relu(work, A, delta):
    # f' = 1 where a > 0, else 0: sign(a) is exactly that, since a >= 0; from 8,192
    # elements (a > 0) cast to 1.0/0.0 is faster (128 x 512 float32: 19 us with the
    # product, against 36: np.sign has no vector loop).
    t = _scratch(work, A)
    if A.size >= 8192:
        np.greater(A, 0, out=t)
    else:
        np.sign(A, out=t)
    np.multiply(delta, t, out=delta)
    return delta


def _d_leaky_relu(work, A, delta):
    # f' = 1 where a > 0, else the slope; a > 0 exactly where z > 0.
    t = np.greater(A, 0, out=_scratch(work, A))
    t *= 1 - LEAKY_RELU_SLOPE
    t += LEAKY_RELU_SLOPE
    delta *= t
    return delta


def _d_elu(work, A, delta):
    # f' = 1 for a > 0, and e^z = a + 1 below (since a = e^z - 1 there). a > 0 gives
    # a + 1 > 1, capped to 1; below, a + 1 = e^z <= 1. So f' = min(a + 1, 1).
    t = np.add(A, 1, out=_scratch(work, A))
    np.minimum(t, 1, out=t)
    delta *= t
    return delta


def _d_softplus(work, A, delta):
    # f' = sigmoid(z) = 1 - exp(-a)
    t = np.negative(A, out=_scratch(work, A))
    np.expm1(t, out=t)
    np.negative(t, out=t)
    delta *= t
    return delta


def _d_linear(work, A, delta):
    return delta


def _d_softmax(work, A, delta):
    # Jacobian-vector product of softmax, row by row: a * (g - sum(g * a)).
    t = np.multiply(delta, A, out=_scratch(work, A))
    s = t.sum(axis=-1, keepdims=True)
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


def check_name(name: str) -> str:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return name
