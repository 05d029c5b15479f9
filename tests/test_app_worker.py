"""The training worker in its QThread, without the main window: throttled updates that
still carry every epoch, pause without stepping, one-epoch steps, stop, a learning rate
handed over mid-run, divergence, and the plots' bounded history."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from PySide6.QtCore import QObject, Slot

from nnstudio.app.plots import GradNormPlot, LossPlot, Series
from nnstudio.app.threads import make_thread
from nnstudio.app.worker import TrainingUpdate, TrainingWorker
from nnstudio.data.loaders import load_dataset
from nnstudio.engine.trainer import EpochReport, TrainingDiverged
from nnstudio.pipeline import TrainConfig, build_session

TIMEOUT = 60_000


class Recorder(QObject):
    """Collects what a worker emits, in the GUI thread."""

    def __init__(self) -> None:
        super().__init__()
        self.updates: list[TrainingUpdate] = []
        self.paused: list[bool] = []
        self.failures: list[str] = []
        self.divergences: list[TrainingDiverged] = []
        self.sessions: list = []
        self.finished = False

    @Slot(object)
    def on_progress(self, u) -> None:
        self.updates.append(u)

    @Slot(bool)
    def on_paused(self, p) -> None:
        self.paused.append(p)

    @Slot(str)
    def on_failed(self, m) -> None:
        self.failures.append(m)

    @Slot(object)
    def on_diverged(self, exc) -> None:
        self.divergences.append(exc)

    @Slot(object)
    def on_session(self, s) -> None:
        self.sessions.append(s)

    @Slot()
    def on_finished(self) -> None:
        self.finished = True

    def epochs(self) -> list[EpochReport]:
        return [r for u in self.updates for r in u.epoch_reports]


def session(sample="moons", **cfg):
    c = TrainConfig(**{"hidden_layers": [16], "epochs": 20, **cfg})
    return build_session(load_dataset(sample), c)


@pytest.fixture
def run(qtbot):
    """``run(worker)`` starts it in a thread and returns (recorder, thread); the
    fixture stops and joins whatever is still running at the end."""
    started = []

    def start(worker):
        rec = Recorder()
        worker.progress.connect(rec.on_progress)
        worker.pausedChanged.connect(rec.on_paused)
        worker.failed.connect(rec.on_failed)
        worker.diverged.connect(rec.on_diverged)
        worker.sessionReady.connect(rec.on_session)
        thread = make_thread(worker)
        thread.finished.connect(rec.on_finished)
        started.append((worker, thread, rec))
        thread.start()
        return rec, thread

    yield start
    for worker, _thread, rec in started:
        if not rec.finished:
            worker.stop()
            qtbot.waitUntil(lambda r=rec: r.finished, timeout=TIMEOUT)


def test_every_epoch_arrives_and_updates_are_throttled(qtbot, run):
    s = session(epochs=60, batch_size=8)  # many small steps: far more than 30 per second
    rec, _ = run(TrainingWorker(s))
    qtbot.waitUntil(lambda: rec.finished, timeout=TIMEOUT)
    reps = rec.epochs()
    assert [r.epoch for r in reps] == list(range(1, 61))
    assert reps == s.trainer.history
    steps = np.concatenate([u.steps for u in rec.updates])
    assert list(steps) == list(range(1, s.trainer.step_count + 1))  # no step lost
    norms = np.vstack([u.grad_norms for u in rec.updates])
    assert norms.shape == (s.trainer.step_count, 2) and np.all(norms > 0)
    # throttled: far fewer updates than steps, about 30 a second at most
    assert len(rec.updates) < s.trainer.step_count / 5
    assert rec.updates[-1].final and rec.updates[-1].progress == 1.0
    assert rec.updates[-1].weights is not None
    assert not rec.failures


def test_surface_is_computed_in_the_worker(qtbot, run):
    s = session(epochs=3)
    grid = np.random.default_rng(0).uniform(-1, 2, (50, 2))
    rec, _ = run(TrainingWorker(s, grid=grid))
    qtbot.waitUntil(lambda: rec.finished, timeout=TIMEOUT)
    surf = rec.updates[-1].surface
    assert surf.shape == (50, 2)
    np.testing.assert_allclose(surf, s.output(grid), rtol=1e-6)


def test_pause_holds_and_resume_continues(qtbot, run):
    s = session(epochs=100_000)
    worker = TrainingWorker(s)
    rec, _ = run(worker)
    qtbot.waitUntil(lambda: len(rec.epochs()) >= 2, timeout=TIMEOUT)
    worker.pause()
    assert worker.wait_idle(10)  # the worker waits in the pause: no step can be running
    qtbot.waitUntil(lambda: rec.paused[-1:] == [True], timeout=TIMEOUT)
    n = s.trainer.step_count
    assert worker.wait_idle(0) and worker.is_paused  # still waiting, nothing resumed it
    qtbot.wait(50)  # let both threads run a while: a paused worker must not step
    assert s.trainer.step_count == n and worker.wait_idle(0)
    worker.resume()
    qtbot.waitUntil(lambda: s.trainer.step_count > n, timeout=TIMEOUT)
    assert rec.paused[-1] is False
    worker.stop()
    qtbot.waitUntil(lambda: rec.finished, timeout=TIMEOUT)
    assert s.trainer.epoch < 100_000


def test_step_runs_one_epoch_then_pauses(qtbot, run):
    s = session(epochs=100)
    worker = TrainingWorker(s, pause_after_epoch=True)
    rec, _ = run(worker)
    qtbot.waitUntil(lambda: rec.paused[-1:] == [True], timeout=TIMEOUT)
    assert s.trainer.epoch == 1 and [r.epoch for r in rec.epochs()] == [1]
    worker.step_epoch()
    qtbot.waitUntil(lambda: s.trainer.epoch == 2 and worker.wait_idle(0), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: len(rec.epochs()) == 2, timeout=TIMEOUT)
    worker.stop()
    qtbot.waitUntil(lambda: rec.finished, timeout=TIMEOUT)
    assert s.trainer.epoch == 2


def test_stop_ends_a_paused_run(qtbot, run):
    worker = TrainingWorker(session(epochs=100), pause_after_epoch=True)
    rec, thread = run(worker)
    qtbot.waitUntil(lambda: rec.paused[-1:] == [True], timeout=TIMEOUT)
    worker.stop()
    qtbot.waitUntil(lambda: rec.finished, timeout=TIMEOUT)
    assert rec.updates[-1].final


def test_learning_rate_and_epochs_reach_the_running_trainer(qtbot, run):
    s = session(epochs=100_000, lr=0.01)
    worker = TrainingWorker(s)
    rec, _ = run(worker)
    qtbot.waitUntil(lambda: len(rec.epochs()) >= 1, timeout=TIMEOUT)
    worker.set_lr(0.0005)
    qtbot.waitUntil(lambda: s.trainer.lr == 0.0005, timeout=TIMEOUT)
    with pytest.raises(ValueError):
        worker.set_lr(-1)
    worker.set_epochs(s.trainer.epoch + 2)
    qtbot.waitUntil(lambda: rec.finished, timeout=TIMEOUT)
    assert s.trainer.done and rec.epochs()[-1].lr == 0.0005


def test_factory_builds_the_session_in_the_worker(qtbot, run):
    ds = load_dataset("xor")
    worker = TrainingWorker(factory=lambda: build_session(ds, TrainConfig(epochs=2)))
    rec, _ = run(worker)
    qtbot.waitUntil(lambda: rec.finished, timeout=TIMEOUT)
    assert len(rec.sessions) == 1 and rec.sessions[0].trainer.epoch == 2


def test_factory_error_is_reported(qtbot, run):
    ds = load_dataset("blobs")
    cfg = TrainConfig(loss="binary_cross_entropy")  # 3 classes: impossible
    rec, _ = run(TrainingWorker(factory=lambda: build_session(ds, cfg)))
    qtbot.waitUntil(lambda: rec.finished, timeout=TIMEOUT)
    assert len(rec.failures) == 1 and "cannot start" in rec.failures[0]
    assert not rec.sessions


def test_divergence_is_reported_with_finite_weights(qtbot, run):
    s = session("sine", hidden_layers=[64, 64], optimizer="sgd", lr=10.0, epochs=500)
    rec, _ = run(TrainingWorker(s))
    qtbot.waitUntil(lambda: rec.finished, timeout=TIMEOUT)
    # a typed signal carrying the exception, not a failure message to be read
    assert rec.failures == [] and len(rec.divergences) == 1
    exc = rec.divergences[0]
    assert isinstance(exc, TrainingDiverged)
    assert "diverged" in str(exc) and "smaller learning rate" in str(exc)
    assert all(np.isfinite(W).all() for W in s.net.weights)
    assert rec.updates[-1].final


def test_worker_needs_exactly_one_source():
    with pytest.raises(ValueError):
        TrainingWorker()


# --------------------------------------------------------------------- plots


def test_series_is_exact_until_full_then_halves():
    s = Series(2, max_points=8)
    s.extend(np.arange(1, 9), np.column_stack([np.arange(8), np.arange(2, 18, 2)]))
    assert len(s) == 8 and s.decimations == 0
    assert list(s.x) == [1, 2, 3, 4, 5, 6, 7, 8]
    s.extend([9], [[8, 18]])
    assert s.decimations == 1 and len(s) <= 8
    assert s.x[0] == 1.5 and s.y[0, 0] == 0.5 and s.y[0, 1] == 3.0
    assert s.x[-1] == 9  # the newest point is shown (provisionally)
    for i in range(10, 1001):
        s.extend([i], [[i, 2 * i]])
    assert len(s) <= 9
    # every stored row is the mean of equally many consecutive rows: y tracks x exactly
    np.testing.assert_allclose(s.y[:, 1], 2 * s.x)
    assert s.x[0] < 100 and s.x[-1] > 900  # the whole history, coarsely
    assert np.all(np.diff(s.x) > 0)


def test_series_takes_big_chunks_like_single_rows():
    a, b = Series(1, max_points=16), Series(1, max_points=16)
    xs = np.arange(1, 500, dtype=float)
    a.extend(xs, xs[:, None] ** 2)
    for v in xs:
        b.extend([v], [[v**2]])
    np.testing.assert_allclose(a.x, b.x)
    np.testing.assert_allclose(a.y, b.y)


def test_loss_plot_holds_per_epoch_numbers(qtbot):
    p = LossPlot()
    qtbot.addWidget(p)
    reps = [
        EpochReport(i, 1.0 / i, 2.0 / i, "accuracy", 0.5 + i / 100, 0.4, 0.1, 1e3, 0.01)
        for i in range(1, 6)
    ]
    p.add_epochs(reps[:2])
    p.add_epochs(reps[2:])
    x, y = p.train_curve.getData()
    assert list(x) == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(y, [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5])
    _, v = p.val_curve.getData()
    np.testing.assert_allclose(v, [2 / i for i in range(1, 6)])
    _, acc = p.train_metric_curve.getData()
    np.testing.assert_allclose(acc, [0.5 + i / 100 for i in range(1, 6)])
    assert p.train_metric_curve.getViewBox() is p.metric_view  # right-hand axis
    p.set_log_y(True)
    _, logged = p.train_curve.getData()
    np.testing.assert_allclose(logged, np.log10(y))
    p.set_metric("r2", has_val=False)
    assert not p.val_curve.isVisible()


def test_grad_norm_plot_one_curve_per_layer(qtbot):
    p = GradNormPlot()
    qtbot.addWidget(p)
    p.set_layers(3)
    assert [p.legend.items[i][1].text for i in range(3)] == ["layer 1", "layer 2", "layer 3"]
    norms = np.array([[1.0, 2.0, 0.0], [3.0, 4.0, 5.0]])
    p.add_steps(np.array([1, 2]), norms)
    x, y = p.curves[1].getOriginalDataset()
    assert list(x) == [1, 2] and list(y) == [2.0, 4.0]
    _, y3 = p.curves[2].getOriginalDataset()
    assert y3[0] > 0 and math.isclose(y3[1], 5.0)  # a zero norm stays plottable on log y
    assert p.getPlotItem().ctrl.logYCheck.isChecked()


def test_read_paused_reads_between_steps_and_resumes(qtbot, run):
    s = session(epochs=100_000)
    worker = TrainingWorker(s)
    rec, _ = run(worker)
    qtbot.waitUntil(lambda: s.trainer.step_count > 5, timeout=TIMEOUT)
    seen = []

    def read():
        n = s.trainer.step_count
        w = s.net.weights[0].copy()
        seen.append(s.trainer.step_count == n and np.array_equal(w, s.net.weights[0]))
        return n

    n = worker.read_paused(read)
    assert seen == [True] and n > 0
    qtbot.waitUntil(lambda: s.trainer.step_count > n, timeout=TIMEOUT)  # resumed
    worker.pause()
    worker.read_paused(lambda: None)
    assert worker.is_paused  # a run paused before stays paused


def _blas_threads() -> set[int]:
    from threadpoolctl import threadpool_info

    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


@pytest.mark.parametrize("before", [1, 2, 3])
def test_the_window_leaves_the_gui_a_core(qtbot, before):
    # BLAS beside a window runs on the cores the process may use less one (at least one),
    # and a lower limit the user set stays. The expected count is worked out here from
    # the affinity mask, independently of gui_blas_threads.
    from threadpoolctl import threadpool_limits

    from nnstudio.app.main_window import MainWindow

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with threadpool_limits(limits=before, user_api="blas"):  # restored after the test
        assert _blas_threads() == {before}
        window = MainWindow()
        qtbot.addWidget(window)
        assert _blas_threads() == {min(before, max(1, cores - 1))}


def test_cycles_are_collected_on_the_gui_thread_only(qtbot):
    # A reference cycle dropped while a worker thread allocates enough to start the
    # automatic collector: with the window's collector it is freed on the GUI thread, by
    # the window's timer, and never on the worker (where freeing a widget crashes Qt).
    import gc
    import threading

    from nnstudio.app.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    assert not gc.isenabled()
    freed: list[int] = []

    class Node:
        def __del__(self) -> None:
            freed.append(threading.get_ident())

    node = Node()
    node.me = node  # a cycle: only the cycle collector frees it
    del node
    kept: list = []
    worker = threading.Thread(target=lambda: kept.extend({} for _ in range(50_000)))
    worker.start()
    worker.join()
    assert gc.get_count()[0] > gc.get_threshold()[0]  # enough to start a collection
    assert freed == []
    qtbot.waitUntil(lambda: bool(freed), timeout=5_000)
    assert freed == [threading.get_ident()]


_SHORT_WORKERS = """
import sys
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

