"""``nnstudio export --format torch``: ``build_model(npz_path)`` gives a module whose
output equals ``nnstudio predict``'s numbers (and so the ONNX graph's)."""

from __future__ import annotations

import ast
import importlib.util
import sys

import numpy as np
import pytest
from export_cases import (
    HIDDEN_ACTIVATIONS,
    SAMPLES,
    float32_copy,
    multi_output_npz,
    predict_table,
    train,
)

from nnstudio.cli import main

torch = pytest.importorskip("torch")


def load_module(path):
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def predict_numbers(capsys, model, data) -> np.ndarray:
    return predict_table(capsys, model, data)[1]


def iris_float32(folder):
    return float32_copy(SAMPLES / "iris.csv", folder)


def breast_float32(folder):
    return float32_copy(SAMPLES / "breast_cancer.csv", folder)


def npz_data(folder):
    path = multi_output_npz(folder)
    with np.load(path) as f:
        return path, f["X"]


CASES = {
    "softmax, text labels": (iris_float32, ["--layers", "8,6", "--activations", "tanh,elu"]),
    "one sigmoid unit": (
        breast_float32,
        ["--loss", "binary_cross_entropy", "--activation", "softplus"],
    ),  # noqa: E501
    "two regression outputs": (
        npz_data,
        ["--layers", "5,4", "--activations", "leaky_relu,sigmoid"],
    ),  # noqa: E501
}


@pytest.fixture(scope="module")
def module_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("torch_export")
    model = train(folder, "iris", SAMPLES / "iris.csv", "--epochs", "1")
    out = folder / "iris_torch.py"
    assert main(["export", str(model), "--format", "torch", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_module_output_equals_predict(case, module_file, capsys, tmp_path):
    make, flags = CASES[case]
    data, X = make(tmp_path)
    model = train(tmp_path, "m", data, *flags, "--epochs", "4")
    expected = predict_numbers(capsys, model, data)
    net = load_module(module_file).build_model(str(model))
    assert not net.training
    with torch.no_grad():
        got = net(torch.from_numpy(X.astype(np.float32))).numpy()
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-5
    # float32 on request, still close
    with torch.no_grad():
        got32 = net.float()(torch.from_numpy(X.astype(np.float32))).numpy()
    assert got32.dtype == np.float32
    assert np.abs(got32 - expected).max() < 1e-3 * max(1.0, np.abs(expected).max())


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_every_hidden_activation(activation, module_file, capsys, tmp_path):
    data, X = float32_copy(SAMPLES / "wine.csv", tmp_path)
    model = train(
        tmp_path, "m", data, "--layers", "7,5", "--activation", activation, "--epochs", "3"
    )
    expected = predict_numbers(capsys, model, data)
    with torch.no_grad():
        got = load_module(module_file).build_model(str(model))(
            torch.from_numpy(X.astype(np.float32))
        )
    assert np.abs(got.numpy() - expected).max() < 1e-5


def test_parameters_carry_the_model_file_names(module_file, tmp_path):
    model = train(tmp_path, "w", SAMPLES / "wine.csv", "--layers", "5", "--epochs", "1")
    net = load_module(module_file).build_model(str(model))
    with np.load(model) as f:
        for key, value in net.net.state_dict().items():
            np.testing.assert_array_equal(value.numpy(), f[key].astype(np.float64))
    assert net.classes == [1, 2, 3] and len(net.feature_names) == 13


def test_module_file_imports_only_torch_and_numpy(module_file):
    imported = set()
    for node in ast.walk(ast.parse(module_file.read_text())):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0
            imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"numpy", "torch"}
