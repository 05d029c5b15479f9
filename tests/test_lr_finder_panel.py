"""The learning-rate finder tab, offscreen: it must show what ``nnstudio lr-find`` prints
for the same data and settings, mark the suggestion, apply it, and the suggested rate
must train well."""

from __future__ import annotations

import json
import math

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton

from nnstudio import cli

TIMEOUT = 60_000


def test_lr_finder_matches_the_command_line_and_applies_its_suggestion(qtbot, window, capsys):
    w = window
    assert w.load_dataset("moons")
    button = w.findChild(QAbstractButton, "lrFinderButton")
    use = w.findChild(QAbstractButton, "useSuggestedLrButton")
    plot = w.findChild(pg.PlotWidget, "lrFinderPlot")
    assert button.accessibleName() and use.accessibleName() and plot.accessibleName()
    assert not use.isEnabled()

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: w.lr_finder.result is not None and not w.lr_finder.is_running(), timeout=TIMEOUT
    )

    # The same sweep from the command line, with the same (default) settings.
    assert cli.main(["lr-find", "moons", "--json", "--quiet"]) == 0
    truth = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    curve = w.lr_finder.curve
    np.testing.assert_allclose(curve.xData, truth["lr"], rtol=1e-12)
    np.testing.assert_allclose(curve.yData, truth["loss"], rtol=1e-6)
    suggested = truth["suggested_lr"]
    assert w.lr_finder.result.suggested_lr == pytest.approx(suggested, rel=1e-12)
    # a log x axis: the displayed x are log10 of the rates; the marker sits on the rate
    assert plot.getPlotItem().ctrl.logXCheck.isChecked()
    x_shown, _ = curve.getData()
    np.testing.assert_allclose(x_shown, np.log10(truth["lr"]))
    assert w.lr_finder.marker.value() == pytest.approx(math.log10(suggested))
    assert w.lr_finder.marker.isVisible()

    assert use.isEnabled()
    qtbot.mouseClick(use, Qt.MouseButton.LeftButton)
    assert w.training_panel.lr_spin.value() == pytest.approx(suggested, abs=5e-7)

    # Training at the suggested rate trains well.
    w.training_panel.epochs_spin.setValue(60)
    qtbot.mouseClick(w.training_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.is_training, timeout=TIMEOUT)
    assert w.session.trainer.history[-1].val_metric >= 0.95