from nnstudio.app.threads import make_thread

app = QApplication(sys.argv[:1])


class Worker(QObject):
    finished = Signal()

    @Slot()
    def run(self):
        self.data = [list(range(50)) for _ in range(50)]
        self.finished.emit()


class Owner(QObject):
    def __init__(self):
        super().__init__()
        self.worker = self.thread = None
        self.count = 0

    def start(self):
        self.worker = Worker()
        self.thread = make_thread(self.worker, "shortThread")
        self.worker.finished.connect(self.worker_done)
        self.thread.finished.connect(self.thread_done)
        self.thread.start()

    @Slot()
    def worker_done(self):
        self.worker = None  # the owner lets go as soon as the worker says finished

    @Slot()
    def thread_done(self):
        self.thread = None
        self.count += 1
        if self.count < N:
            self.start()
        else:
            app.quit()


owner = Owner()
QTimer.singleShot(0, owner.start)
app.exec()
print("ran", owner.count)
"""


def test_short_lived_workers_dropped_early_do_not_crash():
    # 300 workers one after another, each dropped by its owner as soon as it says it
    # has finished. When make_thread also had Qt deleteLater the worker on its own thread,
    # that freed it twice and this process died with a segfault every time.
    import subprocess
    import sys

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, "-c", "N = 300\n" + _SHORT_WORKERS],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ran 300" in proc.stdout


def test_the_worker_lets_go_of_the_gil_about_every_millisecond(qtbot, run, monkeypatch):
    """Between steps the worker calls ``sleep(0)`` once YIELD_EVERY_S of training has
    passed (on a clock that moves 0.25 ms per reading here), so the GUI thread does not
    wait for Python's 5 ms switch interval at every paint."""
    import nnstudio.app.worker as worker_module

    class Clock:
        def __init__(self):
            self.t, self.readings, self.sleeps = 0.0, 0, []

        def perf_counter(self):
            self.readings += 1
            self.t += 0.00025
            return self.t

        def sleep(self, s):
            self.sleeps.append(s)

    clock = Clock()
    monkeypatch.setattr(worker_module, "time", clock)
    s = session(epochs=5, batch_size=8)
    rec, _ = run(TrainingWorker(s))
    qtbot.waitUntil(lambda: rec.finished, timeout=TIMEOUT)
    assert set(clock.sleeps) == {0}
    # each sleep comes after at least 1 ms, i.e. 4 readings, of the fake clock
    elapsed = clock.t
    assert elapsed / worker_module.YIELD_EVERY_S / 2 <= len(clock.sleeps)
    assert len(clock.sleeps) <= elapsed / worker_module.YIELD_EVERY_S + 1
