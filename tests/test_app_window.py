"""The main window end to end, offscreen: design by clicking, train, pause, step, stop,
change the learning rate mid-run, export/import, projects, closing, and every error
dialog. No sleeps: ``qtbot.waitSignal`` / ``qtbot.waitUntil`` only.

Dialogs are replaced by a recorder (``errors``), so no modal box can block a test and
each test can assert which error was shown.
"""

from __future__ import annotations

import json

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QSpinBox, QWidget

from nnstudio.app.main_window import MainWindow
from nnstudio.io.model_file import load_model
from nnstudio.pipeline import MAX_UNITS

RUN_TIMEOUT = 60_000  # ms; generous for a slow CI machine


def wait_idle(qtbot, w, timeout=RUN_TIMEOUT):
    qtbot.waitUntil(lambda: not w.is_training, timeout=timeout)


def train_to_end(qtbot, w, epochs):
    w.training_panel.epochs_spin.setValue(epochs)
    qtbot.mouseClick(w.training_panel.train_button, Qt.MouseButton.LeftButton)
    assert w.is_training
    wait_idle(qtbot, w)
    x, y = w.loss_plot.train_curve.getData()
    return np.asarray(x), np.asarray(y)


# --------------------------------------------------------------------- designer


def test_build_network_by_clicking_updates_drawing_and_timing(qtbot, window):
    w = window
    assert w.load_dataset("moons")
    table = w.layer_table.table
    assert table.objectName() == "layerTable"
    assert table.rowCount() == 2
    qtbot.mouseClick(w.layer_table.add_button, Qt.MouseButton.LeftButton)
    assert table.rowCount() == 3
    # edit the new row's units through the spin-box editor, as a person would
    table.setCurrentCell(2, 0)
    table.editItem(table.item(2, 0))
    editor = table.findChild(QSpinBox, "unitsSpin")
    assert editor is not None and editor.maximum() == MAX_UNITS
    editor.selectAll()
    qtbot.keyClicks(editor, "7")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on a queued call
    qtbot.waitUntil(lambda: w.layer_table.hidden_layers() == [32, 32, 7])
    assert table.model().index(2, 0).data() == 7
    # input (2 features) and output (2 classes, softmax) come from the data
    assert w.network_view.layer_sizes() == [2, 32, 32, 7, 2]
    assert w.timing_panel.layer_sizes() == [2, 32, 32, 7, 2]
    assert "2 features" in w.layer_table.input_label.text()
    assert "softmax" in w.layer_table.output_label.text()
    # remove the first layer, move the 7-unit layer up
    table.setCurrentCell(0, 0)
    qtbot.mouseClick(w.layer_table.remove_button, Qt.MouseButton.LeftButton)
    assert w.layer_table.hidden_layers() == [32, 7]
    table.setCurrentCell(1, 0)
    qtbot.mouseClick(w.layer_table.up_button, Qt.MouseButton.LeftButton)
    assert w.layer_table.hidden_layers() == [7, 32]
    assert w.network_view.layer_sizes() == [2, 7, 32, 2]


def test_named_controls_show_their_tip_in_the_status_bar_and_to_screen_readers(window):
    # the training buttons, speed and epoch sliders, early-stopping controls and the
    # timing view's controls are all made by one helper: a tip is the tooltip, the status
    # bar's text on hover and the accessible description alike
    names = [
        "trainButton",
        "speedSlider",
        "epochSlider",
        "restoreEpochButton",
        "keepBestCheck",
        "patienceSpin",
        "timingWidthsEdit",
    ]
    for name in names:
        widget = window.findChild(QWidget, name)
        assert widget is not None, name
        tip = widget.toolTip()
        assert tip and widget.accessibleName(), name
        assert widget.statusTip() == tip and widget.accessibleDescription() == tip, name


