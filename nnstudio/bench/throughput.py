"""``nnstudio bench --engine``: training throughput against PyTorch, each in its own process.

For each case of the speed table (``cases.CASES``) the parent starts one process per side
(``sides.py``: nnstudio's ``Trainer.step``, and ``torch.nn.Sequential`` +
``torch.optim.SGD`` when PyTorch is installed), lets each warm up, then has them take
turns for several rounds, alternating which goes first (ABBA), while the other waits
idle. Only ratios measured in the same run count: the machine's speed drifts, and the
turns make the drift hit both sides alike.

Also reported: each side's backend (the BLAS kernel NumPy runs; PyTorch's version, BLAS
library and threads) and the fraction of the machine's float32 GEMM peak (a 2048 x 2048
matmul in this process, the better of the measurements just before and just after the
case) that the step's matrix products reach, with ``engine.trainer.step_flops`` counting
them.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from ..engine.trainer import step_flops
from .cases import CASES, Case
from .errors import BenchError
from .machine import blas_info, gemm_peak, machine_line, warn_if_busy

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


class _Process:
    """One side in a child process, driven line by line (see ``sides.py``)."""

    def __init__(self, side: str, case: Case, threads: int | None):
        env = dict(os.environ)
        # the child imports this very nnstudio, wherever it was imported from
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        cmd = [sys.executable, "-m", "nnstudio.bench.sides", side, case.name]
        if threads is not None:
            cmd += ["--threads", str(threads)]
        self.name = side
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        hello = self._read()
        if "error" in hello:
            self.close()
            raise RuntimeError(hello["error"])
        self.backend = hello["backend"]
        self.threads = hello["threads"]

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            raise RuntimeError(f"the {self.name} benchmark process ended (exit status {code})")
        return json.loads(line)

    def rate(self, seconds: float) -> float:
        """Samples per second over one turn of about ``seconds``."""
        self.proc.stdin.write(f"run {seconds!r}\n")
        self.proc.stdin.flush()
        reply = self._read()
        return reply["samples"] / reply["seconds"]

    def close(self) -> None:
        """Ask the process to quit, wait for it (kill it after 10 s) and close the pipes."""
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except OSError:  # it has already gone
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


def take_turns(sides, rounds: int, seconds: float, warmup: float) -> dict[str, list[float]]:
    """Samples/s of each side per round; the order alternates (ABBA) between rounds."""
    for side in sides:
        side.rate(warmup)
    rates: dict[str, list[float]] = {s.name: [] for s in sides}
    for r in range(rounds):
        order = sides if r % 2 == 0 else sides[::-1]
        for side in order:
            rates[side.name].append(side.rate(seconds))
    return rates


def _torch_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def _measure(case: Case, with_torch: bool, args) -> tuple[dict, dict]:
    """``(rates, backends)`` of one case, each side in its own process."""
    sides = []
    try:
        sides.append(_Process("nnstudio", case, args.threads))
        if with_torch:
            sides.append(_Process("torch", case, args.threads))
        rates = take_turns(sides, args.rounds, args.seconds, warmup=min(0.5, args.seconds))
        return rates, {s.name: (s.backend, s.threads) for s in sides}
    except RuntimeError as exc:
        raise BenchError(f"benchmark of case {case.name} failed: {exc}") from None
    finally:
        for s in sides:
            s.close()


def _row(case: Case, rates: dict, peak: float) -> dict:
    nn = statistics.median(rates["nnstudio"])
    th = statistics.median(rates["torch"]) if "torch" in rates else None
    flops = step_flops(case.layer_sizes, case.batch_size)
    per_sample = flops / case.batch_size
    return {
        "case": case.name,
        "layer_sizes": list(case.layer_sizes),
        "activations": list(case.activations),
        "loss": case.loss,
        "batch_size": case.batch_size,
        "nnstudio_samples_per_s": nn,
        "torch_samples_per_s": th,
        "ratio": nn / th if th else None,
        "ratio_per_round": (
            [a / b for a, b in zip(rates["nnstudio"], rates["torch"])] if th else None
        ),
        "target": case.target,
        "peak_target": case.peak_target,
        "nnstudio_rounds": rates["nnstudio"],
        "torch_rounds": rates.get("torch"),
        "gemm_peak_flops": peak,
        "nnstudio_gemm_fraction": nn * per_sample / peak,
        "torch_gemm_fraction": th * per_sample / peak if th else None,
        "flops_per_step": flops,
    }


def _met(row: dict) -> str:
    if row["ratio"] is None:
        return ""
    ok = row["ratio"] >= row["target"]
    if row["peak_target"] is not None:
        ok = ok and row["nnstudio_gemm_fraction"] >= row["peak_target"]
    return "yes" if ok else "NO"


def format_table(rows: list[dict]) -> str:
    """The throughput rows as a fixed-width table."""
    nan = float("nan")
    head = (
        f"{'case':<7} {'network':<22} {'batch':>5} {'nnstudio/s':>11} {'torch/s':>10} "
        f"{'ratio':>6} {'target':>13} {'met':>4} {'nn %peak':>8} {'torch %peak':>11}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        target = f">={r['target']:g}x"
        if r["peak_target"] is not None:
            target += f",{r['peak_target']:.0%}"
        lines.append(
            f"{r['case']:<7} {'-'.join(map(str, r['layer_sizes'])):<22} {r['batch_size']:>5} "
            f"{r['nnstudio_samples_per_s']:>11.0f} {r['torch_samples_per_s'] or nan:>10.0f} "
            f"{r['ratio'] or nan:>5.2f}x {target:>13} {_met(r):>4} "
            f"{r['nnstudio_gemm_fraction']:>8.1%} {r['torch_gemm_fraction'] or nan:>11.1%}"
        )
    return "\n".join(lines)


def _check(args) -> list[str]:
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
    return names


def run_engine(args) -> int:
    """Measure the cases ``args`` names and print the table (and JSON)."""
    names = _check(args)
    out = sys.stdout
    with_torch = not args.no_torch and _torch_installed()
    info = blas_info()
    print(machine_line(info), file=out)
    warn_if_busy(out)
    if not with_torch:
        why = "disabled by --no-torch" if args.no_torch else "not found (pip install torch)"
        print(f"PyTorch {why}: nnstudio figures only", file=out)
    print(
        f"each side in its own process; turns: {args.rounds} rounds x {args.seconds:g} s "
        "each, alternating",
        file=out,
    )
    # The peak is measured between cases, and each case is held against the better of
    # the two around it: the machine's speed drifts within a run, and a peak from the
    # start of the run measured the last case against a machine it no longer was.
    edges = [gemm_peak()]
    print(f"float32 GEMM peak (2048x2048 matmul): {edges[0] / 1e9:.1f} GFLOP/s", file=out)
    measured = []
    backends: dict[str, str] = {}
    threads: dict[str, dict[str, int | str | None]] = {}
    for name in names:
        rates, seen = _measure(CASES[name], with_torch, args)
        edges.append(gemm_peak())
        measured.append((CASES[name], rates))
        for side, (text, n) in seen.items():
            backends.setdefault(side, text)
            threads.setdefault(side, {})[name] = n
        if not args.json:
            print(f"  {name} done", file=sys.stderr, flush=True)
    for side, text in backends.items():
        per_case = ", ".join(f"{c} {n}" for c, n in threads[side].items())
        print(f"{side} process: {text}; threads: {per_case}", file=out)
    peaks = {name: max(edges[i], edges[i + 1]) for i, name in enumerate(names)}
    each = ", ".join(f"{name} {p / 1e9:.1f}" for name, p in peaks.items())
    print(f"GEMM peak used (best of before and after each case), GFLOP/s: {each}", file=out)
    rows = [_row(case, rates, peaks[case.name]) for case, rates in measured]
    print(format_table(rows), file=out)
    print(
        "samples/s: median over rounds; ratio: nnstudio / torch; %peak: matrix-product "
        "FLOPs per second of training over the GEMM peak; target: ratio and, where "
        "given, %peak",
        file=out,
    )
    profiles = {}
    if args.profile:
        from .profile import format_profile, step_profile

        for case, _ in measured:
            profiles[case.name] = step_profile(case)
            print(format_profile(case, profiles[case.name]), file=out)
    if args.json:
        doc = {
            "blas": info["blas"],
            "threads": info["threads"],
            "dtype": "float32",
            "torch": backends.get("torch"),
            "backends": backends,
            "backend_threads": threads,
            "gemm_peak_flops": max(edges),
            "gemm_peaks_between_cases": edges,
            "rows": rows,
        }
        if profiles:
            doc["profiles"] = profiles
        print(json.dumps(doc), file=out)
    return 0
