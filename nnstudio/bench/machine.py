"""What the benchmarks run on: the BLAS NumPy uses, PyTorch's backend, the GEMM peak.

Every table ``nnstudio bench`` prints starts with these, because a speed figure means
nothing without the kernel that produced it: the same NumPy runs OpenBLAS's Haswell or
SkylakeX kernel depending on the CPU and on ``OPENBLAS_CORETYPE``.
"""

from __future__ import annotations

import os
import re
import time

import numpy as np


def blas_info() -> dict:
    """The BLAS that NumPy uses in this process: ``{"blas": description, "threads": int
    or None, "blas_kernel": ..., "blas_library": ...}`` (the last two need
    threadpoolctl)."""
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


def torch_backend(torch) -> str:
    """PyTorch's version and matrix-product library, e.g. ``"PyTorch 2.13.0+cpu, BLAS mkl
    2024.2"``, read from ``torch.__config__.show()``."""
    try:
        config = torch.__config__.show()
    except Exception:  # a build without the config text: say so, do not fail
        config = ""
    found = re.search(r"BLAS_INFO=(\w+)", config)
    blas = f"BLAS {found.group(1)}" if found else "unknown BLAS"
    mkl = re.search(r"Math Kernel Library Version ([\w.]+)", config)
    if found and found.group(1) == "mkl" and mkl:
        blas += f" {mkl.group(1)}"
    return f"PyTorch {torch.__version__}, {blas}"


def machine_line(info: dict) -> str:
    """One line: the BLAS, its threads, NumPy's version and the load average."""
    threads = info["threads"] if info["threads"] is not None else "?"
    load = ""
    if hasattr(os, "getloadavg"):
        load = f"; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    return f"BLAS: {info['blas']}, {threads} threads; NumPy {np.__version__}{load}"


def warn_if_busy(out) -> None:
    """Print a warning to ``out`` when other processes keep the CPUs busy."""
    if hasattr(os, "getloadavg") and os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1):
        print(
            "warning: other processes are using the CPU; figures will be slow and noisy",
            file=out,
        )


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