@pytest.mark.parametrize("bad", [0, MAX_UNITS + 1, "abc", -3, "2.5"])
def test_invalid_units_are_refused_with_a_reason(window, bad):
    t = window.layer_table
    before = t.hidden_layers()
    t.table.model().setData(t.table.model().index(0, 0), bad, Qt.ItemDataRole.EditRole)
    assert t.hidden_layers() == before
    assert t.table.model().index(0, 0).data() == before[0]  # the old value is back
    assert t.hint_label.text()  # a visible reason
    assert t.table.statusTip() == t.hint_label.text()[:1].lower() + t.hint_label.text()[1:]


def test_typing_too_many_units_in_the_editor_says_why(qtbot, window):
    t = window.layer_table
    t.table.setCurrentCell(0, 0)
    t.table.editItem(t.table.item(0, 0))
    editor = t.table.findChild(QSpinBox, "unitsSpin")
    editor.selectAll()
    qtbot.keyClicks(editor, "99999")
    assert editor.value() <= MAX_UNITS
    assert str(MAX_UNITS) in t.hint_label.text()
    assert t.hint_label.isVisible()


def test_activation_combo_changes_the_layer(qtbot, window):
    w = window
    w.load_dataset("xor")
    t = w.layer_table.table
    combo = t.indexWidget(t.model().index(1, 1))
    assert combo is not None
    combo.setCurrentText("tanh")
    assert w.layer_table.activations() == ["relu", "tanh"]
    assert w.network_view.activations()[:2] == ["relu", "tanh"]


# --------------------------------------------------------------------- training


def test_train_sample_loss_falls_and_plots_fill(qtbot, window, errors):
    w = window
    assert w.load_dataset("moons")
    x, y = train_to_end(qtbot, w, epochs=25)
    assert not errors
    assert list(x) == list(range(1, 26))  # every epoch reached the plot, in order
    hist = [r.train_loss for r in w.session.trainer.history]
    np.testing.assert_allclose(y, hist)
    assert y[-1] < 0.5 * y[0]
    # validation and accuracy curves, gradient norms for every layer
    _, val = w.loss_plot.val_curve.getData()
    assert len(val) == 25 and np.all(np.isfinite(val))
    _, acc = w.loss_plot.train_metric_curve.getData()
    assert acc[-1] > 0.8
    assert len(w.grad_plot.curves) == 3
    steps, norms = w.grad_plot.curves[0].getOriginalDataset()
    assert steps[-1] == w.session.trainer.step_count
    assert len(steps) == w.session.trainer.step_count  # no decimation this short
    assert np.all(norms > 0)
    assert w.training_panel.progress_bar.value() == 1000
    assert "Epoch 25/25" in w.epoch_label.text()
    assert "samples/s" in w.speed_label.text()
    # the decision surface was drawn in the worker and shown
    assert w.boundary_view.surface_rgb() is not None


def test_pause_resume_step_stop(qtbot, window, errors):
    w = window
    w.load_dataset("spirals")
    tp = w.training_panel
    tp.epochs_spin.setValue(100_000)
    w.best_epoch.controls.patience.setValue(0)  # a long run: no early stop
    # Step from idle: exactly one epoch, then paused
    qtbot.mouseClick(tp.step_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.state == "paused", timeout=RUN_TIMEOUT)
    qtbot.waitUntil(lambda: len(w.loss_plot.series) == 1, timeout=RUN_TIMEOUT)
    assert w.session.trainer.epoch == 1
    assert tp.pause_button.text() == "Resume"
    # Step again while paused: one more epoch
    qtbot.mouseClick(tp.step_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(w.loss_plot.series) == 2, timeout=RUN_TIMEOUT)
    qtbot.waitUntil(lambda: w.state == "paused", timeout=RUN_TIMEOUT)
    assert w.session.trainer.epoch == 2
    # Resume: it goes on
    qtbot.mouseClick(tp.pause_button, Qt.MouseButton.LeftButton)
    assert w.state == "running"
    qtbot.waitUntil(lambda: len(w.loss_plot.series) >= 5, timeout=RUN_TIMEOUT)
    # Pause: the epoch count stops moving
    qtbot.mouseClick(tp.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.worker is not None and w.worker.wait_idle(0), timeout=RUN_TIMEOUT)
    frozen = w.session.trainer.step_count
    qtbot.wait(100)  # a paused worker must not step; let the event loop run a while
    assert w.session.trainer.step_count == frozen
    # Stop: the thread ends, the weights stay
    qtbot.mouseClick(tp.stop_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, w)
    assert w.state == "idle"
    assert w.session is not None and w.session.trainer.step_count == frozen
    assert tp.train_button.isEnabled() and not tp.stop_button.isEnabled()
    assert not errors


