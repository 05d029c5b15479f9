"""NPZ loading: accepted layouts and one clear DataError per kind of bad archive."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from nnstudio.data import DataError, load_dataset, load_features, load_npz


def error_for(path, **kwargs) -> str:
    before = sorted(os.listdir(os.path.dirname(path)))
    with pytest.raises(DataError) as info:
        load_dataset(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    assert os.path.basename(str(path)) in message
    assert sorted(os.listdir(os.path.dirname(path))) == before
    return message


X4 = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]])


def test_basic_classification(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, X=X4.astype(np.float32), y=np.array([1, 0, 1, 3], dtype=np.int32))
    ds = load_npz(path)
    assert ds.name == "d.npz"
    assert ds.task == "classification"
    assert ds.X.dtype == np.float64
    np.testing.assert_array_equal(ds.X, X4)
    assert ds.y.dtype == np.int64 and ds.y.tolist() == [1, 0, 1, 3]
    assert ds.classes == [0, 1, 3]
    assert ds.feature_names == ["x1", "x2"] and ds.target_name == "y"


def test_string_labels_and_names(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(
        path,
        X=X4,
        y=np.array(["b", "a", "b", "c"]),
        feature_names=np.array(["height", "weight"]),
        target_name=np.array("kind"),
    )
    ds = load_dataset(path)
    assert ds.task == "classification"
    assert ds.classes == ["a", "b", "c"]
    assert list(ds.y) == ["b", "a", "b", "c"]
    assert ds.feature_names == ["height", "weight"]
    assert ds.target_name == "kind"


def test_multi_output_regression(tmp_path):
    path = tmp_path / "r.npz"
    y = np.array([[0.5, 1.0], [1.5, -2.0], [2.5, 3.25], [0.0, 0.1]])
    np.savez(path, X=X4, y=y)
    ds = load_npz(path)
    assert ds.task == "regression" and ds.n_outputs == 2
    np.testing.assert_array_equal(ds.y, y)


def test_one_hot_y_reads_as_class_indices(tmp_path):
    path = tmp_path / "h.npz"
    np.savez(path, X=X4, y=np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]]))
    ds = load_npz(path)
    assert ds.task == "classification"
    assert ds.y.tolist() == [1, 0, 2, 1]
    assert load_npz(path, task="regression").n_outputs == 3


def test_task_override(tmp_path):
    path = tmp_path / "o.npz"
    np.savez(path, X=X4, y=np.array([0, 1, 1, 0]))
    ds = load_npz(path, task="regression")
    assert ds.task == "regression" and ds.y.dtype == np.float64
    np.savez(path, X=X4, y=np.array(["a", "b", "a", "b"]))
    assert "classification" in error_for(path, task="regression")


def test_missing_arrays(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, features=X4, y=np.arange(4))
    msg = error_for(path)
    assert "'X'" in msg and "'features'" in msg and "numpy.savez" in msg
    np.savez(path, X=X4)
    assert "'y'" in error_for(path)


def test_mismatched_lengths(tmp_path):
    path = tmp_path / "l.npz"
    np.savez(path, X=X4, y=np.arange(3))
    msg = error_for(path)
    assert "4 rows" in msg and "y has 3" in msg


def test_x_not_2d(tmp_path):
    path = tmp_path / "s.npz"
    np.savez(path, X=np.arange(4.0), y=np.arange(4))
    msg = error_for(path)
    assert "(4,)" in msg and "2-D" in msg and "reshape" in msg
    np.savez(path, X=np.zeros((4, 2, 2)), y=np.arange(4))
    assert "(4, 2, 2)" in error_for(path)


def test_x_not_numeric(tmp_path):
    path = tmp_path / "t.npz"
    np.savez(path, X=np.array([["a", "b"], ["c", "d"]]), y=np.arange(2))
    assert "not numeric" in error_for(path)


def test_x_nan(tmp_path):
    path = tmp_path / "n.npz"
    X = X4.copy()
    X[2, 1] = np.nan
    np.savez(path, X=X, y=np.arange(4))
    assert "X[2, 1]" in error_for(path)


def test_y_inf(tmp_path):
    path = tmp_path / "n.npz"
    np.savez(path, X=X4, y=np.array([0.5, np.inf, 1.5, 2.5]))
    assert "y[1]" in error_for(path)


def test_object_array_is_refused(tmp_path):
    path = tmp_path / "p.npz"
    np.savez(path, X=X4, y=np.array([1, "a", None, 2.0], dtype=object))
    msg = error_for(path)
    assert "'y'" in msg and "pickled" in msg


def test_pickle_file_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    path.write_bytes(pickle.dumps({"X": X4, "y": [0, 1, 0, 1]}))
    msg = error_for(path)
    assert "not an NPZ" in msg and "pickled" in msg


def test_not_a_zip(tmp_path):
    path = tmp_path / "text.npz"
    path.write_text("X,y\n1,2\n")
    assert "not a zip" in error_for(path)


def test_truncated_archive(tmp_path):
    path = tmp_path / "cut.npz"
    np.savez(path, X=np.random.default_rng(0).normal(size=(50, 4)), y=np.arange(50))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    msg = error_for(path)
    assert "truncated or corrupt" in msg


def test_corrupt_member(tmp_path):
    path = tmp_path / "crc.npz"
    np.savez(path, X=np.zeros((20, 3)), y=np.arange(20))
    data = bytearray(path.read_bytes())
    # Flip bytes inside the stored X data (well after the local header + .npy header).
    for i in range(200, 260):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    assert "corrupt" in error_for(path)


def test_empty_npz_file(tmp_path):
    path = tmp_path / "e.npz"
    path.write_bytes(b"")
    assert "empty" in error_for(path)


def test_npy_instead_of_npz(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, X4)
    assert "single NumPy array" in error_for(path)


def test_missing_npz(tmp_path):
    with pytest.raises(DataError, match="gone.npz: no such file"):
        load_npz(tmp_path / "gone.npz")


def test_bad_feature_names(tmp_path):
    path = tmp_path / "f.npz"
    np.savez(path, X=X4, y=np.arange(4), feature_names=np.array(["only_one"]))
    assert "feature_names" in error_for(path)


def test_load_features_by_name_from_csv(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("b,extra,a,label\n1,9,2,x\n3,9,4,y\n")
    X, y = load_features(path, ["a", "b"], target_name="label")
    np.testing.assert_array_equal(X, [[2, 1], [4, 3]])
    assert list(y) == ["x", "y"]
    X, y = load_features(path, ["a", "b"], target_name="missing")
    assert y is None
    with pytest.raises(DataError, match="'c'.*model needs"):
        load_features(path, ["a", "c"])


def test_load_features_from_npz(tmp_path):
    path = tmp_path / "p.npz"
    np.savez(path, X=X4, feature_names=np.array(["u", "v"]))
    X, y = load_features(path, ["v", "u"])
    np.testing.assert_array_equal(X, X4[:, ::-1])
    assert y is None
    with pytest.raises(DataError, match="2 columns but the model needs 3"):
        load_features(path, ["u", "v", "w"])


def test_load_features_with_blank_target_column(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("a,b,label\n1,2,\n3,4,\n")
    X, y = load_features(path, ["a", "b"], target_name="label")
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    assert y is None
