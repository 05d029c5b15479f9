"""``nnstudio bench``: two benchmarks, printed as tables (or JSON).

- default (``loop_vs_matrix``): the loop engine against the matrix engine, one gradient
  per example, over a range of hidden-layer widths, with the speed-up factors and the
  largest gradient difference between the two engines.
- ``--load`` (``load``): ``nnstudio train`` on a big generated CSV against
  ``numpy.loadtxt`` reading it, time and peak memory, each in a process of its own.
- ``--engine`` (``throughput``): training throughput (samples/second, float32) of the
  real training step on the four cases of the design's speed table (``cases``) against
  ``torch.nn.Sequential`` + ``torch.optim.SGD`` when PyTorch is installed, each side in a
  process of its own (``sides``), taking turns; with ``--profile`` where the time of one
  step goes (``profile``). ``machine`` names the BLAS kernel, PyTorch's backend and the
  GEMM peak.

No Qt. ``add_arguments(parser)`` and ``run(args)`` are what the command line wires in;
user errors raise ``BenchError`` with a one-line message.
"""

from __future__ import annotations

import argparse
import sys

from ..engine.timing import DEFAULT_BATCH_SIZE, DEFAULT_BUDGET, DEFAULT_WIDTHS
from ..text import IntListError, parse_int_list
from .cases import CASES
from .errors import BenchError
from .load import add_arguments as _load_arguments
from .load import run_load
from .loop_vs_matrix import run_timing
from .throughput import run_engine

__all__ = ["BenchError", "add_arguments", "main", "run"]


def _widths(text: str) -> list[int]:
    from ..pipeline import MAX_UNITS  # the app's widest layer

    try:
        return parse_int_list(text, what="widths", high=MAX_UNITS)
    except IntListError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
        "default: BLAS as configured, PyTorch one per CPU",
    )
    g = parser.add_argument_group("loop vs matrix (default mode)")
    g.add_argument(
        "--widths",
        type=_widths,
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
    parser.add_argument(
        "--load",
        action="store_true",
        help="time `nnstudio train` on a big generated CSV against numpy.loadtxt",
    )
    _load_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Run the benchmark chosen by ``args``; returns the exit status."""
    if getattr(args, "load", False):
        return run_load(args)
    threads = getattr(args, "threads", None)
    if threads is None:
        return run_engine(args) if args.engine else run_timing(args)
    if threads < 1:
        raise BenchError(f"--threads must be >= 1, got {threads}")
    try:
        import threadpoolctl
    except ImportError:
        raise BenchError("--threads needs threadpoolctl (pip install threadpoolctl)") from None
    with threadpoolctl.threadpool_limits(limits=threads, user_api="blas"):
        return run_engine(args) if args.engine else run_timing(args)


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
