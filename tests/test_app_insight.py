"""Issue 11's views inside the main window, end to end: a surface over any two features
of iris, the confusion matrix and unit statistics after training, select_unit and clicks
in the drawing, the fitted curve of the sine sample, and the gradient-check button.
Truths: plain NumPy forward passes written here on the session's weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox

from nnstudio.insight.surface import make_plane

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
RUN_TIMEOUT = 60_000

_F = {
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "linear": lambda z: z,
    "softmax": lambda z: (
        np.exp(z - z.max(1, keepdims=True))
        / np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)
    ),
}


def layers(session, X_raw):
    sc = session.data.input_scaler
    a = (np.asarray(X_raw, float) - sc.mean) / sc.scale
    out = []
    for W, b, f in zip(session.net.weights, session.net.biases, session.net.activations):
        a = _F[f](a @ W.astype(float) + b.astype(float))
        out.append(a)
    return out


@pytest.fixture
def window(window):
    """conftest's window, whose insight computations end before it is deleted."""
    yield window
    window.insight.wait()


def train(qtbot, w, epochs=5):
    w.training_panel.epochs_spin.setValue(epochs)
    assert w.train()
    qtbot.waitUntil(lambda: not w.is_training, timeout=RUN_TIMEOUT)
    qtbot.waitUntil(lambda: w.insight.last_snapshot() is not None, timeout=RUN_TIMEOUT)


def table(view: QAbstractItemView):
    m = view.model()
    headers = [m.headerData(c, Qt.Orientation.Horizontal) for c in range(m.columnCount())]
    rows = [[m.index(r, c).data() for c in range(m.columnCount())] for r in range(m.rowCount())]
    return headers, rows


def test_iris_surface_confusion_matrix_and_units(qtbot, window):
    w = window
    assert w.load_dataset(str(SAMPLES / "iris.csv"))
    ds = w.data_panel.dataset
    fx = w.findChild(QComboBox, "featureXCombo")
    fy = w.findChild(QComboBox, "featureYCombo")
    assert fx.count() == fy.count() == ds.n_features == 4
    assert w.boundary_view.isVisible()
    fx.setCurrentIndex(0)
    fy.setCurrentIndex(2)
    train(qtbot, w, epochs=8)
    s = w.session
    # the surface: probabilities on the plane of features 0 and 2, others at the mean
    snap = w.insight.last_snapshot()
    assert snap.request.plane is w.surface_panel.plane()
    plane = make_plane(ds.X, 0, 2, s.data.input_scaler.mean)
    np.testing.assert_allclose(snap.surface, layers(s, plane.inputs())[-1], atol=1e-5)
    assert w.boundary_view.surface_rgb() is not None
    # the confusion matrix counts the validation rows, predicted by a NumPy forward pass
    rows = s.data.val_index
    pred = layers(s, ds.X[rows])[-1].argmax(1)
    true = np.searchsorted(ds.classes, ds.y[rows])
    expected = np.zeros((3, 3), int)
    np.add.at(expected, (true, pred), 1)
    view = w.findChild(QAbstractItemView, "confusionTable")
    assert table(view)[1] == expected.tolist()
    # rows and columns are headed by the class labels themselves, in `classes` order
    m = view.model()
    horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
    assert [m.headerData(j, horizontal) for j in range(3)] == [str(c) for c in ds.classes]
    assert [m.headerData(i, vertical) for i in range(3)] == [str(c) for c in ds.classes]
    errors = w.findChild(QAbstractItemView, "errorsTable")
    assert len(table(errors)[1]) == int((true != pred).sum())
    # one row of unit statistics per hidden layer
    stats = w.findChild(QAbstractItemView, "unitStatsTable")
    assert len(table(stats)[1]) == len(s.net.layer_sizes) - 2


def test_select_unit_shows_that_units_activation_and_back(qtbot, window):
    w = window
    assert w.load_dataset("moons")
    w.layer_table.set_layers([5, 4], ["tanh", "tanh"])
    train(qtbot, w, epochs=2)
    s = w.session
    w.select_unit(1, 3)
    qtbot.waitUntil(lambda: w.insight.last_snapshot().request.unit == (1, 3), timeout=RUN_TIMEOUT)
    snap = w.insight.last_snapshot()
    plane = w.surface_panel.plane().with_base(s.data.input_scaler.mean)
    np.testing.assert_allclose(snap.surface[:, 0], layers(s, plane.inputs())[1][:, 3], atol=1e-5)
    assert w.network_view.selected_unit() == (1, 3)
    w.select_unit(None)
    qtbot.waitUntil(lambda: w.insight.last_snapshot().request.unit is None, timeout=RUN_TIMEOUT)
    assert w.insight.last_snapshot().surface.shape[1] == 2
    with pytest.raises(ValueError):
        w.select_unit(2, 0)
    # clicking a hidden node in the drawing does the same
    w.network_view.grab()
    centre = w.network_view.node_center(0, 1)
    qtbot.mouseClick(w.network_view, Qt.MouseButton.LeftButton, pos=centre.toPoint())
    assert w.surface_panel.unit() == (0, 1)


def test_the_fit_view_is_built_only_for_data_its_tab_shows(window):
    w = window
    tab = w.tabs.indexOf(w.fit_tab)
    assert w.load_dataset("blobs")  # classification, 2 features: no Fit tab, no curves
    assert not w.tabs.isTabVisible(tab)
    assert w.fit_view.curve_items == [] and w.fit_view.rug_items == []
    assert w.load_dataset("sine")  # one feature: the tab and its curve
    assert w.tabs.isTabVisible(tab) and len(w.fit_view.curve_items) == 1


def test_sine_fit_curve_in_raw_units(qtbot, window):
    w = window
    assert w.load_dataset("sine")
    train(qtbot, w, epochs=3)
    s = w.session
    ds = w.data_panel.dataset
    x, y = w.fit_view.curve_items[0].getData()
    assert x[0] == ds.X[:, 0].min() and x[-1] == ds.X[:, 0].max()
    ts = s.data.target_scaler
    expected = layers(s, x[:, None])[-1][:, 0] * ts.scale[0] + ts.mean[0]
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)
    assert w.findChild(object, "fitPlot") is w.fit_view.plot


def test_grad_check_button_in_the_window(qtbot, window):
    w = window
    assert w.load_dataset("xor")
    train(qtbot, w, epochs=1)
    button = w.findChild(QAbstractButton, "gradCheckButton")
    with qtbot.waitSignal(w.grad_check_panel.checkFinished, timeout=RUN_TIMEOUT):
        button.click()
    headers, rows = table(w.findChild(QAbstractItemView, "gradCheckTable"))
    col = next(i for i, h in enumerate(headers) if "relative error" in h)
    assert len(rows) == w.session.net.n_layers
    assert all(r[col] < 1e-6 for r in rows)
    qtbot.waitUntil(lambda: not w.grad_check_panel.running, timeout=RUN_TIMEOUT)


def test_grad_check_before_training_checks_the_network_train_would_start_from(qtbot, window):
    w = window
    assert w.load_dataset("moons")
    w.layer_table.set_layers([6], ["tanh"])
    assert w.session is None
    with qtbot.waitSignal(w.grad_check_panel.checkFinished, timeout=RUN_TIMEOUT) as blocker:
        w.findChild(QAbstractButton, "gradCheckButton").click()
    rep = blocker.args[0]
    assert rep is not None and rep.matches
    assert [(c.fan_in, c.fan_out) for c in rep.layers] == [(2, 6), (6, 2)]
    qtbot.waitUntil(lambda: not w.grad_check_panel.running, timeout=RUN_TIMEOUT)
