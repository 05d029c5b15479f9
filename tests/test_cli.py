"""The command line, called in-process with ``main([...])`` (plus one real subprocess).

Predictions are checked against a NumPy forward pass written here from the model file
contract, not against nnstudio's own predict code.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from npz_reference import network_output

import nnstudio
from nnstudio.cli import main, parse_layers
from nnstudio.data import SAMPLES, make_sample
from nnstudio.engine.trainer import Trainer
from nnstudio.pipeline import TrainConfig

ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------- reference


def numpy_forward(path, X):
    """``(meta, output)``: output is class probabilities (n, k) or values (n, outputs)."""
    meta, arrays, a = network_output(path, X)
    if meta["task"] == "regression":
        a = a * arrays["target.scale"] + arrays["target.mean"]
    elif a.shape[1] == 1:
        a = np.column_stack([1 - a[:, 0], a[:, 0]])
    return meta, a


# --------------------------------------------------------------------------- helpers


def run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def assert_user_error(rc, out, err, *words):
    assert rc == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("nnstudio: error: "), err
    for w in words:
        assert w in lines[0], f"{w!r} not in {lines[0]!r}"
    assert out == ""


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def read_csv(text_or_path):
    text = Path(text_or_path).read_text() if isinstance(text_or_path, Path) else text_or_path
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def moons_rows(n=300, seed=4):
    """Moons with text labels: columns a, b, color ('blue' = class 0, 'red' = class 1)."""
    ds = make_sample("moons", n_samples=n, seed=seed)
    return [
        [repr(float(x1)), repr(float(x2)), "red" if c else "blue"]
        for (x1, x2), c in zip(ds.X, ds.y)
    ]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model trained by the CLI on a text-label CSV; returns (folder, csv, model)."""
    folder = tmp_path_factory.mktemp("trained")
    data = write_csv(folder / "moons.csv", ["a", "b", "color"], moons_rows())
    model = folder / "model.npz"
    rc = main(
        ["train", str(data), "--out", str(model), "--layers", "12,8",
         "--activations", "tanh,relu", "--epochs", "40", "--quiet"]
    )  # fmt: skip
    assert rc == 0
    return folder, data, model


def leftovers(folder, keep=()):
    return sorted(p.name for p in Path(folder).iterdir() if p.name not in keep)


# --------------------------------------------------------------------------- train


def test_train_sample_with_defaults_prints_json_last(capsys, tmp_path):
    out = tmp_path / "m.npz"
    rc, stdout, stderr = run(capsys, "train", "spirals", "--out", out, "--json")
    assert rc == 0, stderr
    lines = stdout.strip().splitlines()
    result = json.loads(lines[-1])
    assert len(lines) == 1  # the progress bar and summary go to stderr
    for key in ("loss", "val_loss", "accuracy", "val_accuracy", "epochs", "seconds",
                "samples_per_second", "out"):  # fmt: skip
        assert key in result, key
    assert 1 <= result["epochs"] <= TrainConfig().epochs and result["out"] == str(out)
    assert result["val_accuracy"] >= 0.97  # the defaults alone give a useful model
    assert result["samples_per_second"] > 0 and result["seconds"] > 0
    assert out.exists() and leftovers(tmp_path) == ["m.npz"]
    assert "saved" in stderr and "spirals" in stderr  # the human summary


def test_train_regression_json_reports_r2(capsys, tmp_path):
    out = tmp_path / "sine.npz"
    rc, stdout, _ = run(capsys, "train", "sine", "--out", out, "--json", "-q", "--epochs", "60")
    assert rc == 0
    result = json.loads(stdout.strip().splitlines()[-1])
    assert {"r2", "val_r2", "loss", "val_loss"} <= set(result)
    assert "accuracy" not in result
    assert result["val_r2"] > 0.9


def test_train_flags_reach_the_model(capsys, tmp_path):
    out = tmp_path / "m.npz"
    rc, _, err = run(
        capsys, "train", "blobs", "--out", out, "--layers", "5", "--activation", "elu",
        "--optimizer", "momentum", "--lr", "0.02", "--momentum", "0.8", "--nesterov",
        "--epochs", "3", "--batch-size", "16", "--l2", "0.001", "--val-split", "0.25",
        "--seed", "11", "--dtype", "float64", "--quiet",
    )  # fmt: skip
    assert rc == 0, err
    assert err == ""  # --quiet: no bar, no summary
    with np.load(out, allow_pickle=False) as f:
        meta = json.loads(str(f["meta"][()]))
        assert f["layers.0.weight"].dtype == np.float64
    assert meta["layer_sizes"] == [2, 5, 3]
    assert meta["activations"] == ["elu", "softmax"]
    t = meta["training"]
    assert (t["optimizer"], t["lr"], t["momentum"], t["nesterov"]) == ("momentum", 0.02, 0.8, True)
    assert (t["epochs"], t["batch_size"], t["l2"], t["val_split"], t["seed"]) == (
        3, 16, 0.001, 0.25, 11,
    )  # fmt: skip


