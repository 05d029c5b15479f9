"""How long does the GUI thread stall while a big network trains?

A 5 ms heartbeat ``QTimer`` in the GUI thread records the gap between its ticks while
the main window trains a 784-512-512-10 ReLU network (``--hidden`` for others) on random
data (2,000 rows x 784 features, 10 classes) in its worker thread. The largest gap is the
longest time the window could not react to anything; a tick with gap g came g - 5 ms
late. The design's targets: ticks under 16 ms late at p99 and 50 ms at worst.

Run it::

    python -m nnstudio.app.stall_bench [--seconds 2] [--batch-size 32] [--rows 2000]
        [--features 784] [--classes 10] [--hidden 512,512]

It uses the platform given by ``QT_QPA_PLATFORM`` (``offscreen`` works without a screen)
and never touches the user's settings (a temporary INI file is used).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from nnstudio.errors import NnstudioError
from nnstudio.pipeline import MAX_UNITS
from nnstudio.text import parse_int_list

__all__ = ["measure_stall", "main"]


def _counter_class():
    from PySide6.QtCore import QObject, Slot

    class Counter(QObject):
        """Counts progress signals, in the GUI thread (a QObject receiver, not a lambda)."""

        def __init__(self) -> None:
            super().__init__()
            self.n = 0

        @Slot(object)
        def count(self, _update) -> None:
            self.n += 1

    return Counter


def measure_stall(
    seconds: float = 2.0,
    *,
    rows: int = 2000,
    features: int = 784,
    hidden: tuple[int, ...] = (512, 512),
    classes: int = 10,
    batch_size: int = 32,
    interval_ms: int = 5,
    workdir: str | os.PathLike | None = None,
    max_wait: float = 120.0,
) -> dict:
    """Train for ``seconds`` in a fresh ``MainWindow`` and time the GUI thread.

    When no step has been done after ``seconds`` (a loaded machine), it goes on until the
    first step, for at most ``max_wait`` seconds more.

    Returns a dict: ``max_gap_ms``, ``p99_gap_ms``, ``mean_gap_ms``, ``ticks``,
    ``interval_ms``, ``steps`` (optimizer updates done), ``samples_per_second``,
    ``updates`` (progress signals received) and the setup.
    """
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from nnstudio.app.heartbeat import Heartbeat
    from nnstudio.app.main_window import MainWindow

    _Counter = _counter_class()  # noqa: N806

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(workdir) if workdir is not None else Path(tmp)
        rng = np.random.default_rng(0)
        data = base / "stall_random.npz"
        np.savez(
            data,
            X=rng.standard_normal((rows, features)).astype(np.float32),
            y=rng.integers(0, classes, rows),
        )
        settings = QSettings(str(base / "stall_settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings)
        window.show()
        if not window.load_dataset(data):
            raise RuntimeError("could not load the random data")
        window.layer_table.set_layers(list(hidden), ["relu"] * len(hidden))
        tp = window.training_panel
        tp.epochs_spin.setValue(1_000_000)
        window.best_epoch.controls.patience.setValue(0)  # train until stopped
        tp.batch_spin.setValue(batch_size)
        # Let the window finish showing the data (layouts, first paints) before timing:
        # the measurement is about training, not about loading.
        settle = QEventLoop()
        QTimer.singleShot(300, settle.quit)
        settle.exec()

        heartbeat = Heartbeat(interval_ms)
        loop = QEventLoop()
        heartbeat.start()
        t_train = heartbeat.elapsed_ms()
        if not window.train():
            raise RuntimeError("training did not start")
        counter = _Counter()
        window.worker.progress.connect(counter.count)
        heartbeat.restart_gap()
        t0 = time.perf_counter()

        def stepped() -> int:
            session = window.session
            return session.trainer.step_count if session is not None else 0

        def maybe_quit() -> None:
            # Measure for ``seconds``, but on a loaded machine the first step can take
            # longer than that: a measurement without a training step measures nothing.
            waited = time.perf_counter() - t0
            if waited >= seconds and (stepped() > 0 or waited >= seconds + max_wait):
                loop.quit()

        poll = QTimer()
        poll.setInterval(50)
        poll.timeout.connect(maybe_quit)
        poll.start()
        loop.exec()
        poll.stop()
        elapsed = time.perf_counter() - t0
        heartbeat.stop()
        session = window.session
        steps = session.trainer.step_count if session is not None else 0
        window.close()
        app.processEvents()
        beat = heartbeat.stats()
        return {
            "max_gap_at_ms": beat["max_gap_start_ms"] - t_train,
            "max_gap_ms": beat["max_gap_ms"],
            "p99_gap_ms": beat["p99_gap_ms"],
            "mean_gap_ms": beat["mean_gap_ms"],
            "p99_late_ms": beat["p99_late_ms"],
            "max_late_ms": beat["max_late_ms"],
            "ticks": beat["ticks"],
            "interval_ms": interval_ms,
            "seconds": elapsed,
            "steps": steps,
            "samples_per_second": steps * batch_size / elapsed if elapsed > 0 else 0.0,
            "updates": counter.n,
            "network": "-".join(map(str, (features, *hidden, classes))),
            "rows": rows,
            "batch_size": batch_size,
        }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m nnstudio.app.stall_bench",
        description="Measure the GUI thread's longest stall while a big network trains.",
    )
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--features", type=int, default=784)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument(
        "--hidden",
        default="512,512",
        help="hidden layer sizes, comma-separated (the largest allowed: 4096,4096,4096)",
    )
    args = ap.parse_args(argv)
    try:
        hidden = tuple(parse_int_list(args.hidden, what="--hidden", high=MAX_UNITS))
    except NnstudioError as exc:
        ap.error(str(exc))
    r = measure_stall(
        args.seconds,
        batch_size=args.batch_size,
        rows=args.rows,
        features=args.features,
        classes=args.classes,
        hidden=hidden,
    )
    print(
        f"network {r['network']}, {r['rows']} rows, batch {r['batch_size']}: "
        f"{r['steps']} steps in {r['seconds']:.2f} s ({r['samples_per_second']:,.0f} samples/s), "
        f"{r['updates']} GUI updates"
    )
    print(
        f"heartbeat every {r['interval_ms']} ms, {r['ticks']} ticks: max gap "
        f"{r['max_gap_ms']:.1f} ms ({r['max_gap_at_ms']:.0f} ms after Train), "
        f"p99 {r['p99_gap_ms']:.1f} ms, mean {r['mean_gap_ms']:.2f} ms"
    )
    print(
        f"ticks late: p99 {r['p99_late_ms']:.1f} ms, worst {r['max_late_ms']:.1f} ms "
        "(design targets: under 16 ms at p99, 50 ms at worst)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
