"""``nnstudio bench`` (default mode): the loop engine against the matrix engine.

One gradient per example over a range of hidden-layer widths (``engine.timing.sweep``),
printed as a table with the two speed-up factors and the largest gradient difference
between the two engines, or as JSON.
"""

from __future__ import annotations

import json
import sys

from ..engine import activations as _act
from ..engine.timing import TimingRow, sweep
from ..text import format_seconds
from .errors import BenchError
from .machine import blas_info, machine_line, warn_if_busy


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
            f"{r.width:>6} {r.n_weights:>8} {format_seconds(r.loop_s_per_example):>12}{star} "
            f"{format_seconds(r.matrix_s_per_example):>15} "
            f"{format_seconds(r.batch_s_per_example):>14} "
            f"{r.matrix_speedup:>8.0f}x {r.batch_speedup:>7.0f}x {r.max_grad_diff:>16.1e}"
        )
    return "\n".join(lines)


def _check(args) -> None:
    # The app's limits (a wider network would only meet a MemoryError here).
    from ..pipeline import MAX_HIDDEN_LAYERS, MAX_UNITS

    if not 0 <= args.depth <= MAX_HIDDEN_LAYERS:
        raise BenchError(f"--depth must be from 0 to {MAX_HIDDEN_LAYERS}, got {args.depth}")
    if not 1 <= args.batch_size <= MAX_UNITS:
        raise BenchError(f"--batch-size must be from 1 to {MAX_UNITS}, got {args.batch_size}")
    if not args.budget > 0:
        raise BenchError(f"--budget must be > 0 seconds, got {args.budget}")
    if not (1 <= args.inputs <= MAX_UNITS and 2 <= args.outputs <= MAX_UNITS):
        raise BenchError(
            f"--inputs must be from 1 and --outputs from 2 (softmax classes) to {MAX_UNITS}"
        )
    if args.activation not in _act.HIDDEN_ACTIVATIONS:
        raise BenchError(
            f"unknown hidden activation {args.activation!r}; choose one of "
            f"{', '.join(_act.HIDDEN_ACTIVATIONS)}"
        )


def run_timing(args) -> int:
    """Run the sweep that ``args`` describes and print it; returns the exit status."""
    _check(args)
    info = blas_info()
    out = sys.stdout
    print(machine_line(info), file=out)
    warn_if_busy(out)
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
