"""The loop reference engine: backprop one example and one neuron at a time.

This is the code people write first, made correct: Python loops over the examples of a
batch, over the layers, over the neurons of each layer and over each neuron's weights,
with plain ``float`` arithmetic and ``math`` functions. It computes exactly what
``network.MLP.gradients`` computes (the same loss conventions, the same activation
derivatives) and exists for two reasons only:

- it is the oracle that tests compare the matrix engine against, and
- it is the baseline of the timing view, which shows what the matrix form buys.

Nothing else uses it, and nobody should train with it. Weights use the engine's layout:
``weights[i][j][k]`` connects input ``j`` of layer ``i`` to its neuron ``k``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .activations import LEAKY_RELU_SLOPE


def activate(name: str, z: list[float]) -> list[float]:
    """Activation of one layer of one example; ``z`` is one value per neuron."""
    if name == "softmax":
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = sum(e)
        return [v / total for v in e]
    return [_activate_one(name, v) for v in z]


def _activate_one(name: str, z: float) -> float:
    if name == "sigmoid":
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    if name == "tanh":
        return math.tanh(z)
    if name == "relu":
        return z if z > 0 else 0.0
    if name == "leaky_relu":
        return z if z > 0 else LEAKY_RELU_SLOPE * z
    if name == "elu":
        return z if z > 0 else math.expm1(z)  # alpha 1
    if name == "softplus":
        return max(z, 0.0) + math.log1p(math.exp(-abs(z)))
    if name == "linear":
        return z
    raise ValueError(f"unknown activation {name!r}")


def _slope(name: str, z: float, a: float) -> float:
    """f'(z) of one neuron."""
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return 1.0 if z > 0 else 0.0
    if name == "leaky_relu":
        return 1.0 if z > 0 else LEAKY_RELU_SLOPE
    if name == "elu":
        return 1.0 if z > 0 else math.exp(z)
    if name == "softplus":
        return 1.0 / (1.0 + math.exp(-z))
    if name == "linear":
        return 1.0
    raise ValueError(f"unknown activation {name!r}")


def _example_loss(loss: str, a: list[float], y: list[float]) -> float:
    if loss == "mse":
        return 0.5 * sum((ak - yk) ** 2 for ak, yk in zip(a, y))
    tiny = 2.220446049250313e-16
    if loss == "cross_entropy":
        return -sum(yk * math.log(max(ak, tiny)) for ak, yk in zip(a, y))
    if loss == "binary_cross_entropy":
        total = 0.0
        for ak, yk in zip(a, y):
            p = min(max(ak, tiny), 1 - tiny)
            total -= yk * math.log(p) + (1 - yk) * math.log(1 - p)
        return total
    raise ValueError(f"unknown loss {loss!r}")


def example_gradients(
    weights: Sequence,
    biases: Sequence,
    activations: Sequence[str],
    loss: str,
    x: Sequence[float],
    y: Sequence[float],
):
    """Loss and gradients of ONE example, as nested Python lists.

    Returns ``(loss, dW, db)`` with ``dW[i][j][k]`` and ``db[i][k]`` like the weights."""
    # forward: keep every layer's z and a, neuron by neuron
    zs, acts = [], [list(x)]
    for W, b, name in zip(weights, biases, activations):
        a_prev = acts[-1]
        z = []
        for k in range(len(b)):  # each neuron k of this layer
            total = b[k]
            for j in range(len(a_prev)):  # each of its input weights
                total += a_prev[j] * W[j][k]
            z.append(total)
        zs.append(z)
        acts.append(activate(name, z))

    out, last = acts[-1], activations[-1]
    value = _example_loss(loss, out, y)

    # output delta dL/dz; softmax+cross-entropy and sigmoid+bce fuse to (a - y)
    if (last, loss) in (("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")):
        delta = [ak - yk for ak, yk in zip(out, y)]
    else:  # mse: dL/da = a - y, then through the activation
        grad_a = [ak - yk for ak, yk in zip(out, y)]
        if last == "softmax":
            s = sum(g * a for g, a in zip(grad_a, out))
            delta = [a * (g - s) for g, a in zip(grad_a, out)]
        else:
            delta = [g * _slope(last, z, a) for g, z, a in zip(grad_a, zs[-1], out)]

    L = len(weights)
    dW = [None] * L
    db = [None] * L
    for i in range(L - 1, -1, -1):  # layers, last to first
        a_prev = acts[i]
        W = weights[i]
        dW[i] = [[a_prev[j] * delta[k] for k in range(len(delta))] for j in range(len(a_prev))]
        db[i] = list(delta)
        if i > 0:
            prev = []
            for j in range(len(a_prev)):  # each neuron j of the layer below
                back = 0.0
                for k in range(len(delta)):  # sum over the neurons it feeds
                    back += W[j][k] * delta[k]
                prev.append(back * _slope(activations[i - 1], zs[i - 1][j], a_prev[j]))
            delta = prev
    return value, dW, db


def batch_gradients(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    activations: Sequence[str],
    loss: str,
    X: np.ndarray,
    Y: np.ndarray,
):
    """Loss and gradients averaged over a batch, one example at a time.

    ``X`` is ``(m, n_inputs)``, ``Y`` is ``(m, n_outputs)``. Returns ``(loss, dW, db)``
    with float64 arrays shaped like ``weights`` and ``biases``."""
    Wl = [np.asarray(W, np.float64).tolist() for W in weights]
    bl = [np.asarray(b, np.float64).tolist() for b in biases]
    m = len(X)
    total = 0.0
    dW = [np.zeros(np.shape(W)) for W in weights]
    db = [np.zeros(np.shape(b)) for b in biases]
    for x, y in zip(np.asarray(X, np.float64).tolist(), np.asarray(Y, np.float64).tolist()):
        value, gW, gb = example_gradients(Wl, bl, activations, loss, x, y)
        total += value
        for i in range(len(weights)):
            dW[i] += gW[i]
            db[i] += gb[i]
    return total / m, [g / m for g in dW], [g / m for g in db]
