"""``nnstudio bench``: two benchmarks, printed as tables (or JSON).

- default: the loop engine against the matrix engine, one gradient per example, over a
  range of hidden-layer widths (``nnstudio.engine.timing``), with the speed-up factors and
  the largest gradient difference between the two engines.
- ``--engine``: training throughput (samples/second, float32) of the real training step
  on the four cases of the speed table in the design notes, and, when PyTorch is
  installed, of ``torch.nn.Sequential`` + ``torch.optim.SGD`` on the same data and
  settings in the same run. The two take turns in several rounds so that the machine's
  drift hits both alike. Also reported: the fraction of the machine's float32 GEMM peak
  (a 2048 x 2048 matmul, measured in the same run) that a step reaches, and with
  ``--profile`` where the time of one step goes.

No Qt. ``add_arguments(parser)`` and ``run(args)`` are what the command line wires in;
user errors raise ``BenchError`` with a one-line message.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .engine import MLP, Trainer, make_optimizer
from .errors import NnstudioError
from .engine import activations as _act
from .engine.timing import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_BUDGET,
    DEFAULT_WIDTHS,
    TimingRow,
    sweep,
)


class BenchError(NnstudioError, ValueError):
    """A user error in the benchmark's options; the message is one line."""


# ---------------------------------------------------------------------------- options
def _int_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers like 8,32,128, got {text!r}"
        ) from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``nnstudio bench`` to ``parser``."""
    parser.add_argument(
        "--engine",
        action="store_true",
        help="training throughput of the four speed-table cases, against PyTorch if installed",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object as the last line of stdout"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit NumPy's BLAS (and PyTorch) to this many threads (needs threadpoolctl); "
        "default: BLAS as configured, PyTorch 2",
    )
    g = parser.add_argument_group("loop vs matrix (default mode)")
    g.add_argument(
        "--widths",
        type=_int_list,
        default=list(DEFAULT_WIDTHS),
        help="hidden-layer widths (default %(default)s)",
    )
    g.add_argument("--depth", type=int, default=2, help="hidden layers (default 2)")
    g.add_argument("--inputs", type=int, default=2, help="input features (default 2)")
    g.add_argument("--outputs", type=int, default=2, help="softmax outputs (default 2)")
    g.add_argument("--activation", default="tanh", help="hidden activation (default tanh)")
    g.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help="mini-batch size (default %(default)s)",
    )
    g.add_argument(
        "--dtype",
        choices=("float32", "float64"),
        default="float32",
        help="dtype of the matrix engine (default float32; the loop engine uses Python floats)",
    )
    g.add_argument(
        "--budget",
        type=float,
        default=DEFAULT_BUDGET,
        metavar="SECONDS",
        help="time bound per width; the loop engine is extrapolated past it (default %(default)s)",
    )
    e = parser.add_argument_group("training throughput (--engine)")
    e.add_argument(
        "--cases",
        default=",".join(CASES),
        help=f"comma-separated cases out of {','.join(CASES)} (default all)",
    )
    e.add_argument("--rounds", type=int, default=3, help="turns each side takes (default 3)")
    e.add_argument(
        "--seconds", type=float, default=1.0, help="seconds per turn (default %(default)s)"
    )
    e.add_argument(
        "--profile",
        action="store_true",
        help="also break one step down: matrix products against everything else",
    )
    e.add_argument("--no-torch", action="store_true", help="do not compare with PyTorch")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark chosen by ``args``; returns the exit status."""
    threads = getattr(args, "threads", None)
    if threads is None:
        return _run_engine(args) if args.engine else _run_timing(args)
    if threads < 1:
        raise BenchError(f"--threads must be >= 1, got {threads}")
    try:
        import threadpoolctl
    except ImportError:
        raise BenchError("--threads needs threadpoolctl (pip install threadpoolctl)") from None
    with threadpoolctl.threadpool_limits(limits=threads, user_api="blas"):
        return _run_engine(args) if args.engine else _run_timing(args)