def test_learning_rate_changes_mid_run(qtbot, window):
    w = window
    w.load_dataset("circles")
    tp = w.training_panel
    tp.epochs_spin.setValue(100_000)
    w.best_epoch.controls.patience.setValue(0)  # a long run: no early stop
    assert tp.lr_spin.decimals() >= 5
    assert tp.lr_spin.minimum() == pytest.approx(1e-6) and tp.lr_spin.maximum() == 10
    qtbot.mouseClick(tp.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(w.loss_plot.series) >= 2, timeout=RUN_TIMEOUT)
    assert tp.lr_spin.isEnabled() and not tp.batch_spin.isEnabled()
    tp.lr_spin.setValue(0.00123)
    qtbot.waitUntil(lambda: w.session.trainer.lr == pytest.approx(0.00123), timeout=RUN_TIMEOUT)
    n = len(w.loss_plot.series)
    qtbot.waitUntil(lambda: len(w.loss_plot.series) >= n + 2, timeout=RUN_TIMEOUT)
    assert w.is_training
    lrs = [r.lr for r in w.session.trainer.history]
    assert lrs[0] == pytest.approx(0.01) and lrs[-1] == pytest.approx(0.00123)
    w.stop()
    wait_idle(qtbot, w)


def test_train_after_finish_starts_a_new_run_and_more_epochs_continue(qtbot, window):
    w = window
    w.load_dataset("xor")
    train_to_end(qtbot, w, epochs=3)
    first = w.session
    # raising the epochs continues the same run
    x, _ = train_to_end(qtbot, w, epochs=5)
    assert w.session is first and list(x) == [1, 2, 3, 4, 5]
    # pressing Train on a finished run starts over
    x, _ = train_to_end(qtbot, w, epochs=5)
    assert w.session is not first and list(x) == [1, 2, 3, 4, 5]


def test_reset_forgets_weights_and_plots(qtbot, window):
    w = window
    w.load_dataset("xor")
    train_to_end(qtbot, w, epochs=2)
    qtbot.mouseClick(w.training_panel.reset_button, Qt.MouseButton.LeftButton)
    assert w.session is None
    assert len(w.loss_plot.series) == 0
    assert w.training_panel.progress_bar.value() == 0


# --------------------------------------------------------------------- files


def test_export_and_import_give_equal_predictions(qtbot, window, tmp_path, errors):
    w = window
    w.load_dataset("blobs")
    w.layer_table.set_layers([9, 5], ["tanh", "elu"])
    train_to_end(qtbot, w, epochs=5)
    a = tmp_path / "a.npz"
    assert w.export_weights(a)
    model = load_model(a)
    X = w.data_panel.dataset.X
    np.testing.assert_allclose(model.output(X), w.session.output(X), rtol=1e-6, atol=1e-7)

    # a fresh window with another architecture takes the file's
    w2 = MainWindow()
    qtbot.addWidget(w2)
    w2.load_dataset("blobs")
    assert w2.layer_table.hidden_layers() == [32, 32]
    assert w2.import_weights(a)
    assert w2.layer_table.hidden_layers() == [9, 5]
    assert w2.layer_table.activations() == ["tanh", "elu"]
    assert w2.network_view.layer_sizes() == [2, 9, 5, 3]
    np.testing.assert_allclose(w2.session.output(X), model.output(X), rtol=1e-6, atol=1e-7)
    b = tmp_path / "b.npz"
    assert w2.export_weights(b)
    np.testing.assert_allclose(load_model(b).output(X), model.output(X), rtol=1e-6, atol=1e-7)
    assert (load_model(b).predict(X) == model.predict(X)).all()
    # training goes on from the imported weights
    x, _ = train_to_end(qtbot, w2, epochs=2)
    assert list(x) == [1, 2]
    assert not errors
    assert any(r["kind"] == "model" for r in w2.recent_files())


