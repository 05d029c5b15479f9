"""The big picture: the network's answer over a plane of two chosen features.

Two combo boxes (``featureXCombo``, ``featureYCombo``) choose the plane for any data with
two or more features (at first the two with the largest variance); the other features
are held at their training mean. The plane is
drawn by :class:`~nnstudio.app.boundary_view.BoundaryView` (``boundaryPlot``) with the
data points over it. A line above the plot says what is shown: the network's output, or
one hidden unit (:meth:`SurfacePanel.set_unit`), with a button back to the output.

The panel computes nothing about the network: it hands out :meth:`SurfacePanel.plane`
(a small Qt-free description) and receives values on it through
:meth:`SurfacePanel.set_surface`; the numbers come from ``nnstudio.insight`` in a worker.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nnstudio.app.boundary_view import BoundaryView
from nnstudio.app.plot_guard import undrawable
from nnstudio.data.dataset import Dataset
from nnstudio.insight.data_facts import data_facts, plot_subset
from nnstudio.insight.surface import Plane, make_plane

__all__ = ["SurfacePanel", "default_features", "unit_text"]


def unit_text(unit: tuple[int, int] | None, activation: str = "") -> str:
    """What the surface shows, for the line above it (units and layers counted from 1)."""
    if unit is None:
        return "Network output"
    act = f" ({activation})" if activation else ""
    return f"Hidden layer {unit[0] + 1}, unit {unit[1] + 1}{act}"


def default_features(X: np.ndarray) -> tuple[int, int]:
    """The plane shown first: the two columns of ``X`` with the largest variance (in
    column order; the first two when there are only two), over the sample of rows that
    is drawn. A plane over constant columns, such as the always-blank corner pixels of a
    digit image, would show nothing."""
    d = X.shape[1]
    if d <= 2:
        return 0, 1
    var = X[plot_subset(len(X))].var(axis=0)  # the drawn sample: bounded work on any size
    top = sorted(np.argsort(-var, kind="stable")[:2].tolist())
    return top[0], top[1]


class SurfacePanel(QWidget):
    """Feature choosers, a "what is shown" line and the boundary plot.

    Signals: ``planeChanged()`` when the user picks other features (the old surface is
    cleared), ``outputRequested()`` when the "Show output" button is pressed.
    """

    planeChanged = Signal()
    outputRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("surfacePanel")
        self.view = BoundaryView()
        self.feature_x = QComboBox()
        self.feature_x.setObjectName("featureXCombo")
        self.feature_x.setAccessibleName("Surface x feature")
        self.feature_x.setToolTip("The feature along the surface's x axis")
        self.feature_y = QComboBox()
        self.feature_y.setObjectName("featureYCombo")
        self.feature_y.setAccessibleName("Surface y feature")
        self.feature_y.setToolTip("The feature along the surface's y axis")
        for combo in (self.feature_x, self.feature_y):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.shown_label = QLabel(unit_text(None))
        self.shown_label.setObjectName("surfaceShownLabel")
        self.shown_label.setAccessibleName("Surface shows")
        self.output_button = QPushButton("Show output")
        self.output_button.setObjectName("showOutputButton")
        self.output_button.setAccessibleName("Show the network output on the surface")
        self.output_button.setToolTip(
            "Back to the network's output (click a hidden unit in the drawing to see it)"
        )
        self.output_button.clicked.connect(self.outputRequested)
        self.held_label = QLabel("")
        self.held_label.setObjectName("surfaceHeldLabel")
        self.held_label.setWordWrap(True)

        self.feature_row = QWidget()
        self.feature_row.setObjectName("surfaceFeatureRow")
        top = QHBoxLayout(self.feature_row)
        top.setContentsMargins(0, 0, 0, 0)
        self._x_label = QLabel("x:")
        self._y_label = QLabel("y:")
        self._x_label.setBuddy(self.feature_x)
        self._y_label.setBuddy(self.feature_y)
        top.addWidget(self._x_label)
        top.addWidget(self.feature_x, 1)
        top.addWidget(self._y_label)
        top.addWidget(self.feature_y, 1)
        self.shown_row = QWidget()
        self.shown_row.setObjectName("surfaceShownRow")
        shown = QHBoxLayout(self.shown_row)
        shown.setContentsMargins(0, 0, 0, 0)
        shown.addWidget(self.shown_label, 1)
        shown.addWidget(self.output_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.feature_row)
        lay.addWidget(self.shown_row)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.held_label)

        self._ds: Dataset | None = None
        self._labels: np.ndarray | None = None
        self._unit: tuple[int, int] | None = None
        self.feature_x.currentIndexChanged.connect(lambda i: self._on_feature(self.feature_x, i))
        self.feature_y.currentIndexChanged.connect(lambda i: self._on_feature(self.feature_y, i))
        self._previous = (0, 1)
        self._update_shown("")
        self.held_label.setVisible(False)

    # ----------------------------------------------------------------- data

    def set_dataset(self, ds: Dataset | None, later=None) -> None:
        """Show ``ds`` (two or more features) on the plane of :func:`default_features`;
        ``None`` or a one-feature dataset empties the panel. ``later(piece)``, when
        given, runs the drawing of the points (``BoundaryView.set_points``)."""
        self._ds = ds if ds is not None and ds.n_features >= 2 else None
        self._unit = None
        self._update_shown("")
        with QSignalBlocker(self.feature_x), QSignalBlocker(self.feature_y):
            self.feature_x.clear()
            self.feature_y.clear()
            if self._ds is None:
                return
            names = [str(n) for n in self._ds.feature_names]
            self.feature_x.addItems(names)
            self.feature_y.addItems(names)
            fx, fy = default_features(self._ds.X)
            self.feature_x.setCurrentIndex(fx)
            self.feature_y.setCurrentIndex(fy)
        self._previous = (fx, fy)
        self._labels = data_facts(ds).labels_drawn  # of the drawn rows only
        # With exactly two features there is no choice to make: the row stays hidden
        # (the combos still hold both), and the plot keeps the whole height.
        self.feature_row.setVisible(ds.n_features > 2)
        self._rebuild(later)

    def features(self) -> tuple[int, int]:
        """``(fx, fy)``: the features on the x and y axes."""
        return self.feature_x.currentIndex(), self.feature_y.currentIndex()

    def set_features(self, fx: int, fy: int) -> None:
        """Choose the plane's features (as the combo boxes do)."""
        if self._ds is None:
            raise ValueError("no dataset with two or more features is shown")
        d = self._ds.n_features
        if not (0 <= fx < d and 0 <= fy < d) or fx == fy:
            raise ValueError(f"choose two different features in 0..{d - 1}, got {fx}, {fy}")
        with QSignalBlocker(self.feature_x), QSignalBlocker(self.feature_y):
            self.feature_x.setCurrentIndex(fx)
            self.feature_y.setCurrentIndex(fy)
        self._previous = (fx, fy)
        self._rebuild()
        self.planeChanged.emit()

    def plane(self) -> Plane | None:
        """The plane shown, without ``base`` (the worker holds the other features at the
        session's training mean); None without data."""
        return self.view.plane() if self._ds is not None else None

    def _on_feature(self, combo: QComboBox, index: int) -> None:
        if self._ds is None or index < 0:
            return
        fx, fy = self.features()
        if fx == fy:  # the same feature twice: swap with the other axis instead
            other = self.feature_y if combo is self.feature_x else self.feature_x
            with QSignalBlocker(other):
                other.setCurrentIndex(
                    self._previous[0] if combo is self.feature_x else self._previous[1]
                )
            fx, fy = self.features()
        self._previous = (fx, fy)
        self._rebuild()
        self.planeChanged.emit()

    def _rebuild(self, later=None) -> None:
        ds = self._ds
        fx, fy = self.features()
        names = (str(ds.feature_names[fx]), str(ds.feature_names[fy]))
        facts = data_facts(ds)
        # Whether the data can be drawn, and the plane, depend on each column's smallest
        # and largest value only: two rows, [min; max], stand for all of them.
        bounds = np.array([facts.x_min, facts.x_max])
        drawn, drawn_names = bounds[:, [fx, fy]], list(names)
        if ds.task != "classification":
            drawn = np.column_stack([drawn, [facts.y_min, facts.y_max]])
            drawn_names.append(str(ds.target_name))
        reason = undrawable(drawn, drawn_names)
        self.view.setVisible(reason is None)  # pyqtgraph cannot map such ranges to pixels
        if reason is not None:
            self.held_label.setText(f"Surface {reason}.")
            self.held_label.setVisible(True)
            return
        plane = make_plane(bounds, fx, fy, resolution=self.view.resolution)
        classes = ds.classes if ds.task == "classification" else None
        self.view.set_points(  # the drawn rows: all of them are drawn
            facts.X_drawn[:, [fx, fy]],
            self._labels,
            classes,
            plane=plane,
            axis_names=names,
            later=later,
        )
        others = ds.n_features - 2
        self.held_label.setText(
            f"The other {others} feature{'s are' if others > 1 else ' is'} held at "
            "the training mean."
            if others
            else ""
        )
        self.held_label.setVisible(bool(others))

    # ----------------------------------------------------------------- what is shown

    def unit(self) -> tuple[int, int] | None:
        return self._unit

    def set_unit(self, unit: tuple[int, int] | None, activation: str = "") -> None:
        """Say that the surface shows hidden unit ``(layer, unit)`` (None: the output);
        the surface itself follows with the next :meth:`set_surface`."""
        self._unit = None if unit is None else (int(unit[0]), int(unit[1]))
        self._update_shown(activation)

    def _update_shown(self, activation: str) -> None:
        self.shown_label.setText(unit_text(self._unit, activation))
        self.output_button.setVisible(self._unit is not None)
        # "Network output" goes without saying; a unit is announced with a way back
        self.shown_row.setVisible(self._unit is not None)

    def set_surface(self, values: np.ndarray) -> None:
        """Colour the plane by ``values`` on its cells: the output (class probabilities,
        or predictions in target units on the points' scale) or, when a unit is
        selected, that unit's activation."""
        if self._unit is not None:
            self.view.set_surface(values, kind="unit")
        else:
            self.view.set_surface(values, value_range=self.view.target_range())

    def clear_surface(self) -> None:
        self.view.clear_surface()
