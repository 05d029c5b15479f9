"""design.md's model-file contract meets the app, as an outside tester would use it: a
model file written by hand from the contract alone (no ``dataset`` in its meta, which
the contract does not have) imports into a fresh ``MainWindow()`` with no data loaded,
exports back unchanged, and is put on the first dataset loaded with its features.
Truths: the arrays the test wrote and a NumPy forward pass of them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QWidget

from nnstudio.app.main_window import MainWindow

RNG = np.random.default_rng(7)
W0, B0 = RNG.normal(size=(3, 2)), RNG.normal(size=3)
W1, B1 = RNG.normal(size=(2, 3)), RNG.normal(size=2)
MEAN, SCALE = np.array([1.0, -2.0]), np.array([2.0, 0.5])


def softmax_model(path):
    """A 2-3-2 tanh/softmax classifier, every key and meta field from design.md."""
    meta = {"format": "nnstudio.mlp", "version": 1, "layer_sizes": [2, 3, 2],
            "activations": ["tanh", "softmax"], "loss": "cross_entropy",
            "task": "classification", "classes": ["no", "yes"], "feature_names": ["a", "b"],
            "target_name": "t"}  # fmt: skip
    np.savez(path, **{"layers.0.weight": W0, "layers.0.bias": B0, "layers.1.weight": W1,
                      "layers.1.bias": B1, "input.mean": MEAN, "input.scale": SCALE,
                      "meta": np.array(json.dumps(meta))})  # fmt: skip
    return path


def regression_model(path):
    """A 2-3-1 relu/linear regressor with target.mean/target.scale."""
    meta = {"format": "nnstudio.mlp", "version": 1, "layer_sizes": [2, 3, 1],
            "activations": ["relu", "linear"], "loss": "mse", "task": "regression",
            "classes": [], "feature_names": ["a", "b"], "target_name": "y"}  # fmt: skip
    np.savez(path, **{"layers.0.weight": W0, "layers.0.bias": B0, "layers.1.weight": W1[:1],
                      "layers.1.bias": B1[:1], "input.mean": MEAN, "input.scale": SCALE,
                      "target.mean": np.array([10.0]), "target.scale": np.array([3.0]),
                      "meta": np.array(json.dumps(meta))})  # fmt: skip
    return path


@pytest.fixture
def window(qtbot, errors):
    w = MainWindow()
    qtbot.addWidget(w)
    yield w
    w.insight.wait()


def same_arrays(a, b):
    za, zb = np.load(a, allow_pickle=False), np.load(b, allow_pickle=False)
    for key in za.files:
        if key != "meta":
            np.testing.assert_array_equal(za[key], zb[key].astype(za[key].dtype), err_msg=key)


@pytest.mark.parametrize("make", [softmax_model, regression_model])
def test_a_hand_written_model_imports_with_no_data(window, errors, tmp_path, make):
    w = window
    model = make(tmp_path / "hand.npz")
    assert w.import_weights(model) is True
    assert errors == []
    table = w.findChild(QWidget, "layerTable")
    assert isinstance(table, QAbstractItemView) and table.model().rowCount() == 1
    out = tmp_path / "back.npz"
    assert w.export_weights(out) is True
    same_arrays(model, out)


def test_a_held_model_goes_onto_data_with_its_features(window, errors, tmp_path):
    w = window
    model = softmax_model(tmp_path / "hand.npz")
    assert w.import_weights(model)
    X = RNG.normal(size=(20, 2))
    csv = tmp_path / "d.csv"
    csv.write_text("b,a,t\n" + "".join(f"{b},{a},{'yes' if a > b else 'no'}\n" for a, b in X))
    assert w.load_dataset(csv)
    assert w.session is not None and errors == []
    # the session's network is the hand-written one: its output on X is the NumPy recipe's
    a = np.tanh(((X - MEAN) / SCALE) @ W0.T + B0) @ W1.T + B1
    want = np.exp(a - a.max(1, keepdims=True))
    want /= want.sum(1, keepdims=True)
    net, scaler = w.session.net, w.session.data.input_scaler
    got = np.asarray(net.forward(scaler.transform(X).astype(net.dtype)), float)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_a_held_model_is_dropped_once_the_network_is_redesigned(qtbot, window, errors, tmp_path):
    w = window
    assert w.import_weights(softmax_model(tmp_path / "hand.npz"))
    qtbot.mouseClick(w.findChild(QWidget, "addLayerButton"), Qt.MouseButton.LeftButton)
    X = RNG.normal(size=(20, 2))
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,t\n" + "".join(f"{a},{b},{'yes' if a > b else 'no'}\n" for a, b in X))
    assert w.load_dataset(csv)
    assert w.session is None and errors == []
    assert w.findChild(QWidget, "layerTable").model().rowCount() == 2