# ---------------------------------------------------------------------------- machine
def blas_info() -> dict:
    """The BLAS that NumPy uses: ``{"blas": str, "threads": int | None, ...}``."""
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    if threadpoolctl is not None:
        for info in threadpoolctl.threadpool_info():
            if info.get("user_api") != "blas":
                continue
            name = info.get("internal_api", "blas")
            desc = " ".join(str(v) for v in (name, info.get("version")) if v)
            if info.get("architecture"):
                desc += f" ({info['architecture']} kernel)"
            return {
                "blas": desc,
                "threads": info.get("num_threads"),
                "blas_kernel": info.get("architecture"),
                "blas_library": os.path.basename(info.get("filepath", "")),
            }
    desc = "unknown"
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        desc = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older NumPy without mode="dicts": best effort only
        pass
    return {"blas": desc + " (threadpoolctl not installed)", "threads": None}


def _machine_line(info: dict) -> str:
    threads = info["threads"] if info["threads"] is not None else "?"
    load = ""
    if hasattr(os, "getloadavg"):
        load = f"; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    return f"BLAS: {info['blas']}, {threads} threads; NumPy {np.__version__}{load}"


def _warn_if_busy(out) -> None:
    if hasattr(os, "getloadavg") and os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1):
        print(
            "warning: other processes are using the CPU; figures will be slow and noisy",
            file=out,
        )


# ---------------------------------------------------------------------------- timing
def _fmt_seconds(s: float) -> str:
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.2f} us"


