"""The .npz model file contract: keys, shapes, a NumPy-only reader, atomic writes and
strict loading.

The reference forward pass below is written from the design's "Model file" table alone
(activation formulas included), not from nnstudio's code, so a model that only nnstudio
can read fails here.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from npz_reference import network_output

from nnstudio.data import Dataset, make_sample
from nnstudio.io import model_file
from nnstudio.io.model_file import ModelFileError, load_model, save_model
from nnstudio.pipeline import TrainConfig, build_session

# --------------------------------------------------------------------------- reference


def numpy_predict(path, X):
    """Predictions from the file with only NumPy: ``(labels_or_values, output)``."""
    meta, arrays, a = network_output(path, X)
    if meta["task"] == "classification":
        classes = meta["classes"]
        idx = (a[:, 0] >= 0.5).astype(int) if a.shape[1] == 1 else a.argmax(axis=1)
        return [classes[j] for j in idx], a
    values = a * arrays["target.scale"] + arrays["target.mean"]
    return values, a


# --------------------------------------------------------------------------- helpers


def train(ds, **settings):
    cfg = TrainConfig(**{"epochs": 15, "hidden_layers": [8, 6], "seed": 3, **settings})
    session = build_session(ds, cfg)
    session.trainer.run()
    return session.model()


def text_label_dataset(n=200, seed=0):
    """Two classes with text labels, the positive one sorting last ("yes")."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) * [1.0, 10.0, 0.1] + [0.0, 50.0, -2.0]
    y = np.where(X[:, 0] + (X[:, 1] - 50) / 10 > 0, "yes", "no").astype(object)
    return Dataset("t", "t.csv", X, y, ["a", "b", "c"], "answer", "classification")


