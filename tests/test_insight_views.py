"""The result views (surface panel, fit plot, class tables, unit statistics, gradient
check, unit clicks) hold exactly the numbers they are given, under the contract's names.
The numbers themselves are checked against independent truths in test_insight.py; here
the truth is what the view was handed, read back from the widgets' models and items."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox

from nnstudio.app.class_views import ClassViews, image_side
from nnstudio.app.fit_view import FitView
from nnstudio.app.grad_check_panel import GradCheckPanel
from nnstudio.app.network_view import NetworkView
from nnstudio.app.surface_panel import SurfacePanel
from nnstudio.app.unit_views import UnitViews
from nnstudio.data import Dataset, make_sample
from nnstudio.insight.evaluation import classification_report
from nnstudio.insight.snapshot import ViewRequest, compute_views
from nnstudio.pipeline import TrainConfig, build_session


def _table(view: QAbstractItemView) -> tuple[list[str], list[list]]:
    m = view.model()
    headers = [m.headerData(c, Qt.Orientation.Horizontal) for c in range(m.columnCount())]
    rows = [[m.index(r, c).data() for c in range(m.columnCount())] for r in range(m.rowCount())]
    return headers, rows


def _four_features(task="classification", n=120):
    rng = np.random.default_rng(0)
    X = rng.normal([0, 10, -5, 100], [1, 2, 3, 10], size=(n, 4))
    if task == "classification":
        y = np.where(X[:, 0] + 0.1 * X[:, 3] > 10, "b", "a")
        classes = ["a", "b"]
    else:
        y, classes = X[:, 0] - X[:, 2], None
    return Dataset("four", "four", X, y, ["f0", "f1", "f2", "f3"], "y", task, classes)


# ----------------------------------------------------------------- surface panel


def test_surface_panel_chooses_any_two_features(qtbot):
    panel = SurfacePanel()
    qtbot.addWidget(panel)
    ds = _four_features()
    panel.set_dataset(ds)
    fx_combo = panel.findChild(QComboBox, "featureXCombo")
    fy_combo = panel.findChild(QComboBox, "featureYCombo")
    for combo in (fx_combo, fy_combo):
        assert [combo.itemText(i) for i in range(combo.count())] == ds.feature_names
        assert combo.accessibleName()
    # first the two features of the largest variance: f3 (sd 10) and f2 (sd 3)
    assert panel.features() == (2, 3)
    with qtbot.waitSignal(panel.planeChanged):
        fx_combo.setCurrentIndex(0)
    plane = panel.plane()
    assert (plane.fx, plane.fy) == (0, 3)
    # the plane spans the chosen columns' data, and the points drawn are those columns
    x0, x1, y0, y1 = plane.extent
    assert x0 < ds.X[:, 0].min() and x1 > ds.X[:, 0].max()
    assert y0 < ds.X[:, 3].min() and y1 > ds.X[:, 3].max()
    xs, ys = [], []
    for item in panel.view.scatter_items():
        x, y = item.getData()
        xs.append(x)
        ys.append(y)
    assert sorted(np.concatenate(xs)) == sorted(ds.X[:, 0])
    assert sorted(np.concatenate(ys)) == sorted(ds.X[:, 3])
    # picking the other axis's feature swaps the two instead of showing one feature twice
    fx_combo.setCurrentIndex(3)
    assert panel.features() == (3, 0)


def test_surface_panel_shows_a_unit_as_a_heatmap_around_zero(qtbot):
    panel = SurfacePanel()
    qtbot.addWidget(panel)
    panel.set_dataset(_four_features())
    n = len(panel.view.grid())
    panel.set_unit((1, 2), "tanh")
    assert panel.shown_label.text() == "Hidden layer 2, unit 3 (tanh)"
    assert not panel.output_button.isHidden() and not panel.shown_row.isHidden()
    values = np.linspace(-0.5, 0.5, n)[:, None]
    panel.set_surface(values)
    rgb = panel.view.surface_rgb().reshape(n, 3).astype(int)
    assert (rgb[n // 2] >= 250).all()  # ~0: white, whatever the classes
    assert rgb[0, 2] > rgb[0, 0] and rgb[-1, 0] > rgb[-1, 2]  # negative blue, positive orange
    with qtbot.waitSignal(panel.outputRequested):
        panel.output_button.click()
    img = [it for it in panel.view.getPlotItem().items if isinstance(it, pg.ImageItem)]
    assert img


def test_surface_panel_empties_for_one_feature(qtbot):
    panel = SurfacePanel()
    qtbot.addWidget(panel)
    panel.set_dataset(make_sample("sine", n_samples=50))
    assert panel.plane() is None and panel.feature_x.count() == 0


# ----------------------------------------------------------------- fit plot


def _items(plot):
    return [it for it in plot.getPlotItem().listDataItems()]


def test_fit_plot_holds_the_data_the_curve_and_predicted_vs_actual(qtbot):
    view = FitView()
    qtbot.addWidget(view)
    ds = make_sample("sine", n_samples=80)
    view.set_dataset(ds)
    assert view.plot.objectName() == "fitPlot" and view.plot.accessibleName()
    x, y = view.data_item.getData()
    np.testing.assert_array_equal(x, ds.X[:, 0])
    np.testing.assert_array_equal(y, ds.y)
    cx = np.linspace(-3, 3, 7)
    cy = (cx**2)[:, None]
    view.set_curve(cx, cy)
    found = [it for it in _items(view.plot) if np.array_equal(it.getData()[0], cx)]
    assert len(found) == 1 and np.array_equal(found[0].getData()[1], cy[:, 0])
    actual, pred = np.array([1.0, 2.0, 4.0]), np.array([1.5, 2.0, 3.0])
    view.set_regression(actual, pred)
    view.set_mode("Predicted vs actual")
    ax, ay = view.actual_item.getData()
    assert ax.tolist() == actual.tolist() and ay.tolist() == pred.tolist()
    assert view.identity_item.getData()[0].tolist() == view.identity_item.getData()[1].tolist()
    assert view.actual_item.isVisible() and not view.data_item.isVisible()
    view.set_mode("Residuals")
    rx, ry = view.residual_item.getData()
    assert rx.tolist() == pred.tolist() and ry.tolist() == (actual - pred).tolist()


def test_fit_plot_classification_draws_one_probability_curve_per_class(qtbot):
    view = FitView()
    qtbot.addWidget(view)
    X = np.linspace(0, 1, 30)[:, None]
    ds = Dataset(
        "c", "c", X, np.where(X[:, 0] > 0.5, "hi", "lo"), ["x"], "y", "classification", ["hi", "lo"]
    )
    view.set_dataset(ds)
    assert [it.name() for it in view.curve_items] == ["p(hi)", "p(lo)"]
    p1 = np.linspace(0, 1, 5)
    view.set_curve(np.arange(5.0), p1[:, None])  # one sigmoid unit: p(classes[1])
    assert view.curve_items[1].getData()[1].tolist() == p1.tolist()
    assert view.curve_items[0].getData()[1].tolist() == (1 - p1).tolist()
    assert not view.mode_combo.model().item(1).isEnabled()


def test_fit_plot_draws_a_bounded_number_of_class_curves(qtbot):
    """Thousands of classes: the first MAX_CLASS_ITEMS get a curve, and the note says so
    (10,000 curves took the GUI thread minutes)."""
    from nnstudio.app.boundary_view import MAX_CLASS_ITEMS

    view = FitView()
    qtbot.addWidget(view)
    k = MAX_CLASS_ITEMS + 76
    X = np.arange(2.0 * k)[:, None]
    classes = [f"c{i}" for i in range(k)]
    ds = Dataset("m", "m", X, np.array(classes * 2), ["x"], "y", "classification", classes)
    view.set_dataset(ds)
    assert [it.name() for it in view.curve_items] == [f"p({c})" for c in classes[:MAX_CLASS_ITEMS]]
    assert len(view.rug_items) == MAX_CLASS_ITEMS
    assert f"the first {MAX_CLASS_ITEMS} of {k} classes" in view.note.text()
    y = np.tile(np.arange(k, dtype=float), (3, 1))  # (3 points, k classes)
    view.set_curve(np.arange(3.0), y)
    assert view.curve_items[-1].getData()[1].tolist() == [MAX_CLASS_ITEMS - 1.0] * 3


# ----------------------------------------------------------------- class views


def _trained(ds, **cfg):
    s = build_session(ds, TrainConfig(**{"epochs": 2, "dtype": "float64", **cfg}))
    s.trainer.run()
    return s


def test_confusion_scores_and_errors_tables_show_the_report(qtbot):
    ds = make_sample("blobs", n_samples=200)
    s = _trained(ds, hidden_layers=[3])
    rep = classification_report(s)
    views = ClassViews()
    qtbot.addWidget(views)
    views.set_dataset(ds)
    views.set_report(rep)
    headers, rows = _table(views.confusion_table)
    assert views.confusion_table.objectName() == "confusionTable"
    assert isinstance(views.confusion_table, QAbstractItemView)
    assert rows == rep.matrix.tolist() and all(type(v) is int for r in rows for v in r)
    m = views.confusion_table.model()
    assert [m.headerData(r, Qt.Orientation.Vertical) for r in range(m.rowCount())] == [
        str(c) for c in ds.classes
    ]
    _, scores = _table(views.scores_table)
    assert [r[0] for r in scores] == [str(c) for c in ds.classes]
    np.testing.assert_array_equal([r[2] for r in scores], rep.scores.recall)
    eh, errors = _table(views.errors_table)
    assert eh[:4] == ["row", "true", "predicted", "p(predicted)"]
    assert [r[0] for r in errors] == (rep.errors + 1).tolist()
    assert [r[1] for r in errors] == [str(ds.classes[t]) for t in rep.error_true]


def test_errors_show_as_images_when_the_features_make_a_square(qtbot):
    assert image_side(64) == 8 and image_side(784) == 28 and image_side(4) is None
    rng = np.random.default_rng(0)
    X = rng.random((60, 16))
    y = np.where(X[:, 0] > 0.5, 1, 0)
    ds = Dataset("sq", "sq", X, y, [f"p{i}" for i in range(16)], "y", "classification", [0, 1])
    s = _trained(ds, hidden_layers=[2], epochs=1, val_split=0.5)
    rep = classification_report(s)
    assert len(rep.errors)  # one epoch on a 2-unit net leaves mistakes
    views = ClassViews()
    qtbot.addWidget(views)
    views.set_dataset(ds)
    views.set_report(rep)
    m = views.errors_table.model()
    pix = m.index(0, 0).data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(pix, QPixmap) and not pix.isNull()
    assert m.index(0, 1).data(Qt.ItemDataRole.DecorationRole) is None


# ----------------------------------------------------------------- units


def test_unit_stats_table_and_histograms(qtbot):
    ds = make_sample("circles", n_samples=200)
    s = build_session(ds, TrainConfig(hidden_layers=[6, 4], hidden_activations=["relu", "tanh"]))
    snap = compute_views(s, ViewRequest(units=True))
    views = UnitViews()
    qtbot.addWidget(views)
    views.set_stats(snap.unit_stats, snap.histograms)
    headers, rows = _table(views.stats_table)
    assert views.stats_table.objectName() == "unitStatsTable"
    assert [r[0] for r in rows] == [1, 2] and [r[1] for r in rows] == ["relu", "tanh"]
    dead = headers.index("dead")
    assert rows[0][dead] == snap.unit_stats[0].dead and np.isnan(rows[1][dead])
    assert views.plot.objectName() == "activationPlot"
    for item, (counts, edges) in zip(views.hist_items, snap.histograms):
        x, y = item.getData()
        assert x.tolist() == edges.tolist()
        np.testing.assert_allclose(y, counts / counts.sum())


# ----------------------------------------------------------------- gradient check


def test_grad_check_button_runs_on_a_worker_and_fills_the_table(qtbot):
    ds = make_sample("moons", n_samples=100)
    s = build_session(ds, TrainConfig(hidden_layers=[5, 3]))
    panel = GradCheckPanel()
    qtbot.addWidget(panel)
    panel.set_source(lambda: lambda: (s.net.copy(), s.trainer.X, s.trainer.Y))  # in the worker
    button = panel.findChild(QAbstractButton, "gradCheckButton")
    assert button.accessibleName()
    with qtbot.waitSignal(panel.checkFinished, timeout=20000) as blocker:
        button.click()
    assert blocker.args[0] is not None
    qtbot.waitUntil(lambda: not panel.running, timeout=5000)
    headers, rows = _table(panel.table)
    col = next(i for i, h in enumerate(headers) if "relative error" in h)
    assert len(rows) == 3
    assert all(isinstance(r[col], float) and r[col] < 1e-6 for r in rows)
    assert panel.verdict.text().startswith("Backprop matches")


def test_grad_check_without_data_says_so(qtbot):
    panel = GradCheckPanel()
    qtbot.addWidget(panel)
    assert not panel.start()
    assert "load data" in panel.verdict.text().lower()


# ----------------------------------------------------------------- clicking a unit


def test_clicking_a_hidden_node_emits_its_layer_and_unit(qtbot):
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(400, 260)
    view.set_architecture([2, 4, 30, 1], ["relu", "relu", "linear"])
    view.show()
    qtbot.waitExposed(view)
    view.grab()  # paints, so node positions are known
    centre = view.node_center(0, 3)
    with qtbot.waitSignal(view.unitClicked) as blocker:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=centre.toPoint())
    assert blocker.args == [(0, 3)]
    # a node for a group of units (30 units drawn as groups of 3) gives the group's first
    centre = view.node_center(1, 7)
    with qtbot.waitSignal(view.unitClicked) as blocker:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=centre.toPoint())
    assert blocker.args == [(1, 6)]
    out = view._node_pos[-1][0]
    with qtbot.waitSignal(view.unitClicked) as blocker:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPointF(*out).toPoint())
    assert blocker.args == [None]
