"""Numerical gradients by central differences, for checking the analytic ones.

Use float64 networks: in float32 the differences drown in rounding.
"""

from __future__ import annotations

import numpy as np

from .network import MLP


def numerical_gradients(net: MLP, X: np.ndarray, Y: np.ndarray, eps: float = 1e-6):
    """``(dW, db)`` lists of the batch loss's gradient, by ``(L(p+eps) - L(p-eps)) / 2eps``
    for every parameter ``p`` in turn."""
    grads = []
    for p in net.params():
        g = np.zeros_like(p, dtype=np.float64)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for j in range(flat.size):
            keep = flat[j]
            flat[j] = keep + eps
            up = net.loss_on(X, Y)
            flat[j] = keep - eps
            down = net.loss_on(X, Y)
            flat[j] = keep
            gflat[j] = (up - down) / (2 * eps)
        grads.append(g)
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
