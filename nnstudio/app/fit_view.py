"""The fitted curve of one feature, and for regression predicted against actual values.

``fitPlot`` is one pyqtgraph ``PlotWidget`` whose data items hold the plotted numbers;
``fitModeCombo`` picks what it shows:

- **Curve**: the data and the network's answer along one feature over the data range
  (x in the feature's raw units). Regression: the points ``(x, target)`` and the
  prediction curve, in target units. Classification: the predicted probability of each
  class (a curve per class, in the class colours) with the data as a class-coloured rug
  under the curves. With more than one feature, the others are held at their training
  mean.
- **Predicted vs actual** (regression): one point per evaluation row
  ``(actual, predicted)`` and the line ``y = x`` a perfect model would sit on.
- **Residuals** (regression): ``(predicted, actual - predicted)`` and the line ``y = 0``.

Items are created once and updated with ``setData``; the numbers come from
``nnstudio.insight`` in a worker.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnstudio.app.boundary_view import MAX_CLASS_ITEMS, style_plot
from nnstudio.app.palette import BASE_COLORS, class_colors
from nnstudio.data.dataset import Dataset
from nnstudio.insight.data_facts import data_facts

__all__ = ["FIT_MODES", "FitView"]

FIT_MODES = ("Curve", "Predicted vs actual", "Residuals")
_POINT = QColor(8, 119, 189, 150)
_CURVE = BASE_COLORS[1]
_GUIDE = pg.mkPen(QColor(90, 90, 90), width=1.2, style=pg.QtCore.Qt.PenStyle.DashLine)
_RUG_STEP = 0.06


def _points(color) -> dict:
    return {"pen": None, "symbol": "o", "symbolSize": 5, "symbolPen": None, "symbolBrush": color}


class FitView(QWidget):
    """The fit plot and its mode chooser; see the module docstring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fitView")
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("fitPlot")
        self.plot.setAccessibleName("Fitted curve")
        self.plot.setAccessibleDescription(
            "The data and the network's prediction along one feature; for regression also "
            "predicted against actual values and residuals"
        )
        style_plot(self.plot)
        self.mode_combo = QComboBox()
        self.mode_combo.setObjectName("fitModeCombo")
        self.mode_combo.setAccessibleName("Fit plot shows")
        self.mode_combo.addItems(FIT_MODES)
        self.mode_combo.currentIndexChanged.connect(self._apply_mode)
        self.note = QLabel("")
        self.note.setObjectName("fitNoteLabel")
        self.note.setWordWrap(True)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Show:")
        label.setBuddy(self.mode_combo)
        top.addWidget(label)
        top.addWidget(self.mode_combo)
        top.addWidget(self.note, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.plot, 1)

        item = self.plot.getPlotItem()
        # regression items, created once
        self.data_item = pg.PlotDataItem(name="data", **_points(_POINT))
        self.curve_items: list[pg.PlotDataItem] = []
        self.rug_items: list[pg.PlotDataItem] = []
        self.actual_item = pg.PlotDataItem(name="rows", **_points(_POINT))
        self.identity_item = pg.PlotDataItem(name="y = x", pen=_GUIDE)
        self.residual_item = pg.PlotDataItem(name="rows", **_points(_POINT))
        self.zero_item = pg.PlotDataItem(name="y = 0", pen=_GUIDE)
        #: the items every dataset reuses (the class curves are made per dataset)
        self._fixed_items = (
            self.data_item,
            self.actual_item,
            self.identity_item,
            self.residual_item,
            self.zero_item,
        )
        for it in self._fixed_items:
            item.addItem(it)
        item.addLegend(offset=(10, 10))  # after the fixed items: only the curves are listed
        self._ds: Dataset | None = None
        self._feature = 0
        self._task = "regression"
        self._apply_mode()

    # ----------------------------------------------------------------- data

    def set_dataset(self, ds: Dataset | None, feature: int = 0) -> None:
        """Show ``ds``'s data along ``feature`` (no network answer yet)."""
        self._ds = ds
        item = self.plot.getPlotItem()
        for it in self.curve_items + self.rug_items:
            item.removeItem(it)
        self.curve_items, self.rug_items = [], []
        for it in self._fixed_items:
            it.setData([], [])
        if ds is None:
            return
        self._task = ds.task
        regression = ds.task == "regression"
        with QSignalBlocker(self.mode_combo):
            for i in (1, 2):  # predicted-vs-actual and residuals are for regression
                self.mode_combo.model().item(i).setEnabled(regression)
            if not regression:
                self.mode_combo.setCurrentIndex(0)
        if regression:
            self.curve_items = [pg.PlotDataItem(name="prediction", pen=pg.mkPen(_CURVE, width=2.5))]
        else:
            # the first MAX_CLASS_ITEMS classes: thousands of curves would take the GUI
            # thread seconds to build and minutes to draw, and could not be told apart
            shown = list(ds.classes[:MAX_CLASS_ITEMS])
            colors = class_colors(len(shown))
            self.curve_items = [
                pg.PlotDataItem(name=f"p({c})", pen=pg.mkPen(col, width=2.5))
                for c, col in zip(shown, colors)
            ]
            self.rug_items = [
                pg.PlotDataItem(
                    pen=None, symbol="|", symbolSize=9, symbolPen=pg.mkPen(col), symbolBrush=col
                )
                for col in colors
            ]
        for it in self.curve_items + self.rug_items:
            item.addItem(it)
        self.set_feature(feature)

    def set_feature(self, feature: int) -> None:
        """The feature along the curve's x axis (the data points follow)."""
        ds = self._ds
        self._feature = int(feature)
        if ds is None:
            return
        facts = data_facts(ds)  # the drawn rows, and what needs every row, precomputed
        x = facts.X_drawn[:, self._feature]
        labels = facts.labels_drawn
        if ds.task == "regression":
            self.data_item.setData(x, labels)
        else:
            for k, rug in enumerate(self.rug_items):
                sel = labels == k
                rug.setData(x[sel], np.full(int(sel.sum()), -_RUG_STEP * (k + 1)))
        for it in self.curve_items:
            it.setData([], [])
        others = ds.n_features - 1
        notes = [f"other feature{'s' if others > 1 else ''} at the training mean"] if others else []
        if ds.task == "classification" and len(ds.classes) > MAX_CLASS_ITEMS:
            notes.append(f"the first {MAX_CLASS_ITEMS} of {len(ds.classes)} classes")
        self.note.setText("; ".join(notes))
        self._apply_mode()

    def feature(self) -> int:
        return self._feature

    def set_curve(self, x: np.ndarray, y: np.ndarray) -> None:
        """The network's answer along the feature: ``x`` (p,) raw values, ``y`` (p, k)
        predictions in target units, or class probabilities (one column p(classes[1])
        for a single sigmoid unit)."""
        y = np.asarray(y, np.float64)
        if y.ndim == 1:
            y = y[:, None]
        if self._task == "classification" and y.shape[1] == 1 and len(self.curve_items) == 2:
            y = np.column_stack([1.0 - y[:, 0], y[:, 0]])
        for k, it in enumerate(self.curve_items):
            if k < y.shape[1]:
                it.setData(np.asarray(x, np.float64), y[:, k])

    def set_regression(self, actual: np.ndarray, predicted: np.ndarray) -> None:
        """Evaluation rows in target units (first output): predicted against actual
        with ``y = x``, and residuals ``actual - predicted`` against predicted."""
        a = np.asarray(actual, np.float64).reshape(len(actual), -1)[:, 0]
        p = np.asarray(predicted, np.float64).reshape(len(predicted), -1)[:, 0]
        self.actual_item.setData(a, p)
        self.residual_item.setData(p, a - p)
        if len(a):
            finite = np.concatenate([a, p])
            finite = finite[np.isfinite(finite)]
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            self.identity_item.setData([lo, hi], [lo, hi])
            pf = p[np.isfinite(p)]
            plo, phi = (float(pf.min()), float(pf.max())) if pf.size else (0.0, 1.0)
            self.zero_item.setData([plo, phi], [0.0, 0.0])

    # ----------------------------------------------------------------- modes

    def mode(self) -> str:
        return FIT_MODES[self.mode_combo.currentIndex()]

    def set_mode(self, mode: str) -> None:
        self.mode_combo.setCurrentIndex(FIT_MODES.index(mode))

    def _apply_mode(self) -> None:
        mode = self.mode()
        curve = mode == "Curve"
        regression = self._task == "regression"
        self.data_item.setVisible(curve and regression)
        for it in self.curve_items + self.rug_items:
            it.setVisible(curve)
        for it in (self.actual_item, self.identity_item):
            it.setVisible(mode == "Predicted vs actual")
        for it in (self.residual_item, self.zero_item):
            it.setVisible(mode == "Residuals")
        item = self.plot.getPlotItem()
        ds = self._ds
        target = str(ds.target_name) if ds is not None else "target"
        feature = str(ds.feature_names[self._feature]) if ds is not None else "feature"
        if curve:
            item.setLabel("bottom", feature)
            item.setLabel("left", target if regression else "probability")
        elif mode == "Predicted vs actual":
            item.setLabel("bottom", f"actual {target}")
            item.setLabel("left", f"predicted {target}")
        else:
            item.setLabel("bottom", f"predicted {target}")
            item.setLabel("left", "residual (actual \u2212 predicted)")
        legend = item.legend
        if legend is not None:
            legend.setVisible(curve and not regression)
        item.enableAutoRange()
