"""The Runs tab, offscreen: one row per run, check to overlay in lossPlot with a legend,
compare settings, export CSV, and runs kept in the project file.

Truths: the loss curves the window itself plotted during each run (read from lossPlot
before the next run replaced them), the settings the test chose, and csv's reader.
"""

from __future__ import annotations

import csv
import json

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView

TIMEOUT = 60_000


def _train(qtbot, w, epochs, lr=None):
    if lr is not None:
        w.training_panel.lr_spin.setValue(lr)
    w.training_panel.epochs_spin.setValue(epochs)
    qtbot.mouseClick(w.training_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.is_training, timeout=TIMEOUT)
    w.flush_plots()
    return w.loss_plot.losses()


def test_runs_rows_overlays_compare_csv_and_project(qtbot, window, tmp_path, errors):
    w = window
    assert w.load_dataset("moons")
    table = w.findChild(QAbstractItemView, "runsTable")
    assert table is not None and table.accessibleName()
    model = table.model()
    assert model.rowCount() == 0

    x1, y1 = _train(qtbot, w, 4)
    w.reset()
    x2, y2 = _train(qtbot, w, 6, lr=0.05)
    assert model.rowCount() == 2
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    col = {h: i for i, h in enumerate(headers)}
    cell = lambda r, name: model.index(r, col[name]).data()  # noqa: E731
    assert [cell(0, "run"), cell(1, "run")] == ["1", "2"]
    assert [cell(0, "epochs done"), cell(1, "epochs done")] == ["4", "6"]
    assert [cell(0, "lr"), cell(1, "lr")] == ["0.01", "0.05"]
    assert cell(1, "data") == "moons"
    trainer = w.session.trainer
    assert cell(1, "final loss") == f"{trainer.final_report.train_loss:.4g}"

    # Check both runs: each overlays its own curve (the one plotted during that run).
    idx0, idx1 = model.index(0, 0), model.index(1, 0)
    assert model.flags(idx0) & Qt.ItemFlag.ItemIsUserCheckable
    assert model.data(idx0, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    items_before = len(w.loss_plot.getPlotItem().listDataItems())
    assert model.setData(idx0, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert model.setData(idx1, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert model.data(idx0, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert len(w.loss_plot.getPlotItem().listDataItems()) == items_before + 2
    for number, (x, y) in ((1, (x1, y1)), (2, (x2, y2))):
        item = w.runs_panel.overlay(number)
        ox, oy = item.getData()
        np.testing.assert_array_equal(ox, x)
        np.testing.assert_allclose(oy, y, rtol=1e-6)
        assert item.name() == f"run {number}"
        assert any(label.text == f"run {number}" for _, label in w.loss_plot.legend.items)
    c1 = w.runs_panel.overlay(1).opts["pen"].color().name()
    c2 = w.runs_panel.overlay(2).opts["pen"].color().name()
    assert c1 != c2
    model.setData(idx0, Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert w.runs_panel.overlay(1) is None
    assert len(w.loss_plot.getPlotItem().listDataItems()) == items_before + 1
    model.setData(idx0, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)

    # Compare: exactly the settings that differ.
    diff = w.runs_panel.compare()
    assert [d[0] for d in diff] == ["lr", "epochs"]
    assert "lr: 0.01 \u2192 0.05" in w.runs_panel.diff_label.text()

    # CSV: the table as shown.
    out = tmp_path / "runs.csv"
    assert w.runs_panel.export_csv(out)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == headers
    assert rows[1:] == [
        [model.index(r, c).data() for c in range(model.columnCount())] for r in range(2)
    ]

    # Project file: the runs come back (with their checks and overlays).
    project = tmp_path / "p.json"
    assert w.save_project(project)
    saved = json.loads(project.read_text())["runs"]
    assert [r["number"] for r in saved] == [1, 2] and saved[1]["settings"]["lr"] == 0.05
    w.runs_panel.set_runs([])
    assert model.rowCount() == 0 and w.runs_panel.overlay(2) is None
    assert w.open_project(project)
    assert model.rowCount() == 2 and w.runs_panel.overlay(2) is not None
    assert model.index(1, col["epochs done"]).data() == "6"
    assert errors == []


def test_stop_then_train_is_one_run(qtbot, window):
    w = window
    assert w.load_dataset("xor")
    _train(qtbot, w, 3)
    w.training_panel.epochs_spin.setValue(5)
    _train(qtbot, w, 5)  # continues the same network
    model = w.runs_panel.model
    assert model.rowCount() == 1
    assert model.index(0, 10).data() == "5"  # epochs done


def test_a_project_with_bad_runs_is_refused_whole(qtbot, window, tmp_path, errors):
    w = window
    assert w.load_dataset("moons")
    project = tmp_path / "p.json"
    assert w.save_project(project)
    doc = json.loads(project.read_text())
    doc["runs"] = [{"number": "one"}]
    project.write_text(json.dumps(doc))
    assert not w.open_project(project)
    assert len(errors) == 1 and "runs[0].number" in errors[0][1]


def test_restoring_an_epoch_updates_the_run_row(qtbot, window):
    w = window
    assert w.load_dataset("xor")
    _train(qtbot, w, 5)
    model = w.runs_panel.model
    assert model.index(0, 10).data() == "5"
    w.playback.epoch_slider.setValue(2)
    assert w.playback.restore_shown()
    assert model.rowCount() == 1 and model.index(0, 10).data() == "2"
    assert w.runs_panel.runs()[0].train_loss == [r.train_loss for r in w.session.trainer.history]