def test_export_while_training_pauses_for_the_copy(qtbot, window, tmp_path):
    w = window
    w.load_dataset("moons")
    w.training_panel.epochs_spin.setValue(100_000)
    w.best_epoch.controls.patience.setValue(0)  # a long run: no early stop
    w.train()
    qtbot.waitUntil(lambda: len(w.loss_plot.series) >= 1, timeout=RUN_TIMEOUT)
    assert w.export_weights(tmp_path / "live.npz")
    load_model(tmp_path / "live.npz")
    n = w.session.trainer.step_count
    qtbot.waitUntil(lambda: w.session.trainer.step_count > n, timeout=RUN_TIMEOUT)
    assert w.state == "running"
    w.stop()
    wait_idle(qtbot, w)


def test_project_round_trip_trains_the_same_curve(qtbot, window, tmp_path, errors):
    w = window
    w.load_dataset("circles")
    w.layer_table.set_layers([12, 6], ["tanh", "relu"])
    tp = w.training_panel
    tp.seed_spin.setValue(7)
    tp.optimizer_combo.setCurrentText("momentum")
    tp.lr_spin.setValue(0.03)
    tp.batch_spin.setValue(16)
    w.data_panel.set_val_split(0.25)
    _, first = train_to_end(qtbot, w, epochs=8)
    path = tmp_path / "p.json"
    assert w.save_project(path)
    doc = json.loads(path.read_text())
    assert doc["dataset"]["source"] == "circles"
    assert doc["config"]["hidden_layers"] == [12, 6] and doc["config"]["seed"] == 7

    w2 = MainWindow()
    qtbot.addWidget(w2)
    assert w2.open_project(path)
    assert w2.layer_table.hidden_layers() == [12, 6]
    assert w2.layer_table.activations() == ["tanh", "relu"]
    assert w2.training_panel.seed_spin.value() == 7
    assert w2.training_panel.optimizer_combo.currentText() == "momentum"
    assert w2.training_panel.lr_spin.value() == pytest.approx(0.03)
    assert w2.training_panel.batch_spin.value() == 16
    assert w2.data_panel.val_split() == pytest.approx(0.25)
    _, again = train_to_end(qtbot, w2, epochs=8)
    np.testing.assert_allclose(again, first, rtol=1e-6)
    assert not errors


def test_recent_files_and_settings_survive_a_restart(qtbot, tmp_path, errors, private_settings):
    csv = tmp_path / "tiny.csv"
    rows = ["a,b,label"] + [f"{i % 7},{(i * 3) % 5},{'yes' if i % 2 else 'no'}" for i in range(40)]
    csv.write_text("\n".join(rows) + "\n")
    w = MainWindow()
    qtbot.addWidget(w)
    assert w.load_dataset(csv)
    w.training_panel.epochs_spin.setValue(17)
    w.layer_table.set_layers([4], ["sigmoid"])
    w.close()
    assert private_settings.exists()
    w2 = MainWindow()
    qtbot.addWidget(w2)
    assert w2.training_panel.epochs_spin.value() == 17
    assert w2.layer_table.hidden_layers() == [4]
    assert w2.recent_files()[0] == {"kind": "dataset", "path": str(csv)}
    assert w2.recent_menu.actions()[0].toolTip() == str(csv)
    assert w2.restore_last_dataset()
    assert w2.data_panel.dataset.name == "tiny.csv"


