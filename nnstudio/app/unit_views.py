"""Per hidden layer, live: dead and saturated units, mean activation, and histograms.

- ``unitStatsTable``: one row per hidden layer: the layer (1-based), activation, units,
  the fraction of dead units (ReLU family), of saturated units (sigmoid, tanh), both held
  as numbers in 0..1 and shown as percentages ("–" where the activation has no such
  state), and the mean activation.
- ``activationPlot``: one step curve per hidden layer, the share of the layer's
  activation values in each bin (so layers of different widths compare).

The definitions and the numbers are ``nnstudio.insight.units``'s; this panel draws them.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from nnstudio.app.boundary_view import style_plot
from nnstudio.app.palette import class_colors
from nnstudio.app.tables import PercentDelegate, RowsModel, make_table
from nnstudio.insight.units import LayerStats

__all__ = ["STATS_HEADERS", "UnitViews"]

STATS_HEADERS = ("layer", "activation", "units", "dead", "saturated", "mean activation")


class UnitViews(QWidget):
    """The unit statistics table and the activation histograms."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unitViews")
        self.stats_model = RowsModel(list(STATS_HEADERS), tooltip=self._tooltip)
        self.stats_table = make_table(
            self.stats_model,
            "unitStatsTable",
            "Hidden unit statistics",
            "Per hidden layer: fraction of dead units, of saturated units, mean activation",
            stretch=1,
        )
        self._percent = PercentDelegate(self.stats_table)
        for header in ("dead", "saturated"):
            self.stats_table.setItemDelegateForColumn(STATS_HEADERS.index(header), self._percent)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("activationPlot")
        self.plot.setAccessibleName("Activation histograms")
        self.plot.setAccessibleDescription(
            "Per hidden layer, the share of activation values per bin"
        )
        style_plot(self.plot)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "activation")
        item.setLabel("left", "share of values")
        item.addLegend(offset=(-10, 10))
        self.note = QLabel(
            "Dead: output \u2264 0 for every sampled row (ReLU family). Saturated: within 1% "
            "of a limit for every row (sigmoid, tanh)."
        )
        self.note.setObjectName("unitNoteLabel")
        self.note.setWordWrap(True)
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.stats_table, 1)
        tl.addWidget(self.note)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("unitSplitter")
        split.addWidget(top)
        split.addWidget(self.plot)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self.hist_items: list[pg.PlotDataItem] = []
        self._layout: list[tuple[str, int]] = []

    def clear(self) -> None:
        self.stats_model.set_rows([])
        item = self.plot.getPlotItem()
        for it in self.hist_items:
            item.removeItem(it)
        self.hist_items = []
        self._layout = []

    def set_stats(
        self, stats: list[LayerStats], histograms: list[tuple[np.ndarray, np.ndarray]] | None = None
    ) -> None:
        """Show each hidden layer's figures, and its histogram ``(counts, edges)``."""
        self.stats_model.set_rows(
            [(s.layer + 1, s.activation, s.units, s.dead, s.saturated, s.mean) for s in stats]
        )
        if histograms is None:
            return
        layout = [(s.activation, s.units) for s in stats]
        item = self.plot.getPlotItem()
        if layout != self._layout:
            for it in self.hist_items:
                item.removeItem(it)
            colors = class_colors(len(stats))
            self.hist_items = [
                pg.PlotDataItem(
                    stepMode="center",
                    pen=pg.mkPen(c, width=2),
                    name=f"layer {s.layer + 1} ({s.activation})",
                )
                for s, c in zip(stats, colors)
            ]
            for it in self.hist_items:
                item.addItem(it)
            self._layout = layout
        for it, (counts, edges) in zip(self.hist_items, histograms):
            total = counts.sum()
            share = counts / total if total else counts.astype(np.float64)
            it.setData(np.asarray(edges, np.float64), np.asarray(share, np.float64))

    def _tooltip(self, r: int, c: int):
        header = STATS_HEADERS[c]
        if header == "dead":
            return "Fraction of the layer's units whose output is \u2264 0 for every sampled row"
        if header == "saturated":
            return "Fraction of the layer's units within 1% of a limit for every sampled row"
        if header == "mean activation":
            return "Mean of the layer's outputs over the sampled rows and its units"
        return None
