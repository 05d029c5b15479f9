"""The Timing tab: plotted numbers, a real run through the worker thread, and cancel."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.app.timing_panel import TimingPanel
from nnstudio.engine.timing import TimingRow


def _row(width, loop, matrix, batch, extrapolated=False):
    return TimingRow(
        width=width,
        depth=2,
        batch_size=64,
        n_inputs=2,
        n_outputs=2,
        n_weights=width * width + 5 * width + 2,
        loop_s_per_example=loop,
        matrix_s_per_example=matrix,
        batch_s_per_example=batch,
        loop_spread=0.1,
        matrix_spread=0.05,
        batch_spread=0.02,
        max_grad_diff=1e-16,
        extrapolated=extrapolated,
        dtype="float32",
        loop_examples=10 if extrapolated else 64,
        layer_sizes=(2, width, width, 2),
    )


@pytest.fixture
def panel(qtbot):
    p = TimingPanel()
    qtbot.addWidget(p)
    yield p
    assert p.shutdown(10000)


def test_controls_have_object_and_accessible_names(panel):
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QLineEdit

    controls = panel.findChildren(QAbstractButton) + panel.findChildren(QAbstractSpinBox)
    controls += panel.findChildren(QLineEdit)
    controls = [c for c in controls if c.parent() is not None and c.isVisibleTo(panel)]
    assert len(controls) >= 5
    for c in controls:
        if c.objectName().startswith("qt_"):
            continue  # Qt's own inner widgets
        assert c.objectName() and c.accessibleName(), c
    plot = panel.findChild(type(panel.plot), "timingPlot")
    assert plot is panel.plot and plot.accessibleName()


def test_show_rows_puts_exactly_the_given_numbers_in_the_curves(panel):
    rows = [
        _row(8, 5e-5, 6e-5, 1.5e-6),
        _row(128, 4e-3, 1e-4, 3e-6),
        _row(512, 8e-2, 5e-4, 2e-5, extrapolated=True),
    ]
    panel.set_architecture([2, 128, 128, 2], ["tanh", "tanh", "softmax"], "cross_entropy")
    panel.show_rows(rows)
    widths = np.array([8.0, 128.0, 512.0])
    expected = {
        "loop": [5e-5, 4e-3, 8e-2],
        "matrix": [6e-5, 1e-4, 5e-4],
        "batch": [1.5e-6, 3e-6, 2e-5],
    }
    for key, values in expected.items():
        curve = panel.curves[key]
        x, y = curve.getOriginalDataset()
        np.testing.assert_array_equal(x, widths)
        np.testing.assert_array_equal(y, values)
        # the plot is log-log: what is drawn is log10 of the same numbers
        dx, dy = curve.getData()
        np.testing.assert_allclose(dx, np.log10(widths))
        np.testing.assert_allclose(dy, np.log10(values))
    # only the extrapolated loop figure is marked
    x, y = panel.extrapolated_curve.getOriginalDataset()
    np.testing.assert_array_equal(x, [512.0])
    np.testing.assert_array_equal(y, [8e-2])
    # the current network's width is marked, and its speed-ups are written on the plot
    assert panel.width_line.isVisible()
    assert panel.width_line.value() == pytest.approx(math.log10(128))
    assert "40x" in panel.speedup_text.toPlainText()  # 4e-3 / 1e-4
    assert "1,333x" in panel.speedup_text.toPlainText()  # 4e-3 / 3e-6
    assert panel.table.rowCount() == 3
    assert panel.table.item(2, 0).text() == "512"
    assert panel.table.item(2, 2).text().endswith("*")
    assert panel.table.item(1, 5).text() == "40x"

    panel.show_rows(rows[:1])  # the same items are updated, not added
    assert panel.curves["loop"].getOriginalDataset()[1].tolist() == [5e-5]
    x, _ = panel.extrapolated_curve.getOriginalDataset()
    assert x is None or len(x) == 0  # pyqtgraph holds None for empty data
    assert panel.table.rowCount() == 1


def test_a_tiny_sweep_runs_through_the_worker_and_finishes(panel, qtbot):
    panel.set_architecture([3, 4, 2], ["relu", "softmax"], "cross_entropy")
    panel.widths_edit.setText("2, 4")
    panel.batch_spin.setValue(4)
    panel.budget_spin.setValue(0.5)
    added = []
    panel.rowAdded.connect(added.append)
    with qtbot.waitSignal(panel.finished, timeout=60000):
        assert panel.run()
        assert panel.is_running() and not panel.run_button.isEnabled()
    assert not panel.is_running() and not panel.was_cancelled
    assert [r.width for r in panel.rows()] == [2, 4]
    assert [r.layer_sizes for r in added] == [(3, 2, 2), (3, 4, 2)]
    x, y = panel.curves["batch"].getOriginalDataset()
    assert x.tolist() == [2.0, 4.0]
    assert y.tolist() == [r.batch_s_per_example for r in added]
    assert panel.progress_bar.value() == panel.progress_bar.maximum() == 2
    assert panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()


def test_cancel_stops_a_long_run_promptly(panel, qtbot):
    # 512-wide layers with a 60 s budget each: uncancelled, this takes minutes
    panel.set_architecture([2, 512, 512, 2], ["tanh", "tanh", "softmax"], "cross_entropy")
    panel.widths_edit.setText("4," + ",".join(["512"] * 8))
    panel.batch_spin.setValue(512)
    panel.budget_spin.setValue(60)
    with qtbot.waitSignal(panel.rowAdded, timeout=60000):
        panel.run()
    with qtbot.waitSignal(panel.finished, timeout=20000):
        panel.cancel_button.click()
    assert panel.was_cancelled
    assert len(panel.rows()) < 9
    assert not panel.is_running() and panel.run_button.isEnabled()


def test_bad_widths_fail_without_starting(panel, qtbot):
    panel.widths_edit.setText("8, wide")
    with qtbot.waitSignal(panel.failed, timeout=1000) as blocker:
        assert not panel.run()
    assert "whole numbers" in blocker.args[0]
    assert not panel.is_running()


def test_shutdown_during_a_run_waits_for_the_thread(panel, qtbot):
    panel.set_architecture([2, 512, 512, 2], ["tanh", "tanh", "softmax"], "cross_entropy")
    panel.widths_edit.setText(",".join(["512"] * 8))
    panel.batch_spin.setValue(512)
    panel.budget_spin.setValue(60)
    panel.run()
    assert panel.shutdown(20000)
    assert not panel.is_running()
