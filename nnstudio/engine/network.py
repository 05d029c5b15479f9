"""A multilayer perceptron whose forward and backward passes are matrix operations.

Rows are examples. Layer ``i`` (``i = 0`` is the first hidden layer, ``L - 1`` the output
layer) holds ``W[i]`` of shape ``(fan_in, fan_out)`` and ``b[i]`` of shape ``(fan_out,)``
and computes, for a whole mini-batch ``A_prev`` of shape ``(m, fan_in)``::

    Z = A_prev @ W + b          A = f(Z)

Backward, from ``dZ = dL/dZ`` of shape ``(m, fan_out)``::

    dW = A_prev.T @ dZ          db = dZ.sum(0)          dA_prev = dZ @ W.T

There is one Python loop over layers and none over neurons or examples. Buffers for each
batch size are allocated once and reused, every element-wise step runs in place, the
output layer uses the fused delta where it is valid (see ``losses``), and the first layer
never computes a gradient with respect to the input.

This is the engine; it is NumPy only. The per-example, per-neuron version of the same
mathematics is in ``loop.py`` and exists to check this one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import activations as _act
from .initializers import INITIALIZERS, default_initializer
from .losses import check_pair, default_loss, loss_value, output_delta

DTYPES = {"float32": np.float32, "float64": np.float64}


def as_dtype(dtype) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, not {dt}")
    return dt


@dataclass
class Gradients:
    """Gradients of one batch. The arrays are the network's buffers: read them before the
    next call to ``MLP.gradients``."""

    loss: float
    weights: list[np.ndarray]  # dW[i], (fan_in, fan_out)
    biases: list[np.ndarray]  # db[i], (fan_out,)
    norms: np.ndarray  # (n_layers,) L2 norm of each dW[i], float64
    output: np.ndarray  # (m, n_outputs) network output for the batch


def _interleave(weights: Sequence, biases: Sequence) -> list:
    return [a for pair in zip(weights, biases) for a in pair]


class _Workspace:
    """Preallocated arrays for one batch size."""

    def __init__(self, sizes: Sequence[int], m: int, dtype: np.dtype):
        self.A = [np.empty((m, n), dtype) for n in sizes[1:]]
        self.D = [np.empty((m, n), dtype) for n in sizes[1:]]
        self.S = [np.empty((m, n), dtype) for n in sizes[1:-1]]  # scratch, hidden layers


class MLP:
    """A dense network with one activation per layer.

    Parameters
    ----------
    layer_sizes : ``[n_inputs, h_1, ..., n_outputs]``, at least two entries.
    activations : one name per dense layer (``len(layer_sizes) - 1``); softmax only last.
    loss : ``mse``, ``cross_entropy`` or ``binary_cross_entropy``; default follows the
        output activation (softmax: cross_entropy, sigmoid: binary_cross_entropy, else mse).
    dtype : float32 (default, for speed) or float64 (for gradient checks).
    init : an initializer name or ``"auto"`` (He for the ReLU family, Glorot otherwise).
    seed : an int or a ``numpy.random.Generator``.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activations: Sequence[str],
        loss: str | None = None,
        *,
        dtype=np.float32,
        init: str = "auto",
        seed: int | np.random.Generator | None = 0,
    ):
        sizes = [int(s) for s in layer_sizes]
        if len(sizes) < 2 or any(s < 1 for s in sizes):
            raise ValueError(f"layer sizes must be >= 2 positive integers, got {list(layer_sizes)}")
        acts = [_act.check_name(a) for a in activations]
        if len(acts) != len(sizes) - 1:
            raise ValueError(
                f"need one activation per dense layer ({len(sizes) - 1}), got {len(acts)}"
            )
        if "softmax" in acts[:-1]:
            raise ValueError("softmax is for the output layer only")
        loss = loss or default_loss(acts[-1])
        check_pair(acts[-1], loss)
        if init != "auto" and init not in INITIALIZERS:
            raise ValueError(
                f"unknown initializer {init!r}; choose one of {', '.join(INITIALIZERS)}"
            )
        self.layer_sizes = sizes
        self.activations = acts
        self.loss = loss
        self.dtype = as_dtype(dtype)
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self.weights: list[np.ndarray] = []
        self.biases: list[np.ndarray] = []
        for fan_in, fan_out, act in zip(sizes[:-1], sizes[1:], acts):
            name = default_initializer(act) if init == "auto" else init
            self.weights.append(
                np.ascontiguousarray(INITIALIZERS[name](rng, fan_in, fan_out), self.dtype)
            )
            self.biases.append(np.zeros(fan_out, self.dtype))
        self._allocate_buffers()

    def _allocate_buffers(self) -> None:
        """Gradient buffers shaped like the parameters, and no batch workspaces yet."""
        self._dW = [np.empty_like(W) for W in self.weights]
        self._db = [np.empty_like(b) for b in self.biases]
        self._workspaces: dict[int, _Workspace] = {}

    # ------------------------------------------------------------------ structure
    @property
    def n_layers(self) -> int:
        return len(self.weights)

    @property
    def n_inputs(self) -> int:
        return self.layer_sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.layer_sizes[-1]

    @property
    def n_parameters(self) -> int:
        return sum(W.size + b.size for W, b in zip(self.weights, self.biases))

    def params(self) -> list[np.ndarray]:
        """``[W0, b0, W1, b1, ...]``: the live arrays, changed in place by optimizers."""
        return _interleave(self.weights, self.biases)

    def grad_arrays(self) -> list[np.ndarray]:
        """``[dW0, db0, dW1, db1, ...]``: the buffers ``gradients`` fills, in ``params`` order."""
        return _interleave(self._dW, self._db)

    def set_params(self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]) -> None:
        """Copy weights ``(fan_in, fan_out)`` and biases ``(fan_out,)`` into the network."""
        if len(weights) != self.n_layers or len(biases) != self.n_layers:
            raise ValueError(f"expected {self.n_layers} weight matrices and bias vectors")
        for i, (W, b) in enumerate(zip(weights, biases)):
            W = np.asarray(W)
            b = np.asarray(b)
            if W.shape != self.weights[i].shape or b.shape != self.biases[i].shape:
                raise ValueError(
                    f"layer {i}: expected weight {self.weights[i].shape} and bias "
                    f"{self.biases[i].shape}, got {W.shape} and {b.shape}"
                )
            self.weights[i][...] = W
            self.biases[i][...] = b

    def copy(self, dtype=None) -> MLP:
        """A deep copy, optionally in another dtype."""
        other = MLP.__new__(MLP)
        other.layer_sizes = list(self.layer_sizes)
        other.activations = list(self.activations)
        other.loss = self.loss
        other.dtype = as_dtype(dtype or self.dtype)
        other.weights = [W.astype(other.dtype) for W in self.weights]
        other.biases = [b.astype(other.dtype) for b in self.biases]
        other._allocate_buffers()
        return other

    def __repr__(self) -> str:
        arch = "-".join(map(str, self.layer_sizes))
        return f"MLP({arch}, {','.join(self.activations)}, loss={self.loss}, {self.dtype})"

    # ------------------------------------------------------------------ passes
    def _workspace(self, m: int) -> _Workspace:
        ws = self._workspaces.get(m)
        if ws is None:
            if len(self._workspaces) >= 4:  # the batch size and the last, shorter batch
                self._workspaces.clear()
            ws = self._workspaces[m] = _Workspace(self.layer_sizes, m, self.dtype)
        return ws

    def _input(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"expected input of shape (n, {self.n_inputs}), got {X.shape}")
        if X.dtype != self.dtype or not X.flags.c_contiguous:
            X = np.ascontiguousarray(X, dtype=self.dtype)
        return X

    def _forward_into(self, X: np.ndarray, A: list[np.ndarray]) -> np.ndarray:
        a = X
        for W, b, act, out in zip(self.weights, self.biases, self.activations, A):
            np.matmul(a, W, out=out)
            out += b
            _act.ACTIVATIONS[act](out)
            a = out
        return a

    def forward(self, X: np.ndarray, batch: int = 8192) -> np.ndarray:
        """Network output ``(n, n_outputs)`` for input ``(n, n_inputs)``, as a new array.

        Large inputs go through in chunks of ``batch`` rows to bound memory."""
        X = self._input(X)
        n = X.shape[0]
        result = np.empty((n, self.n_outputs), self.dtype)
        for start in range(0, n, batch):
            chunk = X[start : start + batch]
            A = [np.empty((chunk.shape[0], k), self.dtype) for k in self.layer_sizes[1:]]
            result[start : start + batch] = self._forward_into(chunk, A)
        return result

    def layer_outputs(self, X: np.ndarray, n_layers: int | None = None) -> list[np.ndarray]:
        """The activations ``A[0], ..., A[n_layers - 1]`` of the first ``n_layers`` dense
        layers (default all; ``A[i]`` is ``(n, layer_sizes[i + 1])``, ``A[-1]`` of all
        layers the output) for input ``(n, n_inputs)``, as new arrays. For looking inside
        the network (hidden unit surfaces, activation statistics); one pass, no chunks."""
        X = self._input(X)
        k = self.n_layers if n_layers is None else int(n_layers)
        if not 1 <= k <= self.n_layers:
            raise ValueError(f"n_layers must be 1..{self.n_layers}, got {n_layers}")
        A = [np.empty((X.shape[0], n), self.dtype) for n in self.layer_sizes[1 : k + 1]]
        self._forward_into(X, A)  # stops after len(A) layers
        return A

    def loss_on(self, X: np.ndarray, Y: np.ndarray) -> float:
        """The loss of the whole of ``X`` against ``Y`` (no gradients)."""
        return loss_value(self.loss, self.forward(X), np.asarray(Y, self.dtype))

    def gradients(self, X: np.ndarray, Y: np.ndarray, scale: float = 1.0) -> Gradients:
        """Loss and gradients of one batch ``X (m, n_inputs)``, ``Y (m, n_outputs)``.

        The loss is the batch average (see ``losses``); weight decay is the optimizer's.
        The returned gradient arrays are multiplied by ``scale`` (plain SGD passes its
        learning rate and so saves a pass over every weight); the loss and the norms are
        those of the unscaled gradient."""
        X = self._input(X)
        m = X.shape[0]
        Y = np.asarray(Y)
        if Y.shape != (m, self.n_outputs):
            raise ValueError(f"expected targets of shape ({m}, {self.n_outputs}), got {Y.shape}")
        if Y.dtype != self.dtype:
            Y = Y.astype(self.dtype)
        ws = self._workspace(m)
        A, D = ws.A, ws.D
        out = self._forward_into(X, A)
        loss = loss_value(self.loss, out, Y)
        L = self.n_layers
        output_delta(self.loss, self.activations[-1], out, Y, out=D[-1], scale=scale)
        norms = np.empty(L)
        for i in range(L - 1, -1, -1):
            a_prev = A[i - 1] if i > 0 else X
            dW = self._dW[i]
            if m == 1:  # an outer product; as a matrix product it is several times slower
                np.multiply(a_prev.T, D[i], out=dW)
            else:
                np.matmul(a_prev.T, D[i], out=dW)
            np.add.reduce(D[i], axis=0, out=self._db[i])  # db = dZ.sum(0), minus np.sum's wrapper
            flat = dW.ravel()
            norms[i] = math.sqrt(np.dot(flat, flat)) / abs(scale)
            if i > 0:
                # dA_prev = dZ @ W.T, then through layer i-1's activation, in place
                np.matmul(D[i], self.weights[i].T, out=D[i - 1])
                _act.DERIVATIVES[self.activations[i - 1]](ws.S[i - 1], A[i - 1], D[i - 1])
        return Gradients(loss, self._dW, self._db, norms, out)
