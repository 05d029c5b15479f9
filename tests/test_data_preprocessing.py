"""Splitting, standardization and target encoding, checked against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.data import (
    DataError,
    Dataset,
    Standardizer,
    detect_task,
    encode_labels,
    one_hot,
    prepare,
)


def classification(n_a: int, n_b: int, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_a + n_b, 3)) * [1.0, 10.0, 0.1] + [0.0, 5.0, -2.0]
    y = np.array(["a"] * n_a + ["b"] * n_b, dtype=object)
    return Dataset("t", "t", X, y, ["f1", "f2", "f3"], "label", "classification")


def test_standardizer_hand_example():
    # Column 0: 1, 3, 5 -> mean 3, population variance (4 + 0 + 4) / 3 = 8/3.
    # Column 1 is constant 5 -> mean 5, scale 1 (never 0).
    s = Standardizer.fit([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0]])
    np.testing.assert_allclose(s.mean, [3.0, 5.0])
    np.testing.assert_allclose(s.scale, [math.sqrt(8 / 3), 1.0])
    z = s.transform([[3.0, 5.0], [5.0, 7.0]])
    np.testing.assert_allclose(z, [[0.0, 0.0], [2 / math.sqrt(8 / 3), 2.0]])
    np.testing.assert_allclose(s.inverse_transform(z), [[3.0, 5.0], [5.0, 7.0]])


def test_standardizer_nearly_constant_column_gets_scale_one():
    s = Standardizer.fit(np.full((7, 1), 0.1))  # std of identical 0.1s may round to 1e-17
    assert s.scale.tolist() == [1.0]


def test_standardizer_rejects_zero_scale():
    with pytest.raises(DataError):
        Standardizer(np.zeros(2), np.array([1.0, 0.0]))


def test_one_hot_hand_example():
    out = one_hot(np.array([2, 0, 1, 2]), 3, np.float64)
    expected = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float64
    assert one_hot(np.array([1]), 2, np.float32).dtype == np.float32
    with pytest.raises(DataError):
        one_hot(np.array([3]), 3, np.float32)


def test_encode_labels():
    assert encode_labels(np.array(["b", "a", "b"], dtype=object), ["a", "b"]).tolist() == [1, 0, 1]
    with pytest.raises(DataError, match="'z'"):
        encode_labels(["a", "z"], ["a", "b"])


def test_split_is_a_partition_with_the_requested_size():
    ds = classification(30, 20)
    p = prepare(ds, val_split=0.2, seed=3)
    assert len(p.val_index) == 10 and len(p.train_index) == 40
    assert sorted(np.concatenate([p.train_index, p.val_index]).tolist()) == list(range(50))
    assert p.train_index.dtype == np.int64


def test_split_is_stratified():
    ds = classification(60, 40)
    p = prepare(ds, val_split=0.25, seed=1)
    val_labels = ds.y[p.val_index].tolist()
    assert val_labels.count("a") == 15 and val_labels.count("b") == 10


def test_split_reproducible_with_seed():
    ds = classification(25, 25)
    p1, p2 = prepare(ds, seed=7), prepare(ds, seed=7)
    np.testing.assert_array_equal(p1.train_index, p2.train_index)
    np.testing.assert_array_equal(p1.X_train, p2.X_train)
    np.testing.assert_array_equal(p1.Y_val, p2.Y_val)
    p3 = prepare(ds, seed=8)
    assert not np.array_equal(p1.val_index, p3.val_index)


def test_scaler_fitted_on_training_rows_only():
    ds = classification(40, 40)
    p = prepare(ds, val_split=0.25, seed=0, dtype=np.float64)
    rows = ds.X[p.train_index]
    # Hand computation: mean and population std over the training rows only.
    mean = rows.sum(axis=0) / len(rows)
    std = np.sqrt(((rows - mean) ** 2).sum(axis=0) / len(rows))
    np.testing.assert_allclose(p.input_scaler.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(p.input_scaler.scale, std, rtol=1e-12)
    np.testing.assert_allclose(p.X_train, (rows - mean) / std, rtol=1e-12)
    np.testing.assert_allclose(p.X_val, (ds.X[p.val_index] - mean) / std, rtol=1e-12)
    # And the validation rows have no influence: change them wildly, same scaler.
    X2 = ds.X.copy()
    X2[p.val_index] = 1e6
    ds2 = Dataset("t", "t", X2, ds.y, ds.feature_names, "label", "classification")
    p2 = prepare(ds2, val_split=0.25, seed=0, dtype=np.float64)
    np.testing.assert_array_equal(p2.train_index, p.train_index)
    np.testing.assert_allclose(p2.input_scaler.mean, mean, rtol=1e-12)


def test_classification_targets_are_one_hot():
    ds = classification(10, 10)
    p = prepare(ds, val_split=0.3, seed=0)
    assert p.classes == ["a", "b"]
    assert p.X_train.dtype == np.float32 and p.Y_train.dtype == np.float32
    assert p.X_train.flags["C_CONTIGUOUS"] and p.Y_val.flags["C_CONTIGUOUS"]
    assert p.Y_train.shape == (14, 2) and p.Y_val.shape == (6, 2)
    expected = [[1.0, 0.0] if ds.y[i] == "a" else [0.0, 1.0] for i in p.train_index]
    np.testing.assert_array_equal(p.Y_train, expected)
    assert p.y_train_labels.tolist() == [0 if ds.y[i] == "a" else 1 for i in p.train_index]
    assert p.target_scaler is None


def test_regression_targets_standardized_on_training_rows():
    X = np.arange(20.0)[:, None]
    y = 3.0 * np.arange(20.0) + 100.0
    ds = Dataset("r", "r", X, y, ["x"], "y", "regression")
    p = prepare(ds, val_split=0.25, seed=2, dtype=np.float64)
    t = y[p.train_index]
    mean, std = t.mean(), math.sqrt(((t - t.mean()) ** 2).mean())
    np.testing.assert_allclose(p.target_scaler.mean, [mean])
    np.testing.assert_allclose(p.target_scaler.scale, [std])
    assert p.Y_train.shape == (15, 1) and p.Y_val.shape == (5, 1)
    np.testing.assert_allclose(p.Y_val[:, 0], (y[p.val_index] - mean) / std)
    np.testing.assert_allclose(p.target_scaler.inverse_transform(p.Y_train)[:, 0], t)
    assert p.y_train_labels is None and p.classes is None


def test_no_validation_split():
    ds = classification(5, 5)
    p = prepare(ds, val_split=0.0)
    assert p.X_val.shape == (0, 3) and p.Y_val.shape == (0, 2)
    assert len(p.val_index) == 0 and len(p.train_index) == 10
    assert p.y_val_labels.shape == (0,)


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, float("nan"), "0.2", True, None])
def test_bad_val_split(bad):
    with pytest.raises(DataError, match="0 <= split < 1"):
        prepare(classification(5, 5), val_split=bad)


def test_tiny_data_keeps_a_validation_row_and_every_class_in_training():
    ds = classification(2, 1)  # a, a, b
    p = prepare(ds, val_split=0.1)
    assert len(p.val_index) == 1 and ds.y[p.val_index[0]] == "a"
    assert sorted(ds.y[p.train_index].tolist()) == ["a", "b"]


def test_every_class_a_single_row_cannot_be_split():
    with pytest.raises(DataError, match="single row"):
        prepare(classification(1, 1), val_split=0.5)
    p = prepare(classification(1, 1), val_split=0.0)
    assert len(p.train_index) == 2


def test_single_class_is_rejected():
    ds = Dataset("one", "one", np.ones((4, 1)), np.zeros(4, np.int64), ["x"], "y", "classification")
    with pytest.raises(DataError, match="one class"):
        prepare(ds)


def test_detect_task():
    assert detect_task(np.array(["a", "b"])) == "classification"
    assert detect_task(np.array([0, 1, 1])) == "classification"
    assert detect_task(np.array([0.0, 1.0, 2.0])) == "classification"
    assert detect_task(np.array([True, False])) == "classification"
    assert detect_task(np.array([0.5, 1.0])) == "regression"
    assert detect_task(np.arange(21)) == "regression"
    assert detect_task(np.arange(20)) == "classification"
    assert detect_task(np.zeros((3, 2))) == "regression"


def test_column_too_large_to_standardize_is_named():
    X = np.column_stack([np.arange(40) * 1e300, np.arange(40.0)])
    ds = Dataset("big.csv", "big.csv", X, np.arange(40) % 2, ["huge", "ok"], "y", "classification")
    with pytest.raises(DataError, match=r"big\.csv: column 'huge' has values too large"):
        prepare(ds, val_split=0.25)


def test_fitting_and_standardizing_rows_block_by_block(monkeypatch):
    """Blocks of 7 rows give the plain NumPy mean, population std and (x - mean) / std of
    the chosen rows, in the requested dtype."""
    from nnstudio.data import preprocessing

    monkeypatch.setattr(preprocessing, "_BLOCK_ROWS", 7)
    rng = np.random.default_rng(3)
    X = rng.normal(5.0, 3.0, size=(50, 3))
    X[:, 2] = 4.0  # a constant column gets scale 1
    rows = rng.permutation(50)[:31]
    s = Standardizer.fit(X, rows=rows)
    np.testing.assert_allclose(s.mean, X[rows].mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(s.scale[:2], X[rows, :2].std(axis=0), rtol=1e-12)
    assert s.scale[2] == 1.0
    Z = s.transform_rows(X, rows, np.float32)
    assert Z.dtype == np.float32 and Z.flags.c_contiguous and Z.shape == (31, 3)
    expected = (X[rows] - X[rows].mean(axis=0)) / np.array([*X[rows, :2].std(axis=0), 1.0])
    np.testing.assert_allclose(Z, expected, rtol=1e-6, atol=1e-6)
