"""The network's answer over a plane of two features, under a scatter of the data.

The view shows a :class:`~nnstudio.insight.surface.Plane`: a regular grid of
``resolution x resolution`` cells over the range of two features plus a margin (for
data with more features, the others are held at their training mean; the plane and the
values on it are computed Qt-free in ``nnstudio.insight``). :meth:`BoundaryView.grid` is
the plane's cell centres in the two features' raw coordinates, and
:meth:`BoundaryView.set_surface` colours each cell in a few milliseconds:

- classification: the colour of the most probable class, blended toward white by the
  uncertainty (TensorFlow Playground style): full strength when one class has
  probability 1, white when all classes are equally likely;
- regression (one output): a blue - white - orange heatmap of the predicted value, on
  the same scale as the points' target values;
- one hidden unit (``kind="unit"``): its activation, blue negative - white 0 - orange
  positive, symmetric around 0.

The image is an ``ImageItem`` in row-major order whose rectangle is exactly the grid's
extent, so each pixel sits on its cell in data coordinates; row 0 is the lowest y.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from nnstudio.app.palette import class_colors, class_rgb, diverging_rgb
from nnstudio.app.points import PointSets
from nnstudio.insight.data_facts import MAX_POINTS, plot_subset
from nnstudio.insight.surface import Plane, make_plane

__all__ = [
    "MAX_POINTS",
    "SURFACE_STRENGTH",
    "BoundaryView",
    "class_colors",
    "make_class_scatters",
    "plot_subset",
    "style_plot",
]

#: how far a fully certain cell moves from white toward its class colour (0..1); below 1
#: so that the data points stay visible on top of the surface
SURFACE_STRENGTH = 0.55

_POINT_PEN = pg.mkPen(QColor(40, 40, 40, 200), width=0.8)


#: classes drawn as one scatter item each at most; more share one item
MAX_CLASS_ITEMS = 24


#: colours of the target scale for regression points (values binned)
VALUE_STEPS = 16


def value_steps(v: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, list, list]:
    """Regression points coloured by value in :data:`VALUE_STEPS` steps of the
    blue-white-orange scale from ``lo`` to ``hi``: each point's step, the steps' colours
    and their names (for :func:`colour_groups`)."""
    t = (v - lo) / (hi - lo) if hi > lo else np.full(len(v), 0.5)
    steps = np.clip((t * VALUE_STEPS).astype(np.intp), 0, VALUE_STEPS - 1)
    centres = (np.arange(VALUE_STEPS) + 0.5) / VALUE_STEPS
    colors = [QColor(*c) for c in diverging_rgb(centres).round().astype(int).tolist()]
    edges = lo + (hi - lo) * np.arange(VALUE_STEPS + 1) / VALUE_STEPS
    names = [f"{a:.4g} to {b:.4g}" for a, b in zip(edges[:-1], edges[1:])]
    return steps, colors, names


def style_plot(plot: pg.PlotWidget) -> None:
    """White background and dark axes, the look of the data and boundary plots."""
    plot.setBackground("w")
    item = plot.getPlotItem()
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(QColor(90, 90, 90)))
        axis.setTextPen(pg.mkPen(QColor(40, 40, 40)))
        axis.enableAutoSIPrefix(False)  # ticks read as they are, no "(x0.001)"
    item.hideButtons()


def make_class_scatters(
    points: PointSets, X: np.ndarray, labels: np.ndarray, classes: Sequence
) -> list[pg.ScatterPlotItem]:
    """Show one scatter item per class (in class order, named ``str(class)``) holding the
    rows of ``X`` (n, 2) whose class index in ``labels`` is that class, in ``points``;
    returns the items. Colours come from :func:`class_colors`.

    With more than :data:`MAX_CLASS_ITEMS` classes there is one item per colour instead,
    class k in colour ``k % MAX_CLASS_ITEMS`` (thousands of items would make each repaint
    take seconds, and thousands of colours could not be told apart anyway)."""
    labels = np.asarray(labels)
    if len(classes) > MAX_CLASS_ITEMS:
        names = [f"{len(classes)} classes, colour {b + 1}" for b in range(MAX_CLASS_ITEMS)]
        return colour_groups(
            points, X, labels % MAX_CLASS_ITEMS, class_colors(MAX_CLASS_ITEMS), names, True
        )
    return colour_groups(points, X, labels, class_colors(len(classes)), [str(c) for c in classes])


def colour_groups(
    points: PointSets,
    X: np.ndarray,
    group: np.ndarray,
    colors: Sequence,
    names: Sequence,
    skip_empty: bool = False,
) -> list[pg.ScatterPlotItem]:
    """Show one scatter item per colour (a single brush each) holding the rows of ``X``
    (n, 2) whose ``group`` (n,) int is that colour's index, in ``points``; returns the
    items. With ``skip_empty`` an empty group gets no item. A brush per point would cost
    pyqtgraph a Python loop over the points: hundreds of ms for a few thousand points."""
    groups = []
    for b, color in enumerate(colors):
        sel = group == b
        if skip_empty and not sel.any():
            continue
        groups.append(
            {
                "x": X[sel, 0],
                "y": X[sel, 1],
                "size": 7,
                "pen": _POINT_PEN,
                "brush": pg.mkBrush(color),
                "name": str(names[b]),
            }
        )
    return points.show(groups)


class BoundaryView(pg.PlotWidget):
    """Decision surface (an ``ImageItem``) under the data points of a 2-D problem."""

    def __init__(self, parent: QWidget | None = None, resolution: int = 80) -> None:
        super().__init__(parent=parent)
        self.setObjectName("boundaryPlot")
        self.setAccessibleName("Decision boundary")
        self.setAccessibleDescription(
            "The network's prediction over the plane of the two features, with the data"
        )
        style_plot(self)
        for name in ("left", "bottom"):  # label the major ticks only: -1, -0.5, 0, ...
            self.getPlotItem().getAxis(name).setStyle(maxTextLevel=0)
        self._resolution = int(resolution)
        self._image = pg.ImageItem(axisOrder="row-major")
        self._image.setZValue(-10)
        self.addItem(self._image)
        self._points = PointSets(self.getPlotItem())
        self._grid: np.ndarray | None = None
        self._shape: tuple[int, int] = (0, 0)  # (ny, nx)
        self._extent: tuple[float, float, float, float] | None = None  # x0, x1, y0, y1
        self._classes: list | None = None
        self._rgb: np.ndarray | None = None
        self._plane: Plane | None = None
        self._value_range: tuple[float, float] | None = None  # regression targets

    # ----------------------------------------------------------------- data

    def set_points(
        self,
        X: np.ndarray,
        labels: np.ndarray,
        classes: Sequence | None,
        plane: Plane | None = None,
        axis_names: tuple[str, str] | None = None,
        later=None,
    ) -> None:
        """Show the data and the grid of ``plane`` (default: a plane over ``X``'s range).

        X : (n, 2) raw coordinates of the points on the plane's two features.
        labels : (n,) int class indices into ``classes``; for regression (``classes`` is
            None) the (n,) target values, which colour the points on a blue-white-orange
            scale.
        classes : the class labels (legend names), or None for regression.
        axis_names : the two features' names, for the axes.
        later : ``later(piece)`` runs the drawing of the points (the plane and every
            other state are set at once); by default they are drawn now.
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"BoundaryView needs (n, 2) coordinates, got shape {X.shape}")
        labels = np.asarray(labels)
        if labels.shape[0] != X.shape[0]:
            raise ValueError(f"{X.shape[0]} points but {labels.shape[0]} labels")
        self.clear_surface()
        self._classes = None if classes is None else list(classes)

        if plane is None:
            plane = make_plane(X, 0, 1, resolution=self._resolution)
        self._plane = plane
        x0, x1, y0, y1 = plane.extent
        self._extent = plane.extent
        self._shape = plane.shape
        grid = plane.cells()
        grid.setflags(write=False)
        self._grid = grid
        item = self.getPlotItem()
        if axis_names is not None:
            item.setLabel("bottom", axis_names[0])
            item.setLabel("left", axis_names[1])

        keep = plot_subset(len(X))
        Xs, ls = X[keep], labels[keep]
        self._value_range = None
        classes = self._classes
        if classes is None:
            v = ls.astype(np.float64).reshape(len(ls), -1)[:, 0] if len(ls) else ls
            lo, hi = (float(v.min()), float(v.max())) if len(v) else (0.0, 1.0)
            self._value_range = (lo, hi)
        self.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

        def draw() -> None:
            if self._plane is not plane:  # other points came meanwhile
                return
            if classes is not None:
                make_class_scatters(self._points, Xs, ls.astype(np.intp), classes)
            else:
                colour_groups(self._points, Xs, *value_steps(v, lo, hi), skip_empty=True)

        if later is None:
            draw()
        else:
            later(draw)

    def plane(self) -> Plane | None:
        """The plane shown (its ``base`` may be unset: see ``insight.surface``)."""
        return self._plane

    @property
    def resolution(self) -> int:
        """Cells per side of the planes this view makes."""
        return self._resolution

    def target_range(self) -> tuple[float, float] | None:
        """Regression: ``(min, max)`` of the drawn points' targets (their colour scale)."""
        return self._value_range

    def grid(self) -> np.ndarray:
        """(ny*nx, 2) raw coordinates of the grid cell centres, row-major with y varying
        slowest (row ``i*nx + j`` is column j of grid row i, row 0 the lowest y).
        Read-only; empty (0, 2) before :meth:`set_points`."""
        if self._grid is None:
            return np.empty((0, 2))
        return self._grid

    def grid_shape(self) -> tuple[int, int]:
        """``(ny, nx)`` of the grid."""
        return self._shape

    def extent(self) -> tuple[float, float, float, float] | None:
        """``(x0, x1, y0, y1)``: the outer edges of the grid in data coordinates."""
        return self._extent

    # ----------------------------------------------------------------- surface

    def set_surface(
        self,
        output: np.ndarray,
        value_range: tuple[float, float] | None = None,
        kind: str = "output",
    ) -> None:
        """Colour the grid by ``output`` on :meth:`grid`.

        ``kind="output"``, classification: (ny*nx, k) class probabilities, or (ny*nx, 1)
        for one sigmoid unit meaning p(class 1). Regression (``classes`` was None):
        (ny*nx, 1) predicted values in target units, mapped blue (low) - white - orange
        (high) over ``value_range`` (default: the output's own min and max; pass
        :meth:`target_range` to put the surface on the points' scale).
        ``kind="unit"``: (ny*nx, 1) a hidden unit's activation, mapped over
        ``(-m, m)`` with ``m`` its largest magnitude, so white is 0.
        """
        if kind not in ("output", "unit"):
            raise ValueError(f"kind must be 'output' or 'unit', not {kind!r}")
        if self._grid is None:
            raise RuntimeError("call set_points before set_surface")
        out = np.asarray(output, dtype=np.float64)
        if out.ndim == 1:
            out = out[:, None]
        n_cells = self._shape[0] * self._shape[1]
        if out.ndim != 2 or out.shape[0] != n_cells:
            raise ValueError(
                f"output must have one row per grid cell ({n_cells}), got shape {out.shape}"
            )
        if kind == "output" and self._classes is not None:
            rgb = _class_surface(out)
        else:
            v = out[:, 0]
            if value_range is not None:
                lo, hi = value_range
            elif kind == "unit":
                m = float(np.nanmax(np.abs(v))) if np.isfinite(v).any() else 0.0
                lo, hi = -m, m
            else:
                lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
            with np.errstate(invalid="ignore"):
                t = (v - lo) / (hi - lo) if hi > lo else np.full_like(v, 0.5)
            t = np.nan_to_num(t, nan=0.5)
            rgb = 255.0 - SURFACE_STRENGTH * (255.0 - diverging_rgb(t))
        rgb = np.clip(np.rint(rgb), 0, 255).astype(np.uint8).reshape(*self._shape, 3)
        self._rgb = rgb
        self._image.setImage(rgb, autoLevels=False, levels=(0, 255))
        x0, x1, y0, y1 = self._extent
        self._image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self._image.setVisible(True)

    def clear_surface(self) -> None:
        """Remove the surface (the points stay)."""
        self._rgb = None
        self._image.clear()
        self._image.setVisible(False)

    def surface_rgb(self) -> np.ndarray | None:
        """The last surface set: (ny, nx, 3) uint8 RGB, row 0 the lowest y; None if
        cleared."""
        return self._rgb

    # ----------------------------------------------------------------- for tests

    @property
    def image_item(self) -> pg.ImageItem:
        return self._image

    def scatter_items(self) -> list[pg.ScatterPlotItem]:
        """The data scatters: one per class (class order), or for regression one per
        colour step that holds points (low to high)."""
        return self._points.items()


def _class_surface(out: np.ndarray) -> np.ndarray:
    """(N, k) probabilities or (N, 1) p(class 1) -> (N, 3) float RGB."""
    if out.shape[1] == 1:
        p1 = np.clip(out[:, 0], 0.0, 1.0)
        out = np.column_stack([1.0 - p1, p1])
    k = out.shape[1]
    idx = np.argmax(out, axis=1)
    conf = out[np.arange(len(out)), idx]
    # 1/k (all classes equally likely) -> 0, certainty -> 1
    t = np.clip((conf - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0) if k > 1 else np.ones(len(out))
    colors = class_rgb(k)
    return 255.0 - (SURFACE_STRENGTH * t)[:, None] * (255.0 - colors[idx])
