"""Window defects found by trying the app as a user would: each test reproduces one and
holds the fix (the axes, what a changed network leaves on screen, status texts, spin
boxes that clamp in silence, the loss after new data, epochs lowered mid-run, Stop then
Train, a 1280x720 screen, tick labels, legends, subnormal data, the title)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication

from nnstudio.app.main_window import MainWindow
from nnstudio.app.plots import GradNormPlot, LogAxis, LossPlot
from nnstudio.engine.trainer import EpochReport
from nnstudio.pipeline import MAX_HIDDEN_LAYERS

RUN_TIMEOUT = 60_000


def wait_idle(qtbot, w):
    qtbot.waitUntil(lambda: not w.is_training, timeout=RUN_TIMEOUT)


def train_epochs(qtbot, w, epochs):
    w.training_panel.epochs_spin.setValue(epochs)
    assert w.train()
    wait_idle(qtbot, w)


def start_long_run(qtbot, w, epochs_seen=1):
    w.training_panel.epochs_spin.setValue(100_000)
    w.best_epoch.controls.patience.setValue(0)  # a long run: no early stop
    assert w.train()
    qtbot.waitUntil(lambda: len(w.loss_plot.series) >= epochs_seen, timeout=RUN_TIMEOUT)


# --------------------------------------------------------------------- plots


def test_log_scale_leaves_the_accuracy_axis_linear(qtbot):
    p = LossPlot()
    qtbot.addWidget(p)
    reps = [
        EpochReport(i, 1.0 / i, 2.0 / i, "accuracy", i / 10, i / 20, 0.1, 1e3, 0.01)
        for i in range(1, 6)
    ]
    p.add_epochs(reps)
    p.set_log_y(True)
    pi = p.getPlotItem()
    assert pi.getAxis("left").logMode is True
    assert pi.getAxis("right").logMode is False  # accuracy ticks 0..1, not 1..10
    _, acc = p.train_metric_curve.getData()
    np.testing.assert_allclose(acc, [i / 10 for i in range(1, 6)])  # not log10'd
    assert p.metric_view.viewRange()[1] == pytest.approx([-0.02, 1.02])
    p.set_log_y(False)
    assert pi.getAxis("left").logMode is False and pi.getAxis("right").logMode is False


@pytest.mark.parametrize(
    "lo, hi, size",
    [(-0.3, 0.45, 60), (-0.3, 0.45, 300), (-5.2, 2.1, 70), (-33, 2, 120), (-1, 1, 400)],
)
def test_log_axis_labels_never_overlap(qtbot, lo, hi, size):
    axis = LogAxis(orientation="left")
    axis.setLogMode(False, True)
    values = sorted({v for _, level in axis.tickValues(lo, hi, size) for v in level})
    assert values, "no tick at all"
    assert all(lo <= v <= hi for v in values)
    pixels = (np.asarray(values) - lo) * size / (hi - lo)
    text_height = QFontMetricsF(axis.font()).height()
    assert np.all(np.diff(pixels) >= text_height), (values, pixels)
    # no label centred so near an end that half of it is cut off
    assert pixels[0] >= text_height / 2 - 1e-9 and pixels[-1] <= size - text_height / 2 + 1e-9


def test_gradient_legend_never_covers_the_curves(qtbot):
    p = GradNormPlot()
    qtbot.addWidget(p)
    p.resize(420, 320)
    p.show()
    p.set_layers(MAX_HIDDEN_LAYERS + 1)  # 17 entries
    p.add_steps(np.arange(1, 51), np.random.default_rng(0).uniform(0.01, 1, (50, 17)))
    QApplication.processEvents()
    assert [p.legend.items[i][1].text for i in range(17)] == [f"layer {i}" for i in range(1, 18)]
    legend = p.legend.sceneBoundingRect()
    view = p.getPlotItem().vb.sceneBoundingRect()
    assert legend.height() > 0 and view.height() > 0
    assert not legend.intersects(view)
    corner = p.mapFromScene(legend.bottomRight())  # the whole legend is on screen
    assert corner.x() <= p.width() and corner.y() <= p.height()


# --------------------------------------------------------------------- the window


def test_after_a_run_the_x_axes_end_at_the_last_epoch_and_step(qtbot, window):
    w = window
    assert w.load_dataset("moons")
    train_epochs(qtbot, w, 40)
    for plot, last in ((w.loss_plot, 40), (w.grad_plot, w.session.trainer.step_count)):
        x0, x1 = plot.getPlotItem().vb.viewRange()[0]
        assert x1 >= last and x1 - last <= 0.05 * (last - 1)  # no empty third on the right


def test_loss_legend_never_covers_the_curves(qtbot):
    p = LossPlot()
    qtbot.addWidget(p)
    p.resize(420, 320)
    p.show()
    p.add_epochs(
        [EpochReport(i, 1 / i, 1 / i, "accuracy", 0.5, 0.5, 0.1, 1e3, 0.01) for i in (1, 2, 3)]
    )
    QApplication.processEvents()
    names = [label.text for _, label in p.legend.items]
    assert names == ["train loss", "validation loss", "train accuracy", "validation accuracy"]
    legend = p.legend.sceneBoundingRect()
    assert legend.height() > 0
    assert not legend.intersects(p.getPlotItem().vb.sceneBoundingRect())
    assert not legend.intersects(p.metric_view.sceneBoundingRect())


def test_a_changed_network_clears_the_old_runs_views(qtbot, window):
    w = window
    assert w.load_dataset("moons")
    train_epochs(qtbot, w, 3)
    assert len(w.loss_plot.series) == 3 and w.boundary_view.surface_rgb() is not None
    assert w.training_panel.progress_bar.value() == 1000 and w.epoch_label.text()
    assert any(np.abs(e).sum() > 0 for e in w.network_view.edge_values())
    w.layer_table.add_layer()
    assert w.session is None
    assert len(w.loss_plot.series) == 0 and len(w.grad_plot.series) == 0
    assert w.boundary_view.surface_rgb() is None
    assert w.training_panel.progress_bar.value() == 0
    assert w.epoch_label.text() == w.loss_label.text() == w.speed_label.text() == ""
    assert all(np.abs(e).sum() == 0 for e in w.network_view.edge_values())
    # a change of units too
    train_epochs(qtbot, w, 2)
    assert len(w.loss_plot.series) == 2
    w.layer_table.set_layers([5, 5, 5], ["relu"] * 3)
    assert w.session is None and len(w.loss_plot.series) == 0
    # the learning rate is not the network: the run's results stay
    train_epochs(qtbot, w, 2)
    w.training_panel.lr_spin.setValue(0.002)
    assert w.session is not None and len(w.loss_plot.series) == 2


def test_status_texts_follow_pause_resume_and_stop(qtbot, window):
    w = window
    assert w.load_dataset("spirals")
    bar = w.statusBar()
    start_long_run(qtbot, w)
    w.toggle_pause()
    assert bar.currentMessage() == "Paused"
    qtbot.wait(50)  # it stays while paused
    assert bar.currentMessage() == "Paused"
    w.toggle_pause()
    assert bar.currentMessage() != "Paused"
    w.stop()
    assert bar.currentMessage() == "Stopping..."
    wait_idle(qtbot, w)
    epoch = w.session.trainer.epoch
    assert bar.currentMessage() == f"Stopped at epoch {epoch} of 100000"


def test_lowering_epochs_below_the_current_epoch_ends_the_run_there(qtbot, window):
    w = window
    assert w.load_dataset("moons")
    start_long_run(qtbot, w, epochs_seen=3)
    w.training_panel.epochs_spin.setValue(1)
    wait_idle(qtbot, w)
    done = w.session.trainer.epoch
    assert done >= 3
    assert w.epoch_label.text() == f"Epoch {done}/{done}"  # never "Epoch 1446/500"
    # "Finished N epochs", then the best epoch when it was another one
    assert w.statusBar().currentMessage().startswith(f"Finished {done} epochs")


def test_stop_then_train_quickly_continues_the_run(qtbot, window, errors):
    w = window
    assert w.load_dataset("moons")
    start_long_run(qtbot, w)
    first = w.session
    w.stop()
    assert w.controller.stopping
    assert w.training_panel.train_button.isEnabled()  # the press is not lost
    assert w.train() is True
    qtbot.waitUntil(
        lambda: w.state == "running" and not w.controller.stopping and w.is_training,
        timeout=RUN_TIMEOUT,
    )
    n = w.session.trainer.step_count
    qtbot.waitUntil(lambda: w.session.trainer.step_count > n, timeout=RUN_TIMEOUT)
    assert w.session is first  # Train after Stop continues the same run
    w.stop()
    wait_idle(qtbot, w)
    assert not errors


@pytest.mark.parametrize(
    "spin, typed, limit",
    [("lr_spin", "1000", "10"), ("epochs_spin", "99999999", "1000000")],
)
def test_spin_boxes_say_why_a_number_is_refused(qtbot, window, spin, typed, limit):
    box = getattr(window.training_panel, spin)
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, typed)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert box.value() <= float(limit)
    message = window.statusBar().currentMessage()
    assert "out of range" in message and limit in message


def test_units_above_the_limit_say_so(qtbot, window):
    from PySide6.QtWidgets import QSpinBox

    from nnstudio.pipeline import MAX_UNITS

    t = window.layer_table
    t.table.setCurrentCell(0, 0)
    t.table.editItem(t.table.item(0, 0))
    editor = t.table.findChild(QSpinBox, "unitsSpin")
    editor.selectAll()
    qtbot.keyClicks(editor, "99999")
    assert editor.maximum() == MAX_UNITS
    assert str(MAX_UNITS) in window.statusBar().currentMessage()


def test_the_loss_follows_the_task_after_new_data(qtbot, window, tmp_path, errors):
    w = window
    assert w.load_dataset("sine")
    w.layer_table.set_layers([4], ["tanh"])
    train_epochs(qtbot, w, 1)
    assert w.export_weights(tmp_path / "sine.npz")
    w2 = MainWindow()
    qtbot.addWidget(w2)
    assert w2.load_dataset("sine") and w2.import_weights(tmp_path / "sine.npz")
    assert w2.training_panel.loss_combo.currentData() == "mse"
    assert w2.load_dataset("moons")  # classification now
    assert w2.training_panel.loss_combo.currentData() is None  # auto
    assert "softmax" in w2.layer_table.output_label.text()
    assert "cross_entropy" in w2.layer_table.output_label.text()
    assert w2.train() and not errors
    wait_idle(qtbot, w2)


def test_the_window_fits_1280x720_with_any_number_of_layers(qtbot, window):
    w = window
    assert w.load_dataset("moons")
    heights = []
    for layers in ([8], [32, 32, 32], [512] * MAX_HIDDEN_LAYERS):
        w.layer_table.set_layers(layers, ["relu"] * len(layers))
        QApplication.processEvents()
        heights.append(max(w.minimumSizeHint().height(), w.minimumHeight()))
    assert len(set(heights)) == 1  # the minimum does not grow with the layers
    assert heights[0] <= 680  # 720 minus a title bar
    assert max(w.minimumSizeHint().width(), w.minimumWidth()) <= 1280


def test_subnormal_data_draws_without_errors(qtbot, window, tmp_path, errors):
    path = tmp_path / "tiny.csv"
    rows = [f"{i * 5e-324:.3e},{i % 3},{i % 2}" for i in range(1, 60)]
    path.write_text("a,b,t\n" + "\n".join(rows) + "\n")
    w = window
    assert w.load_dataset(path)
    w.grab()  # a full repaint: warnings are errors in this test suite
    assert not w.boundary_view.isVisible()
    assert "too narrow" in w.surface_panel.held_label.text()
    assert "too narrow" in w.data_panel.plotNoteLabel.text()
    assert w.data_panel.scatter_items() == []
    w.training_panel.epochs_spin.setValue(1)
    w.train()
    wait_idle(qtbot, w)
    w.grab()


def test_the_title_names_the_app_once(window):
    app = QApplication.instance()
    old = app.applicationDisplayName()
    app.setApplicationDisplayName("nnstudio")
    try:
        assert window.load_dataset("moons")
        title = window.windowTitle()
        # a platform adds the display name unless the title ends with it
        assert title == "moons \u2014 nnstudio" and title.endswith(app.applicationDisplayName())
        assert title.count("nnstudio") == 1
    finally:
        app.setApplicationDisplayName(old)
