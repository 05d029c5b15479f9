"""``train``'s best epoch, confusion matrix, refit and ``--cv``, through the command line
and against independent truths: a NumPy-only reader of the model file counting the
confusion matrix by hand, NumPy means of the raw data for a refit's scaler, and the fold
partition checked row by row."""

from __future__ import annotations

import json

import numpy as np
import pytest
from npz_reference import network_output

from nnstudio.cli import main
from nnstudio.crossval import cross_validate, folds, labels_of
from nnstudio.data import load_dataset, make_sample
from nnstudio.data.preprocessing import prepare
from nnstudio.pipeline import TrainConfig


def run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def last_json(out):
    return json.loads(out.strip().splitlines()[-1])


def test_confusion_matrix_counts_the_validation_rows_by_hand(capsys, tmp_path):
    model = tmp_path / "m.npz"
    rc, out, err = run(
        capsys, "train", "moons", "--out", model, "--epochs", "8", "--json", "-q", "--lr", "0.003"
    )  # fmt: skip  (few epochs: some errors to count)
    assert rc == 0, err
    res = last_json(out)
    ds = load_dataset("moons")
    # The validation rows are the ones prepare() holds out with the same split and seed.
    val = prepare(ds, val_split=0.2, seed=0).val_index
    meta, _, proba = network_output(model, ds.X[val])
    classes = meta["classes"]
    assert res["classes"] == classes
    counts = [[0] * len(classes) for _ in classes]
    for label, p in zip(ds.y[val].tolist(), proba):
        counts[classes.index(label)][int(np.argmax(p))] += 1
    assert res["confusion_matrix"] == counts
    assert sum(map(sum, counts)) == res["n_val"]
    diag = sum(counts[i][i] for i in range(len(classes)))
    assert diag / res["n_val"] == pytest.approx(res["val_accuracy"])
    assert meta["best_epoch"] == res["best_epoch"]


def test_best_epoch_and_settings_in_json_and_meta(capsys, tmp_path):
    model = tmp_path / "m.npz"
    rc, out, err = run(capsys, "train", "samples/iris.csv", "--out", model, "--json",
                       "--patience", "5", "--schedule", "plateau", "--epochs", "300")  # fmt: skip
    assert rc == 0, err
    res = last_json(out)
    meta, _, _ = network_output(model, np.zeros((1, 4)))
    assert res["stopped_early"] and res["epochs"] == res["best_epoch"] + 5
    assert f"stopped early at epoch {res['epochs']} (best epoch {res['best_epoch']})" in err
    for key, value in {"schedule": "plateau", "patience": 5, "epochs": 300, "optimizer": "adam",
                       "val_split": 0.2, "seed": 0, "best_epoch": res["best_epoch"],
                       "task": "classification", "target_name": "species"}.items():  # fmt: skip
        assert meta[key] == value, key
    assert {"lr", "batch_size", "l2"} <= set(meta)


def test_refit_trains_on_all_rows_for_the_best_epoch(capsys, tmp_path):
    model = tmp_path / "m.npz"
    rc, out, err = run(capsys, "train", "samples/diabetes.csv", "--out", model, "--json", "-q",
                       "--refit", "--patience", "10")  # fmt: skip
    assert rc == 0, err
    res = last_json(out)
    assert res["refit"] is True
    ds = load_dataset("samples/diabetes.csv")
    meta, arrays, _ = network_output(model, ds.X[:1])
    np.testing.assert_allclose(arrays["input.mean"], ds.X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(arrays["target.mean"], [ds.y.mean()], rtol=1e-12)
    assert meta["epochs_trained"] == meta["best_epoch"] == res["best_epoch"]
    assert meta["refit"] is True


def test_few_validation_rows_warn_on_stderr(capsys, tmp_path):
    rc, _, err = run(capsys, "train", "xor", "--out", tmp_path / "m.npz", "--val-split", "0.05",
                     "--epochs", "2", "-q")  # fmt: skip
    assert rc == 0
    assert "nnstudio: warning: only" in err and "validation rows" in err


def test_out_is_required_without_cv(capsys):
    rc, out, err = run(capsys, "train", "xor")
    assert rc == 2 and err.startswith("nnstudio: error: ") and "--out" in err


def test_folds_partition_the_rows_and_stratify():
    labels = np.array([0] * 10 + [1] * 20 + [2] * 7)
    parts = folds(len(labels), 5, seed=3, labels=labels)
    everything = np.sort(np.concatenate(parts))
    assert everything.tolist() == list(range(len(labels)))  # disjoint and complete
    for c in range(3):
        per_fold = [int(np.sum(labels[p] == c)) for p in parts]
        assert max(per_fold) - min(per_fold) <= 1, per_fold
    assert max(map(len, parts)) - min(map(len, parts)) <= 1


def test_cv_command_prints_folds_and_mean_std(capsys):
    rc, out, err = run(capsys, "train", "blobs", "--cv", "3", "--epochs", "5", "--json")
    assert rc == 0, err
    lines = out.strip().splitlines()
    assert [ln.split(":")[0] for ln in lines[:3]] == ["fold 1/3", "fold 2/3", "fold 3/3"]
    assert "±" in lines[3]
    cv = last_json(out)["cv"]
    scores = [f["metric"] for f in cv["folds"]]
    assert cv["k"] == 3 and cv["scores"] == scores
    assert cv["mean"] == pytest.approx(np.mean(scores))
    assert cv["std"] == pytest.approx(np.std(scores))
    assert sum(f["n_test"] for f in cv["folds"]) == load_dataset("blobs").n_samples


def test_cv_scores_the_held_out_rows():
    """A fold's score is the accuracy on rows that took no part in training: on labels
    that are pure noise it is near chance, while the training accuracy is far above."""
    rng = np.random.default_rng(0)
    ds = make_sample("blobs", n_samples=150, seed=0)
    noisy = type(ds)(**{**ds.__dict__, "y": rng.permutation(ds.y)})
    cfg = TrainConfig(epochs=60, restore_best=False, hidden_layers=[64])
    res = cross_validate(noisy, cfg, k=3)
    assert res.mean < 0.55  # 3 classes: chance is 1/3
    assert len(labels_of(noisy)) == 150


def test_bad_k_is_one_line(capsys):
    rc, out, err = run(capsys, "train", "xor", "--cv", "1")
    assert rc == 2 and err.count("\n") == 1 and "2 <= K" in err
