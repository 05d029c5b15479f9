"""Noise and points of the built-in samples in the window, offscreen.

Truth: the sample generator called directly with the same name, size, noise and seed.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox

from nnstudio.cli import samples_folder
from nnstudio.data.samples import SAMPLE_DEFAULTS, make_sample


def _spins(w):
    noise = w.findChild(QAbstractSpinBox, "sampleNoiseSpin")
    points = w.findChild(QAbstractSpinBox, "samplePointsSpin")
    assert noise is not None and points is not None
    assert noise.accessibleName() and points.accessibleName()
    return noise, points


def test_spins_regenerate_the_seeded_sample(qtbot, window):
    w = window
    assert w.load_dataset("moons")
    noise, points = _spins(w)
    n0, sigma0 = SAMPLE_DEFAULTS["moons"]
    assert noise.isEnabled() and points.value() == n0 and noise.value() == pytest.approx(sigma0)

    with qtbot.waitSignal(w.data_panel.datasetChanged):
        points.setValue(123)
    ds = w.data_panel.dataset
    truth = make_sample("moons", n_samples=123, noise=sigma0, seed=0)
    assert ds.n_samples == 123
    np.testing.assert_array_equal(ds.X, truth.X)
    np.testing.assert_array_equal(ds.y, truth.y)

    noise.setValue(0.0)
    np.testing.assert_array_equal(w.data_panel.dataset.X, make_sample("moons", 123, 0, 0.0).X)
    # the views follow: the boundary view shows the new points
    assert w.boundary_view.isVisible()

    # another sample starts from its own defaults
    assert w.load_dataset("spirals")
    assert points.value() == SAMPLE_DEFAULTS["spirals"][0]
    assert noise.value() == pytest.approx(SAMPLE_DEFAULTS["spirals"][1])


def test_spins_are_off_for_files_and_while_training(qtbot, window):
    w = window
    noise, points = _spins(w)
    assert w.load_dataset("xor")
    w.training_panel.epochs_spin.setValue(2000)
    qtbot.mouseClick(w.training_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.state == "running", timeout=60_000)
    assert not noise.isEnabled() and not points.isEnabled()
    w.stop()
    qtbot.waitUntil(lambda: not w.is_training, timeout=60_000)
    assert noise.isEnabled()
    csv = samples_folder() / "iris.csv"
    assert w.load_dataset(str(csv))
    assert not noise.isEnabled() and not points.isEnabled()


def test_project_records_noise_and_points(qtbot, window, tmp_path, errors):
    w = window
    assert w.load_dataset("circles")
    noise, points = _spins(w)
    points.setValue(200)
    noise.setValue(0.125)
    project = tmp_path / "p.json"
    assert w.save_project(project)
    doc = json.loads(project.read_text())
    assert doc["dataset"]["noise"] == 0.125 and doc["dataset"]["n_samples"] == 200

    assert w.load_dataset("xor")
    assert w.open_project(project)
    ds = w.data_panel.dataset
    np.testing.assert_array_equal(ds.X, make_sample("circles", 200, 0, 0.125).X)
    assert (noise.value(), points.value()) == (0.125, 200)

    doc["dataset"]["n_samples"] = True
    project.write_text(json.dumps(doc))
    assert not w.open_project(project)
    assert "dataset.n_samples" in errors[-1][1]
    assert w.data_panel.dataset is ds  # nothing changed


def test_regenerating_keeps_the_task_chosen_by_hand(qtbot, window):
    # moons fitted as regression: the labels 0/1 are the numbers to fit. Changing the
    # points regenerates the sample and must keep that task (it once fell back to auto).
    w = window
    assert w.load_dataset("moons")
    combo = w.data_panel.taskCombo
    with qtbot.waitSignal(w.data_panel.datasetChanged, timeout=30_000):
        combo.setCurrentIndex(combo.findText("regression"))
    assert w.data_panel.dataset.task == "regression"
    _, points = _spins(w)
    with qtbot.waitSignal(w.data_panel.datasetChanged):
        points.setValue(200)
    ds = w.data_panel.dataset
    truth = make_sample("moons", n_samples=200, seed=0)
    assert ds.task == "regression" and ds.classes is None
    np.testing.assert_array_equal(ds.X, truth.X)
    np.testing.assert_array_equal(ds.y, truth.y.astype(np.float64))
    assert combo.currentText() == "regression"
