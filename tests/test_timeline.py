"""Trainer checkpoints and the epoch timeline.

Truths: separate trainers made with the same seed and run straight through (never
restored), and hand-worked lists of which epochs thinning keeps.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data import make_sample
from nnstudio.engine.network import MLP
from nnstudio.engine.trainer import Trainer
from nnstudio.timeline import Timeline


def _data():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(96, 2))
    labels = (X[:, 0] * X[:, 1] > 0).astype(int)
    Y = np.eye(2)[labels]
    return X[:72], Y[:72], X[72:], Y[72:]


def _trainer(optimizer="adam", epochs=8, validation=True, schedule="constant") -> Trainer:
    X, Y, Xv, Yv = _data()
    net = MLP([2, 8, 8, 2], ["tanh", "relu", "softmax"], "cross_entropy", dtype=np.float64, seed=3)
    return Trainer(
        net,
        X,
        Y,
        Xv if validation else None,
        Yv if validation else None,
        optimizer=optimizer,
        batch_size=16,
        epochs=epochs,
        seed=5,
        schedule=schedule,
    )


def _train_epochs(trainer: Trainer, n: int, timeline: Timeline | None = None) -> None:
    for _ in range(n):
        trainer.run_epoch()
        if timeline is not None:
            timeline.record(trainer)


@pytest.mark.parametrize("optimizer", ["adam", "momentum", "sgd"])
def test_restoring_epoch_k_gives_epoch_k_and_then_the_same_future(optimizer):
    X = _data()[0]
    main = _trainer(optimizer, schedule="plateau")
    tl = Timeline()
    tl.record(main)  # epoch 0
    _train_epochs(main, 6, tl)
    assert tl.epochs == list(range(7))

    # An independent run of 3 epochs: the recorded epoch 3 must be exactly its weights.
    three = _trainer(optimizer, schedule="plateau")
    _train_epochs(three, 3)
    np.testing.assert_array_equal(tl.network(3, like=main.net).forward(X), three.net.forward(X))

    tl.restore(main, 3)
    assert main.epoch == 3 and len(main.history) == 3 and tl.epochs == [0, 1, 2, 3]
    np.testing.assert_array_equal(main.net.forward(X), three.net.forward(X))
    assert main.history[-1].val_loss == three.history[-1].val_loss

    # Training on from the restored epoch follows the straight run exactly.
    straight = _trainer(optimizer, schedule="plateau")
    _train_epochs(straight, 6)
    _train_epochs(main, 3, tl)
    assert main.epoch == 6 and tl.epochs == list(range(7))
    np.testing.assert_array_equal(main.net.forward(X), straight.net.forward(X))
    assert [r.train_loss for r in main.history] == [r.train_loss for r in straight.history]
    assert main.best_epoch == straight.best_epoch


def test_restore_keeps_the_planned_epochs_and_the_checkpoint_reusable():
    X = _data()[0]
    t = _trainer(epochs=5)
    tl = Timeline()
    tl.record(t)
    _train_epochs(t, 2, tl)
    out2 = t.net.forward(X)
    _train_epochs(t, 3, tl)
    assert t.done
    t.epochs = 9
    tl.restore(t, 2)
    assert t.epochs == 9 and not t.done and t.epoch == 2
    t.run_epoch()
    tl.record(t)
    # The epoch-2 checkpoint is still the epoch-2 state after training went on from it.
    np.testing.assert_array_equal(tl.network(2, like=t.net).forward(X), out2)


def test_checkpoint_is_refused_inside_an_epoch():
    t = _trainer()
    t.step()
    with pytest.raises(RuntimeError, match="between epochs"):
        t.checkpoint()


def test_network_copy_does_not_touch_the_trainer():
    X = _data()[0]
    t = _trainer()
    tl = Timeline()
    tl.record(t)
    _train_epochs(t, 2, tl)
    before = t.net.forward(X)
    first = tl.network(0, like=t.net)
    assert not np.array_equal(first.forward(X), before)
    np.testing.assert_array_equal(t.net.forward(X), before)
    assert tl.report(0) is None and tl.report(2).epoch == 2


def test_thinning_keeps_the_earliest_and_latest_and_drops_every_second_old_one():
    # SGD and no validation: every checkpoint is the parameters alone, the same size.
    t = _trainer("sgd", epochs=40, validation=False)
    size = sum(p.nbytes for p in t.net.param_blocks())
    assert t.checkpoint().nbytes == size
    tl = Timeline(budget=int(5.5 * size))  # room for five
    tl.record(t)
    kept = []
    for _ in range(7):
        t.run_epoch()
        tl.record(t)
        kept.append(tl.epochs)
    # Worked by hand: 0..4 fit; recording 5 makes six, so indices 1 and 3 (epochs 1, 3)
    # go; 6 fits again; recording 7 makes six, [0, 2, 4, 5, 6, 7] loses indices 1 and 3.
    assert kept == [
        [0, 1],
        [0, 1, 2],
        [0, 1, 2, 3],
        [0, 1, 2, 3, 4],
        [0, 2, 4, 5],
        [0, 2, 4, 5, 6],
        [0, 4, 6, 7],
    ]
    assert tl.thinned == 4 and tl.nbytes == 4 * size <= tl.budget
    for _ in range(30):
        t.run_epoch()
        tl.record(t)
        assert tl.nbytes <= tl.budget
        assert tl.epochs[0] == 0 and tl.epochs[-1] == t.epoch


def test_a_budget_smaller_than_one_checkpoint_keeps_the_first_and_last():
    t = _trainer("sgd", validation=False)
    tl = Timeline(budget=1)
    tl.record(t)
    _train_epochs(t, 4, tl)
    assert tl.epochs == [0, 4]


def test_checkpoint_counts_optimizer_moments():
    t = _trainer("adam")
    t.run_epoch()
    params = sum(p.nbytes for p in t.net.param_blocks())
    # weights + Adam's two moments + the best epoch's saved weights (validation rows)
    assert t.checkpoint().nbytes == 4 * params


def test_timeline_with_a_sample_and_the_pipeline():
    from nnstudio.pipeline import TrainConfig, build_session

    session = build_session(
        make_sample("moons", n_samples=200), TrainConfig(epochs=3, batch_size=32)
    )
    tl = Timeline()
    tl.record(session.trainer)
    _train_epochs(session.trainer, 3, tl)
    assert tl.epochs == [0, 1, 2, 3]


def test_timeline_pacing_and_runs_never_import_qt():
    import subprocess
    import sys

    code = (
        "import sys, nnstudio.timeline, nnstudio.pacing, nnstudio.runs\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[]"
