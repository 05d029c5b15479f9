"""Built-in samples, the real datasets in samples/, and the data package's imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import (
    SAMPLES,
    DataError,
    list_samples,
    load_dataset,
    make_sample,
    prepare,
)

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "samples"
TWO_D = ["xor", "circles", "moons", "spirals", "blobs"]


def test_required_samples_are_listed():
    names = [name for name, _ in list_samples()]
    assert {"xor", "circles", "moons", "spirals", "blobs", "sine"} <= set(names)
    assert all(isinstance(d, str) and d and "\n" not in d for _, d in list_samples())
    assert names == list(SAMPLES)


@pytest.mark.parametrize("name", [*TWO_D, "sine"])
def test_sample_is_deterministic(name):
    a, b = make_sample(name, seed=5), make_sample(name, seed=5)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    c = make_sample(name, seed=6)
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("name", TWO_D)
def test_2d_samples_shape_and_balance(name):
    ds = make_sample(name, n_samples=301)
    k = 3 if name == "blobs" else 2
    assert ds.X.shape == (301, 2) and ds.X.dtype == np.float64
    assert ds.feature_names == ["x1", "x2"]
    assert ds.task == "classification" and ds.classes == list(range(k))
    counts = np.bincount(ds.y)
    assert counts.max() - counts.min() <= 1
    assert not np.all(np.diff(ds.y) >= 0)  # shuffled, not sorted by class


def test_circles_geometry_without_noise():
    ds = make_sample("circles", n_samples=200, noise=0.0)
    r = np.hypot(ds.X[:, 0], ds.X[:, 1])
    np.testing.assert_allclose(r[ds.y == 0], 1.0)
    np.testing.assert_allclose(r[ds.y == 1], 0.5)


def test_moons_geometry_without_noise():
    ds = make_sample("moons", n_samples=200, noise=0.0)
    a, b = ds.X[ds.y == 0], ds.X[ds.y == 1]
    np.testing.assert_allclose(np.hypot(a[:, 0], a[:, 1]), 1.0)
    assert np.all(a[:, 1] >= 0)
    np.testing.assert_allclose(np.hypot(b[:, 0] - 1.0, b[:, 1] - 0.5), 1.0)
    assert np.all(b[:, 1] <= 0.5)


def test_xor_labels_without_noise():
    ds = make_sample("xor", n_samples=200, noise=0.0)
    expected = (ds.X[:, 0] * ds.X[:, 1] < 0).astype(int)
    np.testing.assert_array_equal(ds.y, expected)
    assert np.all(np.abs(ds.X) >= 0.1)  # the gap around the axes


def test_spirals_without_noise_lie_on_two_arms():
    ds = make_sample("spirals", n_samples=200, noise=0.0)
    r = np.hypot(ds.X[:, 0], ds.X[:, 1])
    assert r.min() >= 0.1 - 1e-12 and r.max() <= 1.0 + 1e-12
    # On arm k the angle is 2*pi*1.5*t + k*pi with t = (r - 0.1) / 0.9.
    t = (r - 0.1) / 0.9
    theta = 2 * np.pi * 1.5 * t + ds.y * np.pi
    np.testing.assert_allclose(ds.X[:, 0], r * np.cos(theta), atol=1e-12)
    np.testing.assert_allclose(ds.X[:, 1], r * np.sin(theta), atol=1e-12)


def test_sine_without_noise():
    ds = make_sample("sine", n_samples=50, noise=0.0)
    assert ds.task == "regression" and ds.X.shape == (50, 1) and ds.feature_names == ["x"]
    np.testing.assert_allclose(ds.y, np.sin(ds.X[:, 0]))
    assert ds.X.min() >= -np.pi and ds.X.max() <= np.pi


def nearest_neighbour_accuracy(ds, seed=0) -> float:
    """1-NN validation accuracy: an engine-free sign that the classes are learnable."""
    p = prepare(ds, val_split=0.2, seed=seed, dtype=np.float64)
    d = ((p.X_val[:, None, :] - p.X_train[None, :, :]) ** 2).sum(axis=2)
    predicted = p.y_train_labels[d.argmin(axis=1)]
    return float((predicted == p.y_val_labels).mean())


@pytest.mark.parametrize("name", TWO_D)
def test_default_samples_are_learnable(name):
    for seed in (0, 1):
        assert nearest_neighbour_accuracy(make_sample(name, seed=seed), seed) >= 0.97


def test_bad_sample_arguments():
    with pytest.raises(DataError, match="nnstudio samples"):
        make_sample("torus")
    with pytest.raises(DataError, match="n_samples"):
        make_sample("moons", n_samples=1)
    with pytest.raises(DataError, match="noise"):
        make_sample("moons", noise=-1.0)


def test_load_dataset_by_sample_name():
    ds = load_dataset("Moons")
    assert ds.name == "moons" and ds.source == "moons"
    np.testing.assert_array_equal(ds.X, make_sample("moons").X)
    reg = load_dataset("xor", task="regression")
    assert reg.task == "regression" and reg.y.dtype == np.float64
    with pytest.raises(DataError, match="sine"):
        load_dataset("sine", task="classification")
    with pytest.raises(DataError, match="'colour'"):
        load_dataset("moons", target="colour")


def test_unknown_source(tmp_path):
    with pytest.raises(DataError) as info:
        load_dataset("nothing_here.csv")
    msg = str(info.value)
    assert "'nothing_here.csv'" in msg and "no such file" in msg and "nnstudio samples" in msg


# Independent truths about the real datasets, from their published descriptions.
REAL = {
    "iris.csv": (150, 4, "species", ["setosa", "versicolor", "virginica"]),
    "wine.csv": (178, 13, "cultivar", [1, 2, 3]),
    "breast_cancer.csv": (569, 30, "diagnosis", ["benign", "malignant"]),
    "diabetes.csv": (442, 10, "progression", None),
    "digits.csv": (1797, 64, "digit", list(range(10))),
}


def test_every_samples_file_loads():
    files = sorted(p.name for p in SAMPLES_DIR.glob("*.csv"))
    assert files == sorted(REAL)
    readme = (SAMPLES_DIR / "README.md").read_text(encoding="utf-8")
    for name, (rows, cols, target, classes) in REAL.items():
        assert f"`{name}`" in readme
        ds = load_dataset(SAMPLES_DIR / name)
        assert (ds.n_samples, ds.n_features, ds.target_name) == (rows, cols, target)
        assert ds.classes == classes
        assert ds.task == ("regression" if classes is None else "classification")
    iris = load_dataset(SAMPLES_DIR / "iris.csv")
    assert iris.feature_names[0] == "sepal_length"
    assert [int((iris.y == c).sum()) for c in iris.classes] == [50, 50, 50]
    cancer = load_dataset(SAMPLES_DIR / "breast_cancer.csv")
    assert int((cancer.y == "malignant").sum()) == 212
    digits = load_dataset(SAMPLES_DIR / "digits.csv")
    # the class counts of UCI's optdigits.tes, and pixel counts of a 4x4 block: 0..16
    counts = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert [int((digits.y == c).sum()) for c in range(10)] == counts
    assert digits.X.min() == 0 and digits.X.max() == 16
    assert digits.feature_names[:2] == ["pixel_0_0", "pixel_0_1"]
    assert digits.feature_names[-1] == "pixel_7_7"


def test_data_package_imports_only_numpy_and_stdlib():
    code = (
        "import sys, nnstudio.data\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'PyQt5', 'PyQt6', 'shiboken6', 'pyqtgraph', 'torch', 'pandas', "
        "'sklearn', 'scipy') or m.startswith(('nnstudio.engine', 'nnstudio.io', "
        "'nnstudio.app', 'nnstudio.cli'))]\n"
        "print(bad)\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True
    )
    assert out.stdout.strip() == "[]"
