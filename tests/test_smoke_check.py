"""The real-window smoke test's pixel checks (``nnstudio.app.smoke``), on images made here:
they must pass a window whose plots drew and fail a blank one."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtGui import QImage

from nnstudio.app import smoke

REGIONS = {
    "boundaryPlot": [0, 0, 100, 100],
    "lossPlot": [100, 0, 100, 50],
    "gradNormPlot": [100, 50, 100, 50],
}


def _save(path, rgb: np.ndarray) -> None:
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    img = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    assert img.copy().save(str(path), "PNG")


def _window(drawn: bool) -> np.ndarray:
    rgb = np.full((100, 200, 3), 240, np.uint8)  # light grey, like an empty window
    rgb[:, 100] = 0  # an axis line
    if drawn:
        y, x = np.mgrid[0:100, 0:100]
        rgb[:100, :100, 0] = 100 + x  # the surface: a two-colour gradient
        rgb[:100, :100, 2] = 250 - y
        rgb[:100, :100, 1] = 120
        rgb[10:40, 110:190] = (31, 119, 180)  # the loss curves (thick, for the test)
        rgb[60:90, 110:190] = (255, 127, 14)  # the gradient norms
    return rgb


def _setup(tmp_path, drawn: bool, fonts: int = 12):
    _save(tmp_path / "before.png", _window(False))
    _save(tmp_path / "after.png", _window(drawn))
    meta = {"regions": REGIONS, "device_pixel_ratio": 1.0, "font_families": fonts}
    (tmp_path / "regions.json").write_text(json.dumps(meta))


def test_region_stats_counts_colours_and_coloured_pixels():
    rgb = np.zeros((2, 3, 3), np.uint8)
    rgb[0, 0] = (255, 0, 0)  # coloured
    rgb[0, 1] = (255, 0, 0)
    rgb[1, 2] = (90, 90, 100)  # grey-ish: channels differ by 10 only
    stats = smoke.region_stats(rgb)
    assert stats["colours"] == 3
    assert stats["coloured"] == 2
    assert stats["coloured_share"] == 2 / 6


def test_a_window_whose_plots_drew_passes(tmp_path):
    _setup(tmp_path, drawn=True)
    assert smoke.check_images(tmp_path) == []


def test_a_blank_window_fails_for_every_plot(tmp_path):
    _setup(tmp_path, drawn=False)
    problems = smoke.check_images(tmp_path)
    assert len(problems) == 3
    assert problems[0].startswith("boundaryPlot looks blank")
    assert "lossPlot drew no curve" in problems[1]


def test_no_font_fails(tmp_path):
    _setup(tmp_path, drawn=True, fonts=0)
    assert smoke.check_images(tmp_path) == [
        "Qt found no font: text draws as empty boxes (install a font)"
    ]
