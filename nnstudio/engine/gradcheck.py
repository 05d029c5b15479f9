"""Numerical gradients by central differences, for checking the analytic ones.

Use float64 networks: in float32 the differences drown in rounding.
"""

from __future__ import annotations

import numpy as np

from .network import MLP


def numerical_gradient_at(
    net: MLP, X: np.ndarray, Y: np.ndarray, param: np.ndarray, flat_index, eps: float = 1e-6
) -> np.ndarray:
    """The batch loss's derivative with respect to the entries ``flat_index`` (ints into
    ``param.reshape(-1)``, C order) of ``param``, one of ``net.params()``, by
    ``(L(p + eps) - L(p - eps)) / 2eps``; float64, one value per index. ``param`` is
    restored exactly."""
    idx = np.asarray(flat_index, np.intp).reshape(-1)
    out = np.empty(idx.size, np.float64)
    for n, j in enumerate(idx.tolist()):
        at = np.unravel_index(j, param.shape)  # C order, whatever the memory order
        keep = param[at]
        param[at] = keep + eps
        up = net.loss_on(X, Y)
        param[at] = keep - eps
        down = net.loss_on(X, Y)
        param[at] = keep
        out[n] = (up - down) / (2 * eps)
    return out


def numerical_gradients(net: MLP, X: np.ndarray, Y: np.ndarray, eps: float = 1e-6):
    """``(dW, db)`` lists of the batch loss's gradient, by ``(L(p+eps) - L(p-eps)) / 2eps``
    for every parameter ``p`` in turn."""
    grads = [
        numerical_gradient_at(net, X, Y, p, np.arange(p.size), eps).reshape(p.shape)
        for p in net.params()
    ]
    return grads[0::2], grads[1::2]


def max_relative_error(a, b) -> float:
    """``max |a - b| / max(1, |a|, |b|)`` over lists of arrays."""
    worst = 0.0
    for x, y in zip(a, b):
        x = np.asarray(x, np.float64)
        y = np.asarray(y, np.float64)
        scale = np.maximum(1.0, np.maximum(np.abs(x), np.abs(y)))
        worst = max(worst, float(np.max(np.abs(x - y) / scale)) if x.size else 0.0)
    return worst
