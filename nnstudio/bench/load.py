"""``nnstudio bench --load``: reading and training on a big CSV, against ``numpy.loadtxt``.

Three commands, each in a process of its own, taking turns round after round:

- ``train``: ``nnstudio train BIG.csv --layers 8 --epochs 1 --batch-size 4096`` (the
  whole command: start, read, prepare, one epoch, save);
- ``loadtxt``: ``numpy.loadtxt`` reading the same file (the C parser's own speed);
- ``small``: the same ``train`` command on the file's first 1,000 rows (the memory a
  run needs whatever the data: interpreter, NumPy, the network).

BIG.csv is generated once, seeded: ``--rows`` rows (default 1,000,000) of 20 features
and a numeric target, 5 decimals each (172 MB at a million rows), in a temporary folder
unless ``--file`` names where to keep it (an existing file there is used as it is).

It prints each command's median wall time and peak memory (the process's own maximum
resident set, from ``os.wait4``), then the two targets of issue 9: train time over
loadtxt time (<= 1.5) and train's extra peak memory over ``small`` in multiples of the
data's float64 size (<= 3). Figures, never a test.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .errors import BenchError

__all__ = ["add_arguments", "generate_csv", "run_load"]

N_FEATURES = 20
SMALL_ROWS = 1000
TIME_TARGET = 1.5
MEMORY_TARGET = 3.0


def add_arguments(parser) -> None:
    """The options of ``nnstudio bench --load``."""
    g = parser.add_argument_group("reading a big CSV (--load)")
    g.add_argument("--rows", type=int, default=1_000_000, help="rows of BIG.csv (default 1e6)")
    g.add_argument(
        "--file", default=None, help="where to keep BIG.csv (reused if it exists); default temp"
    )


def generate_csv(path: Path, rows: int, seed: int = 0) -> None:
    """Write ``rows`` rows of ``x1..x20`` ~ N(0, 1) and ``y = x1 + x2 + x3 + noise``."""
    import numpy as np

    rng = np.random.default_rng(seed)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(",".join([*(f"x{j + 1}" for j in range(N_FEATURES)), "y"]) + "\n")
        for lo in range(0, rows, 100_000):
            X = rng.normal(size=(min(100_000, rows - lo), N_FEATURES))
            y = X[:, :3].sum(axis=1) + 0.1 * rng.normal(size=len(X))
            np.savetxt(fh, np.column_stack([X, y]), fmt="%.5f", delimiter=",")
    os.replace(tmp, path)


def _head(src: Path, dst: Path, lines: int) -> None:
    with open(src, encoding="utf-8") as fin, open(dst, "w", encoding="utf-8") as fout:
        for _ in range(lines):
            line = fin.readline()
            if not line:
                break
            fout.write(line)


def _timed(argv: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak MB, exit status) of one command run to its end."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(argv[:4])} ... failed: {err.strip().splitlines()[-1:]}")
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def run_load(args) -> int:
    """Run the load benchmark; prints a table (or JSON with --json)."""
    rows, rounds = int(args.rows), max(int(args.rounds), 1)
    if rows < SMALL_ROWS:
        raise BenchError(f"--rows must be at least {SMALL_ROWS}, got {rows}")
    with tempfile.TemporaryDirectory(prefix="nnstudio-bench-") as tmp:
        folder = Path(tmp)
        big = Path(args.file) if args.file else folder / "BIG.csv"
        if not big.exists():
            print(f"writing {big.name} ({rows} rows)...", file=sys.stderr, flush=True)
            generate_csv(big, rows)
        small = folder / "small.csv"
        _head(big, small, SMALL_ROWS + 1)
        py = sys.executable
        train = [py, "-m", "nnstudio", "train", "--layers", "8", "--epochs", "1"]
        train += ["--batch-size", "4096", "--quiet", "--out", str(folder / "m.npz")]
        commands = {
            "train": [*train, str(big)],
            "loadtxt": [py, "-c", _LOADTXT, str(big)],
            "small": [*train, str(small)],
        }
        results: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
        for _ in range(rounds):
            for name, argv in commands.items():
                seconds, peak, _ = _timed(argv)
                results[name].append((seconds, peak))
        n_rows = sum(1 for _ in open(big, "rb")) - 1
    med = {k: (statistics.median(s for s, _ in v), statistics.median(p for _, p in v))
           for k, v in results.items()}  # fmt: skip
    data_mb = n_rows * (N_FEATURES + 1) * 8 / 2**20
    time_ratio = med["train"][0] / med["loadtxt"][0]
    memory_ratio = (med["train"][1] - med["small"][1]) / data_mb
    report = {
        "rows": n_rows,
        "file_mb": round(os.path.getsize(big) / 2**20, 1) if args.file else None,
        "float64_mb": round(data_mb, 1),
        "rounds": rounds,
        "seconds": {k: round(v[0], 3) for k, v in med.items()},
        "peak_mb": {k: round(v[1], 1) for k, v in med.items()},
        "time_ratio": round(time_ratio, 3),
        "extra_memory_ratio": round(memory_ratio, 3),
    }
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{n_rows} rows x {N_FEATURES + 1} columns, float64 size {data_mb:.0f} MB; "
          f"medians of {rounds} rounds, each command in its own process")  # fmt: skip
    print(f"{'command':<10}{'seconds':>10}{'peak MB':>10}")
    for k, (s, p) in med.items():
        print(f"{k:<10}{s:>10.2f}{p:>10.0f}")
    print(f"train / loadtxt time       {time_ratio:5.2f}x  (target <= {TIME_TARGET}x)")
    print(f"train extra peak memory    {memory_ratio:5.2f}x the float64 data "
          f"(target <= {MEMORY_TARGET}x)")  # fmt: skip
    return 0


_LOADTXT = "import sys, numpy; numpy.loadtxt(sys.argv[1], delimiter=',', skiprows=1)"
