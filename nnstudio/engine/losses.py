"""Losses, each averaged over the examples of a batch.

With ``A`` the network output and ``Y`` the target, both ``(m, k)`` for ``m`` examples
and ``k`` output units:

- ``mse``: ``L = 1/(2m) * sum_i sum_j (A_ij - Y_ij)^2``. The factor 1/2 makes
  ``dL/dA = (A - Y) / m``. (This is half of ``torch.nn.MSELoss`` for one output unit.)
- ``cross_entropy``: ``L = -1/m * sum_i sum_j Y_ij log A_ij`` for a softmax output and
  one-hot (or probability) rows ``Y``.
- ``binary_cross_entropy``: ``L = -1/m * sum_i sum_j [Y log A + (1 - Y) log(1 - A)]``
  for sigmoid output units, each an independent yes/no.

For softmax + cross_entropy and sigmoid + binary_cross_entropy the gradient with respect to
the output layer's pre-activation ``Z`` is ``(A - Y) / m`` exactly: the activation's
derivative cancels against the loss's. ``loss_and_delta`` uses that fused form for these two
pairs. mse pairs with any output activation and goes through the activation derivative.
Any other pair is refused by ``check_pair`` with a message that says what to pick.
"""

from __future__ import annotations

import numpy as np

from .activations import DERIVATIVES

LOSSES = ("mse", "cross_entropy", "binary_cross_entropy")

#: loss -> the output activation it requires (None: any)
_REQUIRED_OUTPUT = {"mse": None, "cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}

#: (output activation, loss) pairs whose output delta is the fused (A - Y) / m
FUSED_PAIRS = {("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")}


def check_pair(output_activation: str, loss: str) -> None:
    """Raise ``ValueError`` if the output activation and loss do not fit together."""
    if loss not in _REQUIRED_OUTPUT:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    need = _REQUIRED_OUTPUT[loss]
    if need is not None and output_activation != need:
        raise ValueError(
            f"loss {loss!r} needs a {need} output layer, not {output_activation!r}; "
            f"use a {need} output or the mse loss"
        )


def default_loss(output_activation: str) -> str:
    return {"softmax": "cross_entropy", "sigmoid": "binary_cross_entropy"}.get(
        output_activation, "mse"
    )


# Probabilities are clipped away from 0 and 1 by the dtype's eps so log stays finite: a
# confident wrong answer costs about -log(eps) instead of infinity. (np.finfo is slow
# enough to matter per step, hence the table.)
_EPS = {np.dtype(t): float(np.finfo(t).eps) for t in (np.float16, np.float32, np.float64)}


def _eps(dtype) -> float:
    return _EPS[np.dtype(dtype)]


def loss_value(loss: str, A: np.ndarray, Y: np.ndarray) -> float:
    """The loss of output ``A`` against target ``Y``, both ``(m, k)``, averaged over m."""
    m = A.shape[0]
    if m == 0:
        return float("nan")
    if loss == "mse":
        d = (A - Y).ravel()
        return float(np.dot(d, d)) / (2 * m)
    eps = _eps(A.dtype)
    if loss == "cross_entropy":
        logs = np.log(np.maximum(A, eps))
        return -float(np.vdot(Y, logs)) / m
    if loss == "binary_cross_entropy":
        P = np.clip(A, eps, 1 - eps)
        total = np.vdot(Y, np.log(P)) + np.vdot(1 - Y, np.log1p(-P))
        return -float(total) / m
    raise ValueError(f"unknown loss {loss!r}")


def loss_and_delta(
    loss: str, activation: str, A: np.ndarray, Y: np.ndarray, out: np.ndarray, scale=None
):
    """The batch loss of output ``A`` against ``Y``, and dL/dZ of the output layer written
    into ``out`` (shaped like ``A``). Both start from ``A - Y``, computed once (for mse
    the loss is ``|A - Y|^2 / 2m``). ``scale`` replaces the delta's factor ``1/m``:
    pass ``1/m`` as a NumPy scalar of ``A``'s dtype (cheaper in the ufunc call than a
    Python float), or ``c/m`` for a delta, and so gradients, multiplied by ``c``."""
    m = A.shape[0]
    np.subtract(A, Y, out=out)  # A - Y
    value = float(np.vdot(out, out)) / (2 * m) if loss == "mse" else loss_value(loss, A, Y)
    if scale is not None:
        np.multiply(out, scale, out=out)
    elif m != 1:
        np.multiply(out, 1.0 / m, out=out)
    if (activation, loss) in FUSED_PAIRS:  # dL/dZ = (A - Y) / m
        return value
    if loss != "mse":
        check_pair(activation, loss)
    # mse: dL/dA = (A - Y) / m, then through the activation's derivative
    DERIVATIVES[activation](None, A, out)
    return value
