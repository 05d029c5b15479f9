"""The scatter items' short path draws exactly what pyqtgraph's own path draws."""

import numpy as np
import pyqtgraph as pg
import pytest

from nnstudio.app.points import Points, PointSets


@pytest.fixture
def plot(qtbot):
    w = pg.PlotWidget()
    w.resize(320, 240)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _grab(plot, shown, hidden):
    shown.setVisible(True)
    hidden.setVisible(False)
    plot.getPlotItem().getViewBox().setRange(xRange=(-3, 3), yRange=(-3, 3), padding=0)
    return plot.grab().toImage()


@pytest.mark.parametrize("size", [4, 9])
def test_points_match_pyqtgraphs_own_path(plot, size):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(700, 2))
    pen = pg.mkPen((40, 40, 40, 200), width=0.8)
    brush = pg.mkBrush(200, 90, 20)
    ours, theirs = Points(), pg.ScatterPlotItem()
    for item in (ours, theirs):
        plot.addItem(item)
        item.setData(x=X[:, 0], y=X[:, 1], size=size, pen=pen, brush=brush)
    assert ours._uniform(ours.data)  # the short path ran (this pyqtgraph has its parts)
    np.testing.assert_array_equal(ours.data["sourceRect"], theirs.data["sourceRect"])
    assert (ours.data["sourceRect"]["w"] > 0).all()
    assert _grab(plot, ours, theirs) == _grab(plot, theirs, ours)


def test_points_with_a_brush_each_take_pyqtgraphs_path(plot):
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    brushes = [pg.mkBrush("r"), pg.mkBrush("b")]
    ours, theirs = Points(), pg.ScatterPlotItem()
    for item in (ours, theirs):
        plot.addItem(item)
        item.setData(x=X[:, 0], y=X[:, 1], size=10, brush=brushes)
    np.testing.assert_array_equal(ours.data["sourceRect"], theirs.data["sourceRect"])
    assert _grab(plot, ours, theirs) == _grab(plot, theirs, ours)


def test_point_sets_reuse_their_items_and_drop_the_rest(plot):
    sets = PointSets(plot.getPlotItem())
    groups = [{"x": [float(k)], "y": [float(k)], "brush": pg.mkBrush("r")} for k in range(3)]
    first = sets.show(groups)
    assert len(first) == 3 and all(it in plot.getPlotItem().listDataItems() for it in first)
    second = sets.show(groups[:2])
    assert second == first[:2]  # the same objects, holding the new points
    assert plot.getPlotItem().listDataItems() == second
    assert [list(it.getData()[0]) for it in second] == [[0.0], [1.0]]
    sets.clear()
    assert sets.items() == [] and plot.getPlotItem().listDataItems() == []


def test_reused_items_do_not_pile_up_symbols(plot):
    """Every new dataset brings new brush objects; a reused item starts its symbol atlas
    afresh, as a new item would, instead of growing it by one symbol each time."""
    sets = PointSets(plot.getPlotItem())
    for k in range(30):
        (item,) = sets.show([{"x": [0.0, 1.0], "y": [0.0, 1.0], "brush": pg.mkBrush(k, 0, 0)}])
        assert len(item.fragmentAtlas) == 1