def two_output_dataset(n=200, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 2))
    y = np.column_stack([X[:, 0] * X[:, 1] * 100 + 7, np.sin(X[:, 0]) - 3])
    return Dataset("r", "r.npz", X, y, ["u", "v"], "y", "regression")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Three trained models on disk: softmax classifier, 1-unit sigmoid, regression."""
    folder = tmp_path_factory.mktemp("models")
    models = {
        "softmax": train(make_sample("blobs"), hidden_activations=["tanh", "elu"]),
        "sigmoid": train(
            text_label_dataset(), loss="binary_cross_entropy", activation="leaky_relu"
        ),
        "regression": train(two_output_dataset(), hidden_activations=["softplus", "sigmoid"]),
    }
    paths = {}
    for name, model in models.items():
        paths[name] = folder / f"{name}.npz"
        save_model(model, paths[name])
    return models, paths


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("kind", ["softmax", "sigmoid", "regression"])
def test_round_trip_predictions_identical(saved, kind):
    models, paths = saved
    model = models[kind]
    loaded = load_model(paths[kind])
    X = np.random.default_rng(5).normal(size=(50, len(model.feature_names)))
    X = X * model.input_scale + model.input_mean
    assert loaded.net.layer_sizes == model.net.layer_sizes
    assert loaded.net.activations == model.net.activations
    assert loaded.feature_names == model.feature_names
    assert loaded.target_name == model.target_name
    assert loaded.classes == model.classes
    for W0, W1 in zip(model.net.weights, loaded.net.weights):
        np.testing.assert_array_equal(W0, W1)
    np.testing.assert_array_equal(loaded.output(X), model.output(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.parametrize("kind", ["softmax", "sigmoid", "regression"])
def test_numpy_only_reader_reproduces_predict(saved, kind):
    models, paths = saved
    model = models[kind]
    X = np.random.default_rng(6).normal(size=(300, len(model.feature_names)))
    X = X * model.input_scale * 1.5 + model.input_mean
    pred, out = numpy_predict(paths[kind], X)
    # nnstudio computes in float32 (the training dtype); the reader in float64.
    np.testing.assert_allclose(model.output(X), out if kind != "regression" else pred, 1e-4, 1e-5)
    if kind == "regression":
        np.testing.assert_allclose(model.predict(X), pred, rtol=1e-4, atol=1e-4)
    else:
        margin = (
            np.abs(out[:, 0] - 0.5)
            if out.shape[1] == 1
            else np.abs(np.diff(np.sort(out)[:, -2:]))[:, 0]
        )
        sure = margin > 1e-4  # ties within float32 rounding may go either way
        assert sure.mean() > 0.9
        assert list(np.asarray(model.predict(X))[sure]) == list(np.asarray(pred, object)[sure])


def test_binary_model_has_one_sigmoid_unit_and_positive_class_last(saved):
    models, paths = saved
    with np.load(paths["sigmoid"], allow_pickle=False) as f:
        meta = json.loads(str(f["meta"][()]))
        assert f[f"layers.{len(meta['activations']) - 1}.weight"].shape[0] == 1
    assert meta["activations"][-1] == "sigmoid"
    assert meta["loss"] == "binary_cross_entropy"
    assert meta["classes"] == ["no", "yes"]
    # A row far on the "yes" side: the unit's output is P(classes[1]).
    X = np.array([[3.0, 80.0, -2.0], [-3.0, 20.0, -2.0]])
    pred, out = numpy_predict(paths["sigmoid"], X)
    assert pred == ["yes", "no"]
    assert out[0, 0] > 0.9 and out[1, 0] < 0.1


def test_keys_and_shapes_follow_the_contract(saved):
    _, paths = saved
    expected = {
        "softmax": ([2, 8, 6, 3], ["tanh", "elu", "softmax"], False),
        "sigmoid": ([3, 8, 6, 1], ["leaky_relu", "leaky_relu", "sigmoid"], False),
        "regression": ([2, 8, 6, 2], ["softplus", "sigmoid", "linear"], True),
    }
    for kind, (sizes, acts, has_target) in expected.items():
        with np.load(paths[kind], allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
        keys = {f"layers.{i}.{p}" for i in range(len(acts)) for p in ("weight", "bias")}
        keys |= {"input.mean", "input.scale", "meta"}
        if has_target:
            keys |= {"target.mean", "target.scale"}
        assert set(arrays) == keys, kind
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            assert arrays[f"layers.{i}.weight"].shape == (fan_out, fan_in)
            assert arrays[f"layers.{i}.bias"].shape == (fan_out,)
        assert arrays["input.mean"].shape == arrays["input.scale"].shape == (sizes[0],)
        if has_target:
            assert arrays["target.mean"].shape == arrays["target.scale"].shape == (sizes[-1],)
        assert arrays["meta"].shape == () and arrays["meta"].dtype.kind == "U"
        meta = json.loads(str(arrays["meta"][()]))
        assert meta["format"] == "nnstudio.mlp" and meta["version"] == 1
        assert meta["layer_sizes"] == sizes
        assert meta["activations"] == acts
        assert meta["task"] == ("regression" if has_target else "classification")
        for k in ("loss", "classes", "feature_names", "target_name"):
            assert k in meta


def test_regression_target_scaling_is_undone(saved):
    # The targets are in the hundreds (column 0) and near -3 (column 1): predictions in the
    # data's own units prove target.* is applied.
    models, paths = saved
    ds = two_output_dataset()
    pred = load_model(paths["regression"]).predict(ds.X)
    assert pred.shape == (ds.n_samples, 2)
    assert abs(pred[:, 1].mean() - ds.y[:, 1].mean()) < 0.5
    # Standardized outputs would have a spread near 1; column 0's spread is about 130.
    assert pred[:, 0].std() > 10


# --------------------------------------------------------------------------- atomic writes


def test_atomic_write_leaves_only_the_model_file(saved, tmp_path):
    models, _ = saved
    path = tmp_path / "m.npz"
    save_model(models["softmax"], path)
    save_model(models["softmax"], path)  # overwrite
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]


def test_write_into_missing_folder_fails_cleanly(saved, tmp_path):
    models, _ = saved
    with pytest.raises(ModelFileError, match="cannot write"):
        save_model(models["softmax"], tmp_path / "no" / "such" / "m.npz")
    assert os.listdir(tmp_path) == []


def test_failed_write_keeps_the_old_file(saved, tmp_path, monkeypatch):
    models, _ = saved
    path = tmp_path / "m.npz"
    save_model(models["softmax"], path)
    before = path.read_bytes()

    def broken_savez(fh, **arrays):
        fh.write(b"PK\x03\x04 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(model_file.np, "savez", broken_savez)
    with pytest.raises(ModelFileError, match="No space left"):
        save_model(models["sigmoid"], path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]


# --------------------------------------------------------------------------- refusals


def _arrays(path):
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def _rewrite(src, dst, change=None, meta_change=None):
    arrays = _arrays(src)
    if meta_change:
        meta = json.loads(str(arrays["meta"][()]))
        meta_change(meta)
        arrays["meta"] = np.array(json.dumps(meta))
    if change:
        change(arrays)
    np.savez(dst, **arrays)
    return dst


def test_refuses_pickled_objects(saved, tmp_path):
    _, paths = saved

    def add_object(arrays):
        arrays["layers.0.bias"] = np.array([{"evil": 1}, None], dtype=object)

    bad = _rewrite(paths["softmax"], tmp_path / "pickled.npz", add_object)
    with pytest.raises(ModelFileError, match="pickled"):
        load_model(bad)


def test_refuses_wrong_shape(saved, tmp_path):
    _, paths = saved

    def transpose(arrays):
        arrays["layers.1.weight"] = arrays["layers.1.weight"].T.copy()

    bad = _rewrite(paths["softmax"], tmp_path / "shape.npz", transpose)
    with pytest.raises(ModelFileError, match=r"layers\.1\.weight.*shape"):
        load_model(bad)


def test_refuses_wrong_input_scaler_length(saved, tmp_path):
    _, paths = saved

    def shorten(arrays):
        arrays["input.mean"] = arrays["input.mean"][:-1]

    bad = _rewrite(paths["sigmoid"], tmp_path / "mean.npz", shorten)
    with pytest.raises(ModelFileError, match=r"input\.mean.*shape"):
        load_model(bad)


def test_refuses_unknown_activation(saved, tmp_path):
    _, paths = saved

    def swish(meta):
        meta["activations"][0] = "swish"

    bad = _rewrite(paths["softmax"], tmp_path / "act.npz", meta_change=swish)
    with pytest.raises(ModelFileError, match="unknown activation 'swish'"):
        load_model(bad)


def test_refuses_newer_version(saved, tmp_path):
    _, paths = saved
    bad = _rewrite(paths["softmax"], tmp_path / "v2.npz", meta_change=lambda m: m.update(version=2))
    with pytest.raises(ModelFileError, match="version 2 is newer.*upgrade"):
        load_model(bad)


def test_refuses_truncated_file(saved, tmp_path):
    _, paths = saved
    data = paths["softmax"].read_bytes()
    for cut in (len(data) // 2, len(data) - 10):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(data[:cut])
        with pytest.raises(ModelFileError, match="truncated or corrupt"):
            load_model(bad)


def test_refuses_missing_meta(saved, tmp_path):
    _, paths = saved
    bad = _rewrite(paths["softmax"], tmp_path / "nometa.npz", lambda a: a.pop("meta"))
    with pytest.raises(ModelFileError, match="no 'meta'.*not an nnstudio model"):
        load_model(bad)


def test_refuses_meta_that_is_not_a_0d_string(saved, tmp_path):
    _, paths = saved

    def one_d(arrays):
        arrays["meta"] = arrays["meta"].reshape(1)

    bad = _rewrite(paths["softmax"], tmp_path / "meta1d.npz", one_d)
    with pytest.raises(ModelFileError, match="'meta' must be a 0-d string array"):
        load_model(bad)


def test_refuses_non_npz_files(tmp_path):
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n1,2\n")
    with pytest.raises(ModelFileError, match="not an .npz model file"):
        load_model(csv)
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "missing.npz")
    with pytest.raises(ModelFileError, match="folder"):
        load_model(tmp_path)


def test_refusals_are_one_line(saved, tmp_path):
    _, paths = saved
    bad = tmp_path / "cut.npz"
    bad.write_bytes(paths["softmax"].read_bytes()[:100])
    with pytest.raises(ModelFileError) as info:
        load_model(bad)
    assert "\n" not in str(info.value)
    assert "cut.npz" in str(info.value)


def test_regression_meta_lists_no_classes_and_version_0_is_refused(tmp_path):
    """The contract types ``classes`` as a list: a regression model's is empty, not null.
    Versions start at 1: a file claiming version 0 is not an nnstudio model."""
    import json as _json

    from nnstudio.data import make_sample
    from nnstudio.io.model_file import ModelFileError, load_model, save_model
    from nnstudio.pipeline import TrainConfig, build_session

    ds = make_sample("sine", n_samples=60)
    session = build_session(ds, TrainConfig(hidden_layers=[4], epochs=1))
    path = tmp_path / "r.npz"
    save_model(session.model(), path)
    with np.load(path, allow_pickle=False) as f:
        arrays = dict(f)
    meta = _json.loads(str(arrays["meta"]))
    assert meta["task"] == "regression" and meta["classes"] == []
    assert load_model(path).classes is None

    meta["version"] = 0
    arrays["meta"] = np.array(_json.dumps(meta))
    bad = tmp_path / "v0.npz"
    np.savez(bad, **arrays)
    with pytest.raises(ModelFileError, match="version 0"):
        load_model(bad)
