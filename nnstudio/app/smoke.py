"""Real-window smoke test: the app as a user starts it, on a real display, checked by its
pixels. CI runs it under Xvfb with the xcb platform (``.ci/run``); it catches what the
offscreen tests cannot: a missing xcb library, a platform plugin that does not load,
fonts that draw as boxes, a window that does not close cleanly.

``python -m nnstudio.app.smoke --out DIR`` (the parent) runs the app in a child process
through the real command line (``nnstudio gui --dataset spirals``, display check
included) with a driver that, once the window is up, grabs it (``before.png``), trains a
few epochs by clicking ``trainButton``, grabs it again (``after.png``) with the position
of each plot (``regions.json``) and closes the window. The parent then checks that the
child exited with status 0 and nothing alarming on stderr, and reads the PNG files back
to check that the plots drew (and that Qt found a font): the decision surface
(``boundaryPlot``) is many colours, and the loss and gradient-norm plots gained coloured
curve pixels between the two grabs. Exit status 0 when all holds; otherwise 1 and one
line per failure.

The child's settings go to a private INI file in DIR, never the user's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

#: the sample the smoke run trains, and for how long
SAMPLE = "spirals"
EPOCHS = 40
#: plots whose pixels are checked, by their contract objectName
REGIONS = ("boundaryPlot", "lossPlot", "gradNormPlot")
#: a pixel is "coloured" when its channels differ by more than this (greys do not)
CHROMA = 40
#: the surface must show at least this many distinct colours and this share coloured
MIN_SURFACE_COLOURS = 64
MIN_SURFACE_COLOURED = 0.25
#: a plot's curves must add at least this many coloured pixels between the grabs
MIN_CURVE_PIXELS = 150
#: stderr lines that mean the app did not end cleanly
ALARMS = ("Traceback", "QThread: Destroyed", "Fatal Python error", "Segmentation fault")
CHILD_TIMEOUT_S = 180
TRAIN_TIMEOUT_MS = 120_000


# --------------------------------------------------------------------- child


def _drive(out: Path) -> None:
    """Schedule the scripted session on the running app (child process)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QFontDatabase
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QApplication, QWidget

    state = {"waited_ms": 0, "started": False}

    def window() -> QWidget | None:
        for w in QApplication.topLevelWidgets():
            if w.objectName() == "mainWindow" or type(w).__name__ == "MainWindow":
                if w.isVisible():
                    return w
        return None

    def fail(message: str) -> None:
        print(f"smoke: {message}", file=sys.stderr, flush=True)
        QApplication.exit(3)

    def regions(win: QWidget) -> dict:
        found = {}
        for name in REGIONS:
            w = win.findChild(QWidget, name)
            if w is None or not w.isVisible():
                continue
            top_left = w.mapTo(win, w.rect().topLeft())
            found[name] = [top_left.x(), top_left.y(), w.width(), w.height()]
        return found

    def grab(win: QWidget, name: str) -> None:
        ratio = win.devicePixelRatioF()
        if not win.grab().save(str(out / name), "PNG"):
            fail(f"could not save {name}")
        meta = {
            "regions": regions(win),
            "device_pixel_ratio": ratio,
            "font_families": len(QFontDatabase.families()),
        }
        (out / "regions.json").write_text(json.dumps(meta), encoding="utf-8")

    def tick() -> None:
        win = window()
        state["waited_ms"] += 100
        if state["waited_ms"] > TRAIN_TIMEOUT_MS:
            fail("timed out waiting for the window or the training to finish")
            return
        if win is None:
            QTimer.singleShot(100, tick)
            return
        train = win.findChild(QAbstractButton, "trainButton")
        stop = win.findChild(QAbstractButton, "stopButton")
        if not state["started"]:
            if train is None or not train.isEnabled():  # data still loading
                QTimer.singleShot(100, tick)
                return
            QApplication.processEvents()
            grab(win, "before.png")
            epochs = win.findChild(QAbstractSpinBox, "epochsSpin")
            if epochs is not None:
                epochs.setValue(EPOCHS)
            train.click()
            state["started"] = True
            QTimer.singleShot(300, tick)
            return
        if stop is not None and stop.isEnabled():  # still training
            QTimer.singleShot(100, tick)
            return
        # Let the last updates paint, then grab and close like a user would.
        QTimer.singleShot(500, lambda: (grab(win, "after.png"), win.close()))

    QTimer.singleShot(200, tick)


