"""``nnstudio export --format torch-train``: the generated training script.

- Its losses and optimizer steps equal nnstudio's engine on the same weights and batch
  (the engine is the independent truth: a different library doing the same math).
- Run on one process (in this process), it writes a model file that ``nnstudio predict``
  reads and that has learned the data.
- Under ``torchrun --nproc_per_node 2`` on CPU (gloo, a subprocess), each process trains
  on half of every epoch and rank 0 writes one model file that ``predict`` reads.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest
from export_cases import SAMPLES, reordered, text_label_moons, train
from npz_reference import network_output

from nnstudio.cli import main
from nnstudio.data import load_dataset
from nnstudio.engine.network import MLP
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.io.model_file import load_model
from nnstudio.pipeline import TrainConfig, config_for_model, model_problem, session_from_model

torch = pytest.importorskip("torch")


def export_script(model, out):
    assert main(["export", str(model), "--format", "torch-train", "--out", str(out)]) == 0
    spec = importlib.util.spec_from_file_location(f"exported_{out.stem}", out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def moons(tmp_path_factory):
    """A text-label design (target column in the middle) and its training script."""
    folder = tmp_path_factory.mktemp("torch_train")
    data = text_label_moons(folder)
    model = train(
        folder, "design", data, "--target", "color", "--layers", "16,16",
        "--activation", "tanh", "--optimizer", "adam", "--lr", "0.02", "--batch-size", "16",
        "--epochs", "2", "--seed", "3",
    )  # fmt: skip
    return folder, data, model, export_script(model, folder / "train.py")


# ------------------------------------------------------------------ same math as the engine


@pytest.mark.parametrize(
    "optimizer, extra",
    [("sgd", {}), ("momentum", {}), ("momentum", {"nesterov": True}), ("rmsprop", {}),
     ("adam", {})],
)  # fmt: skip
@pytest.mark.parametrize("loss, out_act", [("mse", "tanh"), ("cross_entropy", "softmax")])
def test_steps_equal_the_engine(moons, optimizer, extra, loss, out_act):
    script = moons[3]
    sizes, acts = [3, 5, 4], ["elu", out_act]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 3))
    labels = rng.integers(0, 4, size=12)
    Y = np.eye(4)[labels] if loss == "cross_entropy" else rng.normal(size=(12, 4))
    engine = MLP(sizes, acts, loss, dtype=np.float64, seed=1)
    net = script.Net(sizes, acts).double()
    with torch.no_grad():
        for layer, W, b in zip(net.layers, engine.weights, engine.biases):
            layer.weight.copy_(torch.from_numpy(W.T))
            layer.bias.copy_(torch.from_numpy(b))
    cfg = {"optimizer": optimizer, "l2": 0.01, "momentum": 0.9, "nesterov": False, **extra}
    opt_t = script.make_optimizer(net, cfg, 0.05)
    opt_e = make_optimizer(optimizer, 0.05, 0.01, momentum=0.9, nesterov=cfg["nesterov"])
    Yt = torch.from_numpy(labels) if loss == "cross_entropy" else torch.from_numpy(Y)
    for _ in range(3):  # state (velocities, moments, step count) carries over
        g = engine.gradients(X, Y)
        opt_e.step(engine.params(), engine.grad_arrays())
        opt_t.zero_grad()
        value = script.batch_loss(net, loss, torch.from_numpy(X), Yt)
        value.backward()
        opt_t.step()
        assert float(value.detach()) == pytest.approx(g.loss, rel=1e-10)
    for layer, W, b in zip(net.layers, engine.weights, engine.biases):
        np.testing.assert_allclose(layer.weight.detach().numpy(), W.T, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(layer.bias.detach().numpy(), b, rtol=1e-9, atol=1e-12)


def test_binary_cross_entropy_from_logits_equals_the_engine(moons):
    script = moons[3]
    engine = MLP([2, 3, 1], ["relu", "sigmoid"], "binary_cross_entropy", dtype=np.float64)
    net = script.Net([2, 3, 1], ["relu", "sigmoid"]).double()
    with torch.no_grad():
        for layer, W, b in zip(net.layers, engine.weights, engine.biases):
            layer.weight.copy_(torch.from_numpy(W.T))
            layer.bias.copy_(torch.from_numpy(b))
    X = np.random.default_rng(2).normal(size=(9, 2))
    Y = (X[:, :1] > 0).astype(float)
    value = script.batch_loss(net, "binary_cross_entropy", torch.from_numpy(X), torch.from_numpy(Y))
    assert value.item() == pytest.approx(engine.gradients(X, Y).loss, rel=1e-10)


@pytest.mark.parametrize("name", ["step", "cosine"])
def test_schedules_equal_nnstudios(moons, name):
    from nnstudio.engine.schedules import Schedule

    ours, theirs = Schedule(name), moons[3].Schedule(name)
    assert [theirs.factor(e, 10) for e in range(10)] == [ours.factor(e, 10) for e in range(10)]


def test_plateau_schedule_equals_nnstudios(moons):
    from nnstudio.engine.schedules import Schedule

    ours, theirs = Schedule("plateau"), moons[3].Schedule("plateau")
    losses = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.95, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
    seen = []
    for loss in losses:
        assert theirs.factor(0, 10) == ours.factor(0, 10)
        seen.append(ours.factor(0, 10))
        ours.observe(loss)
        theirs.observe(loss)
    assert min(seen) < 1  # the rate was cut at least once


# ------------------------------------------------------------------ runs


def test_one_process_writes_a_model_predict_reads(moons, capsys, tmp_path):
    folder, data, design, script = moons
    out = tmp_path / "trained.npz"
    # the columns of the new data in another order: features are matched by name
    shuffled = reordered(data, tmp_path, ["color", "a", "b"])
    assert script.main([str(shuffled), "--out", str(out), "--epochs", "25", "--quiet"]) == 0
    model = load_model(out)  # nnstudio's own checks of the contract
    with np.load(out, allow_pickle=False) as f:
        meta = json.loads(str(f["meta"]))
    assert meta["classes"] == ["blue", "red"] and meta["feature_names"] == ["b", "a"]
    assert meta["layer_sizes"] == [2, 16, 16, 2]
    assert meta["activations"] == ["tanh", "tanh", "softmax"]
    expected = {"optimizer": "adam", "lr": 0.02, "batch_size": 16, "epochs": 25, "seed": 3,
                "task": "classification", "target_name": "color"}  # fmt: skip
    assert {k: meta[k] for k in expected} == expected
    assert 1 <= meta["best_epoch"] <= 25
    assert model.net.layer_sizes == [2, 16, 16, 2]
    # the app can take it on (File > Import Weights): it fits the data and its settings
    ds = load_dataset(data, target="color")
    assert model_problem(model, ds) is None
    session = session_from_model(ds, config_for_model(TrainConfig(), model, ds), model)
    np.testing.assert_allclose(session.output(ds.X), model.output(ds.X), rtol=1e-6, atol=1e-7)
    capsys.readouterr()
    assert main(["predict", str(out), str(data), "--out", str(tmp_path / "p.csv")]) == 0
    accuracy = float(capsys.readouterr().err.split("%")[0].split()[-1])
    assert accuracy > 80  # it learned the moons
    # predict's probabilities are those of a NumPy forward pass written from the contract
    rows = [r.split(",") for r in (tmp_path / "p.csv").read_text().splitlines()[1:]]
    X = np.array([[float(v) for v in line.split(",")[::2]] for line in
                  data.read_text().splitlines()[1:]])  # fmt: skip  # columns b, a
    _, _, a = network_output(out, X)
    np.testing.assert_allclose(np.array([r[1:] for r in rows], float), a, rtol=1e-12)


def test_torchrun_two_processes_on_cpu(capsys, tmp_path):
    design = train(
        tmp_path, "design", SAMPLES / "diabetes.csv", "--layers", "8", "--activation", "relu",
        "--optimizer", "sgd", "--lr", "0.05", "--epochs", "2",
    )  # fmt: skip
    script = tmp_path / "train.py"
    assert main(["export", str(design), "--format", "torch-train", "--out", str(script)]) == 0
    out = tmp_path / "cluster.npz"
    res = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
         "2", str(script), str(SAMPLES / "diabetes.csv"), "--out", str(out), "--epochs", "3"],
        capture_output=True, text=True, cwd=tmp_path, timeout=240,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    # 354 training rows: each of the 2 processes takes 177 of every epoch
    assert "2 process(es) on cpu, each 177 rows per epoch" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("cluster")) == [
        "cluster.npz"
    ]
    with np.load(out, allow_pickle=False) as f:
        meta = json.loads(str(f["meta"]))
        assert f["target.mean"].shape == (1,)
    assert meta["trained_with"]["processes"] == 2 and meta["epochs_trained"] == 3
    assert meta["optimizer"] == "sgd" and meta["lr"] == 0.05 and meta["task"] == "regression"
    capsys.readouterr()
    assert main(["predict", str(out), str(SAMPLES / "diabetes.csv")]) == 0
    stdout, stderr = capsys.readouterr()
    assert stdout.startswith("prediction\n") and stdout.count("\n") == 443
    assert "R²" in stderr


@pytest.mark.parametrize("val_split", [0.0, 0.2, 0.35])
@pytest.mark.parametrize("seed", [0, 7])
def test_split_holds_out_the_rows_nnstudio_holds_out(moons, val_split, seed):
    # The truth is nnstudio's own split (data.preprocessing.prepare): the same rows, in
    # the same order, for imbalanced classes (one of them absent) and for regression.
    from nnstudio.data.dataset import Dataset
    from nnstudio.data.preprocessing import prepare

    script = moons[3]
    rng = np.random.default_rng(seed)
    labels = rng.choice([0, 1, 3], size=53, p=[0.7, 0.25, 0.05])  # class 2 has no rows
    labels[:2] = 3  # at least two rows of the smallest class
    X = rng.normal(size=(53, 2))
    classes = np.array(["a", "b", "c", "d"])
    ds = Dataset("d", "d.csv", X, classes[labels], ["x1", "x2"], "t", "classification", classes)
    prepared = prepare(ds, val_split=val_split, seed=seed)
    train, val = script.split(53, val_split, seed, labels, len(classes))
    np.testing.assert_array_equal(train, prepared.train_index)
    np.testing.assert_array_equal(val, prepared.val_index)

    reg = Dataset("r", "r.csv", X, X[:, 0] * 2.0, ["x1", "x2"], "t", "regression", None)
    prepared = prepare(reg, val_split=val_split, seed=seed)
    train, val = script.split(53, val_split, seed)
    np.testing.assert_array_equal(train, prepared.train_index)
    np.testing.assert_array_equal(val, prepared.val_index)
