"""How much faster is backprop in matrix form? Timing the loop engine against the matrix one.

For one architecture, ``time_architecture`` times one gradient computation per example in
three ways:

- **loop**: ``loop.example_gradients``, the per-example, per-neuron Python engine, on one
  example at a time (its weights converted to Python lists once, outside the timer, so
  the figure is the loop engine's own work and the speed-ups are not flattered);
- **matrix**: ``MLP.gradients`` on a batch of one example, one example at a time;
- **batch**: ``MLP.gradients`` on a whole mini-batch, divided by the batch size.

The matrix engine is timed as training runs it: on arrays already in its dtype, through
``MLP.checked_gradients`` (no argument checks; one example takes the engine's lean
one-example path), and without the gradient norms (computed only when read), since the
loop engine computes none either. Both sides return the loss and every gradient.

Each figure is the median over several timed samples (``time.perf_counter``, after
warm-up calls); the spread is the interquartile range of the samples divided by that
median (0.05 means the middle half of the samples lie within a band 5% of the median
wide). The matrix timings time blocks of calls long enough for the clock.

Every row is bounded in time. The loop engine plans one mini-batch's worth of examples
(``batch_size`` of them, one at a time); when the row's time budget runs out first it
stops, its per-example time is the median of the examples it did, and the row is marked
``extrapolated`` (the loop engine's time for a whole batch is then an extrapolation).
At width 512 one loop example takes a tenth of a second, so this is the common case there.

Each row also reports ``max_grad_diff``: the largest absolute difference between the
gradients of ``loop.batch_gradients`` and ``MLP.gradients`` on the same small batch, both
in float64, so the view shows that the two engines compute the same thing.

``sweep`` repeats this over hidden-layer widths at a fixed depth, ``sweep_batch_sizes``
over mini-batch sizes for one network. Both take a ``progress(i, n, row)`` callback and a
``should_stop()`` callable, checked between measurements and between loop examples, so a
GUI can cancel promptly; a cancelled measurement raises ``TimingCancelled``.

NumPy only; imports nothing outside ``nnstudio.engine``. This module adds no third
implementation of backprop: it only times the two that exist.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np

from . import loop
from .losses import default_loss
from .network import MLP, as_dtype
from .trainer import blas_threads_for

#: widths the timing view sweeps by default
DEFAULT_WIDTHS = (8, 16, 32, 64, 128, 256, 512)
#: mini-batch size of the "batch" timing by default: the batch of the speed table's
#: medium case, large enough that the per-call overhead (~40 us) stops dominating a
#: 2-128-128-2 network, as it does in real training
DEFAULT_BATCH_SIZE = 128
#: dtype of the matrix timings by default: the engine's training dtype. The loop engine
#: always computes with Python floats (float64), and the gradient comparison is float64.
DEFAULT_DTYPE = "float32"
#: seconds one row may take by default (a row may overrun by about one loop example)
DEFAULT_BUDGET = 2.0

# Share of a row's budget for each matrix timing; the loop engine gets the rest. The
# matrix timings usually finish well inside theirs.
_MATRIX_SHARE = 0.15
# Each timed sample of the matrix engine runs at least this long (clock resolution and
# per-call jitter average out), unless the budget is smaller.
_MIN_BLOCK_SECONDS = 0.005
# Examples in the float64 batch on which the loop and matrix gradients are compared.
_DIFF_EXAMPLES = 2


class TimingCancelled(Exception):
    """``should_stop()`` returned True during a measurement."""


@dataclass(frozen=True)
class TimingRow:
    """One architecture's timings. Times are seconds per example (one gradient each)."""

    width: int  # widest hidden layer (0 when there is none)
    depth: int  # number of hidden layers
    batch_size: int  # mini-batch size of the "batch" timing
    n_inputs: int
    n_outputs: int
    n_weights: int  # trainable parameters: weights and biases
    loop_s_per_example: float  # loop engine, one example at a time
    matrix_s_per_example: float  # matrix engine, one example at a time
    batch_s_per_example: float  # matrix engine on a mini-batch, divided by its size
    loop_spread: float  # interquartile range / median of the timed samples
    matrix_spread: float
    batch_spread: float
    max_grad_diff: float  # max |loop - matrix| over all gradient entries, float64
    extrapolated: bool  # the loop engine stopped at the time budget before its plan
    dtype: str  # dtype of the matrix timings
    loop_examples: int = 0  # examples the loop engine timed
    layer_sizes: tuple[int, ...] = ()

    @property
    def matrix_speedup(self) -> float:
        """How many times faster the matrix engine is, one example at a time."""
        return _ratio(self.loop_s_per_example, self.matrix_s_per_example)

    @property
    def batch_speedup(self) -> float:
        """How many times faster the matrix engine is per example on a mini-batch."""
        return _ratio(self.loop_s_per_example, self.batch_s_per_example)

    def as_dict(self) -> dict:
        """Plain JSON-ready values, including the two speed-ups."""
        d = asdict(self)
        d["layer_sizes"] = list(self.layer_sizes)
        d["matrix_speedup"] = self.matrix_speedup
        d["batch_speedup"] = self.batch_speedup
        return d


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("inf")


