"""BoundaryView: the grid, the class-coloured surface and where its pixels sit."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from nnstudio.app.boundary_view import SURFACE_STRENGTH, BoundaryView, class_colors


def _rgb(color):
    return np.array([color.red(), color.green(), color.blue()], dtype=np.float64)


def _blend(color, t):
    """A colour a fraction ``t`` of SURFACE_STRENGTH of the way from white."""
    return np.rint(255.0 - SURFACE_STRENGTH * t * (255.0 - _rgb(color)))


@pytest.fixture
def view(qtbot):
    v = BoundaryView()
    qtbot.addWidget(v)
    v.resize(400, 320)
    return v


@pytest.fixture
def two_clusters():
    rng = np.random.default_rng(0)
    X = np.concatenate(
        [rng.normal([-2.0, 10.0], 0.5, (50, 2)), rng.normal([3.0, 14.0], 0.5, (40, 2))]
    )
    labels = np.repeat([0, 1], [50, 40])
    return X, labels


def test_names(view):
    assert view.objectName() == "boundaryPlot"
    assert view.accessibleName()


def test_grid_covers_the_data_in_row_major_order(view, two_clusters):
    X, labels = two_clusters
    view.set_points(X, labels, ["neg", "pos"])
    g = view.grid()
    ny, nx = view.grid_shape()
    assert (ny, nx) == (80, 80)
    assert g.shape == (ny * nx, 2)
    assert g[:, 0].min() < X[:, 0].min() and g[:, 0].max() > X[:, 0].max()
    assert g[:, 1].min() < X[:, 1].min() and g[:, 1].max() > X[:, 1].max()
    cells = g.reshape(ny, nx, 2)
    # y varies slowest: each grid row has one y; x increases along a row
    assert np.all(cells[:, :, 1] == cells[:, :1, 1])
    assert np.all(np.diff(cells[0, :, 0]) > 0)
    assert np.all(np.diff(cells[:, 0, 1]) > 0)
    assert np.all(cells[:, :, 0] == cells[:1, :, 0])


def test_scatter_items_hold_the_points_of_each_class(view, two_clusters):
    X, labels = two_clusters
    view.set_points(X, labels, ["neg", "pos"])
    items = view.scatter_items()
    assert [it.name() for it in items] == ["neg", "pos"]
    for k, it in enumerate(items):
        x, y = it.getData()
        np.testing.assert_array_equal(x, X[labels == k, 0])
        np.testing.assert_array_equal(y, X[labels == k, 1])


def test_one_hot_surface_has_the_class_colour_on_each_side(view, two_clusters):
    X, labels = two_clusters
    view.set_points(X, labels, ["neg", "pos"])
    g = view.grid()
    right = g[:, 0] > 0
    output = np.column_stack([~right, right]).astype(np.float64)  # one-hot of (x > 0)
    view.set_surface(output)

    rgb = view.surface_rgb()
    ny, nx = view.grid_shape()
    assert rgb.shape == (ny, nx, 3) and rgb.dtype == np.uint8
    colors = class_colors(2)
    right_cells = right.reshape(ny, nx)
    assert right_cells.any() and (~right_cells).any()
    np.testing.assert_array_equal(
        rgb[~right_cells], np.broadcast_to(_blend(colors[0], 1.0), (int((~right_cells).sum()), 3))
    )
    np.testing.assert_array_equal(
        rgb[right_cells], np.broadcast_to(_blend(colors[1], 1.0), (int(right_cells.sum()), 3))
    )


def test_uncertainty_fades_toward_white(view, two_clusters):
    X, labels = two_clusters
    view.set_points(X, labels, ["neg", "pos"])
    n = len(view.grid())
    colors = class_colors(2)

    view.set_surface(np.tile([0.5, 0.5], (n, 1)))  # no idea: white
    assert np.all(view.surface_rgb() == 255)
    view.set_surface(np.tile([0.25, 0.75], (n, 1)))  # halfway from 1/2 to certain
    np.testing.assert_array_equal(view.surface_rgb()[0, 0], _blend(colors[1], 0.5))


def test_one_sigmoid_unit_means_probability_of_class_one(view, two_clusters):
    X, labels = two_clusters
    view.set_points(X, labels, ["neg", "pos"])
    g = view.grid()
    p1 = (g[:, 1] > 12.0).astype(np.float64)[:, None]
    view.set_surface(p1)
    rgb = view.surface_rgb()
    top = (g[:, 1] > 12.0).reshape(view.grid_shape())
    colors = class_colors(2)
    np.testing.assert_array_equal(rgb[top][0], _blend(colors[1], 1.0))
    np.testing.assert_array_equal(rgb[~top][0], _blend(colors[0], 1.0))


def test_image_pixels_line_up_with_the_grid(view, two_clusters):
    X, labels = two_clusters
    view.set_points(X, labels, ["neg", "pos"])
    view.set_surface(np.tile([1.0, 0.0], (len(view.grid()), 1)))
    img = view.image_item
    rect = img.mapRectToParent(img.boundingRect())
    g = view.grid()
    ny, nx = view.grid_shape()
    dx = g[1, 0] - g[0, 0]
    dy = g[nx, 1] - g[0, 1]
    assert rect.left() == pytest.approx(g[0, 0] - dx / 2)
    assert rect.top() == pytest.approx(g[0, 1] - dy / 2)  # row 0 is the lowest y
    assert rect.width() == pytest.approx(nx * dx)
    assert rect.height() == pytest.approx(ny * dy)
    # the centre of pixel (row i, column j) is grid cell i * nx + j
    i, j = 17, 53
    centre = img.mapToParent(QPointF(j + 0.5, i + 0.5))
    assert centre.x() == pytest.approx(g[i * nx + j, 0])
    assert centre.y() == pytest.approx(g[i * nx + j, 1])


def test_clear_surface_and_bad_shapes(view, two_clusters):
    X, labels = two_clusters
    with pytest.raises(RuntimeError):
        view.set_surface(np.zeros((10, 2)))
    view.set_points(X, labels, ["neg", "pos"])
    with pytest.raises(ValueError, match="one row per grid cell"):
        view.set_surface(np.zeros((10, 2)))
    view.set_surface(np.tile([0.9, 0.1], (len(view.grid()), 1)))
    assert view.surface_rgb() is not None
    view.clear_surface()
    assert view.surface_rgb() is None
    assert not view.image_item.isVisible()


def test_regression_heatmap_runs_blue_to_orange(view):
    rng = np.random.default_rng(5)
    X = rng.uniform(-1, 1, (200, 2))
    y = X[:, 0] + X[:, 1]
    view.set_points(X, y, None)
    # the points, one item per colour step: all of them, each step's targets above the
    # previous step's, coloured from blue (low) to orange (high)
    items = view.scatter_items()
    assert len(items) > 1
    drawn = np.concatenate([np.column_stack(item.getData()) for item in items])
    np.testing.assert_array_equal(np.sort(drawn, axis=0), np.sort(X, axis=0))
    order = {tuple(p): v for p, v in zip(X.tolist(), y.tolist())}
    steps = [[order[tuple(p)] for p in np.column_stack(it.getData()).tolist()] for it in items]
    assert all(max(a) <= min(b) for a, b in zip(steps, steps[1:]))
    first, last = (it.opts["brush"].color() for it in (items[0], items[-1]))
    assert first.blue() > first.red() and last.red() > last.blue()
    g = view.grid()
    values = g[:, 0] + g[:, 1]
    view.set_surface(values[:, None])
    rgb = view.surface_rgb().reshape(-1, 3).astype(int)
    lo, hi = int(np.argmin(values)), int(np.argmax(values))
    assert rgb[lo, 2] > rgb[lo, 0]  # low values: blue
    assert rgb[hi, 0] > rgb[hi, 2]  # high values: orange
    assert not view.grab().isNull()
