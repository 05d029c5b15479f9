"""Per hidden layer: dead units, saturated units, mean activation, histograms.

All numbers come from one forward pass over a batch of rows (the app uses a fixed sample
of at most :data:`SAMPLE_ROWS` training rows, so the cost does not grow with the data).
Hidden layer ``0`` is the first hidden layer; the output layer is not a hidden layer.

Definitions, per unit, over the ``m`` examples of the batch:

- dead (ReLU family: ``relu``, ``leaky_relu``, ``elu``): the unit's output is ``<= 0``
  for every example, i.e. its pre-activation never reaches the linear part, so the
  gradient reaching its incoming weights is 0 (ReLU) or nearly so. For ``relu`` this is
  "the output is zero for every example". Other activations have no dead units (NaN).
- saturated (``sigmoid``, ``tanh``): the output is within :data:`SATURATION` of the
  activation's range from one of its limits (sigmoid below 0.01 or above 0.99, tanh
  beyond +-0.98) for every example; there the derivative is under 4% of its largest
  value, so the unit barely learns. Other activations do not saturate (NaN).

The layer's figures are the fraction of its units that are dead / saturated, and its
mean activation over all examples and units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnstudio.engine.network import MLP

__all__ = [
    "LayerStats",
    "activation_histograms",
    "hidden_outputs",
    "layer_stats",
    "sample_rows",
]

#: the most rows the app pushes through the network for unit statistics
SAMPLE_ROWS = 512
#: activations whose units can die
RELU_FAMILY = ("relu", "leaky_relu", "elu")
#: bounded activations and their limits
LIMITS = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
#: "near a limit": within this fraction of the activation's range
SATURATION = 0.01
#: histogram bins per layer
BINS = 30


def sample_rows(n: int, limit: int = SAMPLE_ROWS, seed: int = 0) -> np.ndarray:
    """All row numbers ``0..n-1``, or a fixed seeded sorted sample of ``limit`` of them."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def hidden_outputs(net: MLP, X: np.ndarray) -> list[np.ndarray]:
    """The activations ``(m, h_i)`` of every hidden layer for standardized input ``X``
    ``(m, n_inputs)``, as float64; ``[]`` for a network without hidden layers."""
    if net.n_layers < 2:
        return []
    with np.errstate(over="ignore", invalid="ignore"):
        return [np.asarray(A, np.float64) for A in net.layer_outputs(X, net.n_layers - 1)]


@dataclass
class LayerStats:
    """One hidden layer's figures (see the module docstring); ``dead`` / ``saturated``
    are fractions of the layer's units, NaN where the activation has no such state.
    ``dead_units`` / ``saturated_units`` ``(units,)`` bool mark which."""

    layer: int
    activation: str
    units: int
    dead: float
    saturated: float
    mean: float
    dead_units: np.ndarray
    saturated_units: np.ndarray


def layer_stats(hidden: list[np.ndarray], activations: list[str]) -> list[LayerStats]:
    """Figures of each hidden layer from its activations ``(m, h_i)`` (``m >= 1``) and
    its activation name."""
    out = []
    for i, (A, act) in enumerate(zip(hidden, activations)):
        A = np.asarray(A, np.float64)
        h = A.shape[1]
        none = np.zeros(h, bool)
        dead_units = np.all(A <= 0, axis=0) if act in RELU_FAMILY else none
        if act in LIMITS:
            lo, hi = LIMITS[act]
            tol = SATURATION * (hi - lo)
            near = (A <= lo + tol) | (A >= hi - tol)
            sat_units = np.all(near, axis=0)
        else:
            sat_units = none
        out.append(
            LayerStats(
                layer=i,
                activation=act,
                units=h,
                dead=float(dead_units.mean()) if act in RELU_FAMILY else float("nan"),
                saturated=float(sat_units.mean()) if act in LIMITS else float("nan"),
                mean=float(A.mean()) if A.size else float("nan"),
                dead_units=dead_units,
                saturated_units=sat_units,
            )
        )
    return out


def activation_histograms(
    hidden: list[np.ndarray], activations: list[str], bins: int = BINS
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(counts (bins,), edges (bins + 1,))`` of all the activation values of each
    hidden layer. Bounded activations use their whole range (sigmoid [0, 1], tanh
    [-1, 1]) so that saturation shows at the edges; others the values' own range.
    Non-finite values are left out."""
    out = []
    for A, act in zip(hidden, activations):
        v = np.asarray(A, np.float64).ravel()
        v = v[np.isfinite(v)]
        if act in LIMITS:
            lo, hi = LIMITS[act]
        elif v.size:
            lo, hi = float(v.min()), float(v.max())
        else:
            lo, hi = 0.0, 1.0
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        counts, edges = np.histogram(v, bins=bins, range=(lo, hi))
        out.append((counts.astype(np.int64), edges))
    return out
