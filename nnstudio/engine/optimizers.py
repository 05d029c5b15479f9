"""Optimizers that update parameter arrays in place.

Every optimizer takes ``params`` and ``grads`` as equal-length lists of arrays (weights and
biases alike) and a per-array flag saying whether L2 weight decay applies to it (weights
yes, biases no). Weight decay ``l2`` adds ``l2 * W`` to the gradient of ``W``, which is the
gradient of the penalty ``l2/2 * ||W||^2`` (the convention of ``torch.optim.SGD``'s
``weight_decay``). ``lr`` is a plain attribute: set it between steps and the next step uses
it; the optimizer's state (velocities, moment estimates, step count) is kept.

Update rules, with ``g`` the gradient (plus decay) and ``t`` the step number from 1:

- sgd:       ``w -= lr * g``
- momentum:  ``v = mu * v + g``; ``w -= lr * v``; Nesterov: ``w -= lr * (g + mu * v)``
  (the form ``torch.optim.SGD`` uses)
- rmsprop:   ``s = rho * s + (1 - rho) * g^2``; ``w -= lr * g / (sqrt(s) + eps)``
- adam:      ``m = b1 m + (1 - b1) g``; ``v = b2 v + (1 - b2) g^2``;
  ``w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)``
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")

#: learning rates that train the built-in samples well without tuning
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "rmsprop": 0.003, "adam": 0.01}


class Optimizer:
    name = "base"

    def __init__(self, lr: float, l2: float = 0.0):
        self.lr = float(lr)
        self.l2 = float(l2)
        self.t = 0
        self._state: list[tuple[np.ndarray, ...]] | None = None

    def _init_state(self, params: Sequence[np.ndarray]) -> list[tuple[np.ndarray, ...]]:
        return [() for _ in params]

    def prescale(self) -> float | None:
        """The factor this optimizer's next ``step`` may take the gradients already
        multiplied by (``prescaled=True``), or None. Plain SGD without decay says ``lr``:
        the network folds it into the output layer's delta for free, and the update
        ``w -= g`` saves a whole pass over the gradients (``g *= lr``)."""
        return None

    def step(
        self,
        params: Sequence[np.ndarray],
        grads: Sequence[np.ndarray],
        decay: Sequence[bool] | None = None,
        prescaled: bool = False,
    ) -> None:
        """Update ``params`` in place. ``grads`` may be overwritten (they are scratch).
        ``prescaled``: the gradients are already multiplied by ``prescale()``."""
        if prescaled:
            raise ValueError(f"{self.name} takes no prescaled gradients")
        if self._state is None:
            self._state = self._init_state(params)
        self.t += 1
        if decay is None:
            decay = [p.ndim > 1 for p in params]
        for p, g, d, state in zip(params, grads, decay, self._state):
            if d and self.l2:
                g += self.l2 * p
            self._update(p, g, state)

    def _update(self, p: np.ndarray, g: np.ndarray, state: tuple[np.ndarray, ...]) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    name = "sgd"

    def prescale(self) -> float | None:
        return None if self.l2 else self.lr

    def step(self, params, grads, decay=None, prescaled: bool = False) -> None:
        if not prescaled:
            return super().step(params, grads, decay)
        if self.l2:
            raise ValueError("with weight decay, SGD takes no prescaled gradients")
        self.t += 1
        for p, g in zip(params, grads):
            np.subtract(p, g, out=p)  # w -= lr * g, with g already lr * g

    def _update(self, p, g, state):
        g *= self.lr
        p -= g


class Momentum(Optimizer):
    name = "momentum"

    def __init__(self, lr: float, l2: float = 0.0, momentum: float = 0.9, nesterov: bool = False):
        super().__init__(lr, l2)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _init_state(self, params):
        return [(np.zeros_like(p),) for p in params]

    def _update(self, p, g, state):
        (v,) = state
        v *= self.momentum
        v += g
        if self.nesterov:
            g += self.momentum * v
            g *= self.lr
            p -= g
        else:
            p -= self.lr * v


class RMSProp(Optimizer):
    name = "rmsprop"

    def __init__(self, lr: float, l2: float = 0.0, rho: float = 0.9, eps: float = 1e-8):
        super().__init__(lr, l2)
        self.rho = float(rho)
        self.eps = float(eps)

    def _init_state(self, params):
        return [(np.zeros_like(p),) for p in params]

    def _update(self, p, g, state):
        (s,) = state
        s *= self.rho
        s += (1 - self.rho) * g * g
        denom = np.sqrt(s)
        denom += self.eps
        g /= denom
        g *= self.lr
        p -= g


class Adam(Optimizer):
    name = "adam"

    def __init__(
        self,
        lr: float,
        l2: float = 0.0,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ):
        super().__init__(lr, l2)
        self.beta1 = float(beta1)
        self.beta2 = float(beta2)
        self.eps = float(eps)

    def _init_state(self, params):
        return [(np.zeros_like(p), np.zeros_like(p)) for p in params]

    def _update(self, p, g, state):
        m, v = state
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        g *= g
        g *= 1 - self.beta2
        v += g
        c1 = 1 - self.beta1**self.t
        c2 = 1 - self.beta2**self.t
        # w -= lr/c1 * m / (sqrt(v/c2) + eps), reusing g as the scratch array
        np.divide(v, c2, out=g)
        np.sqrt(g, out=g)
        g += self.eps
        np.divide(m, g, out=g)
        g *= self.lr / c1
        p -= g


def make_optimizer(
    name: str,
    lr: float | None = None,
    l2: float = 0.0,
    *,
    momentum: float = 0.9,
    nesterov: bool = False,
) -> Optimizer:
    """An optimizer by name; ``lr=None`` takes the default for that optimizer."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    lr = DEFAULT_LR[name] if lr is None else lr
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"learning rate must be a positive number, got {lr}")
    if not (np.isfinite(l2) and l2 >= 0):
        raise ValueError(f"L2 weight decay must be >= 0, got {l2}")
    if name == "sgd":
        return SGD(lr, l2)
    if name == "momentum":
        return Momentum(lr, l2, momentum=momentum, nesterov=nesterov)
    if name == "rmsprop":
        return RMSProp(lr, l2)
    return Adam(lr, l2)
