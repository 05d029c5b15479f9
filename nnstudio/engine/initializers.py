"""Weight initializers, seeded by a NumPy ``Generator``.

Each returns a ``(fan_in, fan_out)`` float64 array; the network casts it to its dtype, so
the same seed gives the same weights in float32 and float64 (up to rounding).
"""

from __future__ import annotations

import numpy as np


def glorot_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def glorot_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def he_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def he_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


INITIALIZERS = {
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}

_RELU_FAMILY = {"relu", "leaky_relu", "elu"}


def default_initializer(activation: str) -> str:
    """He for the ReLU family (keeps the variance of half-zeroed units), Glorot otherwise."""
    return "he_uniform" if activation in _RELU_FAMILY else "glorot_uniform"
