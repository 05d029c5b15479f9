"""``nnstudio export --format onnx``: run with ONNX Runtime and compared with
``nnstudio predict`` (max difference 1e-5) for every activation, softmax and single-sigmoid
classification, and regression with one and several outputs.

The graph's input is float32 (the contract), so the data files here hold float32 numbers
written exactly: ``predict`` reading the CSV and the graph fed float32 see the same values.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from export_cases import (
    HIDDEN_ACTIVATIONS,
    SAMPLES,
    float32_copy,
    float32_rows,
    multi_output_npz,
    predict_table,
    train,
    write_csv,
)

from nnstudio.cli import main
from nnstudio.data import make_sample

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def export(model, out) -> None:
    assert main(["export", str(model), "--format", "onnx", "--out", str(out)]) == 0


def run_onnx(path, X) -> tuple[object, np.ndarray]:
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (inp,) = sess.get_inputs()
    assert inp.type == "tensor(float)" and inp.shape[1] == X.shape[1]
    (out,) = sess.get_outputs()
    return sess, sess.run([out.name], {inp.name: np.asarray(X, np.float32)})[0]


def moons_csv(folder):
    ds = make_sample("moons", n_samples=200, seed=5)
    rows = [[*r, "yes" if c else "no"] for r, c in zip(float32_rows(ds.X), ds.y)]
    return write_csv(folder / "moons.csv", ["x1", "x2", "label"], rows), ds.X


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_softmax_classifier_every_hidden_activation(activation, capsys, tmp_path):
    data, X = moons_csv(tmp_path)
    model = train(
        tmp_path, "m", data, "--layers", "9,7", "--activation", activation, "--epochs", "6"
    )
    export(model, tmp_path / "m.onnx")
    names, expected = predict_table(capsys, model, data)
    sess, got = run_onnx(tmp_path / "m.onnx", X)
    assert names == ["p_no", "p_yes"]
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-5
    props = sess.get_modelmeta().custom_metadata_map
    assert json.loads(props["classes"]) == ["no", "yes"]
    assert json.loads(props["feature_names"]) == ["x1", "x2"]


def test_single_sigmoid_unit_gives_both_columns(capsys, tmp_path):
    data, X = float32_copy(SAMPLES / "breast_cancer.csv", tmp_path)
    model = train(tmp_path, "b", data, "--loss", "binary_cross_entropy", "--epochs", "4")
    with np.load(model) as f:
        assert f["layers.2.weight"].shape[0] == 1  # one output unit
    export(model, tmp_path / "b.onnx")
    names, expected = predict_table(capsys, model, data)
    sess, got = run_onnx(tmp_path / "b.onnx", X)
    assert names == ["p_benign", "p_malignant"] and got.shape == (len(X), 2)
    assert np.abs(got - expected).max() < 1e-5
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-12)


def test_multiclass_softmax_with_integer_labels(capsys, tmp_path):
    data, X = float32_copy(SAMPLES / "wine.csv", tmp_path)
    model = train(tmp_path, "w", data, "--activation", "elu", "--epochs", "5")
    export(model, tmp_path / "w.onnx")
    names, expected = predict_table(capsys, model, data)
    sess, got = run_onnx(tmp_path / "w.onnx", X)
    assert names == ["p_1", "p_2", "p_3"]
    assert np.abs(got - expected).max() < 1e-5
    props = sess.get_modelmeta().custom_metadata_map
    assert json.loads(props["classes"]) == [1, 2, 3]


def test_regression_in_target_units(capsys, tmp_path):
    data, X = float32_copy(SAMPLES / "diabetes.csv", tmp_path)
    model = train(tmp_path, "d", data, "--activation", "softplus", "--epochs", "5")
    export(model, tmp_path / "d.onnx")
    names, expected = predict_table(capsys, model, data)
    sess, got = run_onnx(tmp_path / "d.onnx", X)
    assert got.shape == (len(X), 1) and expected.mean() > 50  # target units, not standardized
    assert np.abs(got - expected).max() < 1e-5


def test_multi_output_regression(capsys, tmp_path):
    data = multi_output_npz(tmp_path)
    model = train(tmp_path, "r", data, "--layers", "6", "--activation", "sigmoid", "--epochs", "6")
    export(model, tmp_path / "r.onnx")
    names, expected = predict_table(capsys, model, data)
    with np.load(data) as f:
        X = f["X"]
    sess, got = run_onnx(tmp_path / "r.onnx", X)
    assert names == ["prediction_0", "prediction_1"] and got.shape == (len(X), 2)
    assert np.abs(got - expected).max() < 1e-5
    assert json.loads(sess.get_modelmeta().custom_metadata_map["feature_names"]) == ["u", "v", "w"]


def test_graph_is_opset_17_with_one_float32_input(tmp_path):
    model = train(tmp_path, "w", SAMPLES / "iris.csv", "--epochs", "1")
    export(model, tmp_path / "w.onnx")
    proto = onnx.load(str(tmp_path / "w.onnx"))
    onnx.checker.check_model(proto)
    assert max(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")) >= 17
    (inp,) = proto.graph.input
    assert inp.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert [d.dim_value for d in inp.type.tensor_type.shape.dim][1] == 4
    assert len(proto.graph.output) == 1


def test_without_the_onnx_package_says_how_to_install(capsys, tmp_path, monkeypatch):
    model = train(tmp_path, "w", SAMPLES / "iris.csv", "--epochs", "1")
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx -> ImportError
    capsys.readouterr()
    rc = main(["export", str(model), "--format", "onnx", "--out", str(tmp_path / "w.onnx")])
    out, err = capsys.readouterr()
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("nnstudio: error: ")
    assert 'pip install "nnstudio[onnx]"' in err
    assert not (tmp_path / "w.onnx").exists()
