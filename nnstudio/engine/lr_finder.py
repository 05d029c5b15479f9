"""The learning-rate range test: train a copy of the network for a few hundred steps while
the learning rate grows exponentially, and read a good rate off the loss curve.

Step ``i`` of ``n`` (0-based) uses ``lr_i = lr_min * (lr_max / lr_min) ** (i / (n - 1))``
on the next mini-batch of shuffled training rows (the same ``Trainer`` steps that
training uses, so the optimizer, L2 and batch size are the real ones). The sweep stops
early when the loss blows up: a non-finite loss or gradient, or a smoothed loss above
``BLOWUP`` times the lowest smoothed loss so far.

Smoothing: the recorded ``loss`` is an exponential moving average of the batch losses,
``s_i = beta s_{i-1} + (1 - beta) l_i`` divided by ``1 - beta^(i+1)`` (bias correction,
``beta = SMOOTHING``), so the curve is readable although every batch differs.

Suggestion: the rate where the smoothed loss is lowest, divided by ``MIN_DIVISOR`` (10):
the loss is still falling fast there, while at the minimum itself the rate is already
about to be too high. (The steepest-descent point is the other common rule; on the
built-in samples and the CSVs it was noisier from run to run.)

The network passed in is never changed: the sweep trains ``net.copy()``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .network import MLP
from .optimizers import make_optimizer
from .trainer import Trainer, TrainingDiverged

#: default sweep: rates from LR_MIN to LR_MAX over STEPS steps
LR_MIN = 1e-6
LR_MAX = 10.0
STEPS = 200
#: smoothed loss above this times the lowest smoothed loss ends the sweep
BLOWUP = 4.0
#: EMA weight of the previous smoothed loss
SMOOTHING = 0.9
#: suggestion = rate at the lowest smoothed loss / MIN_DIVISOR
MIN_DIVISOR = 10.0


@dataclass
class RangeTest:
    """The sweep: ``lr`` and smoothed ``loss`` per step (equal lengths, the steps done),
    ``raw_loss`` the batch losses, ``suggested_lr`` and why the sweep ended
    (``"blew up"``, ``"diverged"`` or ``"finished"``)."""

    lr: list[float]
    loss: list[float]
    raw_loss: list[float]
    suggested_lr: float
    stopped: str

    def to_dict(self) -> dict:
        return {"suggested_lr": self.suggested_lr, "lr": self.lr, "loss": self.loss}


def suggest(lr: list[float], loss: list[float]) -> float:
    """``lr`` at the lowest smoothed ``loss``, divided by ``MIN_DIVISOR`` (at least the
    first rate of the sweep)."""
    if not lr:
        raise ValueError("no steps to suggest from")
    i = int(np.nanargmin(np.asarray(loss, np.float64)))
    return max(lr[i] / MIN_DIVISOR, lr[0])


def lr_range_test(
    net: MLP,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    optimizer: str = "adam",
    l2: float = 0.0,
    batch_size: int = 32,
    seed: int = 0,
    lr_min: float = LR_MIN,
    lr_max: float = LR_MAX,
    steps: int = STEPS,
    momentum: float = 0.9,
    nesterov: bool = False,
    task: str | None = None,
) -> RangeTest:
    """Run the range test on a copy of ``net`` with training rows ``X`` (n, n_inputs) and
    targets ``Y`` (n, n_outputs), preprocessed as for ``Trainer``."""
    if not (0 < lr_min < lr_max and math.isfinite(lr_max)):
        raise ValueError(f"need 0 < lr_min < lr_max, got {lr_min} and {lr_max}")
    if int(steps) < 2:
        raise ValueError(f"the sweep needs at least 2 steps, got {steps}")
    steps = int(steps)
    opt = make_optimizer(optimizer, lr_min, l2, momentum=momentum, nesterov=nesterov)
    trainer = Trainer(net.copy(), X, Y, optimizer=opt, batch_size=batch_size, seed=seed,
                      task=task, epochs=1)  # fmt: skip
    trainer.epochs = -(-steps // trainer.steps_per_epoch)  # enough epochs for every step
    ratio = lr_max / lr_min
    lrs: list[float] = []
    smoothed: list[float] = []
    raw: list[float] = []
    avg, best = 0.0, math.inf
    stopped = "finished"
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), trainer.blas_threads():
        for i in range(steps):
            rate = lr_min * ratio ** (i / (steps - 1))
            trainer.lr = rate
            try:
                rep = trainer.step()
            except TrainingDiverged as exc:
                stopped, diverged = "diverged", exc
                break
            avg = SMOOTHING * avg + (1 - SMOOTHING) * rep.loss
            s = avg / (1 - SMOOTHING ** (i + 1))
            lrs.append(rate)
            raw.append(float(rep.loss))
            smoothed.append(float(s))
            best = min(best, s)
            if s > BLOWUP * best:
                stopped = "blew up"
                break
    if not lrs:  # the very first step, at lr_min, diverged: its error has the facts
        raise diverged
    return RangeTest(lrs, smoothed, raw, suggest(lrs, smoothed), stopped)