def _training_tab_sizes(qtbot, w):
    w.resize(1360, 860)
    w.tabs.setCurrentIndex(0)
    QApplication.processEvents()
    qtbot.wait(10)  # the boundary view is fitted one event-loop turn after it shows
    QApplication.processEvents()
    return w.boundary_view.size(), w.plots.size()


def test_boundary_view_is_large_and_square_ish_beside_the_plots(qtbot, window):
    assert window.load_dataset("spirals")
    boundary, plots = _training_tab_sizes(qtbot, window)
    assert window.boundary_view.isVisible()
    assert boundary.width() >= 0.9 * min(boundary.height(), window.tabs.width() // 2)
    assert boundary.height() >= 0.9 * window.training_split.height()
    assert plots.width() >= 280
    # data that is not 2-D: no boundary view, the plots take the whole tab
    assert window.load_dataset("sine")
    boundary, plots = _training_tab_sizes(qtbot, window)
    assert not window.boundary_view.isVisible()
    assert plots.width() >= window.training_split.width() - 10


def test_stale_or_collapsed_splitter_states_cannot_hide_the_boundary_view(
    qtbot, errors, private_settings
):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    w.load_dataset("moons")
    _training_tab_sizes(qtbot, w)
    w.training_split.setSizes([0, 2000])  # as collapsed as the splitter allows
    w.training_split.splitterMoved.emit(0, 1)  # the user placed the handle
    w.close()
    w2 = MainWindow()
    qtbot.addWidget(w2)
    w2.show()
    w2.load_dataset("moons")
    boundary, _ = _training_tab_sizes(qtbot, w2)
    assert boundary.width() >= 200 and not w2.training_split.auto_fit
    # a state saved by an older layout (no layout version) is ignored altogether
    settings = w2.settings
    w2.close()
    settings.remove("window/layoutVersion")
    settings.sync()
    w3 = MainWindow()
    qtbot.addWidget(w3)
    w3.show()
    w3.load_dataset("moons")
    boundary, _ = _training_tab_sizes(qtbot, w3)
    assert w3.training_split.auto_fit and boundary.width() >= 300


def test_drop_a_data_file_on_the_window_loads_it(qtbot, window, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x,y,t\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(30)))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    ev = QDropEvent(
        QPoint(5, 5).toPointF(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(ev)
    assert window.data_panel.dataset is not None
    assert window.data_panel.dataset.name == "d.csv"


# --------------------------------------------------------------------- closing


def test_close_during_training_stops_the_thread(qtbot, errors):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    w.load_dataset("spirals")
    w.training_panel.epochs_spin.setValue(100_000)
    w.best_epoch.controls.patience.setValue(0)  # a long run: no early stop
    w.train()
    qtbot.waitUntil(lambda: len(w.loss_plot.series) >= 1, timeout=RUN_TIMEOUT)
    thread = w.controller.thread
    assert thread is not None and thread.isRunning()
    assert w.close()
    assert not w.is_training and w.worker is None
    assert thread.isFinished()  # waited for, not abandoned
    QApplication.processEvents()
    assert not errors


def test_close_while_paused_stops_the_thread(qtbot, errors):
    w = MainWindow()
    qtbot.addWidget(w)
    w.load_dataset("xor")
    w.step()
    qtbot.waitUntil(lambda: w.state == "paused", timeout=RUN_TIMEOUT)
    assert w.close()
    assert not w.is_training


# --------------------------------------------------------------------- errors


def test_bad_csv_shows_an_error_and_keeps_the_data(window, tmp_path, errors):
    w = window
    assert w.load_dataset("moons")
    before = w.data_panel.dataset
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,label\n1,2,x\n3,oops,y\n")
    assert w.load_dataset(bad) is False
    assert len(errors) == 1
    title, msg = errors[0]
    assert "load" in title.lower() and "bad.csv" in msg and "oops" in msg
    assert w.data_panel.dataset is before


def test_bad_model_file_shows_an_error(window, tmp_path, errors):
    w = window
    w.load_dataset("moons")
    arch = w.layer_table.hidden_layers()
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 this is not a zip archive")
    assert w.import_weights(bad) is False
    assert len(errors) == 1 and "bad.npz" in errors[0][1]
    assert w.layer_table.hidden_layers() == arch and w.session is None


def test_model_with_wrong_feature_count_is_refused(qtbot, window, tmp_path, errors):
    w = window
    w.load_dataset("sine")  # 1 feature
    w.layer_table.set_layers([3], ["tanh"])
    train_to_end(qtbot, w, epochs=1)
    path = tmp_path / "sine.npz"
    assert w.export_weights(path)
    w.load_dataset("moons")  # 2 features
    w.layer_table.set_layers([8, 8], ["relu", "relu"])
    assert w.import_weights(path) is False
    assert len(errors) == 1
    assert "1 input feature" in errors[0][1] and "has 2" in errors[0][1]
    assert w.layer_table.hidden_layers() == [8, 8]
    assert w.data_panel.dataset.name == "moons"


def test_divergence_stops_and_suggests_a_smaller_learning_rate(qtbot, window, errors):
    w = window
    w.load_dataset("sine")
    tp = w.training_panel
    tp.optimizer_combo.setCurrentText("sgd")
    tp.lr_spin.setValue(10.0)
    w.layer_table.set_layers([64, 64], ["relu", "relu"])
    tp.epochs_spin.setValue(500)
    w.train()
    wait_idle(qtbot, w)
    assert len(errors) == 1
    title, msg = errors[0]
    assert "diverged" in title.lower()
    assert "smaller learning rate" in msg and "lower the learning rate" in msg.lower()
    # the weights of the last finite step are kept
    assert all(np.isfinite(W).all() for W in w.session.net.weights)
    assert w.session.trainer.epoch < 500


def test_invalid_settings_show_an_error_instead_of_training(window, errors):
    w = window
    w.load_dataset("blobs")  # 3 classes
    w.training_panel.loss_combo.setCurrentText("binary_cross_entropy")
    assert w.train() is False
    assert len(errors) == 1 and not w.is_training


def test_broken_project_file_leaves_everything_as_it_was(window, tmp_path, errors):
    w = window
    w.load_dataset("moons")
    p = tmp_path / "p.json"
    p.write_text(
        '{"format": "nnstudio.project", "version": 1, "dataset": {"source": '
        '"no_such_file.csv"}, "config": {}}'
    )
    assert w.open_project(p) is False
    assert len(errors) == 1 and "no_such_file.csv" in errors[0][1]
    assert w.data_panel.dataset.name == "moons"
    p.write_text("{not json")
    assert w.open_project(p) is False
    assert len(errors) == 2


def test_export_without_weights_says_what_to_do(window, tmp_path, errors):
    assert window.export_weights(tmp_path / "x.npz") is False
    assert "train" in errors[0][1].lower()
    assert not (tmp_path / "x.npz").exists()


def test_timing_tab_measures_the_network_when_first_shown(qtbot, window):
    w = window
    assert w.load_dataset("xor")
    tp = w.timing_panel
    tp.widths_edit.setText("4,8")  # keep the sweep short
    tp.budget_spin.setValue(0.2)
    with qtbot.waitSignal(tp.finished, timeout=60_000):
        w.tabs.setCurrentWidget(tp)
    rows = tp.rows()
    assert [r.width for r in rows] == [4, 8]
    curve = tp.curves["matrix"]
    xs, ys = curve.getOriginalDataset()
    np.testing.assert_allclose(xs, [4, 8])
    np.testing.assert_allclose(ys, [r.matrix_s_per_example for r in rows])
    plot = w.findChild(pg.PlotWidget, "timingPlot")
    assert plot is tp.plot


def test_a_project_validation_split_is_kept_exactly_or_refused(qtbot, window, tmp_path, errors):
    """0.95 is a valid fraction and opens as 0.95 (the box once clamped it to 0.9 in
    silence); a value the box cannot hold exactly is refused with the reason."""
    w = window
    p = tmp_path / "p.json"
    doc = {"format": "nnstudio.project", "version": 1, "dataset": {"source": "moons"}}
    p.write_text(json.dumps({**doc, "config": {"val_split": 0.95}}))
    assert w.open_project(p), errors
    assert w.data_panel.val_split() == 0.95
    p.write_text(json.dumps({**doc, "config": {"val_split": 0.1234}}))
    assert w.open_project(p) is False
    assert len(errors) == 1 and "0.1234" in errors[0][1]
    assert w.data_panel.val_split() == 0.95


def test_train_waits_for_a_load_and_finds_its_views_current(window, qtbot, tmp_path, errors):
    """Train while a file loads does nothing (the load's end replaces the data and the
    weights); right after ``datasetChanged`` it trains the new data, with the views it
    will update already showing that data."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3)).round(5)  # as written
    path = tmp_path / "three.csv"
    np.savetxt(
        path,
        np.column_stack([X, (X[:, 0] > 0).astype(int)]),
        delimiter=",",
        header="a,b,c,label",
        comments="",
        fmt="%.5f",
    )
    assert window.load_dataset("moons")
    window.data_panel.load_from_drop(str(path))
    assert window.data_panel.is_loading()
    assert window.train() is False  # the load has not ended: nothing starts
    assert "Loading data" in window.statusBar().currentMessage()
    assert not window.is_training
    with qtbot.waitSignal(window.data_panel.datasetChanged, timeout=10000):
        pass
    assert window.train()
    surface = window.insight.surface
    drawn = np.concatenate([np.column_stack(s.getData()) for s in surface.view.scatter_items()])
    fx, fy = surface.features()
    np.testing.assert_array_equal(np.sort(drawn, axis=0), np.sort(X[:, [fx, fy]], axis=0))
    window.stop()
    qtbot.waitUntil(lambda: not window.is_training, timeout=10000)
    assert errors == []


def test_the_last_sessions_tab_comes_back_once_the_data_shows_it(qtbot, tmp_path):
    """The Classes tab saved at the last close is hidden while no data is loaded; it
    becomes the current tab when classification data arrives (not another tab Qt
    picked meanwhile), unless the user picked a tab first."""
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    first = MainWindow(settings=settings)
    qtbot.addWidget(first)
    classes = first.tabs.indexOf(first.class_views)
    assert first.load_dataset("blobs")
    first.tabs.setCurrentIndex(classes)
    first.close()

    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    assert not again.tabs.isTabVisible(classes)
    assert again.load_dataset("blobs")
    assert again.tabs.currentIndex() == classes

    third = MainWindow(settings=settings)
    qtbot.addWidget(third)
    tabs = third.tabs
    units = next(i for i in range(tabs.count()) if tabs.tabText(i).replace("&", "") == "Units")
    third.tabs.tabBarClicked.emit(units)  # the user's choice wins
    third.tabs.setCurrentIndex(units)
    assert third.load_dataset("blobs")
    assert third.tabs.currentIndex() == units


def _two_feature_csv(tmp_path, rows=20):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(rows, 2)).round(4)
    path = tmp_path / "d.csv"
    lines = "".join(f"{b},{a},{'yes' if a > b else 'no'}\n" for a, b in X)
    path.write_text("b,a,t\n" + lines, encoding="utf-8")
    return path


def test_a_held_model_meets_a_loaded_file_and_its_views_show_it(window, tmp_path, errors):
    """Weights imported with no data wait for data with their features; when a file
    brings it, the session is made after the views that show it took the new data, so
    they keep its results (they were reset after it, and said "train first")."""
    from tests.test_contracts_app import softmax_model

    w = window
    assert w.import_weights(softmax_model(tmp_path / "hand.npz"))
    assert w.session is None  # held: no data yet
    assert w.load_dataset(_two_feature_csv(tmp_path))
    assert w.session is not None
    summary = w.class_views.summary_label.text()
    assert summary.startswith("Validation rows: 4") and "Train the network" not in summary
    assert errors == []


def test_a_sample_regenerated_while_a_file_is_taken_in_comes_after_it(window, qtbot, tmp_path):
    """Every listener sees the file's datasetChanged, then the regenerated sample's."""
    from nnstudio.data.loaders import load_sample

    w = window
    assert w.load_dataset("moons")
    seen = []
    w.data_panel.datasetChanged.connect(lambda ds: seen.append(ds.name))
    with qtbot.waitSignal(w.data_panel.datasetArriving, timeout=10000):
        w.data_panel.load_from_drop(str(_two_feature_csv(tmp_path)))
    assert seen == []  # the file's datasetChanged is still to come
    w.data_panel.show_dataset(load_sample("moons", n_samples=50))
    assert seen == ["d.csv", "moons"]
    assert w.data_panel.dataset.n_samples == 50


def test_closing_while_a_file_is_taken_in_finishes_it_first(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.show()
    assert w.load_dataset("moons")
    seen = []
    w.data_panel.datasetChanged.connect(lambda ds: seen.append(ds.name))
    csv = _two_feature_csv(tmp_path)
    with qtbot.waitSignal(w.data_panel.datasetArriving, timeout=10000):
        w.data_panel.load_from_drop(str(csv))
    w.close()
    assert seen == ["d.csv"]  # during the close, before the settings were saved
    qtbot.wait(50)
    assert seen == ["d.csv"]
    from nnstudio.app import window_state

    assert window_state.last_dataset(settings)["source"] == str(csv)


def test_a_tab_chosen_by_keyboard_is_not_overridden_by_a_remembered_one(window):
    w = window
    tabs = w.tabs
    classes = tabs.indexOf(w.class_views)
    assert w.load_dataset("blobs")
    tabs.setCurrentIndex(classes)
    assert w.load_dataset("sine")  # regression: the Classes tab hides, and is remembered
    assert not tabs.isTabVisible(classes)
    other = next(i for i in range(tabs.count()) if tabs.tabText(i).replace("&", "") == "Runs")
    tabs.setCurrentIndex(other)  # as the keyboard does: no click on the tab bar
    assert w.load_dataset("blobs")
    assert tabs.currentIndex() == other


def test_import_while_a_file_loads_says_to_wait(window, tmp_path, errors):
    from tests.test_contracts_app import softmax_model

    w = window
    assert w.load_dataset("moons")
    model = softmax_model(tmp_path / "hand.npz")
    w.data_panel.load_from_drop(str(_two_feature_csv(tmp_path)))
    assert w.data_panel.is_loading()
    assert w.import_weights(model) is False
    assert [t for t, _ in errors] == ["Cannot import the weights"]
    assert "loading" in errors[0][1]


def test_a_regenerated_sample_shows_its_title_and_tabs(window):
    from nnstudio.data.loaders import load_sample

    w = window
    assert w.load_dataset("blobs")
    w.data_panel.show_dataset(load_sample("sine", n_samples=60))  # regression, 1 feature
    assert w.windowTitle().startswith("sine")
    assert w.tabs.isTabVisible(w.tabs.indexOf(w.fit_tab))
    assert not w.tabs.isTabVisible(w.tabs.indexOf(w.class_views))