def child(out: Path) -> int:
    """The app, started through the real command line (display and library check, then
    ``run_gui``); the driver starts when the main window is first shown."""
    from nnstudio import cli
    from nnstudio.app.main_window import MainWindow

    show = MainWindow.show
    started = []

    def show_and_drive(self) -> None:
        show(self)
        if not started:
            started.append(True)
            _drive(out)

    MainWindow.show = show_and_drive
    return cli.main(["gui", "--dataset", SAMPLE])


# --------------------------------------------------------------------- parent


def _pixels(path: Path):
    """(height, width, 3) uint8 RGB array of a PNG, read with QImage (no display needed)."""
    import numpy as np
    from PySide6.QtGui import QImage

    img = QImage(str(path))
    if img.isNull():
        raise ValueError(f"{path}: not a readable PNG")
    img = img.convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = img.height(), img.width(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=h * stride)
    return buf.reshape(h, stride)[:, : 3 * w].reshape(h, w, 3).copy()


def region_stats(rgb) -> dict:
    """Distinct colours, and the number and share of coloured (non-grey) pixels."""
    import numpy as np

    flat = rgb.reshape(-1, 3).astype(np.int32)
    codes = (flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]
    coloured = int(np.count_nonzero(flat.max(1) - flat.min(1) > CHROMA))
    return {
        "colours": int(np.unique(codes).size),
        "coloured": coloured,
        "coloured_share": coloured / max(len(flat), 1),
    }


def check_images(out: Path) -> list[str]:
    """The failures found in ``before.png``/``after.png`` (empty when the plots drew)."""
    problems = []
    meta = json.loads((out / "regions.json").read_text(encoding="utf-8"))
    before, after = _pixels(out / "before.png"), _pixels(out / "after.png")
    ratio = float(meta.get("device_pixel_ratio", 1.0))
    report = {}
    if not meta.get("font_families"):
        problems.append("Qt found no font: text draws as empty boxes (install a font)")
    for name in REGIONS:
        if name not in meta["regions"]:
            problems.append(f"{name} is not visible in the window")
            continue
        x, y, w, h = (round(v * ratio) for v in meta["regions"][name])
        a = region_stats(after[y : y + h, x : x + w])
        b = region_stats(before[y : y + h, x : x + w])
        report[name] = {"before": b, "after": a}
        if name == "boundaryPlot":
            if a["colours"] < MIN_SURFACE_COLOURS or a["coloured_share"] < MIN_SURFACE_COLOURED:
                problems.append(
                    f"{name} looks blank: {a['colours']} colours, "
                    f"{100 * a['coloured_share']:.1f}% coloured pixels"
                )
        elif a["coloured"] - b["coloured"] < MIN_CURVE_PIXELS:
            problems.append(
                f"{name} drew no curve: {b['coloured']} coloured pixels before training, "
                f"{a['coloured']} after"
            )
    (out / "stats.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return problems


def parent(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    for name in ("before.png", "after.png", "regions.json", "stats.json"):
        (out / name).unlink(missing_ok=True)
    env = dict(os.environ)
    env["NNSTUDIO_SETTINGS_PATH"] = str(out / "settings.ini")
    package_parent = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    cmd = [sys.executable, "-m", "nnstudio.app.smoke", "--child", "--out", str(out)]
    try:
        proc = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        print(f"smoke: FAILED: the app did not exit within {CHILD_TIMEOUT_S} s", flush=True)
        return 1
    (out / "app-stderr.txt").write_text(proc.stderr, encoding="utf-8")
    problems = []
    if proc.returncode != 0:
        problems.append(f"the app exited with status {proc.returncode}")
    problems += [f"stderr: {ln}" for ln in proc.stderr.splitlines() if any(a in ln for a in ALARMS)]
    if (out / "after.png").exists() and (out / "before.png").exists():
        problems += check_images(out)
    else:
        problems.append("the app saved no screenshots")
    if proc.stderr.strip():
        print("smoke: the app's stderr:\n" + proc.stderr.rstrip(), flush=True)
    if problems:
        for p in problems:
            print(f"smoke: FAILED: {p}", flush=True)
        return 1
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    summary = ", ".join(
        f"{k} {v['after']['colours']} colours/{v['after']['coloured']} coloured px"
        for k, v in stats.items()
    )
    print(
        f"smoke: ok: the app started, trained {EPOCHS} epochs of {SAMPLE}, drew ({summary}) "
        f"and exited with 0; screenshot {out / 'after.png'}",
        flush=True,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m nnstudio.app.smoke", description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("build/smoke"), help="folder for the PNGs")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child(args.out)
    return parent(args.out)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