def format_timing_table(rows: list[TimingRow]) -> str:
    """The loop-vs-matrix rows as a fixed-width text table."""
    head = (
        f"{'width':>6} {'params':>8} {'loop/example':>13} {'matrix/example':>15} "
        f"{'batch/example':>14} {'matrix x':>9} {'batch x':>8} {'max |grad diff|':>16}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        star = "*" if r.extrapolated else " "
        lines.append(
            f"{r.width:>6} {r.n_weights:>8} {_fmt_seconds(r.loop_s_per_example):>12}{star} "
            f"{_fmt_seconds(r.matrix_s_per_example):>15} "
            f"{_fmt_seconds(r.batch_s_per_example):>14} "
            f"{r.matrix_speedup:>8.0f}x {r.batch_speedup:>7.0f}x {r.max_grad_diff:>16.1e}"
        )
    return "\n".join(lines)


def _run_timing(args) -> int:
    if args.depth < 0:
        raise BenchError(f"--depth must be >= 0, got {args.depth}")
    if args.batch_size < 1:
        raise BenchError(f"--batch-size must be >= 1, got {args.batch_size}")
    if not args.budget > 0:
        raise BenchError(f"--budget must be > 0 seconds, got {args.budget}")
    if args.inputs < 1 or args.outputs < 2:
        raise BenchError("--inputs must be >= 1 and --outputs >= 2 (softmax classes)")
    if args.activation not in _act.HIDDEN_ACTIVATIONS:
        raise BenchError(
            f"unknown hidden activation {args.activation!r}; choose one of "
            f"{', '.join(_act.HIDDEN_ACTIVATIONS)}"
        )
    info = blas_info()
    out = sys.stdout
    print(_machine_line(info), file=out)
    _warn_if_busy(out)
    print(
        f"network: {args.inputs} inputs, {args.depth} hidden {args.activation} layers of "
        f"each width, {args.outputs} softmax outputs, cross_entropy; matrix engine in "
        f"{args.dtype}, mini-batch {args.batch_size}; loop engine in Python floats",
        file=out,
    )
    print("seconds per example for one gradient (median of repeats)", file=out, flush=True)

    def progress(i, n, row):
        if not args.json:
            print(f"  [{i + 1}/{n}] width {row.width} done", file=sys.stderr, flush=True)

    rows = sweep(
        args.widths,
        args.depth,
        n_inputs=args.inputs,
        n_outputs=args.outputs,
        hidden_activation=args.activation,
        output_activation="softmax",
        loss="cross_entropy",
        batch_size=args.batch_size,
        dtype=args.dtype,
        time_budget_per_row=args.budget,
        progress=progress,
    )
    print(format_timing_table(rows), file=out)
    if any(r.extrapolated for r in rows):
        print(
            "* the loop engine hit the time budget before one mini-batch's worth of "
            "examples; its figure is the median of the examples it did",
            file=out,
        )
    print(
        "matrix x: matrix engine one example at a time; batch x: matrix engine per "
        "example on a mini-batch; grad diff: loop vs matrix in float64",
        file=out,
    )
    if args.json:
        doc = {
            "blas": info["blas"],
            "threads": info["threads"],
            "dtype": args.dtype,
            "depth": args.depth,
            "n_inputs": args.inputs,
            "n_outputs": args.outputs,
            "batch_size": args.batch_size,
            "rows": [r.as_dict() for r in rows],
        }
        print(json.dumps(doc), file=out)
    return 0


# ---------------------------------------------------------------------------- engine
@dataclass(frozen=True)
class Case:
    name: str
    layer_sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    batch_size: int
    n_samples: int
    target: float  # required nnstudio / torch throughput ratio
    lr: float = 0.01


CASES: dict[str, Case] = {
    c.name: c
    for c in (
        Case("tiny", (2, 8, 8, 1), ("tanh", "tanh", "linear"), "mse", 10, 1000, 5.0),
        Case("small", (784, 128, 10), ("relu", "softmax"), "cross_entropy", 32, 8192, 2.0),
        Case(
            "medium",
            (784, 512, 512, 10),
            ("relu", "relu", "softmax"),
            "cross_entropy",
            128,
            8192,
            1.1,
        ),
        Case(
            "wide",
            (64, 1024, 1024, 1024, 10),
            ("relu", "relu", "relu", "softmax"),
            "cross_entropy",
            256,
            8192,
            1.05,
        ),
    )
}


def step_flops(layer_sizes, batch_size: int) -> int:
    """FLOPs of the matrix products of one training step: forward and weight gradient of
    every layer, and the input gradient of every layer but the first."""
    total = 0
    for i, (fan_in, fan_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        one = 2 * batch_size * fan_in * fan_out
        total += 2 * one if i == 0 else 3 * one
    return total


def gemm_peak(n: int = 2048, repeats: int = 5) -> float:
    """float32 FLOP/s of an ``n x n`` matmul, the best of ``repeats``."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), np.float32)
    np.matmul(a, b, out=c)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n**3 / best


def _case_data(case: Case, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, d, k = case.n_samples, case.layer_sizes[0], case.layer_sizes[-1]
    X = rng.standard_normal((n, d), dtype=np.float32)
    if case.loss == "cross_entropy":
        Y = np.eye(k, dtype=np.float32)[rng.integers(0, k, n)]
    else:
        Y = np.sin(X.sum(axis=1, keepdims=True)).astype(np.float32)
    return X, Y


class _NnstudioSide:
    """nnstudio's real training loop: ``Trainer.step`` with SGD, float32."""

    name = "nnstudio"

    def __init__(self, case: Case, X: np.ndarray, Y: np.ndarray):
        net = MLP(case.layer_sizes, case.activations, case.loss, dtype=np.float32, seed=0)
        self.trainer = Trainer(
            net,
            X,
            Y,
            optimizer=make_optimizer("sgd", case.lr),
            batch_size=case.batch_size,
            epochs=10**9,
            seed=0,
        )

    def steps(self, seconds: float) -> tuple[int, float]:
        """Step for about ``seconds``; returns (samples, elapsed)."""
        step = self.trainer.step
        samples = 0
        with self.trainer.blas_threads():  # as Trainer.run and the app's worker do
            t0 = time.perf_counter()
            end = t0 + seconds
            while True:
                samples += step().batch_size
                t = time.perf_counter()
                if t >= end:
                    return samples, t - t0


class _TorchSide:
    """``torch.nn.Sequential`` of Linear + activation, ``torch.optim.SGD``, the same loss,
    learning rate and batch size, shuffling each epoch as the Trainer does."""

    name = "torch"

    def __init__(self, case: Case, X: np.ndarray, Y: np.ndarray, torch):
        self.torch = torch
        nn = torch.nn
        torch.manual_seed(0)
        layers = []
        sizes = case.layer_sizes
        acts = {"relu": nn.ReLU, "tanh": nn.Tanh}
        for i, (fi, fo) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(fi, fo))
            a = case.activations[i]
            if i < len(sizes) - 2:
                layers.append(acts[a]())
        self.model = nn.Sequential(*layers)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=case.lr)
        self.X = torch.from_numpy(X)
        if case.loss == "cross_entropy":
            # softmax output + cross-entropy: torch's fused log-softmax on the logits
            self.Y = torch.from_numpy(Y.argmax(axis=1))
            self.loss_fn = nn.functional.cross_entropy
        else:
            # nnstudio's mse is 1/(2m) sum (a - y)^2: half of torch's mean for one output
            self.Y = torch.from_numpy(Y)
            mse = nn.functional.mse_loss
            self.loss_fn = lambda out, y: 0.5 * mse(out, y)
        self.batch = case.batch_size
        self.n = X.shape[0]
        self.pos = self.n
        self.gen = torch.Generator().manual_seed(0)

    def steps(self, seconds: float) -> tuple[int, float]:
        torch = self.torch
        model, opt, loss_fn, bs, n = self.model, self.opt, self.loss_fn, self.batch, self.n
        samples = 0
        t0 = time.perf_counter()
        end = t0 + seconds
        while True:
            if self.pos >= n:
                perm = torch.randperm(n, generator=self.gen)
                self.Xs, self.Ys = self.X[perm], self.Y[perm]
                self.pos = 0
            lo, hi = self.pos, min(self.pos + bs, n)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(self.Xs[lo:hi]), self.Ys[lo:hi])
            loss.backward()
            opt.step()
            self.pos = hi
            samples += hi - lo
            t = time.perf_counter()
            if t >= end:
                return samples, t - t0


