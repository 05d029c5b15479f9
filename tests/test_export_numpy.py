"""``nnstudio export --format numpy``: a standalone predict.py that prints exactly what
``nnstudio predict`` prints (compared byte for byte on several models and data files)."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest
from export_cases import (
    SAMPLES,
    multi_output_npz,
    reordered,
    text_label_moons,
    train,
    write_csv,
)

from nnstudio.cli import main

# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    """The exported predict.py (exported from any model: the script reads the model file
    it is given)."""
    folder = tmp_path_factory.mktemp("numpy_export")
    model = train(folder, "iris", SAMPLES / "iris.csv", "--epochs", "3")
    out = folder / "predict.py"
    assert main(["export", str(model), "--format", "numpy", "--out", str(out)]) == 0
    return out


def run_script(script, *args, cwd):
    return subprocess.run(
        [sys.executable, str(script), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def nnstudio_predict(capsys, model, data) -> str:
    capsys.readouterr()
    assert main(["predict", str(model), str(data)]) == 0
    return capsys.readouterr().out


def labelled_007(folder):
    """Class labels written like 007 / 010 / 100 keep their text in nnstudio."""
    rows = [
        [f"{i * 0.37 % 3:.3f}", f"{i * 0.11 % 2:.3f}", ("007", "010", "100")[i % 3]]
        for i in range(60)
    ]  # noqa: E501
    return write_csv(folder / "codes.csv", ["p", "q", "code"], rows)


CASES = {
    # name: (training data maker, train flags, prediction data maker)
    "integer labels, softmax": (
        lambda f: SAMPLES / "wine.csv",
        ["--epochs", "4"],
        lambda f, d: d,
    ),
    "text labels, target in the middle, columns reordered": (
        text_label_moons,
        ["--target", "color", "--layers", "6,5", "--activations", "tanh,elu", "--epochs", "8"],
        lambda f, d: reordered(d, f, ["a", "color", "b"]),
    ),
    "binary sigmoid unit, text labels, no target column": (
        lambda f: SAMPLES / "breast_cancer.csv",
        ["--loss", "binary_cross_entropy", "--activation", "softplus", "--epochs", "3"],
        lambda f, d: reordered(d, f, _breast_features()[::-1]),
    ),
    "labels like 007 stay text": (
        labelled_007,
        ["--activation", "sigmoid", "--epochs", "5"],
        lambda f, d: d,
    ),
    "regression in target units": (
        lambda f: SAMPLES / "diabetes.csv",
        ["--activation", "leaky_relu", "--epochs", "4"],
        lambda f, d: d,
    ),
    "multi-output regression from NPZ": (
        multi_output_npz,
        ["--layers", "7", "--activation", "relu", "--epochs", "6"],
        lambda f, d: d,
    ),
}


def _breast_features():
    header = (SAMPLES / "breast_cancer.csv").read_text().splitlines()[0].split(",")
    return [h for h in header if h != "diagnosis"]


@pytest.mark.parametrize("case", list(CASES))
def test_prints_exactly_what_predict_prints(case, script, capsys, tmp_path):
    make_train, flags, make_pred = CASES[case]
    data = make_train(tmp_path)
    model = train(tmp_path, "m", data, *flags)
    pred_data = make_pred(tmp_path, data)
    expected = nnstudio_predict(capsys, model, pred_data)
    res = run_script(script, model, pred_data, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout == expected
    # and it has the shape the contract gives: a header and one row per input row
    n_rows = expected.count("\n") - 1
    assert n_rows > 10 and expected.splitlines()[0].startswith("prediction")


def test_writes_the_same_csv_with_out(script, capsys, tmp_path):
    model = train(tmp_path, "w", SAMPLES / "wine.csv", "--epochs", "2")
    expected = nnstudio_predict(capsys, model, SAMPLES / "wine.csv")
    res = run_script(script, model, SAMPLES / "wine.csv", "--out", tmp_path / "p.csv", cwd=tmp_path)
    assert res.returncode == 0 and res.stdout == ""
    assert (tmp_path / "p.csv").read_bytes() == expected.encode("utf-8")


def test_bad_data_is_one_line_exit_2(script, tmp_path):
    model = train(tmp_path, "w", SAMPLES / "wine.csv", "--epochs", "1")
    bad = write_csv(tmp_path / "bad.csv", ["alcohol", "x"], [["1", "2"]])
    res = run_script(script, model, bad, cwd=tmp_path)
    assert res.returncode == 2 and res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "malic_acid" in lines[0] and "Traceback" not in res.stderr


def test_script_imports_only_numpy_and_the_standard_library(script):
    tree = ast.parse(script.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import left in the exported script"
            imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"numpy"}
