"""``nnstudio export``: errors, atomic output, and the training settings a model file
records so that exports can be made from the ``.npz`` alone."""

from __future__ import annotations

import json

import numpy as np
import pytest
from export_cases import SAMPLES, train

from nnstudio.cli import main
from nnstudio.errors import NnstudioError
from nnstudio.export import FORMATS, ExportError, export_model
from nnstudio.export.settings import training_settings
from nnstudio.io.model_file import ModelFileError, load_model
from nnstudio.pipeline import TrainConfig


def one_line_error(capsys, *argv) -> str:
    capsys.readouterr()
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert rc == 2 and out == "" and "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnstudio: error: ")
    return lines[0]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export_cli")
    return train(
        folder, "iris", SAMPLES / "iris.csv", "--optimizer", "momentum", "--lr", "0.02",
        "--batch-size", "16", "--epochs", "3", "--l2", "0.001", "--seed", "7",
        "--val-split", "0.25",
    )  # fmt: skip


def test_meta_records_the_training_settings(model):
    with np.load(model, allow_pickle=False) as f:
        meta = json.loads(str(f["meta"]))
    expected = {
        "optimizer": "momentum", "lr": 0.02, "batch_size": 16, "epochs": 3, "l2": 0.001,
        "seed": 7, "val_split": 0.25, "target_name": "species", "task": "classification",
    }  # fmt: skip
    assert {k: meta[k] for k in expected} == expected


def test_older_files_fall_back_to_nested_settings_and_defaults(model, tmp_path):
    m = load_model(model)
    for key in ("optimizer", "lr", "batch_size", "epochs", "l2", "seed", "val_split"):
        m.extra.pop(key)
    m.extra["training"] = {"optimizer": "rmsprop", "lr": None, "batch_size": 8}
    s = training_settings(m)
    # nested values where valid; the optimizer's default rate for lr None; defaults else
    assert (s["optimizer"], s["lr"], s["batch_size"]) == ("rmsprop", 0.003, 8)
    defaults = TrainConfig()
    assert (s["epochs"], s["seed"], s["val_split"]) == (defaults.epochs, 0, 0.2)
    assert s["l2"] == 0.0  # a model file from before the L2 default was per row
    m.extra.pop("training")
    m.extra["epochs"] = 2.5  # a wrong type is not used
    assert training_settings(m)["epochs"] == defaults.epochs


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_writes_one_file_atomically(fmt, model, tmp_path):
    out = tmp_path / "sub" / "x"
    out.parent.mkdir()
    export_model(model, fmt, out)
    assert [p.name for p in out.parent.iterdir()] == ["x"]
    assert out.stat().st_size > 500


def test_bad_model_file_is_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("a,b\n1,2\n")
    line = one_line_error(capsys, "export", bad, "--format", "numpy", "--out", tmp_path / "p.py")
    assert "bad.npz" in line
    assert not (tmp_path / "p.py").exists()
    with pytest.raises(ModelFileError):
        export_model(bad, "torch", tmp_path / "t.py")


def test_output_folder_and_missing_folder_are_refused(capsys, model, tmp_path):
    line = one_line_error(capsys, "export", model, "--format", "torch", "--out", tmp_path)
    assert "folder" in line
    line = one_line_error(
        capsys, "export", model, "--format", "torch", "--out", tmp_path / "no" / "m.py"
    )
    assert "does not exist" in line
    with pytest.raises(ExportError):
        export_model(model, "tensorflow", tmp_path / "m.pb")
    assert issubclass(ExportError, NnstudioError)
    assert list(tmp_path.iterdir()) == []


def test_output_goes_through_nnstudios_writer(capsys, model, tmp_path):
    """A symlinked --out is written through to its target, a replaced file keeps its
    mode, a FIFO is refused before anything is written."""
    import os

    target = tmp_path / "real.py"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    assert main(["export", str(model), "--format", "numpy", "--out", str(link)]) == 0
    assert link.is_symlink() and target.read_text().startswith("# Exported by nnstudio")
    assert target.stat().st_mode & 0o777 == 0o640
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    line = one_line_error(capsys, "export", model, "--format", "onnx", "--out", fifo)
    assert "FIFO" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.py", "pipe", "real.py"]


def test_an_older_file_without_settings_still_exports(model, tmp_path):
    """A model file from before the settings were recorded: the training script falls
    back to the defaults of nnstudio train (and the optimizer's own learning rate)."""
    with np.load(model, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays["meta"]))
    for key in ("optimizer", "lr", "momentum", "nesterov", "batch_size", "epochs", "l2",
                "seed", "schedule", "patience", "restore_best", "val_split", "best_epoch",
                "training"):  # fmt: skip
        meta.pop(key, None)
    arrays["meta"] = np.array(json.dumps(meta))
    old = tmp_path / "old.npz"
    np.savez(old, **arrays)
    for fmt in FORMATS:
        if fmt == "onnx":
            pytest.importorskip("onnx")
        export_model(old, fmt, tmp_path / f"old_{fmt}")
    text = (tmp_path / "old_torch-train").read_text()
    d = TrainConfig()  # the fallback is nnstudio train's defaults
    expected = [
        "'optimizer': 'adam',", "'lr': 0.01,", "'batch_size': 32,", f"'epochs': {d.epochs},",
        f"'patience': {d.patience},", "'hidden_layers': [32, 32],", "'target_name': 'species',",
    ]  # fmt: skip
    for line in expected:
        assert f"    {line}\n" in text
