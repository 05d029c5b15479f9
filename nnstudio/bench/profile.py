"""``nnstudio bench --engine --profile``: where the time of one training step goes.

The step timed whole and in parts (the matrix products alone on buffers of the same
shapes; the rest of ``MLP.gradients``; the optimizer; the trainer's bookkeeping), and the
engine's Python functions by their own time under ``cProfile``.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import numpy as np

from .cases import Case
from .sides import NnstudioSide


def _timeit(fn: Callable[[], object], seconds: float = 0.3) -> float:
    """Median seconds of one call of ``fn`` over blocks totalling about ``seconds``."""
    fn()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    block = max(1, int(0.02 / one))
    samples = []
    end = time.perf_counter() + seconds
    while len(samples) < 5 or time.perf_counter() < end:
        t0 = time.perf_counter()
        for _ in range(block):
            fn()
        samples.append((time.perf_counter() - t0) / block)
        if len(samples) >= 200:
            break
    return statistics.median(samples)


def _matmul_work(layer_sizes, m: int, dtype=np.float32) -> Callable[[], None]:
    """The matrix products of one step on buffers of their own, with the engine's shapes
    and layouts: ``A @ W`` forward, ``A_prev.T @ dZ`` for each weight gradient and
    ``dZ @ W.T`` for each input gradient but the first layer's."""
    rng = np.random.default_rng(0)
    sizes = list(layer_sizes)
    W = [
        rng.standard_normal((a, b), dtype=np.float32).astype(dtype)
        for a, b in zip(sizes[:-1], sizes[1:])
    ]
    A = [rng.standard_normal((m, n), dtype=np.float32).astype(dtype) for n in sizes]
    D = [np.empty((m, n), dtype) for n in sizes]
    dW = [np.empty_like(w) for w in W]
    L = len(W)

    def work():
        for i in range(L):
            np.matmul(A[i], W[i], out=A[i + 1])
        for i in range(L - 1, -1, -1):
            np.matmul(A[i].T, A[i + 1], out=dW[i])
            if i > 0:
                np.matmul(A[i + 1], W[i].T, out=D[i])

    return work


def step_profile(case: Case, profile_seconds: float = 1.0) -> dict:
    """Where the time of one training step goes, in seconds per step.

    Timed whole, each on a fixed batch: ``Trainer.step`` (the real loop: epoch shuffles,
    metrics, report), ``Trainer.train_step`` (gradients and optimizer update) and
    ``MLP.gradients``; and the step's matrix products alone, on buffers of the same
    shapes and layouts. The differences say what the optimizer, the bookkeeping and the
    element-wise work cost. ``functions`` lists, from ``cProfile`` over
    ``profile_seconds`` of ``Trainer.step`` calls, the engine's Python functions by own
    time per step (NumPy's element-wise calls count in the function that makes them; the
    profiler's own overhead inflates these a little)."""
    import cProfile
    import pstats

    tr = NnstudioSide(case).trainer
    X, Y = tr.X, tr.Y
    net = tr.net
    m = case.batch_size
    Xb, Yb = np.ascontiguousarray(X[:m]), np.ascontiguousarray(Y[:m])
    parts = {
        "Trainer.step": _timeit(tr.step),
        "Trainer.train_step": _timeit(lambda: tr.train_step(Xb, Yb)),
        "MLP.gradients": _timeit(lambda: net.gradients(Xb, Yb)),
        "matrix products": _timeit(_matmul_work(case.layer_sizes, m, net.dtype)),
    }
    prof = cProfile.Profile()
    steps = 0
    end = time.perf_counter() + profile_seconds
    prof.enable()
    while time.perf_counter() < end:
        tr.step()
        steps += 1
    prof.disable()
    stats = pstats.Stats(prof).stats
    functions = {}
    for (filename, _line, name), (_, _, tottime, _, _) in stats.items():
        if "nnstudio" not in filename.replace("\\", "/"):
            continue
        module = os.path.splitext(os.path.basename(filename))[0]
        functions[f"{module}.{name}"] = tottime / steps
    parts["functions"] = dict(sorted(functions.items(), key=lambda kv: -kv[1])[:12])
    return parts


def format_profile(case: Case, parts: dict) -> str:
    step = parts["Trainer.step"]
    train = parts["Trainer.train_step"]
    grads = parts["MLP.gradients"]
    mm = parts["matrix products"]

    def line(label, t):
        return f"  {label:<44} {t * 1e6:10.1f} us {t / step:7.1%}"

    lines = [
        f"profile of one {case.name} step ({'-'.join(map(str, case.layer_sizes))}, "
        f"batch {case.batch_size}, float32):",
        line("Trainer.step (whole)", step),
        line("  matrix products alone", mm),
        line("  MLP.gradients outside the matrix products", grads - mm),
        line("  optimizer update + checks (train_step - gradients)", train - grads),
        line("  bookkeeping: shuffle, metrics (step - train_step)", step - train),
        "  engine functions by own time per step (cProfile; includes their NumPy calls;",
        "  the products run inside gradients/_forward_into):",
    ]
    for name, t in parts["functions"].items():
        lines.append(f"    {name:<42} {t * 1e6:10.1f} us")
    return "\n".join(lines)
