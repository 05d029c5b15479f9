"""No silent wrong answers: values that cannot be standardized, NaN outputs, NPZ columns
taken by position instead of by name, ambiguous feature names, labels that wrap."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from npz_reference import network_output

from nnstudio.cli import main
from nnstudio.data import DataError, load_dataset
from nnstudio.data.preprocessing import Standardizer
from nnstudio.io.model_file import ModelFileError, load_model


def run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def one_error_line(rc, out, err, *words):
    assert rc == 2 and out == "", (rc, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnstudio: error: "), err
    for w in words:
        assert w in lines[0], f"{w!r} not in {lines[0]!r}"


def write_csv(path, header, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def model_ab(tmp_path_factory):
    """A model trained on columns a, b (label the sign of a - b), and its CSV."""
    folder = tmp_path_factory.mktemp("ab")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 2))
    rows = [[repr(a), repr(b), "up" if a > b else "down"] for a, b in X.tolist()]
    data = write_csv(folder / "ab.csv", ["a", "b", "label"], rows)
    model = folder / "ab.npz"
    assert main(["train", str(data), "--out", str(model), "--epochs", "5", "-q"]) == 0
    return folder, data, model, X


# --------------------------------------------------------------------------- standardizing


def test_values_that_standardize_to_inf_name_the_column():
    scaler = Standardizer(np.array([0.0, 0.0]), np.array([1.0, 0.5]))
    X = np.array([[1.0, 2.0], [3.0, 1e308]])
    with pytest.raises(DataError) as info:
        scaler.transform_rows(X, None, np.float64, ["height", "weight"], "people.csv")
    msg = str(info.value)
    # (1e308 - 0) / 0.5 = 2e308 > the largest float64 (1.8e308): inf
    assert "people.csv" in msg and "'weight'" in msg and "data row 2" in msg and "inf" in msg
    assert info.value.column == "weight"
    # the same values fit in float64 but not in float32 (max 3.4e38)
    ok = Standardizer(np.zeros(2), np.ones(2)).transform_rows(np.array([[1e39, 0.0]]))
    assert ok[0, 0] == 1e39
    with pytest.raises(DataError, match="'x1'.*beyond the range of float32"):
        Standardizer(np.zeros(2), np.ones(2)).transform_rows(
            np.array([[1e39, 0.0]]), None, np.float32, ["x1", "x2"], "d.csv"
        )


def test_predict_on_huge_features_is_an_error_not_nan(capsys, model_ab, tmp_path):
    _, _, model, _ = model_ab
    data = write_csv(tmp_path / "huge.csv", ["a", "b"], [["0.5", "0.25"], ["1e308", "-1e308"]])
    out = tmp_path / "p.csv"
    rc, stdout, err = run(capsys, "predict", model, data, "--out", out)
    one_error_line(rc, stdout, err, "huge.csv")
    assert "row 2" in err and not out.exists()


def test_new_data_beyond_float32_for_a_model_names_the_column():
    """Training on from a model's scaling (the app's import): a value that the model's
    scaler maps beyond float32 is an error naming the column, not an inf in training."""
    from nnstudio.data.dataset import Dataset
    from nnstudio.pipeline import TrainConfig, build_session, config_for_model, session_from_model

    ds = load_dataset("sine")
    session = build_session(ds, TrainConfig(hidden_layers=[4], epochs=1))
    model = session.model()
    X = ds.X.copy()
    X[3, 0] = 1e39  # float32 holds at most 3.4e38; the model's scale for 'x' is about 1.8
    wild = Dataset("wild.csv", "wild.csv", X, ds.y, ds.feature_names, ds.target_name, ds.task)
    cfg = config_for_model(TrainConfig(val_split=0.0), model, wild)
    with pytest.raises(DataError, match="wild.csv: column 'x', data row 4.*float32"):
        session_from_model(wild, cfg, model)


# --------------------------------------------------------------------------- NPZ by name


def _csv_predictions(capsys, model, data):
    rc, out, err = run(capsys, "predict", model, data)
    assert rc == 0, err
    return out


def test_npz_columns_are_matched_by_feature_names(capsys, model_ab, tmp_path):
    _, data, model, X = model_ab
    want = _csv_predictions(capsys, model, data)
    swapped = tmp_path / "swapped.npz"
    extra = np.column_stack([X[:, 1], np.full(len(X), 99.0), X[:, 0]])
    np.savez(swapped, X=extra, feature_names=np.array(["b", "noise", "a"]))
    assert _csv_predictions(capsys, model, swapped) == want
    # and the numbers are the model's on the columns in the model's order
    meta, _, probs = network_output(model, X)
    assert meta["feature_names"] == ["a", "b"]
    got = [float(r.split(",")[1]) for r in want.strip().splitlines()[1:]]
    np.testing.assert_allclose(got, probs[:, 0], rtol=1e-12)


def test_npz_with_other_feature_names_is_refused(capsys, model_ab, tmp_path):
    _, _, model, X = model_ab
    other = tmp_path / "other.npz"
    np.savez(other, X=X, feature_names=np.array(["a", "c"]))
    rc, out, err = run(capsys, "predict", model, other)
    one_error_line(rc, out, err, "other.npz", "'b'", "'c'")


def test_npz_without_names_is_taken_in_order_when_the_count_matches(capsys, model_ab, tmp_path):
    _, data, model, X = model_ab
    plain = tmp_path / "plain.npz"
    np.savez(plain, X=X)
    assert _csv_predictions(capsys, model, plain) == _csv_predictions(capsys, model, data)


def test_model_with_duplicate_feature_names_is_refused(model_ab, tmp_path):
    _, _, model, _ = model_ab
    with np.load(model, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays["meta"][()]))
    meta["feature_names"] = ["a", "a"]
    arrays["meta"] = np.array(json.dumps(meta))
    bad = tmp_path / "dup.npz"
    np.savez(bad, **arrays)
    with pytest.raises(ModelFileError, match="'a' twice"):
        load_model(bad)


# --------------------------------------------------------------------------- big labels


def test_csv_labels_beyond_int64_keep_their_exact_text(capsys, tmp_path):
    big = [str(2**63), str(2**63 + 1)]  # one float64 apart from nothing: 2**63 both
    rows = [[str(i), str(i % 3), big[i % 2]] for i in range(40)]
    data = write_csv(tmp_path / "big.csv", ["a", "b", "id"], rows)
    ds = load_dataset(data)
    assert ds.task == "classification" and ds.classes == big
    model = tmp_path / "m.npz"
    assert main(["train", str(data), "--out", str(model), "-q", "--epochs", "2"]) == 0
    capsys.readouterr()
    assert load_model(model).classes == big
    rc, out, err = run(capsys, "predict", model, data)
    assert rc == 0 and out.splitlines()[0] == f"prediction,p_{big[0]},p_{big[1]}"
    predicted = [line.split(",")[0] for line in out.splitlines()[1:]]
    truth = [r[2] for r in rows]
    correct = sum(p == t for p, t in zip(predicted, truth))
    assert f"({correct} of 40 rows)" in err  # scored by exact text, not by float


def test_npz_uint64_labels_beyond_int64_are_text_and_float_ones_refused(tmp_path):
    X = np.arange(12.0).reshape(6, 2)
    path = tmp_path / "u.npz"
    np.savez(path, X=X, y=np.array([2**64 - 1, 2**63, 5] * 2, dtype=np.uint64))
    assert load_dataset(path).classes == sorted([str(2**64 - 1), str(2**63), "5"])
    path = tmp_path / "i.npz"
    np.savez(path, X=X, y=np.array([2**62 + 1, 2**62, 7] * 2, dtype=np.int64))
    assert load_dataset(path).classes == [7, 2**62, 2**62 + 1]  # exact, not via float
    path = tmp_path / "f.npz"
    np.savez(path, X=X, y=np.array([1e20, 2e20, 1e20] * 2))
    with pytest.raises(DataError, match="too large to be an exact class label"):
        load_dataset(path)
