"""The learning-rate range test: the rates follow the exponential formula, the sweep
stops when the loss blows up, the network passed in is untouched, the suggestion rule
worked by hand, and training at the suggested rate trains well."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.cli import main
from nnstudio.data import load_dataset
from nnstudio.engine.lr_finder import MIN_DIVISOR, lr_range_test, suggest
from nnstudio.pipeline import TrainConfig, build_session


def test_suggestion_by_hand():
    # lowest loss (1.0) at rate 1.0: suggest 1.0 / 10
    rates = [0.01, 0.1, 1.0, 10.0]
    assert suggest(rates, [5.0, 3.0, 1.0, 2.0]) == pytest.approx(1.0 / MIN_DIVISOR)
    # never below the first rate of the sweep
    assert suggest([1.0, 2.0], [0.5, 3.0]) == 1.0


def test_sweep_is_exponential_stops_on_blowup_and_leaves_the_net_alone():
    s = build_session(load_dataset("moons"), TrainConfig())
    before = [p.copy() for p in s.net.params()]
    r = lr_range_test(s.net, s.trainer.X, s.trainer.Y, lr_min=1e-5, lr_max=100.0, steps=300)
    expected = np.geomspace(1e-5, 100.0, 300)[: len(r.lr)]
    np.testing.assert_allclose(r.lr, expected, rtol=1e-12)
    assert r.stopped in ("blew up", "diverged") and len(r.lr) < 300  # 100 is far too high
    assert len(r.loss) == len(r.raw_loss) == len(r.lr)
    for a, b in zip(before, s.net.params()):
        np.testing.assert_array_equal(a, b)
    assert r.lr[0] <= r.suggested_lr <= r.lr[-1]


@pytest.mark.parametrize("name", ["moons", "samples/iris.csv"])
def test_training_at_the_suggested_rate_trains_well(name):
    ds = load_dataset(name)
    s = build_session(ds, TrainConfig())
    r = lr_range_test(s.net, s.trainer.X, s.trainer.Y)
    trained = build_session(ds, TrainConfig(lr=r.suggested_lr, epochs=60))
    trained.trainer.run()
    assert trained.trainer.final_report.val_metric >= 0.9
    # far off the suggestion (1000 times lower) the same budget does not get there
    slow = build_session(ds, TrainConfig(lr=r.suggested_lr / 1000, epochs=60))
    slow.trainer.run()
    assert slow.trainer.final_report.val_metric < trained.trainer.final_report.val_metric


def test_lr_find_json_is_the_last_line(capsys):
    rc = main(["lr-find", "blobs", "--json", "--batch-size", "16"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    res = json.loads(out.strip().splitlines()[-1])
    assert set(res) == {"suggested_lr", "lr", "loss"}
    assert len(res["lr"]) == len(res["loss"]) >= 20
    assert res["lr"] == sorted(res["lr"])
    assert "suggested learning rate" in err
