"""The Qt-free numbers behind the views (nnstudio.insight) against independent truths:
counts made by hand, a plain NumPy forward pass written here, and a deliberately broken
backprop that the check must catch."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data import Dataset, make_sample
from nnstudio.engine import activations as act_table
from nnstudio.insight.backprop_check import TOLERANCE, check_backprop
from nnstudio.insight.classes import class_scores, confusion_matrix, misclassified
from nnstudio.insight.evaluation import classification_report, regression_report
from nnstudio.insight.snapshot import ViewRequest, compute_views
from nnstudio.insight.surface import fit_curve, make_plane, plane_values
from nnstudio.insight.units import activation_histograms, hidden_outputs, layer_stats
from nnstudio.pipeline import TrainConfig, build_session

# ----------------------------------------------------------------- a plain NumPy reference

_F = {
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "linear": lambda z: z,
    "softmax": lambda z: (
        np.exp(z - z.max(1, keepdims=True))
        / np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)
    ),
}


def numpy_layers(session, X_raw):
    """Every layer's activation for raw inputs, the way a NumPy-only user computes it."""
    a = (np.asarray(X_raw, float) - session.data.input_scaler.mean) / (
        session.data.input_scaler.scale
    )
    out = []
    for W, b, f in zip(session.net.weights, session.net.biases, session.net.activations):
        a = _F[f](a @ W.astype(float) + b.astype(float))
        out.append(a)
    return out


def trained(ds, epochs=5, **cfg):
    s = build_session(ds, TrainConfig(epochs=epochs, dtype="float64", **cfg))
    s.trainer.run()
    return s


# ----------------------------------------------------------------- confusion matrix


def test_confusion_matrix_counted_by_hand():
    true = [0, 0, 0, 1, 1, 2, 2, 2, 2]
    pred = [0, 1, 0, 1, 1, 2, 0, 2, 1]
    # row = true class, column = predicted: class 0 -> (0,0)x2 (0,1)x1; class 1 -> (1,1)x2;
    # class 2 -> (2,2)x2 (2,0)x1 (2,1)x1
    expected = [[2, 1, 0], [0, 2, 0], [1, 1, 2]]
    cm = confusion_matrix(true, pred, 3)
    assert cm.dtype == np.int64
    assert cm.tolist() == expected
    assert misclassified(true, pred).tolist() == [1, 6, 8]


def test_class_scores_worked_by_hand():
    cm = np.array([[2, 1, 0], [0, 2, 0], [1, 1, 2]])
    s = class_scores(cm)
    # precision = diagonal / column sums: 2/3, 2/4, 2/2; recall = diagonal / row sums
    np.testing.assert_allclose(s.precision, [2 / 3, 0.5, 1.0])
    np.testing.assert_allclose(s.recall, [2 / 3, 1.0, 0.5])
    # F1 = 2pr/(p+r): class 1: 2*0.5*1/1.5 = 2/3, class 2 the same
    np.testing.assert_allclose(s.f1, [2 / 3, 2 / 3, 2 / 3])
    assert s.support.tolist() == [3, 2, 4]
    assert s.accuracy == pytest.approx(6 / 9)


def test_class_scores_undefined_is_nan_and_all_wrong_is_zero():
    # class 2 never occurs and is never predicted; class 1 is never right
    s = class_scores([[3, 0, 0], [2, 0, 0], [0, 0, 0]])
    assert np.isnan(s.precision[2]) and np.isnan(s.recall[2]) and np.isnan(s.f1[2])
    assert np.isnan(s.precision[1])  # nothing predicted as 1
    assert s.recall[1] == 0.0
    assert s.f1[0] == pytest.approx(2 * 0.6 * 1.0 / 1.6)


def test_confusion_matrix_rejects_bad_indices():
    with pytest.raises(ValueError, match="in \\[0, 2\\)"):
        confusion_matrix([0, 2], [0, 1], 2)


def test_classification_report_counts_the_validation_rows():
    ds = make_sample("blobs", n_samples=300, seed=1)
    s = trained(ds, epochs=3, hidden_layers=[4])
    rep = classification_report(s)
    assert rep.which == "validation"
    # independent: forward pass in plain NumPy on the dataset's raw validation rows
    rows = s.data.val_index
    proba = numpy_layers(s, ds.X[rows])[-1]
    labels = np.searchsorted(ds.classes, ds.y[rows])
    pred = proba.argmax(1)
    k = len(ds.classes)
    expected = np.zeros((k, k), int)
    for t, p in zip(labels, pred):
        expected[t, p] += 1
    assert rep.matrix.tolist() == expected.tolist()
    assert rep.n_rows == len(rows)
    wrong = rows[labels != pred]
    assert rep.errors.tolist() == wrong.tolist()
    np.testing.assert_allclose(rep.error_confidence, proba[labels != pred].max(1), atol=1e-9)


