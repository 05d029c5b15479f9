"""Live training plots: loss and accuracy per epoch, gradient norms per step.

Each plot creates its curves once and afterwards only calls ``setData`` with the numbers
it holds (pyqtgraph's ``PlotSpeedTest`` habit), so an update costs a few array copies no
matter how long training runs. The numbers live in :class:`Series`, a growable table that
halves itself (averaging neighbouring points) whenever it passes ``max_points`` rows: the
first ``max_points`` epochs or steps are plotted exactly, a longer run is plotted at a
resolution that keeps every redraw cheap.

Curves hold exactly the plotted numbers: ``curve.getOriginalDataset()`` (or
``getData()`` when the axis is linear) returns them.

Redrawing is kept cheap on purpose (the GUI thread must never stall): there is no grid
(a grid makes every curve change repaint the axes), and the view ranges follow the data
with hysteresis (:class:`RangeFollower`) instead of pyqtgraph's auto-range, so the axes
are laid out again only when the data leaves the range, not at every update. Panning or
zooming by hand stops the following; the plot's "A" button starts it again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QSplitter, QVBoxLayout, QWidget

from nnstudio.app.palette import BASE_COLORS, class_colors
from nnstudio.engine.trainer import EpochReport

__all__ = ["GradNormPlot", "LossPlot", "Series", "TrainingPlots", "plain_axes"]

#: rows a series holds before it halves itself (per curve; a few ms to redraw)
MAX_POINTS = 4000
#: the same for the gradient norms, one row per step: a tiny network makes thousands of
#: steps a second, and its three curves of 4,000 points took 13 ms of the GUI thread to
#: redraw (1,000 points: 8 ms; the plot is narrower than 1,000 pixels anyway)
MAX_STEP_POINTS = 1000
#: the width one entry of the gradient-norm legend takes ("layer 16" and its line)
LEGEND_ENTRY_WIDTH = 85
#: the width one entry of the loss legend takes ("validation accuracy" and its line)
LOSS_LEGEND_ENTRY_WIDTH = 140
#: while training, one plot is redrawn per frame of this many ms
FRAME_MS = 33

# training and validation curves: the palette's first two colours (blue, orange)
_TRAIN, _VAL = BASE_COLORS[0], BASE_COLORS[1]
# smallest value shown on a log axis (a gradient norm of exactly 0 has no logarithm)
_TINY = 1e-30


class Series:
    """A table of ``x`` and ``columns`` y-values per row, bounded to ``max_points`` rows.

    Up to ``max_points`` rows are kept exactly. When one more arrives, neighbouring rows
    are averaged in pairs (x too) and from then on every stored row is the mean of
    ``bin`` consecutive incoming rows (1, 2, 4, ...), so all rows weigh the same and the
    table keeps the shape of the whole history. Rows of a bin that is not full yet are
    shown as one provisional last row.
    """

    def __init__(self, columns: int, max_points: int = MAX_POINTS) -> None:
        if max_points < 4:
            raise ValueError("max_points must be at least 4")
        self.columns = int(columns)
        self.max_points = int(max_points)
        self._x = np.empty(max_points + 1, np.float64)
        self._y = np.empty((max_points + 1, self.columns), np.float64)
        self._n = 0
        self.decimations = 0  # how many times the table was halved
        self._pending_x = 0.0
        self._pending_y = np.zeros(self.columns)
        self._pending_n = 0

    @property
    def bin(self) -> int:
        """Incoming rows per stored row."""
        return 1 << self.decimations

    def __len__(self) -> int:
        return self._n + (1 if self._pending_n else 0)

    @property
    def x(self) -> np.ndarray:
        if not self._pending_n:
            return self._x[: self._n]
        return np.append(self._x[: self._n], self._pending_x / self._pending_n)

    @property
    def y(self) -> np.ndarray:
        if not self._pending_n:
            return self._y[: self._n]
        return np.vstack([self._y[: self._n], self._pending_y / self._pending_n])

    def clear(self) -> None:
        self._n = 0
        self.decimations = 0
        self._pending_n = 0
        self._pending_x = 0.0
        self._pending_y[:] = 0.0

    def extend(self, x: Sequence[float], y: np.ndarray) -> None:
        """Append rows ``x (m,)``, ``y (m, columns)``."""
        x = np.asarray(x, np.float64).reshape(-1)
        y = np.asarray(y, np.float64).reshape(len(x), self.columns)
        i = 0
        while i < len(x):
            if self.bin == 1:  # exact: copy as many rows as fit
                take = min(self.max_points + 1 - self._n, len(x) - i)
                self._x[self._n : self._n + take] = x[i : i + take]
                self._y[self._n : self._n + take] = y[i : i + take]
                self._n += take
                i += take
            else:  # fill the pending bin
                take = min(self.bin - self._pending_n, len(x) - i)
                self._pending_x += float(x[i : i + take].sum())
                self._pending_y += y[i : i + take].sum(axis=0)
                self._pending_n += take
                i += take
                if self._pending_n == self.bin:
                    self._x[self._n] = self._pending_x / self.bin
                    self._y[self._n] = self._pending_y / self.bin
                    self._n += 1
                    self._pending_n = 0
                    self._pending_x = 0.0
                    self._pending_y[:] = 0.0
            if self._n > self.max_points:
                self._halve()

    def _halve(self) -> None:
        # max_points + 1 rows of equal weight; an odd last row goes back to pending
        n = self._n
        pairs = n // 2
        x, y = self._x, self._y
        if n % 2:
            w = self.bin
            self._pending_x = float(x[n - 1]) * w + self._pending_x
            self._pending_y = y[n - 1] * w + self._pending_y
            self._pending_n += w
        x[:pairs] = 0.5 * (x[0 : 2 * pairs : 2] + x[1 : 2 * pairs : 2])
        y[:pairs] = 0.5 * (y[0 : 2 * pairs : 2] + y[1 : 2 * pairs : 2])
        self._n = pairs
        self.decimations += 1


class RangeFollower:
    """Sets a ViewBox's range around its data, changing it only when it must.

    x runs from the first point to a right edge that grows by half the data's extent
    whenever the data reaches it; y is the data's extent with a margin and is kept while
    the data stays inside and fills at least ``fill`` of it. On a log axis the
    arithmetic happens on log10 of the data (the ViewBox's own coordinates).
    """

    def __init__(self, vb: pg.ViewBox, *, follow_x: bool = True, fill: float = 0.4) -> None:
        self.vb = vb
        self.follow_x = follow_x
        self.fill = fill
        self.user = False
        self.fixed_y: tuple[float, float] | None = None
        vb.disableAutoRange()
        vb.sigRangeChangedManually.connect(self._on_manual)

    def _on_manual(self, *_args) -> None:
        self.user = True

    def reset(self) -> None:
        self.user = False

    def fit_x(self, x: np.ndarray) -> None:
        """End the x range at the last point (a run ended: no room kept for more),
        unless the user placed the view."""
        if self.user or not self.follow_x or len(x) == 0:
            return
        x0, x1 = float(x[0]), float(x[-1])
        if x1 > x0:
            self.vb.setXRange(x0, x1, padding=0.02)

    def update(self, x: np.ndarray, ys: Sequence[np.ndarray], log_y: bool = False) -> None:
        vb = self.vb
        if any(vb.autoRangeEnabled()):  # the "A" button: follow again
            vb.disableAutoRange()
            self.user = False
        if self.user or len(x) == 0:
            return
        (cx0, cx1), (cy0, cy1) = vb.viewRange()
        new_x = None
        if self.follow_x:
            x0, x1 = float(x[0]), float(x[-1])
            span = max(x1 - x0, 1.0)
            if not (cx0 == x0 and x1 <= cx1 <= x0 + 4 * span):
                new_x = (x0, x0 + 1.5 * span)
        new_y = None
        if self.fixed_y is not None:
            if (cy0, cy1) != self.fixed_y:
                new_y = self.fixed_y
        else:
            values = np.concatenate([np.asarray(y, np.float64).ravel() for y in ys])
            if log_y:
                values = values[values > 0]
                values = np.log10(values) if len(values) else values
            values = values[np.isfinite(values)]
            if len(values):
                lo, hi = float(values.min()), float(values.max())
                span = hi - lo
                pad = 0.1 * span if span > 0 else max(abs(hi) * 0.1, 0.5)
                inside = cy0 <= lo and hi <= cy1
                if not inside or span < self.fill * (cy1 - cy0):
                    new_y = (lo - pad, hi + pad)
        if new_x is not None or new_y is not None:
            vb.setRange(xRange=new_x, yRange=new_y, padding=0, update=True)


class LogAxis(pg.AxisItem):
    """A y axis whose log-mode labels never sit on top of each other.

    pyqtgraph labels every multiple 1..9 of a decade when fewer than three decades are
    in view, whatever the axis height, so a short plot draws "2", "3", ... over each
    other. Here the in-between labels are 1, 2 and 5 times a decade, and only if they
    fit (``MIN_LABEL_GAP`` text heights apart); otherwise decades alone, every k-th one
    when even those are too close."""

    #: the least distance between two tick labels, in text heights
    MIN_LABEL_GAP = 1.5

    def _text_height(self) -> float:
        font = self.style.get("tickFont") or self.font()
        return float(QFontMetricsF(font).height())

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        if not (np.isfinite(minVal) and np.isfinite(maxVal)) or maxVal <= minVal or size <= 0:
            return []
        text = self._text_height()
        room = size / (self.MIN_LABEL_GAP * text)  # labels that fit
        # a label centred closer than half its height to an end would be cut off there
        edge = 0.5 * text * (maxVal - minVal) / size
        first, last = minVal + edge, maxVal - edge
        lo, hi = math.floor(minVal), math.ceil(maxVal)
        decades = [float(v) for v in range(lo, hi + 1) if first <= v <= last]
        for mults in ((1, 2, 5), (1,)):
            values = [v + math.log10(m) for v in range(lo, hi) for m in mults]
            values = [v for v in values if first <= v <= last]
            if len(values) <= room and len(values) >= 2:
                return [(None, values)]
        step = max(1, math.ceil(len(decades) / max(room, 1.0)))
        return [(float(step), decades[::step])]


def legend_below(plot_item: pg.PlotItem) -> pg.LegendItem:
    """A legend in a row of its own under the plot (``plot(name=...)`` and
    ``addItem`` of a named item add their entries to it)."""
    legend = pg.LegendItem(offset=None, labelTextColor="k", verSpacing=-6, labelTextSize="8pt")
    plot_item.layout.addItem(legend, 4, 1)
    plot_item.legend = legend
    return legend


def fit_legend_columns(legend: pg.LegendItem, width: int, entries: int, entry_width: int):
    """As many entries per row as ``width`` pixels hold (at least one)."""
    fits = max(1, (width - 40) // entry_width)
    columns = int(min(max(entries, 1), fits))
    if columns != legend.columnCount:
        legend.setColumnCount(columns)


def plain_axes(plot_item: pg.PlotItem, names=("left", "bottom", "right")) -> None:
    """Tick labels that read as they are: no automatic SI prefix, which would turn a
    loss of 0.9 into "900" on an axis labelled "loss (x0.001)"."""
    for name in names:
        axis = plot_item.getAxis(name)
        if axis is not None:
            axis.enableAutoSIPrefix(False)


def _pen(color: str, dashed: bool = False, width: float = 2.0):
    style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
    return pg.mkPen(color, width=width, style=style)


class LossPlot(pg.PlotWidget):
    """Training and validation loss per epoch (left axis, optionally log), and accuracy
    or R^2 per epoch on a second view box tied to the right axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            parent=parent, background="w", axisItems={"left": LogAxis(orientation="left")}
        )
        self.setObjectName("lossPlot")
        self.setAccessibleName("Loss per epoch")
        self.setAccessibleDescription(
            "Training and validation loss per epoch; accuracy or R squared on the right axis"
        )
        pi = self.getPlotItem()
        pi.setLabel("bottom", "epoch")
        pi.setLabel("left", "loss")
        pi.setMenuEnabled(False)
        # Under the plot, never over the curves (anywhere inside, some curve runs).
        self.legend = legend_below(pi)
        self.train_curve = pi.plot([], [], pen=_pen(_TRAIN), name="train loss")
        self.val_curve = pi.plot([], [], pen=_pen(_VAL), name="validation loss")

        # The metric lives in its own ViewBox on the right axis, with the x axis linked.
        self.metric_view = pg.ViewBox(enableMenu=False)
        pi.showAxis("right")
        pi.scene().addItem(self.metric_view)
        right = pi.getAxis("right")
        right.linkToView(self.metric_view)
        plain_axes(pi)
        self.metric_view.setXLink(pi.vb)
        self.train_metric_curve = pg.PlotDataItem([], [], pen=_pen(_TRAIN, dashed=True, width=1.5))
        self.val_metric_curve = pg.PlotDataItem([], [], pen=_pen(_VAL, dashed=True, width=1.5))
        self.metric_view.addItem(self.train_metric_curve)
        self.metric_view.addItem(self.val_metric_curve)
        self._metric_entries: list = []
        pi.vb.sigResized.connect(self._sync_views)
        self.follow = RangeFollower(pi.vb)
        self.metric_follow = RangeFollower(self.metric_view, follow_x=False)

        self.series = Series(4)  # epoch -> train loss, val loss, train metric, val metric
        self.dirty = False
        self._has_val = False
        self.metric_name = ""
        self.set_metric("accuracy", has_val=True)

    # ------------------------------------------------------------ public
    def set_metric(self, name: str, *, has_val: bool) -> None:
        """``name`` is ``accuracy`` or ``r2``; ``has_val``: whether validation curves exist."""
        label = "R\u00b2" if name == "r2" else name
        if name != self.metric_name or has_val != self._has_val:
            for item in self._metric_entries:
                self.legend.removeItem(item)
            self._metric_entries = [self.train_metric_curve]
            self.legend.addItem(self.train_metric_curve, f"train {label}")
            if has_val:
                self._metric_entries.append(self.val_metric_curve)
                self.legend.addItem(self.val_metric_curve, f"validation {label}")
        self.metric_name = name
        self._has_val = has_val
        self.getPlotItem().getAxis("right").setLabel(label)
        self.metric_follow.fixed_y = (-0.02, 1.02) if name == "accuracy" else None
        self.metric_follow.reset()
        self.val_curve.setVisible(has_val)
        self.val_metric_curve.setVisible(has_val)

    def set_log_y(self, on: bool) -> None:
        """Log scale for the loss axis only: the metric (accuracy, R\u00b2) on the right
        axis stays linear (PlotItem.setLogMode sets every axis)."""
        pi = self.getPlotItem()
        pi.setLogMode(y=bool(on))
        pi.getAxis("right").setLogMode(False, False)
        self.follow.reset()
        self.redraw()

    def clear_history(self) -> None:
        self.series.clear()
        self.follow.reset()
        self.metric_follow.reset()
        self.redraw()

    def add_epochs(self, reports: Sequence[EpochReport], *, redraw: bool = True) -> None:
        """Append one row per epoch report; redraw now, or at the next :meth:`redraw`."""
        if not reports:
            return
        rows = np.array(
            [
                (
                    r.train_loss,
                    _num(r.val_loss),
                    r.train_metric,
                    _num(r.val_metric),
                )
                for r in reports
            ],
            np.float64,
        )
        self.series.extend([r.epoch for r in reports], rows)
        self.dirty = True
        if redraw:
            self.redraw()

    def losses(self) -> tuple[np.ndarray, np.ndarray]:
        """``(epochs, train losses)`` as plotted."""
        return self.series.x.copy(), self.series.y[:, 0].copy()

    def redraw(self) -> None:
        """Hand the series to the curves (``setData``) and move the view if needed."""
        self.dirty = False
        x, y = self.series.x, self.series.y
        self.train_curve.setData(x, y[:, 0])
        self.train_metric_curve.setData(x, y[:, 2])
        if self._has_val:
            self.val_curve.setData(x, y[:, 1])
            self.val_metric_curve.setData(x, y[:, 3])
        else:
            self.val_curve.setData([], [])
            self.val_metric_curve.setData([], [])
        losses = [y[:, 0], y[:, 1]] if self._has_val else [y[:, 0]]
        metrics = [y[:, 2], y[:, 3]] if self._has_val else [y[:, 2]]
        log = bool(self.getPlotItem().ctrl.logYCheck.isChecked())
        self.follow.update(x, losses, log_y=log)
        self.metric_follow.update(x, metrics)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        legend = self.__dict__.get("legend")  # resized once before __init__ ends
        if legend is not None:
            entries = len(legend.items)
            fit_legend_columns(legend, self.width(), entries, LOSS_LEGEND_ENTRY_WIDTH)

    def _sync_views(self) -> None:
        vb = self.getPlotItem().vb
        self.metric_view.setGeometry(vb.sceneBoundingRect())
        self.metric_view.linkedViewChanged(vb, self.metric_view.XAxis)


