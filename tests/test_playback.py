"""Speed slider and epoch timeline in the window, offscreen.

Truths: independent sessions built from the same data and settings and trained straight
through (never restored), whose outputs the window's restored weights must equal.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractSlider, QSpinBox

from nnstudio.pacing import SPEED_MAX
from nnstudio.pipeline import build_session

RUN_TIMEOUT = 60_000


def _train(qtbot, w, epochs):
    w.training_panel.epochs_spin.setValue(epochs)
    qtbot.mouseClick(w.training_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.is_training, timeout=RUN_TIMEOUT)


def _straight(w, epochs):
    """A session like the window's, trained ``epochs`` epochs without any restore."""
    session = build_session(w.data_panel.dataset, copy.deepcopy(w.current_config()))
    with session.trainer.blas_threads():
        for _ in range(epochs):
            session.trainer.run_epoch()
    return session


def test_contract_names_and_kinds(window):
    for name, kind in (
        ("speedSlider", QAbstractSlider),
        ("epochSlider", QAbstractSlider),
        ("restoreEpochButton", QAbstractButton),
    ):
        widget = window.findChild(kind, name)
        assert widget is not None, name
        assert widget.accessibleName()


def test_scrub_restore_and_continue_exactly(qtbot, window):
    w = window
    assert w.load_dataset("moons")
    _train(qtbot, w, 6)
    slider = w.findChild(QAbstractSlider, "epochSlider")
    restore = w.findChild(QAbstractButton, "restoreEpochButton")
    # one position per recorded epoch: 0 (the starting weights) .. 6
    assert (slider.minimum(), slider.maximum(), slider.value()) == (0, 6, 6)
    assert slider.isEnabled() and not restore.isEnabled()

    grid = w.boundary_view.grid()
    three = _straight(w, 3)
    drawn = []
    w.network_view.set_weights = lambda ws: drawn.append(list(ws))  # a spy, removed below
    slider.setValue(3)
    assert w.playback.shown_epoch == 3 and restore.isEnabled()
    assert w.playback.marker.value() == 3 and w.playback.marker.isVisible()
    assert "epoch 3" in w.playback.epoch_label.text()
    # the drawing shows epoch 3's weights (the independent run's, exactly)
    for shown, W in zip(drawn[-1], three.net.weights):
        np.testing.assert_array_equal(shown, W)
    del w.network_view.set_weights
    # the trainer itself still holds epoch 6 until Restore
    assert w.session.trainer.epoch == 6

    qtbot.mouseClick(restore, Qt.MouseButton.LeftButton)
    assert w.session.trainer.epoch == 3
    assert (slider.minimum(), slider.maximum()) == (0, 3)
    np.testing.assert_array_equal(w.session.output(grid), three.output(grid))
    x, _ = w.loss_plot.losses()
    assert list(x) == [1, 2, 3]  # the later history is gone from the curves

    # Train continues from epoch 3 and ends where a straight 6-epoch run ends.
    qtbot.mouseClick(w.training_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.is_training, timeout=RUN_TIMEOUT)
    six = _straight(w, 6)
    assert w.session.trainer.epoch == 6 and slider.maximum() == 6
    np.testing.assert_array_equal(w.session.output(grid), six.output(grid))


def test_epoch_slider_is_off_while_training_and_empty_after_reset(qtbot, window):
    w = window
    assert w.load_dataset("xor")
    slider = w.findChild(QAbstractSlider, "epochSlider")
    assert not slider.isEnabled()
    w.findChild(QAbstractSlider, "speedSlider").setValue(0)  # slow: stays running
    w.training_panel.epochs_spin.setValue(50)
    qtbot.mouseClick(w.training_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.state == "running", timeout=RUN_TIMEOUT)
    assert not slider.isEnabled()
    w.findChild(QAbstractSlider, "speedSlider").setValue(SPEED_MAX)
    qtbot.waitUntil(lambda: not w.is_training, timeout=RUN_TIMEOUT)
    assert slider.isEnabled() and slider.maximum() == 50
    w.reset()
    assert not slider.isEnabled() and slider.maximum() == 0


def test_speed_slider_sets_the_pacer_and_applies_while_running(qtbot, window):
    w = window
    assert w.load_dataset("moons")
    speed = w.findChild(QAbstractSlider, "speedSlider")
    assert speed.maximum() == SPEED_MAX and speed.value() == SPEED_MAX  # full speed
    speed.setValue(0)
    assert w.controller.pacer.rate == pytest.approx(2.0)
    assert "2 steps/s" in w.playback.speed_label.text()
    # 150 epochs of ~13 steps at 2 steps a second would take about 16 minutes: the run
    # can only end within the timeout if the new speed reaches the running worker.
    w.training_panel.epochs_spin.setValue(150)
    w.findChild(QSpinBox, "patienceSpin").setValue(0)  # every epoch, no early stop
    qtbot.mouseClick(w.training_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: w.session is not None and w.session.trainer.step_count >= 1, timeout=RUN_TIMEOUT
    )
    assert w.is_training
    speed.setValue(SPEED_MAX)
    assert w.controller.pacer.rate is None
    qtbot.waitUntil(lambda: not w.is_training, timeout=RUN_TIMEOUT)
    assert w.session.trainer.epoch == 150


def test_stop_ends_a_slow_motion_wait(qtbot, window):
    w = window
    assert w.load_dataset("moons")
    w.findChild(QAbstractSlider, "speedSlider").setValue(0)
    w.training_panel.epochs_spin.setValue(400)
    w.findChild(QSpinBox, "patienceSpin").setValue(0)  # all 400 epochs, no early stop
    qtbot.mouseClick(w.training_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: w.session is not None and w.session.trainer.step_count >= 1, timeout=RUN_TIMEOUT
    )
    # a wait of half a second per step must not hold the stop up: stop_and_wait's
    # own deadline is 2 s, which only an interrupted wait meets reliably
    assert w.controller.stop_and_wait()
    assert not w.is_training