def test_without_validation_split_the_training_rows_are_scored():
    ds = make_sample("xor", n_samples=80)
    s = trained(ds, epochs=1, val_split=0.0, hidden_layers=[3])
    rep = classification_report(s)
    assert rep.which == "training" and rep.n_rows == 80


def test_one_sigmoid_unit_counts_p_at_least_half_as_class_one():
    ds = make_sample("moons", n_samples=120)
    s = trained(ds, epochs=2, hidden_layers=[4], loss="binary_cross_entropy")
    assert s.net.n_outputs == 1
    rep = classification_report(s)
    p1 = numpy_layers(s, ds.X[s.data.val_index])[-1][:, 0]
    labels = np.searchsorted(ds.classes, ds.y[s.data.val_index])
    expected = confusion_matrix(labels, (p1 >= 0.5).astype(int), 2)
    assert rep.matrix.tolist() == expected.tolist()


# ----------------------------------------------------------------- surfaces and curves


def _four_feature_regression():
    rng = np.random.default_rng(3)
    X = rng.normal([10, -5, 0, 100], [1, 2, 3, 20], size=(200, 4))
    y = X[:, 0] * 2 - X[:, 1] + rng.normal(0, 0.1, 200)
    return Dataset("t", "t", X, y, ["a", "b", "c", "d"], "y", "regression")


def test_plane_cells_and_held_features():
    X = np.array([[0.0, 0.0, 5.0], [10.0, 4.0, 7.0]])
    plane = make_plane(X, fx=2, fy=0, base=[1.0, 2.0, 3.0], resolution=4, margin=0.0)
    assert plane.extent == (5.0, 7.0, 0.0, 10.0)
    cells = plane.cells()
    # x centres 5.25, 5.75, 6.25, 6.75; y centres 1.25, 3.75, ...; y varies slowest
    assert cells[:5].tolist() == [
        [5.25, 1.25],
        [5.75, 1.25],
        [6.25, 1.25],
        [6.75, 1.25],
        [5.25, 3.75],
    ]
    inputs = plane.inputs()
    assert inputs.shape == (16, 3)
    assert (inputs[:, 1] == 2.0).all()  # the held feature at its base value
    assert inputs[:, 2].tolist() == cells[:, 0].tolist()
    assert inputs[:, 0].tolist() == cells[:, 1].tolist()


def test_regression_surface_is_the_prediction_in_target_units():
    ds = _four_feature_regression()
    s = trained(ds, epochs=3, hidden_layers=[6])
    mean = s.data.input_scaler.mean
    np.testing.assert_allclose(mean, ds.X[s.data.train_index].mean(0))  # training mean, raw
    plane = make_plane(ds.X, 1, 3, mean, resolution=7)
    got = plane_values(s, plane.inputs())
    ts = s.data.target_scaler
    expected = numpy_layers(s, plane.inputs())[-1] * ts.scale + ts.mean
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)
    assert got.shape == (49, 1)


def test_hidden_unit_surface_is_that_units_activation():
    ds = make_sample("circles", n_samples=200)
    s = trained(ds, epochs=2, hidden_layers=[5, 3], activation="tanh")
    plane = make_plane(ds.X, 0, 1, s.data.input_scaler.mean, resolution=6)
    layers = numpy_layers(s, plane.inputs())
    for layer, unit in [(0, 0), (0, 4), (1, 2)]:
        got = plane_values(s, plane.inputs(), unit=(layer, unit))
        np.testing.assert_allclose(got[:, 0], layers[layer][:, unit], atol=1e-12)
    with pytest.raises(ValueError, match="hidden layer 2 does not exist"):
        plane_values(s, plane.inputs(), unit=(2, 0))
    with pytest.raises(ValueError, match="has 3 units"):
        plane_values(s, plane.inputs(), unit=(1, 3))


