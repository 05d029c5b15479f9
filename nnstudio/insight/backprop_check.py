"""Backprop against central differences, layer by layer, for the network on screen.

The check runs on a float64 copy of the network and a batch of the current (standardized)
training data, and compares the engine's analytic gradient with
``(L(p + eps) - L(p - eps)) / 2eps`` from ``engine.gradcheck``. Per dense layer it reports
the largest error over the checked entries of ``W`` and ``b``, measured as
``engine.gradcheck.max_relative_error`` does: ``|a - n| / max(1, |a|, |n|)``.

Bounds, so that the check takes a second or two for any network the app allows: at
most :data:`BATCH` rows; each checked entry costs two forward passes, and the entries
per layer are at most :data:`PER_LAYER` and at most what :data:`BUDGET_MACS`
multiply-adds of forward passes allow over all layers (but never fewer than
:data:`MIN_PER_LAYER`). A layer with no more parameters than that is checked whole;
otherwise its biases fill up to half the count and a seeded random sample of its weights
the rest.

ReLU and leaky ReLU have a kink at 0 where the derivative is a convention (the engine
uses 0 for ReLU) and central differences straddle it; rows with a hidden pre-activation
within :data:`KINK` of 0 in such a layer are left out of the batch (if every row is,
they are used anyway and the report says so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnstudio.engine.gradcheck import max_relative_error, numerical_gradient_at
from nnstudio.engine.network import MLP

__all__ = ["BackpropCheck", "LayerCheck", "check_backprop"]

BATCH = 16
PER_LAYER = 60
MIN_PER_LAYER = 8
#: multiply-adds of all the forward passes of one check (2 passes per checked entry)
BUDGET_MACS = 1e9
EPS = 1e-6
#: the analytic gradient "matches" when every layer's error is below this
TOLERANCE = 1e-6
KINK = 1e-4
_KINKED = ("relu", "leaky_relu")


class Cancelled(Exception):
    """``should_stop()`` returned True."""


@dataclass
class LayerCheck:
    layer: int  # dense layer index, 0 = first hidden layer, last = output layer
    fan_in: int
    fan_out: int
    checked: int  # parameters compared
    total: int  # parameters in the layer (W and b)
    max_error: float


@dataclass
class BackpropCheck:
    layers: list[LayerCheck]
    rows: int  # examples in the batch
    on_kink: bool  # the batch had to include rows at a ReLU kink
    tolerance: float = TOLERANCE

    @property
    def max_error(self) -> float:
        return max((c.max_error for c in self.layers), default=0.0)

    @property
    def matches(self) -> bool:
        return bool(np.isfinite(self.max_error) and self.max_error < self.tolerance)

    def summary(self) -> str:
        """One line saying whether backprop matches."""
        checked = sum(c.checked for c in self.layers)
        total = sum(c.total for c in self.layers)
        what = f"{checked} of {total} parameters on {self.rows} rows"
        if self.matches:
            line = (
                f"Backprop matches central differences: max relative error "
                f"{self.max_error:.1e} < {self.tolerance:.0e} ({what})."
            )
        else:
            bad = [c.layer for c in self.layers if not c.max_error < self.tolerance]
            line = (
                f"Backprop does NOT match central differences in layer(s) "
                f"{', '.join(map(str, bad))}: max relative error {self.max_error:.1e} >= "
                f"{self.tolerance:.0e} ({what})."
            )
        if self.on_kink:
            line += " Some rows sit on a ReLU kink, where the derivative is a convention."
        return line


def _batch(net: MLP, X: np.ndarray, batch: int, rng) -> tuple[np.ndarray, bool]:
    """Row numbers of up to ``batch`` rows of ``X`` away from ReLU kinks."""
    order = rng.permutation(len(X))[: max(batch * 8, batch)]
    kinked = [i for i, a in enumerate(net.activations[:-1]) if a in _KINKED]
    if not kinked:
        return order[:batch], False
    A = net.layer_outputs(X[order], net.n_layers)
    ok = np.ones(len(order), bool)
    for i in kinked:
        a_prev = X[order] if i == 0 else A[i - 1]
        Z = a_prev @ net.weights[i] + net.biases[i]
        ok &= np.all(np.abs(Z) > KINK, axis=1)
    if not ok.any():
        return order[:batch], True
    return order[ok][:batch], False


def _indices(size: int, budget: int, rng) -> np.ndarray:
    if size <= budget:
        return np.arange(size)
    return np.sort(rng.choice(size, size=budget, replace=False))


def check_backprop(
    net: MLP,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    batch: int = BATCH,
    per_layer: int = PER_LAYER,
    seed: int = 0,
    eps: float = EPS,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
) -> BackpropCheck:
    """Check ``net``'s backprop on rows of ``X`` ``(n, n_inputs)`` (standardized) with
    targets ``Y`` ``(n, n_outputs)`` as the trainer sees them. ``net`` is not changed.
    Raises :class:`Cancelled` when ``should_stop()`` becomes true between entries."""
    rng = np.random.default_rng(seed)
    net64 = net.copy(np.float64)
    X = np.asarray(X, np.float64)
    Y = np.asarray(Y, np.float64)
    rows, on_kink = _batch(net64, X, int(batch), rng)
    Xb, Yb = np.ascontiguousarray(X[rows]), np.ascontiguousarray(Y[rows])
    g = net64.gradients(Xb, Yb)
    dW = [w.copy() for w in g.weights]
    db = [b.copy() for b in g.biases]
    pass_macs = len(rows) * sum(W.size for W in net64.weights)
    affordable = int(BUDGET_MACS / (2 * max(pass_macs, 1) * net64.n_layers))
    per_layer = max(MIN_PER_LAYER, min(int(per_layer), affordable))
    plan = []
    for i, (W, b) in enumerate(zip(net64.weights, net64.biases)):
        if W.size + b.size <= per_layer:
            bi, wi = np.arange(b.size), np.arange(W.size)
        else:
            bi = _indices(b.size, per_layer // 2, rng)
            wi = _indices(W.size, per_layer - bi.size, rng)
        plan.append((i, wi, bi))
    total = sum(len(wi) + len(bi) for _, wi, bi in plan)
    done = 0
    layers = []
    for i, wi, bi in plan:
        W, b = net64.weights[i], net64.biases[i]
        numeric = []
        for param, idx in ((W, wi), (b, bi)):
            vals = np.empty(len(idx))
            for n0 in range(0, len(idx), 8):  # small chunks: prompt cancel and progress
                if should_stop is not None and should_stop():
                    raise Cancelled
                part = idx[n0 : n0 + 8]
                vals[n0 : n0 + len(part)] = numerical_gradient_at(net64, Xb, Yb, param, part, eps)
                done += len(part)
                if progress is not None:
                    progress(done / total)
            numeric.append(vals)
        err = max_relative_error([dW[i].reshape(-1)[wi], db[i][bi]], numeric)
        layers.append(
            LayerCheck(i, W.shape[0], W.shape[1], len(wi) + len(bi), W.size + b.size, err)
        )
    return BackpropCheck(layers, len(rows), on_kink)
