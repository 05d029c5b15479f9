"""The best epoch in the window: the controls reach the settings, the marker on lossPlot
holds the trainer's best epoch and its validation loss (read back from the validation
curve the plot holds), the learning rate in use is in the status bar, and an early stop
says so. No sleeps: ``qtbot.waitUntil`` only."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QSpinBox

RUN_TIMEOUT = 60_000


def test_controls_have_names_and_reach_the_config(window):
    w = window
    keep = w.findChild(QCheckBox, "keepBestCheck")
    patience = w.findChild(QSpinBox, "patienceSpin")
    schedule = w.findChild(QComboBox, "scheduleCombo")
    assert w.findChild(QLabel, "lrStatusLabel") is not None
    for widget in (keep, patience, schedule):
        assert widget is not None and widget.accessibleName()
    keep.setChecked(False)
    patience.setValue(7)
    schedule.setCurrentIndex(schedule.findData("cosine"))
    cfg = w.current_config()
    assert (cfg.restore_best, cfg.patience, cfg.schedule) == (False, 7, "cosine")
    cfg.patience, cfg.schedule, cfg.restore_best = 3, "plateau", True
    w.apply_config(cfg)
    assert (keep.isChecked(), patience.value(), schedule.currentData()) == (True, 3, "plateau")


def test_early_stop_marker_status_and_learning_rate(qtbot, window, errors):
    w = window
    assert w.load_dataset("moons")
    w.findChild(QSpinBox, "patienceSpin").setValue(4)
    w.findChild(QCheckBox, "keepBestCheck").setChecked(True)
    w.findChild(QComboBox, "scheduleCombo").setCurrentIndex(2)  # cosine
    w.training_panel.lr_spin.setValue(0.05)
    w.training_panel.epochs_spin.setValue(400)
    qtbot.mouseClick(w.training_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.is_training, timeout=RUN_TIMEOUT)
    w.flush_plots()
    assert not errors
    t = w.session.trainer
    assert t.stopped_early and t.epoch == t.best_epoch + 4
    # The marker sits on the validation curve at the best epoch.
    mx, my = w.best_epoch.marker.point.getData()
    vx, vy = w.loss_plot.val_curve.getData()
    assert list(mx) == [t.best_epoch]
    assert my[0] == pytest.approx(vy[list(vx).index(t.best_epoch)], rel=1e-6)
    assert my[0] == pytest.approx(np.min(vy), rel=1e-6)
    message = w.statusBar().currentMessage()
    assert f"Stopped early at epoch {t.epoch} (best epoch {t.best_epoch})" in message
    label = w.findChild(QLabel, "lrStatusLabel")
    assert label.text() == f"lr {t.lr:.4g}"
    assert t.lr < 0.05  # the cosine schedule lowered it
    assert w.training_panel.progress_bar.value() == 1000  # the run is complete


def test_timeline_shows_the_kept_epoch_and_keeps_the_last_one(qtbot, window, errors):
    w = window
    assert w.load_dataset("moons")
    w.findChild(QSpinBox, "patienceSpin").setValue(3)
    w.training_panel.lr_spin.setValue(0.05)
    qtbot.mouseClick(w.training_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.is_training, timeout=RUN_TIMEOUT)
    t = w.session.trainer
    assert t.restored_best and t.epoch == t.best_epoch + 3
    assert w.playback.shown_epoch == t.best_epoch
    # the kept epoch's checkpoint holds the current weights; the last epoch its own
    tl = w.controller.timeline
    np.testing.assert_array_equal(tl.checkpoint(t.best_epoch).params, t.net.param_memory())
    assert not np.array_equal(tl.checkpoint(t.epoch).params, t.net.param_memory())