def test_fit_curve_over_the_data_range_in_raw_units():
    ds = make_sample("sine", n_samples=150)
    s = trained(ds, epochs=3, hidden_layers=[8])
    x, y = fit_curve(s, n_points=50)
    assert x[0] == ds.X[:, 0].min() and x[-1] == ds.X[:, 0].max() and len(x) == 50
    ts = s.data.target_scaler
    expected = numpy_layers(s, x[:, None])[-1] * ts.scale + ts.mean
    np.testing.assert_allclose(y, expected, atol=1e-9)


def test_regression_report_predicted_and_actual_in_target_units():
    ds = _four_feature_regression()
    s = trained(ds, epochs=2, hidden_layers=[4])
    rep = regression_report(s)
    rows = s.data.val_index
    assert rep.actual[:, 0].tolist() == ds.y[rows].tolist()
    ts = s.data.target_scaler
    pred = numpy_layers(s, ds.X[rows])[-1] * ts.scale + ts.mean
    np.testing.assert_allclose(rep.predicted, pred, atol=1e-9)
    np.testing.assert_allclose(rep.residual, ds.y[rows, None] - pred, atol=1e-9)


# ----------------------------------------------------------------- unit statistics


def test_dead_saturated_and_mean_on_a_network_built_by_hand():
    from nnstudio.engine import MLP

    net = MLP([2, 3, 2, 1], ["relu", "tanh", "linear"], dtype=np.float64)
    # inputs are positive; relu unit 1 has negative weights and bias: dead on every row
    net.weights[0][...] = [[1.0, -1.0, 0.5], [1.0, -1.0, -0.5]]
    net.biases[0][...] = [0.0, -0.1, 0.0]
    # tanh unit 0 gets a huge input: saturated; unit 1 small: not
    net.weights[1][...] = [[100.0, 0.01], [0.0, 0.0], [0.0, 0.01]]
    net.biases[1][...] = [10.0, 0.0]
    X = np.array([[1.0, 2.0], [3.0, 0.5], [0.2, 0.1]])
    hidden = hidden_outputs(net, X)
    stats = layer_stats(hidden, net.activations[:-1])
    assert stats[0].dead_units.tolist() == [False, True, False]
    assert stats[0].dead == pytest.approx(1 / 3)
    assert np.isnan(stats[0].saturated)
    assert stats[1].saturated_units.tolist() == [True, False]
    assert stats[1].saturated == 0.5 and np.isnan(stats[1].dead)
    # mean activation, by hand: relu layer rows [3, 0, 0], [3.5, 0, 1.25], [0.3, 0, 0.05]
    assert stats[0].mean == pytest.approx((3 + 3.5 + 1.25 + 0.3 + 0.05) / 9)
    relu = np.maximum(X @ net.weights[0] + net.biases[0], 0)
    assert stats[1].mean == pytest.approx(np.tanh(relu @ net.weights[1] + net.biases[1]).mean())


def test_a_unit_alive_on_one_row_is_not_dead():
    A = np.array([[0.0, 0.0], [0.0, 0.1]])
    (st,) = layer_stats([A], ["relu"])
    assert st.dead_units.tolist() == [True, False]


def test_histograms_count_every_value_over_the_range():
    A = np.array([[0.0, 0.5], [1.0, 0.25]])
    hists = activation_histograms([A, np.tanh(A)], ["relu", "tanh"], bins=4)
    counts, edges = hists[0]
    assert edges.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert counts.tolist() == [1, 1, 1, 1]  # 0 | 0.25 | 0.5 | 1.0 (last bin is closed)
    counts, edges = hists[1]
    assert edges[0] == -1.0 and edges[-1] == 1.0 and counts.sum() == 4


# ----------------------------------------------------------------- backprop check


def test_backprop_check_passes_on_a_correct_engine():
    ds = make_sample("spirals", n_samples=200)
    s = build_session(ds, TrainConfig(hidden_layers=[16, 8], epochs=2))  # float32 session
    s.trainer.run()
    rep = check_backprop(s.net, s.trainer.X, s.trainer.Y)
    assert [c.layer for c in rep.layers] == [0, 1, 2]
    assert [(c.fan_in, c.fan_out) for c in rep.layers] == [(2, 16), (16, 8), (8, 2)]
    assert rep.layers[0].checked == 48 and rep.layers[0].total == 48  # small: all of them
    assert rep.layers[1].checked == 60 and rep.layers[1].total == 136  # a sample
    assert rep.matches and rep.max_error < TOLERANCE
    assert rep.summary().startswith("Backprop matches")
    assert s.net.dtype == np.float32  # the session's network is untouched


