"""A multilayer perceptron whose forward and backward passes are matrix operations.

Rows are examples. Layer ``i`` (``i = 0`` is the first hidden layer, ``L - 1`` the output
layer) holds ``W[i]`` of shape ``(fan_in, fan_out)`` and ``b[i]`` of shape ``(fan_out,)``
and computes, for a whole mini-batch ``A_prev`` of shape ``(m, fan_in)``::

    Z = A_prev @ W + b          A = f(Z)

Backward, from ``dZ = dL/dZ`` of shape ``(m, fan_out)``::

    dW = A_prev.T @ dZ          db = dZ.sum(0)          dA_prev = dZ @ W.T

and then ``dZ_prev = dA_prev * f'(Z_prev)`` for the layer below. ``dense_forward``,
``dense_backward_weights`` and ``dense_backward_input`` are exactly these lines for one
layer; ``MLP.gradients`` is a loop over the layers calling them: forward up the layers,
the deltas down, then every layer's ``dW`` and ``db``. There is no loop over neurons or
examples.

What is there for speed, and only that:

- every array a batch needs (each layer's output, its delta ``dL/dZ``, a scratch array
  for the activation derivative) is allocated once per batch size and reused, and every
  element-wise step runs in place;
- the output layer uses the fused delta ``(A - Y) / m`` where it is valid (``losses``),
  and the loss and the delta share one ``A - Y``;
- the first layer computes no gradient with respect to the input;
- the weight-gradient products come last, together, so that a small network that runs
  on one BLAS thread can give just those more (``widen``; see
  ``trainer.blas_threads_for``);
- every weight and bias lives in one flat memory (``param_memory``; the arrays are views
  into it), and the gradients in another laid out alike, so an optimizer updates the
  whole network in one NumPy call per operation whatever its depth;
- the products are ``np.dot``, whose call costs less than ``np.matmul``'s (below), and
  ``db`` is the product ``ones @ dZ`` rather than a sum (half the call);
- one example (``m == 1``) goes through ``_example_gradients``: the same lines on 1-D
  vectors, which NumPy runs with less overhead per call;
- the gradient norms are computed when first read (``Gradients.norms``), and a caller may
  ask for gradients multiplied by a factor at no cost (``scale``: SGD's learning rate,
  which saves the optimizer a pass over the gradients).

This is the engine; it is NumPy only. The per-example, per-neuron version of the same
mathematics is in ``loop.py`` and exists to check this one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from . import activations as _act
from .initializers import INITIALIZERS, default_initializer
from .losses import check_pair, default_loss, loss_and_delta, loss_value


def as_dtype(dtype) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, not {dt}")
    return dt


def parameter_count(layer_sizes: Sequence[int]) -> int:
    """Weights and biases of a dense network ``[n_inputs, h_1, ..., n_outputs]``:
    ``fan_in * fan_out + fan_out`` per layer."""
    return sum(a * b + b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))


# The products are np.dot: it runs the same BLAS gemm as np.matmul (the @ operator) on
# large arrays, costs a third of its call overhead on small ones, and on one example's
# dW (an outer product, inner dimension 1) it was 5x faster than np.matmul and 2x faster
# than a broadcast multiply (OpenBLAS 0.3.31, one thread).


def dense_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, f: str, A: np.ndarray):
    """One layer forward: ``A = f(A_prev @ W + b)``, written into ``A (m, fan_out)``."""
    np.dot(A_prev, W, out=A)  # Z = A_prev @ W
    np.add(A, b, out=A)  #                 + b
    return _act.ACTIVATIONS[f](A)  # A = f(Z), in place


def dense_backward_weights(A_prev, dZ, dW, db, ones) -> None:
    """One layer's weight and bias gradients, from ``dZ = dL/dZ (m, fan_out)``: fills
    ``dW (fan_in, fan_out)`` and ``db (fan_out,)``. ``ones`` is a vector of ``m`` ones:
    the column sum ``db`` is the product ``ones @ dZ``, which BLAS runs in half the time
    of ``dZ.sum(0)`` at every size measured."""
    np.dot(A_prev.T, dZ, out=dW)  # dW = A_prev.T @ dZ
    np.dot(ones, dZ, out=db)  #      db = dZ.sum(0)


def dense_backward_input(dZ, W, dA_prev) -> None:
    """The gradient with respect to one layer's input, from its ``dZ (m, fan_out)``:
    fills ``dA_prev (m, fan_in)``."""
    np.dot(dZ, W.T, out=dA_prev)  # dA_prev = dZ @ W.T


class Gradients:
    """Gradients of one batch. The arrays are the network's buffers: read them (and
    ``norms``) before the next call to ``MLP.gradients`` or an optimizer step, which may
    use them as scratch.

    - ``loss``: the batch loss (float)
    - ``weights``: ``dW[i]``, ``(fan_in, fan_out)``; ``biases``: ``db[i]``, ``(fan_out,)``
    - ``output``: ``(m, n_outputs)``, the network output for the batch
    - ``norms``: ``(n_layers,)`` L2 norm of each ``dW[i]``, float64, computed from the
      buffers when first read (training reads it at once, for the divergence check and
      the step report; a caller that wants only the gradients does not pay for it)
    """

    __slots__ = ("loss", "weights", "biases", "output", "scale", "_net", "_norms")

    def __init__(self, loss: float, weights, biases, output, net: MLP, scale=None):
        self.loss = loss
        self.weights = weights
        self.biases = biases
        self.output = output
        self.scale = scale  # None, or the factor the arrays are multiplied by
        self._net = net
        self._norms = None

    @property
    def norms(self) -> np.ndarray:
        if self._norms is None:
            norms = self._net._weight_norms()
            if self.scale is not None:
                norms /= self.scale
            self._norms = norms
        return self._norms


def _interleave(weights: Sequence, biases: Sequence) -> list:
    return [a for pair in zip(weights, biases) for a in pair]


#: each parameter starts at a multiple of this many elements of its block (64 bytes in
#: float32), so BLAS and the element-wise loops see aligned arrays
_ALIGN = 16


def _aligned(n: int) -> int:
    return -(-n // _ALIGN) * _ALIGN


class _Blocks:
    """Where the parameters live: every weight matrix in one flat block and every bias
    vector in another, each array a view at an aligned offset (the gaps are zeros and
    stay zeros: no product writes them, so no update moves them). Optimizers then update
    all weights, and all biases, in one NumPy call each, whatever the depth."""

    def __init__(self, sizes: Sequence[int], dtype: np.dtype):
        shapes = list(zip(sizes[:-1], sizes[1:]))
        self.weight_offsets, pos = [], 0
        for fan_in, fan_out in shapes:
            self.weight_offsets.append(pos)
            pos = _aligned(pos + fan_in * fan_out)
        self.weight_size = pos
        self.bias_offsets, pos = [], 0
        for _, fan_out in shapes:
            self.bias_offsets.append(pos)
            pos = _aligned(pos + fan_out)
        self.bias_size = pos
        self.shapes = shapes
        self.dtype = dtype

    def new(self) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """Zeroed memory ``[weights block | biases block]`` and the weight and bias views
        into it."""
        memory = np.zeros(self.weight_size + self.bias_size, self.dtype)
        wblock, bblock = memory[: self.weight_size], memory[self.weight_size :]
        weights = [
            wblock[off : off + fan_in * fan_out].reshape(fan_in, fan_out)
            for (fan_in, fan_out), off in zip(self.shapes, self.weight_offsets)
        ]
        biases = [
            bblock[off : off + fan_out] for (_, fan_out), off in zip(self.shapes, self.bias_offsets)
        ]
        return memory, weights, biases


class _BatchBuffers:
    """The arrays one batch size needs, per layer ``i``: ``outputs[i]`` holds ``A_i =
    f(Z_i)`` and ``deltas[i]`` holds ``dZ_i = dL/dZ_i``, both ``(m, fan_out)``;
    ``scratch[i]`` (hidden layers only) is the derivative's work array; ``ones`` is
    ``m`` ones (``db = ones @ dZ``); ``scale`` is ``1/m`` in the dtype (a NumPy scalar
    of the array's own type costs a ufunc call less than a Python float).

    For one example (``m == 1``) each delta is a ``(1, fan_out)`` view of the layer's
    bias gradient ``db`` (given as ``biases``): with one row, ``db = dZ.sum(0)`` is
    ``dZ`` itself, so the backward pass writes it where it belongs and sums nothing."""

    def __init__(self, sizes: Sequence[int], m: int, dtype: np.dtype, biases=None):
        self.outputs = [np.empty((m, n), dtype) for n in sizes[1:]]
        if m == 1 and biases is not None:
            self.deltas = [db.reshape(1, -1) for db in biases]
            self.vectors = [A[0] for A in self.outputs]  # the outputs as 1-D views
            self.columns = [A.T for A in self.outputs]  # and as (n, 1) views
        else:
            self.deltas = [np.empty((m, n), dtype) for n in sizes[1:]]
        self.scratch = [np.empty((m, n), dtype) for n in sizes[1:-1]]
        self.ones = np.ones(m, dtype)
        self.scale = dtype.type(1.0 / m)


#: networks with at most this many elements in their weights block (gaps included) take
#: the gradient norms in three NumPy calls whatever the depth (``MLP._weight_norms``)
_SEGMENTED_NORMS = 2048


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
        initial = []
        for fan_in, fan_out, act in zip(sizes[:-1], sizes[1:], acts):
            name = default_initializer(act) if init == "auto" else init
            initial.append(INITIALIZERS[name](rng, fan_in, fan_out))
        self._allocate(initial, [np.zeros(n) for n in sizes[1:]])

    def _allocate(self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]) -> None:
        """Parameters and gradient buffers in their blocks, filled from ``weights`` and
        ``biases``; no batch buffers yet."""
        blocks = _Blocks(self.layer_sizes, self.dtype)
        self._memory, self.weights, self.biases = blocks.new()
        self._grad_memory, self._dW, self._db = blocks.new()
        self._split = blocks.weight_size  # where the biases block starts
        self._dW_flat = [dW.reshape(-1) for dW in self._dW]  # views, for the norms
        if blocks.weight_size <= _SEGMENTED_NORMS:
            self._dW_block = self._grad_memory[: blocks.weight_size]
            self._dW_starts = np.array(blocks.weight_offsets, np.intp)
            self._squares = np.empty(blocks.weight_size, self.dtype)
        else:
            self._squares = None
        for W, b, W0, b0 in zip(self.weights, self.biases, weights, biases):
            W[...] = W0
            b[...] = b0
        self._buffers: dict[int, _BatchBuffers] = {}

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
        return parameter_count(self.layer_sizes)

    def params(self) -> list[np.ndarray]:
        """``[W0, b0, W1, b1, ...]``: the live arrays, changed in place by optimizers."""
        return _interleave(self.weights, self.biases)

    def grad_arrays(self) -> list[np.ndarray]:
        """``[dW0, db0, dW1, db1, ...]``: the buffers ``gradients`` fills, in ``params``
        order."""
        return _interleave(self._dW, self._db)

    def param_blocks(self) -> list[np.ndarray]:
        """``[all weights, all biases]``: two flat arrays, consecutive in one memory, that
        hold every parameter (the arrays of ``params`` are views into them, with zero
        gaps), for an optimizer that updates a whole network in a few calls. Weight decay
        applies to the first only."""
        return [self._memory[: self._split], self._memory[self._split :]]

    def grad_blocks(self) -> list[np.ndarray]:
        """``[all dW, all db]``: the gradient buffers laid out like ``param_blocks`` (zero
        in the gaps)."""
        return [self._grad_memory[: self._split], self._grad_memory[self._split :]]

    def param_memory(self) -> np.ndarray:
        """Every parameter in one flat array: the two ``param_blocks`` back to back."""
        return self._memory

    def grad_memory(self) -> np.ndarray:
        """Every gradient in one flat array, laid out like ``param_memory``."""
        return self._grad_memory

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
        other._allocate(self.weights, self.biases)
        return other

    def __repr__(self) -> str:
        arch = "-".join(map(str, self.layer_sizes))
        return f"MLP({arch}, {','.join(self.activations)}, loss={self.loss}, {self.dtype})"

    # ------------------------------------------------------------------ passes
    def _batch_buffers(self, m: int) -> _BatchBuffers:
        buffers = self._buffers.get(m)
        if buffers is None:
            if len(self._buffers) >= 4:  # the batch size and the last, shorter batch
                self._buffers.clear()
            buffers = _BatchBuffers(self.layer_sizes, m, self.dtype, self._db)
            self._buffers[m] = buffers
        return buffers

    def _input(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"expected input of shape (n, {self.n_inputs}), got {X.shape}")
        if X.dtype != self.dtype or not X.flags.c_contiguous:
            X = np.ascontiguousarray(X, dtype=self.dtype)
        return X

    def _forward_into(self, X: np.ndarray, outputs: list[np.ndarray]) -> np.ndarray:
        A = X
        for W, b, f, out in zip(self.weights, self.biases, self.activations, outputs):
            A = dense_forward(A, W, b, f, out)
        return A

    def forward(self, X: np.ndarray, batch: int = 8192) -> np.ndarray:
        """Network output ``(n, n_outputs)`` for input ``(n, n_inputs)``, as a new array.

        Large inputs go through in chunks of ``batch`` rows to bound memory."""
        X = self._input(X)
        n = X.shape[0]
        result = np.empty((n, self.n_outputs), self.dtype)
        for start in range(0, n, batch):
            chunk = X[start : start + batch]
            outputs = [np.empty((chunk.shape[0], k), self.dtype) for k in self.layer_sizes[1:]]
            result[start : start + batch] = self._forward_into(chunk, outputs)
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

    def gradients(self, X: np.ndarray, Y: np.ndarray) -> Gradients:
        """Loss and gradients of one batch ``X (m, n_inputs)``, ``Y (m, n_outputs)``.

        The loss is the batch average (see ``losses``); weight decay is the optimizer's."""
        X = self._input(X)
        m = X.shape[0]
        Y = np.asarray(Y)
        if Y.shape != (m, self.n_outputs):
            raise ValueError(f"expected targets of shape ({m}, {self.n_outputs}), got {Y.shape}")
        if Y.dtype != self.dtype:
            Y = Y.astype(self.dtype)
        return self.checked_gradients(X, Y)

    def checked_gradients(self, X: np.ndarray, Y: np.ndarray, scale=None, widen=None) -> Gradients:
        """``gradients`` for arrays already known to be right: ``X (m, n_inputs)`` and
        ``Y (m, n_outputs)``, C-contiguous, of the network's dtype (the trainer's batches
        are). Skips the checks, which cost as much as a layer on a tiny network.

        ``scale``: return every gradient multiplied by this number (the loss and the
        norms stay unscaled). It costs nothing: the output delta's ``1/m`` becomes
        ``scale/m``, and every gradient is linear in that delta. The trainer hands SGD's
        learning rate here (``Optimizer.prescale``).

        ``widen``: None, or a function called with True just before the weight-gradient
        products and with False just after (``trainer.blas_threads_for`` hands one that
        gives those products more BLAS threads than the rest of the step)."""
        m = X.shape[0]
        buf = self._buffers.get(m) or self._batch_buffers(m)
        if m == 1:
            return self._example_gradients(X, Y, buf, scale)
        outputs, deltas, ones = buf.outputs, buf.deltas, buf.ones
        output = self._forward_into(X, outputs)
        factor = buf.scale if scale is None else self.dtype.type(scale / m)
        loss = loss_and_delta(self.loss, self.activations[-1], output, Y, deltas[-1], factor)
        # Backward in two sweeps: the deltas down the layers, then every layer's weight
        # and bias gradients from its delta (see ``widen``).
        for i in range(len(outputs) - 1, 0, -1):  # no gradient for the input
            dense_backward_input(deltas[i], self.weights[i], deltas[i - 1])
            # dZ_prev = dA_prev * f'(Z_prev), in place
            _act.DERIVATIVES[self.activations[i - 1]](
                buf.scratch[i - 1], outputs[i - 1], deltas[i - 1]
            )
        if widen is not None:
            widen(True)
        try:
            A_prev = X
            for dZ, dW, db, A in zip(deltas, self._dW, self._db, outputs):
                dense_backward_weights(A_prev, dZ, dW, db, ones)
                A_prev = A
        finally:
            if widen is not None:
                widen(False)
        return Gradients(loss, self._dW, self._db, output, self, scale)

    def _weight_norms(self) -> np.ndarray:
        """``||dW_i||`` of every layer, float64 ``(n_layers,)``, from the gradient buffers.

        One BLAS dot per layer; but a small network's (whose dots cost more in call
        overhead than in arithmetic) in three calls whatever its depth: the squares of the
        whole weights block, their sums over each layer's segment (``np.add.reduceat``;
        a segment runs to the next layer's start, and the gaps between are zeros), and
        the square roots. On 2-8-8-1: 1.3 us against 2.4."""
        if self._squares is not None:
            sq = np.multiply(self._dW_block, self._dW_block, out=self._squares)
            sums = np.add.reduceat(sq, self._dW_starts)
            return np.sqrt(sums, out=np.empty(len(sums)))
        norms = np.empty(len(self._dW_flat))
        for i, flat in enumerate(self._dW_flat):
            norms[i] = math.sqrt(np.dot(flat, flat))
        return norms

    def _example_gradients(self, X: np.ndarray, Y: np.ndarray, buf: _BatchBuffers, scale=None):
        """``checked_gradients`` for one example (``m == 1``), the same mathematics with
        the rows taken as 1-D vectors, which NumPy runs with less overhead per call: the
        products become matrix-vector products (``a @ W`` forward, ``W @ dz`` for the
        input gradient instead of ``dz @ W.T``: 1.2 and 1.4 us against 1.7 and 2.2 us at
        128 x 128), the bias add a plain vector add (0.4 against 0.9 us for a broadcast),
        and ``db`` is ``dZ`` itself (see ``_BatchBuffers``). ``dW = a_prev.T @ dz`` stays
        a product of a column by a row (an outer product). Measured on one example
        through 2-128-128-2, with ``nnstudio bench``."""
        outputs, deltas, db, derivative = buf.outputs, buf.deltas, self._db, _act.DERIVATIVES
        a = X[0]
        for W, b, f, out in zip(self.weights, self.biases, self.activations, buf.vectors):
            a = dense_forward(a, W, b, f, out)  # a = f(a_prev @ W + b)
        output = outputs[-1]
        factor = None if scale is None else self.dtype.type(scale)  # 1/m is 1
        loss = loss_and_delta(self.loss, self.activations[-1], output, Y, deltas[-1], factor)
        for i in range(len(outputs) - 1, 0, -1):
            np.dot(buf.columns[i - 1], deltas[i], out=self._dW[i])  # dW = a_prev.T @ dz
            # dz_prev = (W @ dz) * f'(z_prev), written into db of layer i - 1
            np.dot(self.weights[i], db[i], out=db[i - 1])
            derivative[self.activations[i - 1]](buf.scratch[i - 1], outputs[i - 1], deltas[i - 1])
        np.dot(X.T, deltas[0], out=self._dW[0])
        return Gradients(loss, self._dW, self._db, output, self, scale)