def test_no_hidden_layer_gives_a_logistic_model(capsys, tmp_path):
    out = tmp_path / "m.npz"
    rc, _, _ = run(capsys, "train", "blobs", "--out", out, "--layers", "", "-q", "--epochs", "5")
    assert rc == 0
    with np.load(out, allow_pickle=False) as f:
        assert json.loads(str(f["meta"][()]))["layer_sizes"] == [2, 3]


@pytest.mark.parametrize(
    "text, sizes", [("32,16", [32, 16]), (" 8 , 4 ", [8, 4]), ("", []), ("0", []), ("none", [])]
)
def test_parse_layers(text, sizes):
    assert parse_layers(text) == sizes


# --------------------------------------------------------------------------- predict


def test_predict_csv_matches_numpy_forward(capsys, trained, tmp_path):
    folder, data, model = trained
    out = tmp_path / "pred.csv"
    rc, stdout, stderr = run(capsys, "predict", model, data, "--out", out)
    assert rc == 0 and stdout == ""
    header, rows = read_csv(out)
    assert header == ["prediction", "p_blue", "p_red"]
    _, table = read_csv(data)
    assert len(rows) == len(table)
    X = np.array([[float(r[0]), float(r[1])] for r in table])
    meta, proba = numpy_forward(model, X)
    assert meta["classes"] == ["blue", "red"]
    got = np.array([[float(v) for v in r[1:]] for r in rows])
    np.testing.assert_allclose(got, proba, rtol=1e-12, atol=1e-15)
    assert [r[0] for r in rows] == [meta["classes"][j] for j in proba.argmax(axis=1)]
    # The target column was present: accuracy on stderr, and it is the true accuracy.
    truth = [r[2] for r in table]
    acc = np.mean([r[0] == t for r, t in zip(rows, truth)])
    assert acc > 0.9
    assert f"accuracy {100 * acc:.2f}%" in stderr and "'color'" in stderr
    assert leftovers(tmp_path) == ["pred.csv"]


def test_predict_numbers_are_written_exactly(capsys, trained):
    _, data, model = trained
    rc, stdout, _ = run(capsys, "predict", model, data)
    assert rc == 0
    _, rows = read_csv(stdout)
    for r in rows[:20]:
        for v in r[1:]:
            assert repr(float(v)) == v  # shortest round-trip text of a float64


def test_predict_matches_columns_by_name(capsys, trained, tmp_path):
    _, data, model = trained
    rc, reference, _ = run(capsys, "predict", model, data)
    assert rc == 0
    _, table = read_csv(data)
    shuffled = write_csv(
        tmp_path / "shuffled.csv",
        ["note", "b", "color", "extra", "a"],
        [[f"row {i}", r[1], r[2], "x" * (i % 3), r[0]] for i, r in enumerate(table)],
    )
    rc, stdout, stderr = run(capsys, "predict", model, shuffled)
    assert rc == 0, stderr
    assert stdout == reference
    assert "accuracy" in stderr


def test_predict_without_target_reports_no_metric(capsys, trained, tmp_path):
    _, data, model = trained
    _, table = read_csv(data)
    features = write_csv(tmp_path / "x.csv", ["b", "a"], [[r[1], r[0]] for r in table[:7]])
    rc, stdout, stderr = run(capsys, "predict", model, features)
    assert rc == 0
    assert stderr == ""
    header, rows = read_csv(stdout)
    assert header == ["prediction", "p_blue", "p_red"] and len(rows) == 7


def test_predict_integer_labels_compare_as_text(capsys, tmp_path):
    ds = make_sample("xor", n_samples=200, seed=1)
    rows = [[repr(float(a)), repr(float(b)), str(c)] for (a, b), c in zip(ds.X, ds.y)]
    data = write_csv(tmp_path / "xor.csv", ["x1", "x2", "cls"], rows)
    model = tmp_path / "xor.npz"
    assert main(["train", str(data), "--out", str(model), "-q", "--epochs", "60"]) == 0
    rc, stdout, stderr = run(capsys, "predict", model, data)
    assert rc == 0
    header, pred = read_csv(stdout)
    assert header == ["prediction", "p_0", "p_1"]
    acc = np.mean([p[0] == r[2] for p, r in zip(pred, rows)])
    assert acc > 0.95
    assert f"accuracy {100 * acc:.2f}%" in stderr


