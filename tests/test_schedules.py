"""Learning-rate schedules, the best epoch, early stopping and restoring the best weights.

The truths: schedule factors worked by hand; the prefix property of a seeded run (the
first k epochs of a longer run are a k-epoch run), which says what "the weights of the
best epoch" must be without asking the code that keeps them; and the argmin of the
recorded validation losses."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.data import make_sample
from nnstudio.engine.network import MLP
from nnstudio.engine.schedules import PLATEAU_WAIT, BestWatch, Schedule
from nnstudio.engine.trainer import Trainer
from nnstudio.pipeline import TrainConfig, build_session


def test_step_and_cosine_factors_by_hand():
    s = Schedule("step")
    # 20 planned epochs: halves after every 5
    assert [s.factor(e, 20) for e in (0, 4, 5, 9, 10, 15, 19)] == [
        1,
        1,
        0.5,
        0.5,
        0.25,
        0.125,
        0.125,
    ]
    c = Schedule("cosine")
    assert c.factor(0, 10) == 1.0
    assert c.factor(5, 10) == pytest.approx(0.5)  # cos(pi/2) = 0
    assert c.factor(9, 10) == pytest.approx((1 + math.cos(0.9 * math.pi)) / 2)
    assert Schedule("constant").factor(7, 10) == 1.0
    with pytest.raises(ValueError, match="unknown schedule 'warm'"):
        Schedule("warm")


def test_plateau_halves_after_wait_epochs_without_improvement():
    p = Schedule("plateau")
    p.observe(1.0)
    for _ in range(PLATEAU_WAIT - 1):
        p.observe(1.0)  # no improvement, but not yet WAIT epochs
    assert p.factor(0, 1) == 1.0
    p.observe(1.0)
    assert p.factor(0, 1) == 0.5
    p.observe(0.5)  # an improvement resets the count
    for _ in range(PLATEAU_WAIT - 1):
        p.observe(0.6)
    assert p.factor(0, 1) == 0.5
    p.observe(0.6)
    assert p.factor(0, 1) == 0.25


def test_best_watch_copies_and_restores():
    w = BestWatch()
    params = [np.array([1.0, 2.0])]
    assert w.update(1, 3.0, params)
    params[0][:] = [5.0, 6.0]
    assert not w.update(2, 3.0, params)  # a tie keeps the earlier epoch
    assert w.best_epoch == 1 and w.since_best == 1
    assert w.restore(params)
    assert params[0].tolist() == [1.0, 2.0]


def _trainer(epochs, **kw):
    ds = make_sample("moons", n_samples=200, noise=0.3, seed=1)
    y = ds.y.astype(int)
    X = (ds.X - ds.X.mean(0)) / ds.X.std(0)
    Y = np.eye(2)[y]
    net = MLP([2, 16, 2], ["relu", "softmax"], "cross_entropy", seed=3)
    return Trainer(net, X[:60], Y[:60], X[60:], Y[60:], epochs=epochs, lr=0.05, seed=2, **kw)


def test_restored_weights_are_those_of_the_best_epoch():
    t = _trainer(60, restore_best=True)
    t.run()
    val = [r.val_loss for r in t.history]
    assert t.best_epoch == int(np.argmin(val)) + 1
    assert t.best_epoch < 60  # small training set: the validation loss turns up
    # The same seed for best_epoch epochs gives the best epoch's weights (prefix property).
    again = _trainer(t.best_epoch)
    again.run()
    for a, b in zip(t.net.params(), again.net.params()):
        np.testing.assert_array_equal(a, b)
    assert t.final_report is t.history[t.best_epoch - 1]


def test_no_restore_keeps_the_last_weights():
    t = _trainer(30)
    t.run()
    again = _trainer(30)
    again.run()
    for a, b in zip(t.net.params(), again.net.params()):
        np.testing.assert_array_equal(a, b)
    assert t.final_report is t.history[-1] and not t.restored_best


def test_patience_stops_patience_epochs_after_the_best():
    t = _trainer(500, patience=7, restore_best=True)
    t.run()
    assert t.stopped_early and t.done
    assert t.epoch == t.best_epoch + 7
    val = [r.val_loss for r in t.history]
    assert min(val[t.best_epoch :]) >= val[t.best_epoch - 1]


def test_without_validation_nothing_is_watched():
    ds = make_sample("xor", n_samples=64, seed=0)
    net = MLP([2, 8, 2], ["tanh", "softmax"], "cross_entropy", seed=0)
    t = Trainer(net, ds.X, np.eye(2)[ds.y.astype(int)], epochs=12, patience=1, restore_best=True)
    t.run()
    assert t.epoch == 12 and not t.stopped_early and t.best_epoch == 12


def test_schedule_sets_the_rate_each_epoch_and_lr_sets_the_base():
    t = _trainer(8, schedule="step")  # halves every 2 epochs
    rates = [t.run_epoch().lr for _ in range(8)]
    assert rates == pytest.approx([0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.00625, 0.00625])
    t2 = _trainer(8, schedule="step")
    for _ in range(3):
        t2.run_epoch()  # factor 0.5 now
    t2.lr = 0.2
    assert t2.base_lr == 0.2 and t2.lr == pytest.approx(0.1)


def test_session_model_meta_records_the_settings_and_best_epoch():
    ds = make_sample("blobs", n_samples=120, seed=0)
    cfg = TrainConfig(epochs=15, patience=3, schedule="cosine", l2=0.001, lr=0.02, seed=4)
    s = build_session(ds, cfg)
    s.trainer.run()
    meta = s.model().meta()
    expected = {"optimizer": "adam", "lr": 0.02, "batch_size": 32, "epochs": 15, "l2": 0.001,
                "seed": 4, "schedule": "cosine", "patience": 3, "val_split": 0.2,
                "task": "classification", "target_name": ds.target_name}  # fmt: skip
    assert {k: meta[k] for k in expected} == expected
    assert meta["best_epoch"] == s.trainer.best_epoch >= 1


def test_live_settings_reach_an_existing_trainer():
    ds = make_sample("blobs", n_samples=90, seed=0)
    s = build_session(ds, TrainConfig(epochs=5))
    s.trainer.run_epoch()
    s.apply_live(TrainConfig(epochs=9, lr=0.002, patience=4, restore_best=False, schedule="step"))
    t = s.trainer
    assert (t.epochs, t.base_lr, t.patience, t.restore_best, t.schedule.name) == (
        9, 0.002, 4, False, "step")  # fmt: skip
    assert s.config.patience == 4 and s.config.schedule == "step"