def _import_torch(threads: int = 2):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def _take_turns(sides, rounds: int, seconds: float, warmup: float) -> dict[str, list[float]]:
    """Samples/s of each side per round; the order alternates (ABBA) between rounds."""
    for side in sides:
        side.steps(warmup)
    rates: dict[str, list[float]] = {s.name: [] for s in sides}
    for r in range(rounds):
        order = sides if r % 2 == 0 else sides[::-1]
        for side in order:
            samples, elapsed = side.steps(seconds)
            rates[side.name].append(samples / elapsed)
    return rates


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


def step_profile(case: Case, seed: int = 0, profile_seconds: float = 1.0) -> dict:
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

    X, Y = _case_data(case, seed)
    tr = _NnstudioSide(case, X, Y).trainer
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


def _format_profile(case: Case, parts: dict) -> str:
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


def _run_engine(args) -> int:
    names = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in names if c not in CASES]
    if unknown or not names:
        raise BenchError(
            f"unknown case {', '.join(unknown) or '(none)'}; choose from {', '.join(CASES)}"
        )
    if args.rounds < 1:
        raise BenchError(f"--rounds must be >= 1, got {args.rounds}")
    if not args.seconds > 0:
        raise BenchError(f"--seconds must be > 0, got {args.seconds}")
    out = sys.stdout
    torch = None if args.no_torch else _import_torch(getattr(args, "threads", None) or 2)
    info = blas_info()  # after torch, whose OpenMP runtime shows separately
    print(_machine_line(info), file=out)
    _warn_if_busy(out)
    if torch is None:
        why = "disabled by --no-torch" if args.no_torch else "not found (pip install torch)"
        print(f"PyTorch {why}: nnstudio figures only", file=out)
    else:
        print(
            f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, CPU; "
            f"turns: {args.rounds} rounds x {args.seconds:g} s each, alternating",
            file=out,
        )
    peak_before = gemm_peak()
    print(f"float32 GEMM peak (2048x2048 matmul): {peak_before / 1e9:.1f} GFLOP/s", file=out)
    results = []
    for name in names:
        case = CASES[name]
        X, Y = _case_data(case)
        sides = [_NnstudioSide(case, X, Y)]
        if torch is not None:
            sides.append(_TorchSide(case, X, Y, torch))
        rates = _take_turns(sides, args.rounds, args.seconds, warmup=min(0.5, args.seconds))
        results.append((case, rates))
        if not args.json:
            print(f"  {name} done", file=sys.stderr, flush=True)
    peak = max(peak_before, gemm_peak())
    print(f"GEMM peak used (best of before and after): {peak / 1e9:.1f} GFLOP/s", file=out)
    head = (
        f"{'case':<7} {'network':<22} {'batch':>5} {'nnstudio/s':>11} {'torch/s':>10} "
        f"{'ratio':>6} {'target':>7} {'met':>4} {'nn %peak':>8} {'torch %peak':>11}"
    )
    print(head, file=out)
    print("-" * len(head), file=out)
    rows = []
    for case, rates in results:
        nn = statistics.median(rates["nnstudio"])
        th = statistics.median(rates["torch"]) if "torch" in rates else None
        flops_per_sample = step_flops(case.layer_sizes, case.batch_size) / case.batch_size
        nn_frac = nn * flops_per_sample / peak
        th_frac = th * flops_per_sample / peak if th else None
        ratio = nn / th if th else None
        per_round = [a / b for a, b in zip(rates["nnstudio"], rates["torch"])] if th else None
        met = "" if ratio is None else ("yes" if ratio >= case.target else "NO")
        print(
            f"{case.name:<7} {'-'.join(map(str, case.layer_sizes)):<22} {case.batch_size:>5} "
            f"{nn:>11.0f} {th if th else float('nan'):>10.0f} "
            f"{ratio if ratio else float('nan'):>5.2f}x {case.target:>6.2f}x {met:>4} "
            f"{nn_frac:>8.1%} {th_frac if th_frac else float('nan'):>11.1%}",
            file=out,
        )
        rows.append(
            {
                "case": case.name,
                "layer_sizes": list(case.layer_sizes),
                "activations": list(case.activations),
                "loss": case.loss,
                "batch_size": case.batch_size,
                "nnstudio_samples_per_s": nn,
                "torch_samples_per_s": th,
                "ratio": ratio,
                "ratio_per_round": per_round,
                "target": case.target,
                "nnstudio_rounds": rates["nnstudio"],
                "torch_rounds": rates.get("torch"),
                "nnstudio_gemm_fraction": nn_frac,
                "torch_gemm_fraction": th_frac,
                "flops_per_step": step_flops(case.layer_sizes, case.batch_size),
            }
        )
    print(
        "samples/s: median over rounds; ratio: nnstudio / torch; %peak: matrix-product "
        "FLOPs per second of training over the GEMM peak",
        file=out,
    )
    profiles = {}
    if args.profile:
        for case, _ in results:
            parts = step_profile(case)
            profiles[case.name] = parts
            print(_format_profile(case, parts), file=out)
    if args.json:
        doc = {
            "blas": info["blas"],
            "threads": info["threads"],
            "dtype": "float32",
            "torch": None if torch is None else torch.__version__,
            "gemm_peak_flops": peak,
            "rows": rows,
        }
        if profiles:
            doc["profiles"] = profiles
        print(json.dumps(doc), file=out)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m nnstudio.bench``)."""
    parser = argparse.ArgumentParser(prog="nnstudio bench", description=__doc__.split("\n")[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except BenchError as exc:
        print(f"nnstudio: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
