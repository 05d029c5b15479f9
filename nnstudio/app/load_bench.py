"""How long does the GUI thread stall while a big CSV file loads, and how fast does the
window repaint with the result?

A 5 ms heartbeat ``QTimer`` in the GUI thread records the gap between its ticks while
``MainWindow.load_dataset`` reads a generated CSV on its worker thread and the window
then shows it; the largest gap is the longest time the window could not react. Then the
whole window is repainted a few times (``QWidget.repaint``, synchronous) and timed.

Run it::

    python -m nnstudio.app.load_bench [--rows 1000000] [--classes 0] [--file BIG.csv]

``--classes K`` (K > 0) writes a classification file whose target is one of K text
labels (``c0`` .. ``c{K-1}``, every label at least once) instead of a numeric target.
Figures, never a test. Uses ``QT_QPA_PLATFORM`` (``offscreen`` works without a screen)
and a temporary settings file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

__all__ = ["main", "measure_load"]


def _write(path: Path, rows: int, classes: int) -> None:
    from nnstudio.bench.load import generate_csv

    if classes <= 0:
        generate_csv(path, rows)
        return
    rng = np.random.default_rng(0)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("x1,x2,label\n")
        for lo in range(0, rows, 100_000):
            m = min(100_000, rows - lo)
            X = rng.normal(size=(m, 2))
            k = (np.arange(lo, lo + m) % classes) if lo < classes else rng.integers(0, classes, m)
            fh.writelines(f"{a:.4f},{b:.4f},c{c}\n" for (a, b), c in zip(X.tolist(), k.tolist()))


def measure_load(
    path: str | None = None, *, rows: int = 1_000_000, classes: int = 0, interval_ms: int = 5
) -> dict:
    """Load ``path`` (or a generated file) in a fresh window while timing the GUI thread.

    Returns ``load_seconds``, ``max_gap_ms`` (and ``max_gap_at_s``, when it began after
    the load started), ``p99_gap_ms``, ``max_late_ms``,
    ``p99_late_ms`` (the gaps less the interval), ``ticks``, ``repaint_ms``
    (median of 5 full-window repaints afterwards) and the data's shape."""
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from nnstudio.app.heartbeat import Heartbeat
    from nnstudio.app.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        data = Path(path) if path else base / "load_bench.csv"
        if not path:
            print(f"writing {rows} rows...", file=sys.stderr, flush=True)
            _write(data, rows, classes)
        settings = QSettings(str(base / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings)
        window.resize(1280, 800)
        window.show()
        settle = QEventLoop()
        QTimer.singleShot(300, settle.quit)
        settle.exec()

        heartbeat = Heartbeat(interval_ms)
        heartbeat.start()
        t0 = time.perf_counter()
        ok = window.load_dataset(data)  # waits, processing events
        load_seconds = time.perf_counter() - t0
        after = QEventLoop()  # the window shows the data: layouts and paints
        QTimer.singleShot(500, after.quit)
        after.exec()
        heartbeat.stop()
        if not ok:
            raise RuntimeError(f"could not load {data}")
        ds = window.data_panel.dataset
        paints = []
        for _ in range(5):
            t = time.perf_counter()
            window.repaint()
            paints.append((time.perf_counter() - t) * 1000)
        window.close()
        app.processEvents()
    beat = heartbeat.stats()
    return {
        "rows": ds.n_samples,
        "features": ds.n_features,
        "classes": len(ds.classes) if ds.classes else 0,
        "load_seconds": load_seconds,
        "max_gap_ms": beat["max_gap_ms"],
        "p99_gap_ms": beat["p99_gap_ms"],
        "max_late_ms": beat["max_late_ms"],
        "p99_late_ms": beat["p99_late_ms"],
        "max_gap_at_s": beat["max_gap_start_ms"] / 1000,
        "ticks": beat["ticks"],
        "interval_ms": interval_ms,
        "repaint_ms": float(np.median(paints)),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m nnstudio.app.load_bench",
        description="Measure the GUI thread's longest stall while a big CSV loads.",
    )
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--classes", type=int, default=0, help="text labels instead of numbers")
    ap.add_argument("--file", default=None, help="load this file instead of a generated one")
    args = ap.parse_args(argv)
    r = measure_load(args.file, rows=args.rows, classes=args.classes)
    print(
        f"{r['rows']} rows, {r['features']} features, {r['classes']} classes: loaded in "
        f"{r['load_seconds']:.2f} s; heartbeat every {r['interval_ms']} ms, {r['ticks']} "
        f"ticks: max gap {r['max_gap_ms']:.1f} ms at {r['max_gap_at_s']:.2f} s, "
        f"p99 {r['p99_gap_ms']:.1f} ms (late by at "
        f"most {r['max_late_ms']:.1f} ms, p99 {r['p99_late_ms']:.1f} ms); full-window "
        f"repaint {r['repaint_ms']:.1f} ms (median of 5)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
