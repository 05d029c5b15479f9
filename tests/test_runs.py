"""Run records: from a trainer, as a table and CSV, differences, and project-file JSON.

Truths: the trainer's own evaluation of its final weights, NumPy's argmin over the
validation losses, hand-written runs and the standard csv reader.
"""

from __future__ import annotations

import csv
import json
import math
import re

import numpy as np
import pytest

from nnstudio.engine.network import MLP
from nnstudio.engine.trainer import Trainer
from nnstudio.io.project import ProjectFileError
from nnstudio.runs import Run, differences, run_from_trainer, runs_from_json, table, write_csv


def _trainer(epochs=6):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    Y = np.eye(2)[(X.sum(1) > 0).astype(int)]
    net = MLP([2, 6, 2], ["tanh", "softmax"], "cross_entropy", dtype=np.float64, seed=2)
    return Trainer(
        net,
        X[:60],
        Y[:60],
        X[60:],
        Y[60:],
        optimizer="sgd",
        lr=0.5,
        batch_size=10,
        epochs=epochs,
        seed=3,
    )


def _run(number=1, **settings) -> Run:
    base = {
        "dataset": "moons",
        "hidden_layers": [32, 32],
        "activation": "relu",
        "optimizer": "adam",
        "lr": 0.01,
        "batch_size": 32,
        "epochs": 100,
        "l2": 0.0,
        "seed": 0,
    }
    base.update(settings)
    return Run(
        number=number,
        settings=base,
        metric_name="accuracy",
        train_loss=[0.7, 0.5, 0.25],
        val_loss=[0.72, 0.55, 0.31],
        final={"loss": 0.25, "metric": 0.9, "val_loss": 0.31, "val_metric": 0.875},
        best_epoch=3,
        best={"val_loss": 0.31, "val_metric": 0.875},
    )


def test_run_from_trainer_holds_the_curves_and_the_final_and_best_metrics():
    t = _trainer()
    t.run()
    run = run_from_trainer(4, {"dataset": "x"}, t)
    assert run.number == 4 and run.epochs_done == 6 and run.metric_name == "accuracy"
    val = [r.val_loss for r in t.history]
    assert run.val_loss == val
    loss, acc = t.evaluate(t.X_val, t.Y_val)  # the weights the run ended with
    assert run.final["val_loss"] == pytest.approx(loss, rel=1e-12)
    assert run.final["val_metric"] == pytest.approx(acc)
    assert run.best_epoch == int(np.argmin(val)) + 1
    assert run.best["val_loss"] == min(val)


def test_table_row_worked_by_hand():
    headers, rows = table([_run()])
    assert headers == [
        "run",
        "data",
        "layers",
        "activation",
        "optimizer",
        "lr",
        "batch",
        "epochs",
        "L2",
        "seed",
        "epochs done",
        "final loss",
        "final val loss",
        "final val metric",
        "best epoch",
        "best val loss",
        "best val metric",
    ]
    assert rows == [
        [
            "1",
            "moons",
            "32-32",
            "relu",
            "adam",
            "0.01",
            "32",
            "100",
            "0",
            "0",
            "3",
            "0.25",
            "0.31",
            "accuracy 87.50%",
            "3",
            "0.31",
            "87.50%",
        ]
    ]


def test_csv_export_reads_back_as_the_table(tmp_path):
    runs = [_run(1), _run(2, lr=0.1, hidden_layers=[8])]
    path = tmp_path / "runs.csv"
    write_csv(runs, path)
    with open(path, newline="", encoding="utf-8") as fh:
        read = list(csv.reader(fh))
    headers, rows = table(runs)
    assert read == [headers, *rows]
    assert read[2][2] == "8" and read[2][5] == "0.1"


def test_differences_lists_only_the_settings_that_differ():
    a = _run(1)
    b = _run(2, lr=0.1, seed=3, schedule="cosine")
    assert differences(a, b) == [("lr", 0.01, 0.1), ("seed", 0, 3), ("schedule", None, "cosine")]
    assert differences(a, _run(3)) == []


def test_json_round_trip_and_nan_becomes_null():
    r = _run()
    r.val_loss[1] = math.nan
    r.checked = True
    doc = json.loads(json.dumps([r.to_json()], allow_nan=False))
    (back,) = runs_from_json(doc, "p.json")
    assert back.val_loss == [0.72, None, 0.31]
    assert back.settings == r.settings and back.final == r.final and back.checked


@pytest.mark.parametrize(
    "mutate, where",
    [
        (lambda d: d.update(number=True), "runs[0].number"),
        (lambda d: d.update(number=0), "runs[0].number"),
        (lambda d: d.update(settings=[1]), "runs[0].settings"),
        (lambda d: d["settings"].update(lr={"a": 1}), "runs[0].settings.lr"),
        (lambda d: d.update(metric_name="f1"), "runs[0].metric_name"),
        (lambda d: d.update(train_loss="0.5"), "runs[0].train_loss"),
        (lambda d: d.update(val_loss=[0.5, "x"]), "runs[0].val_loss"),
        (lambda d: d.update(best_epoch=1.5), "runs[0].best_epoch"),
        (lambda d: d["final"].update(loss="big"), "runs[0].final.loss"),
        (lambda d: d["final"].update(extra=1), "runs[0].final"),
        (lambda d: d.update(checked="yes"), "runs[0].checked"),
    ],
)
def test_bad_runs_in_a_project_name_the_field(mutate, where):
    doc = _run().to_json()
    mutate(doc)
    with pytest.raises(ProjectFileError, match=re.escape(f"p.json: {where}")):
        runs_from_json([doc], "p.json")


def test_runs_must_be_a_list():
    with pytest.raises(ProjectFileError, match="p.json: runs"):
        runs_from_json({"number": 1}, "p.json")