def _median_spread(samples: Sequence[float]) -> tuple[float, float]:
    s = np.asarray(samples, np.float64)
    median = float(np.median(s))
    q1, q3 = np.percentile(s, [25, 75])
    return median, (float(q3 - q1) / median if median > 0 else 0.0)


def _check_stop(should_stop: Callable[[], bool] | None) -> None:
    if should_stop is not None and should_stop():
        raise TimingCancelled("timing cancelled")


def synthetic_batch(
    n: int, n_inputs: int, n_outputs: int, loss: str, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Random float64 inputs ``(n, n_inputs)`` and targets ``(n, n_outputs)`` that suit
    ``loss``: one-hot rows for cross_entropy, 0/1 for binary_cross_entropy, normal for mse."""
    X = rng.standard_normal((n, n_inputs))
    if loss == "cross_entropy":
        Y = np.eye(n_outputs)[rng.integers(0, n_outputs, n)]
    elif loss == "binary_cross_entropy":
        Y = rng.integers(0, 2, (n, n_outputs)).astype(np.float64)
    else:
        Y = rng.standard_normal((n, n_outputs))
    return X, Y


def max_grad_diff(net: MLP, X: np.ndarray, Y: np.ndarray) -> float:
    """Largest ``|loop - matrix|`` over every weight and bias gradient of batch ``(X, Y)``.

    Both engines run in float64 on the same weights (``net`` is copied, not changed)."""
    net64 = net.copy(np.float64)
    X = np.asarray(X, np.float64)
    Y = np.asarray(Y, np.float64)
    _, dW_loop, db_loop = loop.batch_gradients(
        net64.weights, net64.biases, net64.activations, net64.loss, X, Y
    )
    g = net64.gradients(X, Y)
    diff = 0.0
    for a, b in zip(dW_loop + db_loop, g.weights + g.biases):
        diff = max(diff, float(np.max(np.abs(a - b))))
    return diff


def _time_matrix(
    net: MLP,
    batches: list[tuple[np.ndarray, np.ndarray]],
    examples_per_call: int,
    repeats: int,
    budget: float,
    should_stop: Callable[[], bool] | None,
) -> tuple[float, float]:
    """Median seconds per example and spread of ``net.gradients`` over ``batches``,
    called in turn. Returns after ``repeats`` samples or once ``budget`` is spent (at
    least one sample)."""
    # The batches are already what the engine takes (C-contiguous, its dtype), as the
    # trainer's are, so the calls skip the argument checks as training does
    # (``MLP.checked_gradients``), and, like the loop engine, compute no gradient norms.
    with blas_threads_for(net.layer_sizes, examples_per_call) as widen:  # as training runs

        def grads(X, Y):
            return net.checked_gradients(X, Y, None, widen)

        return _time_calls(grads, batches, examples_per_call, repeats, budget, should_stop)


def _time_calls(grads, batches, examples_per_call, repeats, budget, should_stop):
    for X, Y in batches[:3]:  # warm-up: workspaces, caches, BLAS threads
        grads(X, Y)
    X, Y = batches[0]
    t0 = time.perf_counter()
    grads(X, Y)
    one = max(time.perf_counter() - t0, 1e-7)
    block = max(1, math.ceil(min(_MIN_BLOCK_SECONDS, budget / (repeats + 1)) / one))
    nb = len(batches)
    deadline = time.perf_counter() + budget
    samples: list[float] = []
    k = 0
    while len(samples) < repeats:
        _check_stop(should_stop)
        t0 = time.perf_counter()
        for _ in range(block):
            X, Y = batches[k]
            grads(X, Y)
            k = k + 1 if k + 1 < nb else 0
        t1 = time.perf_counter()
        samples.append((t1 - t0) / (block * examples_per_call))
        if t1 > deadline:
            break
    return _median_spread(samples)


def _time_loop(
    net: MLP,
    X: np.ndarray,
    Y: np.ndarray,
    planned: int,
    deadline: float,
    should_stop: Callable[[], bool] | None,
) -> tuple[float, float, int, bool]:
    """Median seconds per example and spread of the loop engine on the rows of ``X``,
    one example each; stops at ``deadline`` after at least one example. Returns
    ``(median, spread, examples timed, stopped early)``."""
    weights = [np.asarray(W, np.float64).tolist() for W in net.weights]
    biases = [np.asarray(b, np.float64).tolist() for b in net.biases]
    xs = np.asarray(X, np.float64).tolist()
    ys = np.asarray(Y, np.float64).tolist()
    acts, loss = net.activations, net.loss
    example = loop.example_gradients
    samples: list[float] = []
    n = len(xs)
    for i in range(planned):
        _check_stop(should_stop)
        x, y = xs[i % n], ys[i % n]
        t0 = time.perf_counter()
        example(weights, biases, acts, loss, x, y)
        t1 = time.perf_counter()
        samples.append(t1 - t0)
        if t1 > deadline and len(samples) < planned:
            med, spread = _median_spread(samples)
            return med, spread, len(samples), True
    med, spread = _median_spread(samples)
    return med, spread, len(samples), False


def _describe(layer_sizes: Sequence[int]) -> tuple[int, int]:
    hidden = list(layer_sizes[1:-1])
    return (max(hidden) if hidden else 0), len(hidden)


def time_architecture(
    layer_sizes: Sequence[int],
    activations: Sequence[str],
    loss: str | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dtype: str = DEFAULT_DTYPE,
    repeats: int = 5,
    time_budget: float = DEFAULT_BUDGET,
    seed: int = 0,
    should_stop: Callable[[], bool] | None = None,
    _reuse: TimingRow | None = None,
) -> TimingRow:
    """Time one gradient per example by the loop engine and the matrix engine.

    ``layer_sizes`` is ``[n_inputs, h_1, ..., n_outputs]`` with one activation per dense
    layer; ``loss`` defaults as in ``MLP``. The matrix timings run in ``dtype``
    (float32 or float64); the loop engine always uses Python floats; the gradient
    comparison is float64. ``time_budget`` seconds bound the whole row (it may overrun
    by about one loop example). Raises ``TimingCancelled`` when ``should_stop()`` is true
    at a check, and ``ValueError`` for an invalid network or setting.
    """
    dt = as_dtype(dtype)
    batch_size = int(batch_size)
    repeats = int(repeats)
    if batch_size < 1:
        raise ValueError(f"batch size must be >= 1, got {batch_size}")
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    if not (time_budget > 0):
        raise ValueError(f"time budget must be > 0 seconds, got {time_budget}")
    start = time.perf_counter()
    net = MLP(layer_sizes, activations, loss, dtype=dt, seed=seed)
    rng = np.random.default_rng(seed)
    X, Y = synthetic_batch(batch_size, net.n_inputs, net.n_outputs, net.loss, rng)
    Xd = np.ascontiguousarray(X, dt)
    Yd = np.ascontiguousarray(Y, dt)
    share = _MATRIX_SHARE * time_budget

    _check_stop(should_stop)
    if _reuse is None:
        rows = [(Xd[i : i + 1], Yd[i : i + 1]) for i in range(batch_size)]
        matrix, matrix_spread = _time_matrix(net, rows, 1, repeats, share, should_stop)
    else:
        matrix, matrix_spread = _reuse.matrix_s_per_example, _reuse.matrix_spread
    _check_stop(should_stop)
    batch, batch_spread = _time_matrix(net, [(Xd, Yd)], batch_size, repeats, share, should_stop)
    _check_stop(should_stop)
    if _reuse is None:
        n_diff = min(_DIFF_EXAMPLES, batch_size)
        diff = max_grad_diff(net, X[:n_diff], Y[:n_diff])  # also warms up the loop engine
        deadline = start + time_budget
        loop_t, loop_spread, done, early = _time_loop(net, X, Y, batch_size, deadline, should_stop)
    else:
        diff = _reuse.max_grad_diff
        loop_t, loop_spread = _reuse.loop_s_per_example, _reuse.loop_spread
        done = _reuse.loop_examples
        early = done < batch_size

    width, depth = _describe(net.layer_sizes)
    return TimingRow(
        width=width,
        depth=depth,
        batch_size=batch_size,
        n_inputs=net.n_inputs,
        n_outputs=net.n_outputs,
        n_weights=net.n_parameters,
        loop_s_per_example=loop_t,
        matrix_s_per_example=matrix,
        batch_s_per_example=batch,
        loop_spread=loop_spread,
        matrix_spread=matrix_spread,
        batch_spread=batch_spread,
        max_grad_diff=diff,
        extrapolated=early,
        dtype=dt.name,
        loop_examples=done,
        layer_sizes=tuple(net.layer_sizes),
    )


def sweep(
    widths: Sequence[int] = DEFAULT_WIDTHS,
    depth: int = 2,
    *,
    n_inputs: int = 2,
    n_outputs: int = 2,
    hidden_activation: str | Sequence[str] = "tanh",
    output_activation: str = "softmax",
    loss: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dtype: str = DEFAULT_DTYPE,
    time_budget_per_row: float = DEFAULT_BUDGET,
    repeats: int = 5,
    seed: int = 0,
    progress: Callable[[int, int, TimingRow], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[TimingRow]:
    """``time_architecture`` for networks ``n_inputs - width x depth - n_outputs``, one
    row per width, in the given order. ``progress(i, n, row)`` is called after row ``i``
    (0-based) of ``n``. ``hidden_activation`` is one name for every hidden layer or one
    name per hidden layer (``depth`` of them). Raises ``TimingCancelled`` if stopped (rows
    done so far went to ``progress``)."""
    widths = [int(w) for w in widths]
    if not widths or any(w < 1 for w in widths):
        raise ValueError(f"widths must be positive integers, got {widths}")
    if int(depth) < 0:
        raise ValueError(f"depth must be >= 0, got {depth}")
    depth = int(depth)
    loss = loss or default_loss(output_activation)
    if isinstance(hidden_activation, str):
        hidden = [hidden_activation] * depth
    else:
        hidden = list(hidden_activation)
        if len(hidden) != depth:
            raise ValueError(f"need {depth} hidden activations, got {len(hidden)}")
    acts = hidden + [output_activation]
    rows: list[TimingRow] = []
    for i, w in enumerate(widths):
        sizes = [n_inputs] + [w] * depth + [n_outputs]
        row = time_architecture(
            sizes,
            acts,
            loss,
            batch_size=batch_size,
            dtype=dtype,
            repeats=repeats,
            time_budget=time_budget_per_row,
            seed=seed,
            should_stop=should_stop,
        )
        if depth > 0:
            row = replace(row, width=w)
        rows.append(row)
        if progress is not None:
            progress(i, len(widths), row)
    return rows


def sweep_batch_sizes(
    layer_sizes: Sequence[int],
    activations: Sequence[str],
    loss: str | None = None,
    batch_sizes: Sequence[int] = (1, 4, 16, 64, 256, 1024),
    *,
    dtype: str = DEFAULT_DTYPE,
    time_budget_per_row: float = DEFAULT_BUDGET,
    repeats: int = 5,
    seed: int = 0,
    progress: Callable[[int, int, TimingRow], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[TimingRow]:
    """One network, one row per mini-batch size. The two one-example timings (loop and
    matrix) do not depend on the batch size: they are measured once, on the first row,
    and repeated in the others."""
    sizes = [int(b) for b in batch_sizes]
    if not sizes or any(b < 1 for b in sizes):
        raise ValueError(f"batch sizes must be positive integers, got {sizes}")
    rows: list[TimingRow] = []
    first: TimingRow | None = None
    for i, b in enumerate(sizes):
        row = time_architecture(
            layer_sizes,
            activations,
            loss,
            batch_size=b,
            dtype=dtype,
            repeats=repeats,
            time_budget=time_budget_per_row,
            seed=seed,
            should_stop=should_stop,
            _reuse=first,
        )
        first = first or row
        rows.append(row)
        if progress is not None:
            progress(i, len(sizes), row)
    return rows
