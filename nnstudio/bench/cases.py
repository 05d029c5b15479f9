"""The four training cases of the speed table in the design notes, and their data.

Each case is a network, a loss, a batch size and the throughput it must reach against
PyTorch (``target``: nnstudio samples/s over torch samples/s) and, where the design asks
for it, against the machine's GEMM peak (``peak_target``: the fraction of the float32
peak that the step's matrix products reach).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Case:
    name: str
    layer_sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    batch_size: int
    n_samples: int
    target: float  # required nnstudio / torch throughput ratio
    peak_target: float | None = None  # required fraction of the GEMM peak
    lr: float = 0.01


CASES: dict[str, Case] = {
    c.name: c
    for c in (
        Case("tiny", (2, 8, 8, 1), ("tanh", "tanh", "linear"), "mse", 10, 1000, 10.0),
        Case("small", (784, 128, 10), ("relu", "softmax"), "cross_entropy", 32, 8192, 2.0),
        Case(
            "medium",
            (784, 512, 512, 10),
            ("relu", "relu", "softmax"),
            "cross_entropy",
            128,
            8192,
            1.0,
            0.65,
        ),
        Case(
            "wide",
            (64, 1024, 1024, 1024, 10),
            ("relu", "relu", "relu", "softmax"),
            "cross_entropy",
            256,
            8192,
            1.0,
            0.65,
        ),
    )
}


def case_data(case: Case, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic float32 inputs ``(n, d)`` and targets ``(n, k)``: one-hot rows of random
    classes for cross_entropy, ``sin(sum(x))`` for mse."""
    rng = np.random.default_rng(seed)
    n, d, k = case.n_samples, case.layer_sizes[0], case.layer_sizes[-1]
    X = rng.standard_normal((n, d), dtype=np.float32)
    if case.loss == "cross_entropy":
        Y = np.eye(k, dtype=np.float32)[rng.integers(0, k, n)]
    else:
        Y = np.sin(X.sum(axis=1, keepdims=True)).astype(np.float32)
    return X, Y