def test_predict_binary_sigmoid_model(capsys, trained, tmp_path):
    _, data, _ = trained
    model = tmp_path / "bin.npz"
    rc, _, _ = run(
        capsys, "train", data, "--out", model, "--loss", "binary_cross_entropy", "-q",
        "--epochs", "30",
    )  # fmt: skip
    assert rc == 0
    rc, stdout, _ = run(capsys, "predict", model, data)
    header, rows = read_csv(stdout)
    assert header == ["prediction", "p_blue", "p_red"]
    _, table = read_csv(data)
    X = np.array([[float(r[0]), float(r[1])] for r in table])
    meta, proba = numpy_forward(model, X)
    assert meta["activations"][-1] == "sigmoid" and meta["layer_sizes"][-1] == 1
    got = np.array([[float(v) for v in r[1:]] for r in rows])
    np.testing.assert_allclose(got, proba, rtol=1e-12, atol=1e-15)


def test_predict_regression_sample_and_npz(capsys, tmp_path):
    model = tmp_path / "sine.npz"
    assert main(["train", "sine", "--out", str(model), "-q", "--epochs", "20"]) == 0
    rc, stdout, stderr = run(capsys, "predict", model, "sine")
    assert rc == 0
    header, rows = read_csv(stdout)
    ds = make_sample("sine")
    assert header == ["prediction"] and len(rows) == ds.n_samples
    _, values = numpy_forward(model, ds.X)
    np.testing.assert_allclose([float(r[0]) for r in rows], values[:, 0], rtol=1e-12, atol=1e-14)
    assert stderr.startswith("R² ") and "'y'" in stderr
    # An NPZ with X only: columns by position, no metric.
    npz = tmp_path / "x.npz"
    np.savez(npz, X=ds.X[:10])
    rc, stdout, stderr = run(capsys, "predict", model, npz)
    assert rc == 0 and stderr == ""
    assert len(read_csv(stdout)[1]) == 10