def test_backprop_check_catches_a_wrong_derivative(monkeypatch):
    ds = make_sample("circles", n_samples=100)
    s = build_session(ds, TrainConfig(hidden_layers=[6, 5], activation="tanh", epochs=1))
    good = act_table.DERIVATIVES["tanh"]
    # a classic bug: f' = 1 - a instead of 1 - a^2
    monkeypatch.setitem(act_table.DERIVATIVES, "tanh", lambda work, A, delta: delta.__imul__(1 - A))
    rep = check_backprop(s.net, s.trainer.X, s.trainer.Y)
    assert not rep.matches
    # the output layer's gradient does not go through tanh; the hidden layers' do
    assert rep.layers[2].max_error < TOLERANCE
    assert rep.layers[0].max_error > 1e-4 and rep.layers[1].max_error > 1e-4
    assert "does NOT match" in rep.summary() and "0, 1" in rep.summary()
    assert good is not act_table.DERIVATIVES["tanh"]


def test_backprop_check_avoids_relu_kinks():
    # zero biases and a one-unit ReLU layer: every row where that unit is off feeds
    # exactly z = 0 into the next layer, a kink central differences cannot see
    ds = make_sample("xor", n_samples=200)
    s = build_session(ds, TrainConfig(hidden_layers=[1, 4], epochs=1))
    rep = check_backprop(s.net, s.trainer.X, s.trainer.Y)
    assert rep.matches and not rep.on_kink


def test_backprop_check_can_be_cancelled():
    from nnstudio.insight.backprop_check import Cancelled

    ds = make_sample("xor", n_samples=50)
    s = build_session(ds, TrainConfig(hidden_layers=[8], epochs=1))
    seen = []
    with pytest.raises(Cancelled):
        check_backprop(
            s.net, s.trainer.X, s.trainer.Y, should_stop=lambda: len(seen) > 0, progress=seen.append
        )
    assert len(seen) == 1


def test_compute_views_holds_other_features_at_the_training_mean():
    from nnstudio.insight import snapshot

    ds = _four_feature_regression()
    s = trained(ds, epochs=1, hidden_layers=[5], activation="tanh")
    plane = make_plane(ds.X, 0, 2, resolution=5)  # no base: the session's mean
    snap = compute_views(s, ViewRequest(plane=plane, unit=(0, 1), regression=True, units=True))
    X = np.repeat(ds.X[s.data.train_index].mean(0)[None, :], 25, axis=0)
    X[:, [0, 2]] = plane.cells()
    np.testing.assert_allclose(snap.surface[:, 0], numpy_layers(s, X)[0][:, 1], atol=1e-9)
    assert len(snap.regression.rows) == len(s.data.val_index) <= snapshot.MAX_POINTS
    assert [st.units for st in snap.unit_stats] == [5]


def test_compute_views_sends_at_most_max_errors_rows(monkeypatch):
    from nnstudio.insight import snapshot

    monkeypatch.setattr(snapshot, "MAX_ERRORS", 3)
    ds = make_sample("spirals", n_samples=300)
    s = build_session(ds, TrainConfig(hidden_layers=[2], dtype="float64"))  # untrained
    snap = compute_views(s, ViewRequest(classes=True))
    full = classification_report(s)
    assert snap.n_errors == len(full.errors) > 3
    assert snap.classes.errors.tolist() == full.errors[:3].tolist()
    assert snap.classes.matrix.tolist() == full.matrix.tolist()


def test_a_big_network_gets_a_coarser_surface_block_by_block(monkeypatch):
    from nnstudio.insight import snapshot

    ds = make_sample("moons", n_samples=100)
    s = build_session(ds, TrainConfig(hidden_layers=[4], dtype="float64"))
    plane = make_plane(ds.X, 0, 1, resolution=6)
    per_row = 2 * 4 + 4 * 2
    # a budget for 9 cells: every 2nd cell each way (3 x 3), each value fills a 2 x 2 block
    monkeypatch.setattr(snapshot, "SURFACE_MACS", 9 * per_row)
    assert snapshot.coarseness(plane, per_row) == 2
    got = compute_views(s, ViewRequest(plane=plane)).surface.reshape(6, 6, 2)
    coarse = make_plane(ds.X, 0, 1, s.data.input_scaler.mean, resolution=3)
    expected = numpy_layers(s, coarse.inputs())[-1].reshape(3, 3, 2)
    for i in range(6):
        for j in range(6):
            np.testing.assert_allclose(got[i, j], expected[i // 2, j // 2], atol=1e-12)
