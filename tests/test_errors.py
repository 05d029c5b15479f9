"""Typed errors: one base for everything a user can get wrong, caught by the CLI and
nothing else; divergence carries its facts as fields; settings are validated by type and
range, never coerced."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from nnstudio import cli
from nnstudio.cli import UserError, main
from nnstudio.data import DataError
from nnstudio.engine import MLP, Trainer, TrainingDiverged
from nnstudio.errors import NnstudioError
from nnstudio.io.atomic import WriteError
from nnstudio.io.model_file import ModelFileError
from nnstudio.io.project import ProjectFileError
from nnstudio.pipeline import MAX_UNITS, ConfigError, TrainConfig


@pytest.mark.parametrize(
    "cls", [DataError, ModelFileError, ProjectFileError, ConfigError, UserError, WriteError]
)
def test_user_facing_errors_share_the_base(cls):
    assert issubclass(cls, NnstudioError)
    err = cls("first line\nsecond line")
    assert "\n" not in str(err)


# --------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize(
    "exc", [ValueError("a bug"), KeyError("a bug"), OSError(5, "a bug"), RuntimeError("x")]
)
def test_cli_lets_anything_but_the_base_through(monkeypatch, exc):
    """A bug is not a user error: no exit 2 one-liner hides it."""

    def broken():
        raise exc

    monkeypatch.setattr(cli, "_samples", broken)
    with pytest.raises(type(exc)):
        main(["samples"])


@pytest.mark.parametrize("cls", [DataError, ModelFileError, ConfigError, WriteError])
def test_cli_turns_the_base_into_one_line(monkeypatch, capsys, cls):
    def refuse():
        raise cls("data.csv: line 3: not a number\nsecond line")

    monkeypatch.setattr(cli, "_samples", refuse)
    assert main(["samples"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "nnstudio: error: data.csv: line 3: not a number second line\n"
    assert captured.out == ""


# --------------------------------------------------------------------------- divergence


def _diverging_trainer():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)) * 100
    Y = rng.normal(size=(64, 1)) * 100
    net = MLP([3, 16, 1], ["relu", "linear"], seed=0)
    return Trainer(net, X, Y, optimizer="sgd", lr=1e3, batch_size=8, epochs=50)


def test_training_diverged_carries_what_epoch_step_and_lr():
    tr = _diverging_trainer()
    steps_before = None
    with pytest.raises(TrainingDiverged) as info:
        while True:
            steps_before, epoch_before = tr.step_count, tr.epoch
            tr.step()
    exc = info.value
    # the failed update is the one after the last completed one, in the epoch after
    # the completed ones; the 64 rows at batch 8 give 8 steps per epoch
    assert exc.step == steps_before + 1 and exc.epoch == epoch_before + 1
    assert exc.epoch == (exc.step - 1) // 8 + 1
    assert exc.lr == 1e3 and exc.what in ("loss", "gradient")
    assert not math.isfinite(exc.value)
    assert exc.summary == (
        f"training diverged: the {exc.what} became {exc.value} at epoch {exc.epoch}, "
        f"step {exc.step}"
    )
    assert str(exc).startswith(exc.summary) and "smaller learning rate" in str(exc)
    again = pickle.loads(pickle.dumps(exc))
    assert (again.what, again.epoch, again.step, again.lr) == (
        exc.what,
        exc.epoch,
        exc.step,
        exc.lr,
    )


def test_cli_divergence_message_is_built_from_the_fields(capsys, tmp_path):
    out = tmp_path / "m.npz"
    rc = main(["train", "xor", "--out", str(out), "--optimizer", "sgd", "--lr", "1e6", "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1
    assert err[0].startswith("nnstudio: error: training diverged: the ")
    assert "no model file was written" in err[0] and "(now 1e+06)" in err[0]
    assert not out.exists()


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    "settings, words",
    [
        ({"l2": "x"}, ["L2", "'x'"]),
        ({"l2": True}, ["L2", "True"]),  # None is valid: the per-row default
        ({"val_split": None}, ["validation split", "None"]),
        ({"val_split": "0.2"}, ["validation split", "'0.2'"]),
        ({"val_split": 1}, ["validation split"]),
        ({"val_split": True}, ["validation split", "True"]),
        ({"momentum": "a"}, ["momentum", "'a'"]),
        ({"momentum": float("nan")}, ["momentum"]),
        ({"output_activation": ["softmax"]}, ["output activation", "['softmax']"]),
        ({"output_activation": 3}, ["output activation"]),
        ({"loss": {"mse": 1}}, ["loss"]),
        ({"optimizer": None}, ["optimizer"]),
        ({"activation": ["relu"]}, ["hidden activation"]),
        ({"hidden_activations": "relu"}, ["hidden_activations"]),
        ({"hidden_activations": [1, 2], "hidden_layers": [3, 3]}, ["hidden_activations"]),
        ({"hidden_layers": [1e400]}, ["hidden layer 1", "inf"]),
        ({"hidden_layers": [1.9, 2.9]}, ["hidden layer 1", "1.9"]),
        ({"hidden_layers": [2.0]}, ["hidden layer 1", "2.0"]),
        ({"hidden_layers": [True]}, ["hidden layer 1", "True"]),
        ({"hidden_layers": ["8"]}, ["hidden layer 1", "'8'"]),
        ({"hidden_layers": [MAX_UNITS + 1]}, ["hidden layer 1"]),
        ({"hidden_layers": "32,16"}, ["hidden_layers"]),
        ({"hidden_layers": None}, ["hidden_layers"]),
        ({"hidden_layers": {"a": 1}}, ["hidden_layers"]),
        ({"lr": True}, ["learning rate", "True"]),
        ({"lr": "0.1"}, ["learning rate"]),
        ({"lr": 1e400}, ["learning rate", "inf"]),
        ({"lr": 0}, ["learning rate"]),
        ({"epochs": 10.0}, ["epochs", "10.0"]),
        ({"epochs": False}, ["epochs"]),
        ({"batch_size": 32.5}, ["batch size"]),
        ({"batch_size": "32"}, ["batch size"]),
        ({"seed": 1.0}, ["seed"]),
        ({"seed": 2**32}, ["seed"]),
        ({"nesterov": "yes"}, ["nesterov"]),
        ({"nesterov": 1}, ["nesterov"]),
        ({"dtype": ["float32"]}, ["dtype"]),
    ],
)
def test_settings_are_validated_by_type_and_range_never_coerced(settings, words):
    with pytest.raises(ConfigError) as info:
        TrainConfig.from_dict(settings)
    text = str(info.value)
    assert "\n" not in text and text.startswith("invalid training settings: ")
    for w in words:
        assert w in text, f"{w!r} not in {text!r}"


def test_valid_settings_are_kept_exactly():
    d = TrainConfig(hidden_layers=[5, 3], val_split=0.95, lr=1000.0, momentum=0.0).to_dict()
    cfg = TrainConfig.from_dict(d)
    assert cfg.val_split == 0.95 and cfg.lr == 1000.0 and cfg.hidden_layers == [5, 3]
    assert cfg.to_dict() == d


def test_bench_widths_beyond_the_app_limit_are_one_line_not_a_memory_error(capsys):
    assert main(["bench", "--widths", "8,99999999999"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "99999999999" in err[0] and "4096" in err[0]


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--lr", "nan"], ["learning rate", "nan"]),
        (["--lr", "inf"], ["learning rate", "inf"]),
        (["--momentum", "nan"], ["momentum"]),
        (["--l2", "inf"], ["L2"]),
        (["--val-split", "nan"], ["validation split"]),
        (["--batch-size", "0"], ["batch size"]),
        (["--seed", "-1"], ["seed"]),
        (["--layers", "4096000"], ["hidden layer 1"]),
        (["--loss", "binary_cross_entropy"], ["sigmoid"]),
        (["--task", "regression", "--output-activation", "softmax"], ["softmax"]),
    ],
)
def test_cli_settings_that_reach_the_engine_are_refused_first(capsys, tmp_path, argv, words):
    out = tmp_path / "m.npz"
    rc = main(["train", "blobs", "--out", str(out), "-q", "--epochs", "1", *argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("nnstudio: error: "), err
    for w in words:
        assert w in err[0], f"{w!r} not in {err[0]!r}"
    assert not out.exists()


def test_a_range_test_diverging_at_its_first_step_raises_that_steps_fields():
    from nnstudio.engine.lr_finder import lr_range_test

    X = np.full((16, 2), 1e200)  # the first forward pass overflows: loss inf or nan
    Y = np.tile([[1.0, 0.0], [0.0, 1.0]], (8, 1))
    net = MLP([2, 4, 2], ["relu", "softmax"], dtype=np.float64, seed=0)
    with pytest.raises(TrainingDiverged) as info:
        lr_range_test(net, X, Y, lr_min=1e-4, lr_max=1.0, steps=10)
    exc = info.value
    assert (exc.epoch, exc.step, exc.lr) == (1, 1, 1e-4) and not math.isfinite(exc.value)
