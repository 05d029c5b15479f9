"""Where the views go in the main window, and the Training tab's splitter that keeps the
decision boundary a square beside the plots.

One glance, left to right: *what the network is* (layer table, drawing) and *what it
learns from* (data panel); then *how it trains* (buttons and progress in one row, the
hyperparameters in two) and *what happens*: a Training tab with the surface over two
features (``boundaryPlot`` and its feature choosers; data with two or more features) as a
large square on the left and the loss and gradient-norm plots stacked beside it; a Fit
tab (one feature, or regression); a Classes tab (confusion matrix, per-class scores,
misclassified rows; classification); a Units tab (unit statistics, activation
histograms, the gradient check); and a Timing tab with the loop-versus-matrix timing.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QGroupBox, QMainWindow, QSplitter, QTabWidget, QVBoxLayout, QWidget

__all__ = ["BOUNDARY_MIN", "BOUNDARY_SHARE", "PLOTS_MIN_WIDTH", "BoundarySplitter", "arrange"]

#: the largest share of the tab's width the (square) boundary view takes by itself
BOUNDARY_SHARE = 0.55
#: the Training tab: smallest side of the decision-boundary view, narrowest plots
BOUNDARY_MIN = 220
PLOTS_MIN_WIDTH = 280
#: the gradient-check table's four columns stay readable
GRAD_CHECK_MIN_WIDTH = 380


class BoundarySplitter(QSplitter):
    """The Training tab: ``boundary`` on the left, ``plots`` on the right.

    Until the user drags the handle, the boundary view is kept square, as tall as the
    tab and at most ``BOUNDARY_SHARE`` of its width; neither side can be collapsed.
    When the boundary view is hidden (data that is not 2-D) the plots take the space.
    """

    def __init__(self, boundary: QWidget, plots: QWidget, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.addWidget(boundary)
        self.addWidget(plots)
        self.setChildrenCollapsible(False)
        self.setCollapsible(0, False)
        self.setCollapsible(1, False)
        self.setStretchFactor(0, 0)
        self.setStretchFactor(1, 1)
        self.auto_fit = True  # False once the user places the handle
        self.splitterMoved.connect(self._on_moved)
        boundary.installEventFilter(self)

    def _on_moved(self, *_args) -> None:
        self.auto_fit = False

    def fit(self) -> None:
        """Make the boundary view square (unless the user placed the handle)."""
        boundary = self.widget(0)
        if not self.auto_fit or boundary.isHidden():
            return
        width = self.width() - self.handleWidth()
        if width <= 0:
            return
        side = min(self.height(), int(width * BOUNDARY_SHARE))
        side = max(side, boundary.minimumWidth())
        self.setSizes([side, max(width - side, 1)])

    def restore(self, state) -> bool:
        """Restore a saved handle position (the user's choice: no more auto fit)."""
        if not self.restoreState(state):
            return False
        self.auto_fit = False
        return True

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.widget(0) and event.type() == QEvent.Type.Show:
            # once the splitter has made room; a real timer (Qt runs a 0 ms one in the same
            # turn), so the relayout and repaint it starts wait for the next turn
            QTimer.singleShot(1, self, self.fit)
        return super().eventFilter(watched, event)


def _group(title: str, name: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    box.setObjectName(name)
    QVBoxLayout(box).addWidget(widget)
    return box


def _splitter(orientation: Qt.Orientation, name: str, *widgets: QWidget) -> QSplitter:
    split = QSplitter(orientation)
    split.setObjectName(name)
    for w in widgets:
        split.addWidget(w)
    split.setChildrenCollapsible(False)
    return split


def arrange(w: QMainWindow) -> None:
    """Place the window's views; makes ``w.left_splitter``, ``w.training_split``,
    ``w.tabs`` and ``w.main_splitter`` (the central widget)."""
    V, H = Qt.Orientation.Vertical, Qt.Orientation.Horizontal
    net_split = _splitter(V, "networkSplitter", w.layer_table, w.network_view)
    w.left_splitter = _splitter(
        V,
        "leftSplitter",
        _group("Network", "networkGroup", net_split),
        _group("Data", "dataGroup", w.data_panel),
    )
    # The decision boundary is what people come for: a large square on the left, the
    # loss and gradient-norm plots stacked on the right.
    w.surface_panel.setMinimumSize(BOUNDARY_MIN, BOUNDARY_MIN)
    w.plots.setMinimumWidth(PLOTS_MIN_WIDTH)
    w.training_split = BoundarySplitter(w.surface_panel, w.plots)
    w.training_split.setObjectName("trainingSplitter")

    w.tabs = QTabWidget()
    w.tabs.setObjectName("plotTabs")
    w.tabs.setAccessibleName("Plots")
    w.tabs.addTab(w.training_split, "Training")
    w.fit_tab = w.fit_view
    w.tabs.addTab(w.fit_view, "Fit")
    w.tabs.addTab(w.class_views, "Classes")
    w.grad_check_panel.setMinimumWidth(GRAD_CHECK_MIN_WIDTH)
    units = _splitter(H, "unitsSplitter", w.unit_views, w.grad_check_panel)
    units.setStretchFactor(0, 1)
    units.setStretchFactor(1, 1)
    w.tabs.addTab(units, "Units")
    w.tabs.addTab(w.timing_panel, "Timing")

    right = QWidget()
    rl = QVBoxLayout(right)
    rl.setContentsMargins(0, 0, 0, 0)
    rl.addWidget(w.training_panel)
    rl.addWidget(w.tabs, 1)

    w.main_splitter = _splitter(H, "mainSplitter", w.left_splitter, right)
    w.main_splitter.setStretchFactor(0, 2)
    w.main_splitter.setStretchFactor(1, 5)
    w.setCentralWidget(w.main_splitter)