def _num(v) -> float:
    return math.nan if v is None else float(v)


class GradNormPlot(pg.PlotWidget):
    """Each layer's weight-gradient L2 norm per training step, log y axis, one curve per
    layer ("layer 1" is the first hidden layer's weights, "layer L" the output layer's)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            parent=parent, background="w", axisItems={"left": LogAxis(orientation="left")}
        )
        self.setObjectName("gradNormPlot")
        self.setAccessibleName("Gradient norms per layer")
        self.setAccessibleDescription(
            "L2 norm of each layer's weight gradient over training steps, log scale"
        )
        pi = self.getPlotItem()
        pi.setLabel("bottom", "step")
        pi.setLabel("left", "\u2016dL/dW\u2016")
        pi.setMenuEnabled(False)
        pi.setLogMode(y=True)
        plain_axes(pi, ("left", "bottom"))
        # Under the plot: with many layers it would cover the curves anywhere inside.
        self.legend = legend_below(pi)
        self.curves: list[pg.PlotDataItem] = []
        self.series = Series(1, MAX_STEP_POINTS)
        self.dirty = False
        self.follow = RangeFollower(pi.vb)

    def set_layers(self, n_layers: int) -> None:
        """One curve per dense layer; clears the history when the count changes."""
        n_layers = int(n_layers)
        if n_layers == len(self.curves):
            return
        pi = self.getPlotItem()
        for c in self.curves:
            pi.removeItem(c)
        self.legend.clear()
        self.curves = []
        self._fit_legend(n_layers)
        for i, color in enumerate(class_colors(n_layers)):
            curve = pi.plot([], [], pen=pg.mkPen(color, width=1.2), name=f"layer {i + 1}")
            self.curves.append(curve)
        self.series = Series(max(n_layers, 1), MAX_STEP_POINTS)

    def _fit_legend(self, n_layers: int) -> None:
        fit_legend_columns(self.legend, self.width(), n_layers, LEGEND_ENTRY_WIDTH)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        curves = self.__dict__.get("curves")  # resized once before __init__ ends
        if curves:
            self._fit_legend(len(curves))

    def clear_history(self) -> None:
        self.series.clear()
        self.follow.reset()
        self.redraw()

    def add_steps(self, steps: np.ndarray, norms: np.ndarray, *, redraw: bool = True) -> None:
        """Append ``norms (s, n_layers)`` at step numbers ``steps (s,)``; redraw now, or
        at the next :meth:`redraw`."""
        steps = np.asarray(steps)
        if steps.size == 0:
            return
        norms = np.asarray(norms, np.float64)
        if norms.shape[1] != len(self.curves):
            self.set_layers(norms.shape[1])
        self.series.extend(steps, np.maximum(norms, _TINY))
        self.dirty = True
        if redraw:
            self.redraw()

    def redraw(self) -> None:
        """Hand the series to the curves (``setData``) and move the view if needed."""
        self.dirty = False
        x, y = self.series.x, self.series.y
        for i, c in enumerate(self.curves):
            c.setData(x, y[:, i])
        self.follow.update(x, [y], log_y=True)


class TrainingPlots(QWidget):
    """The loss plot with its log-scale switch above the gradient-norm plot.

    While training, new numbers only mark a plot ``dirty``; between
    :meth:`start_frames` and :meth:`stop_frames` a timer redraws one dirty plot per
    frame of ``FRAME_MS`` (each plot at half that rate), so a frame never pays for
    painting both plots at once.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame = QTimer(self)
        self._frame.setObjectName("plotFrameTimer")
        self._frame.setInterval(FRAME_MS)
        self._frame.timeout.connect(self._on_frame)
        self._next_plot = 0
        self.loss_plot = LossPlot()
        self.grad_plot = GradNormPlot()
        self.log_check = QCheckBox("Log scale")
        self.log_check.setObjectName("logScaleCheck")
        self.log_check.setAccessibleName("Log scale loss axis")
        self.log_check.setToolTip("Show the loss on a logarithmic axis")
        self.log_check.toggled.connect(self.loss_plot.set_log_y)

        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.log_check)
        tl.addLayout(row)
        tl.addWidget(self.loss_plot, 1)

        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("plotsSplitter")
        split.addWidget(top)
        split.addWidget(self.grad_plot)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)

    def clear_history(self) -> None:
        self.loss_plot.clear_history()
        self.grad_plot.clear_history()

    def start_frames(self) -> None:
        """Redraw dirty plots at frames from now on (a run started)."""
        self._frame.start()

    def stop_frames(self) -> None:
        """No more frames; draw what is left (a run ended) and end the x axes at the
        last epoch and step."""
        self._frame.stop()
        self.flush()
        for plot in (self.loss_plot, self.grad_plot):
            plot.follow.fit_x(plot.series.x)

    def flush(self) -> None:
        """Redraw every plot that has new numbers."""
        for plot in (self.loss_plot, self.grad_plot):
            if plot.dirty:
                plot.redraw()

    def _on_frame(self) -> None:
        plots = (self.loss_plot, self.grad_plot)
        for k in range(len(plots)):
            plot = plots[(self._next_plot + k) % len(plots)]
            if plot.dirty:
                plot.redraw()
                self._next_plot = (self._next_plot + k + 1) % len(plots)
                return