def test_predict_multi_output_regression_columns(capsys, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = np.column_stack([X[:, 0] + X[:, 1], X[:, 2] * 2])
    data = tmp_path / "two.npz"
    np.savez(data, X=X, y=y)
    model = tmp_path / "two_model.npz"
    assert main(["train", str(data), "--out", str(model), "-q", "--epochs", "10"]) == 0
    rc, stdout, stderr = run(capsys, "predict", model, data)
    assert rc == 0
    header, rows = read_csv(stdout)
    assert header == ["prediction_0", "prediction_1"] and len(rows) == 120
    _, values = numpy_forward(model, X)
    np.testing.assert_allclose(np.array(rows, float), values, rtol=1e-12, atol=1e-14)
    assert "R²" in stderr


# --------------------------------------------------------------------------- user errors


def _error_cases(folder, data, model):
    out = folder / "new.npz"
    ragged = write_csv(folder / "ragged.csv", ["a", "b", "color"], [["1", "2", "red"], ["1", "2"]])
    words = write_csv(folder / "words.csv", ["a", "b", "color"], [["1", "x", "red"]] * 4)
    no_b = write_csv(folder / "no_b.csv", ["a", "color"], [["1", "red"]])
    bad_b = write_csv(folder / "bad_b.csv", ["a", "b"], [["1", "2"], ["3", "oops"]])
    three = folder / "three.npz"
    np.savez(three, X=np.zeros((4, 3)))
    not_model = folder / "not_model.npz"
    not_model.write_text("just text\n")
    t = ["train", data, "--out", out]
    return [
        (["train", folder / "missing.csv", "--out", out], ["missing.csv", "no such file"]),
        (["train", "nosuchsample", "--out", out], ["nosuchsample", "nnstudio samples"]),
        (["train", ragged, "--out", out], ["ragged.csv", "line 3"]),
        (["train", words, "--out", out], ["words.csv", "line 2", "'b'"]),
        ([*t, "--target", "colour2"], ["colour2"]),
        ([*t, "--lr", "-1"], ["learning rate", "-1"]),
        ([*t, "--layers", "a,b"], ["--layers", "'a'"]),
        ([*t, "--layers", "8,-2"], ["--layers"]),
        ([*t, "--layers", "8", "--activations", "relu,tanh"], ["2 activations for 1"]),
        ([*t, "--activation", "swish"], ["swish"]),
        ([*t, "--activation", "relu", "--activations", "relu"], ["not allowed with"]),
        ([*t, "--epochs", "0"], ["epochs"]),
        ([*t, "--epochs", "ten"], ["--epochs", "'ten'"]),
        ([*t, "--val-split", "1.5"], ["validation split"]),
        ([*t, "--optimizer", "lbfgs"], ["--optimizer", "lbfgs"]),
        ([*t, "--loss", "cross_entropy", "--output-activation", "tanh"], ["softmax"]),
        ([*t, "--task", "regression"], ["regression"]),
        ([*t, "--bogus"], ["--bogus"]),
        (["train", data], ["--out"]),
        (["train", data, "--out", folder / "nofolder" / "m.npz"], ["does not exist"]),
        (["train", data, "--out", folder], ["folder"]),
        ([*t, "--optimizer", "sgd", "--lr", "1e6", "-q"], ["diverged", "no model file"]),
        (["predict", folder / "missing.npz", data], ["no such model file"]),
        (["predict", not_model, data], ["not_model.npz", "not an .npz model file"]),
        (["predict", data, data], ["moons.csv", "not an .npz"]),
        (["predict", model, no_b], ["no_b.csv", "'b'"]),
        (["predict", model, bad_b, "--out", folder / "p.csv"], ["bad_b.csv", "line 3", "'b'"]),
        (["predict", model, three], ["three.npz", "3 columns", "needs 2"]),
        (["predict", model, "nosuchsample"], ["nosuchsample"]),
        (["predict", model, data, "--out", folder / "nofolder" / "p.csv"], ["does not exist"]),
        (["predict", model], ["DATA"]),
        (["frobnicate"], ["frobnicate"]),
    ]


def test_user_errors_exit_2_with_one_line_and_write_nothing(capsys, trained, tmp_path):
    _, data, model = trained
    cases = _error_cases(tmp_path, data, model)
    inputs = set(os.listdir(tmp_path))
    for argv, words in cases:
        rc, out, err = run(capsys, *argv)
        try:
            assert_user_error(rc, out, err, *words)
        except AssertionError as exc:
            raise AssertionError(f"{[str(a) for a in argv]}: {exc}") from None
        assert set(os.listdir(tmp_path)) == inputs, argv  # no model, no CSV, no temp file


def test_divergence_keeps_an_existing_model(capsys, trained, tmp_path):
    _, data, model = trained
    target = tmp_path / "keep.npz"
    target.write_bytes(model.read_bytes())
    rc, out, err = run(capsys, "train", data, "--out", target, "--optimizer", "sgd", "--lr", "1e6")
    assert rc == 2
    assert err.strip().splitlines()[-1].startswith("nnstudio: error: training diverged")
    assert "Traceback" not in err and "RuntimeWarning" not in err
    assert target.read_bytes() == model.read_bytes()
    assert leftovers(tmp_path) == ["keep.npz"]


def test_ctrl_c_stops_cleanly_and_writes_nothing(capsys, monkeypatch, tmp_path):
    real_step = Trainer.step
    calls = []

    def step(self):
        calls.append(1)
        if len(calls) == 25:
            raise KeyboardInterrupt
        return real_step(self)

    monkeypatch.setattr(Trainer, "step", step)
    rc, out, err = run(capsys, "train", "moons", "--out", tmp_path / "m.npz", "--json")
    assert rc == 130
    assert out == "" and "Traceback" not in err
    assert err.strip().splitlines()[-1] == "nnstudio: interrupted; no file was written"
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- other commands


def test_samples_lists_every_builtin(capsys):
    rc, out, _ = run(capsys, "samples")
    assert rc == 0
    for name in SAMPLES:
        assert any(line.split()[:1] == [name] for line in out.splitlines()), name


def test_help_and_version(capsys):
    rc, out, _ = run(capsys, "--help")
    assert rc == 0
    for cmd in ("gui", "train", "predict", "bench", "samples"):
        assert cmd in out
    rc, out, _ = run(capsys, "--version")
    assert rc == 0 and nnstudio.__version__ in out
    rc, out, _ = run(capsys, "train", "--help")
    assert rc == 0 and "--layers" in out and "--json" in out


@pytest.fixture
def fake_app(monkeypatch):
    calls = []
    app = types.ModuleType("nnstudio.app")

    def run_gui(dataset=None, model=None, project=None):
        calls.append((dataset, model, project))
        return 0

    app.run_gui = run_gui
    monkeypatch.setitem(sys.modules, "nnstudio.app", app)
    monkeypatch.setattr(nnstudio, "app", app, raising=False)
    return calls


def test_no_command_opens_the_gui(capsys, fake_app):
    assert main([]) == 0
    assert fake_app == [(None, None, None)]


def test_gui_passes_its_options(capsys, fake_app):
    rc, _, _ = run(capsys, "gui", "--dataset", "moons", "--model", "m.npz", "--project", "p.json")
    assert rc == 0
    assert fake_app == [("moons", "m.npz", "p.json")]


def test_gui_unavailable_is_one_line(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "nnstudio.app", None)  # import fails like missing Qt
    monkeypatch.delattr(nnstudio, "app", raising=False)
    rc, out, err = run(capsys)
    assert_user_error(rc, out, err, "the desktop app is not available")


def test_bench_is_delegated(capsys, monkeypatch):
    seen = {}
    bench = types.ModuleType("nnstudio.bench")
    bench.add_arguments = lambda p: p.add_argument("--repeat", type=int, default=1)
    bench.run = lambda args: seen.setdefault("repeat", args.repeat) and 0
    monkeypatch.setitem(sys.modules, "nnstudio.bench", bench)
    monkeypatch.setattr(nnstudio, "bench", bench, raising=False)
    rc, _, _ = run(capsys, "bench", "--repeat", "3")
    assert rc == 0 and seen == {"repeat": 3}


# --------------------------------------------------------------------------- entry point


def test_python_dash_m_entry_point(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-m", "nnstudio", "train", "circles", "--out", "c.npz", "--json",
         "--epochs", "10"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["epochs"] == 10 and result["out"] == "c.npz"
    assert (tmp_path / "c.npz").exists()
    assert "Traceback" not in proc.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "nnstudio", "train", "circles", "--out", "c.npz", "--lr", "0"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnstudio: error: learning rate"), lines


def test_numeric_looking_labels_keep_their_text_end_to_end(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    labels = np.where(X[:, 0] > 0, "010", "007")
    data = tmp_path / "codes.csv"
    data.write_text("a,b,code\n" + "".join(f"{a},{b},{c}\n" for (a, b), c in zip(X, labels)))
    model = tmp_path / "m.npz"
    rc, _, err = run(capsys, "train", data, "--out", model, "--epochs", "30", "--quiet")
    assert rc == 0, err
    rc, out, err = run(capsys, "predict", model, data)
    assert rc == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["prediction", "p_007", "p_010"]
    assert {r[0] for r in rows[1:]} <= {"007", "010"}
    assert "never saw" not in err and "accuracy" in err


def test_predict_scores_labels_spelled_another_way_as_the_same_classes(tmp_path, capsys):
    """A model trained on labels "007"/"010" scores a file that writes them 7 and 10.0:
    the accuracy is the fraction of rows whose predicted label is the row's class."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    codes = np.where(X[:, 0] > 0, "010", "007")
    train = tmp_path / "codes.csv"
    train.write_text("a,b,code\n" + "".join(f"{a},{b},{c}\n" for (a, b), c in zip(X, codes)))
    model = tmp_path / "m.npz"
    rc, _, err = run(capsys, "train", train, "--out", model, "--epochs", "20", "--quiet")
    assert rc == 0, err
    respelled = {"007": "7", "010": "10.0"}
    new = tmp_path / "new.csv"
    new.write_text(
        "a,b,code\n" + "".join(f"{a},{b},{respelled[c]}\n" for (a, b), c in zip(X, codes))
    )
    rc, out, err = run(capsys, "predict", model, new)
    assert rc == 0, err
    predicted = [r[0] for r in list(csv.reader(io.StringIO(out)))[1:]]
    correct = sum(p == c for p, c in zip(predicted, codes))
    assert f"accuracy {100 * correct / len(codes):.2f}% ({correct} of 60 rows)" in err
    assert "never saw" not in err


def test_reading_bar_appears_only_once_reading_takes_a_second(tmp_path, monkeypatch):
    import nnstudio.cli.common as common

    class Tty(io.StringIO):
        def isatty(self):
            return True

    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2\n")
    now = [100.0]
    monkeypatch.setattr(common.time, "monotonic", lambda: now[0])
    err = Tty()
    monkeypatch.setattr(sys, "stderr", err)
    with common.reading_bar(str(path), True) as progress:
        now[0] += 0.5
        progress(0.3)  # half a second in: no bar yet
        assert err.getvalue() == ""
        now[0] += 0.7
        progress(0.6)  # past a second: the bar shows the file's name
        assert "reading d.csv" in err.getvalue()
    with common.reading_bar("xor", True) as progress:  # a sample name: no file to read
        assert progress is None
