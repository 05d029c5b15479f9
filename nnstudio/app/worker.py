"""The background training loop: a ``QObject`` that lives in a ``QThread`` and drives the
Qt-free :class:`~nnstudio.engine.trainer.Trainer` one step at a time.

The shape follows superqt's ``new_worker_qthread``: the caller makes the worker and runs it
with :func:`nnstudio.app.threads.make_thread` (the four connections). The loop itself is
plain Python: between two steps it looks at ``threading.Event`` objects for stop and
pause (a queued "stop" slot would never run while the loop is busy), applies a new
learning rate or epoch count handed over by the GUI thread, and every ~1/30 s emits one
:class:`TrainingUpdate` that carries everything that happened since the last one: every
finished epoch's report (so the GUI's per-epoch curves are exact), every step's gradient
norms, and, every ~200 ms (or less often, so that these extras take at most a fifth of
the worker's time), copies of the weights and what the result views asked for with
:meth:`TrainingWorker.set_views` (the surface over two features or of one hidden unit,
the confusion matrix, the fitted curve, the unit statistics: ``insight.snapshot``). All
the NumPy work happens in this thread; the GUI thread only copies numbers into plot
items and tables.

Slow motion and the timeline: with a :class:`~nnstudio.pacing.Pacer` the loop waits
between steps on the pacer's event (a speed change, stop or pause ends the wait at once),
never the GUI thread; with a :class:`~nnstudio.timeline.Timeline` it records a checkpoint
of epoch 0 and of every epoch that ends, inside ``step_lock``.

Thread safety: while the worker runs, only the worker touches the session (trainer,
network). The GUI thread talks to it only through the methods marked thread-safe below.
"""

from __future__ import annotations

import math
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from nnstudio.app.threads import make_thread
from nnstudio.engine.trainer import EpochReport, TrainingDiverged
from nnstudio.insight.snapshot import ViewRequest, compute_views
from nnstudio.pacing import Pacer
from nnstudio.pipeline import Session
from nnstudio.timeline import Timeline

__all__ = ["TrainingUpdate", "TrainingWorker", "make_thread"]

#: the most updates per second the worker emits
MAX_UPDATES_PER_SECOND = 30.0
#: seconds between two computations of the decision surface and weight copies (at least)
EXTRAS_INTERVAL = 0.2
#: the surface may take at most this fraction of the worker's time
EXTRAS_BUDGET = 0.2
#: seconds of training between two moments the worker lets go of the GIL (``sleep(0)``).
#: Small networks train in pure Python steps of ~20-80 us; the GUI thread, which needs
#: the GIL at every paint, otherwise waits up to Python's switch interval (5 ms) each
#: time. ``stall_bench --rows 1000 --features 2 --classes 2 --hidden 8,8 --batch-size
#: 10`` under Xvfb, 4 rounds of never / every 1 ms / every 2 ms in turn: ticks late at
#: p99 11.8-20.8 / 8.6-13.2 / 12.2-27.6 ms, at worst 19.9-77.9 / 14.4-23.1 / 19.3-59.6
#: ms, for 114-122k / 101-115k / 96-113k samples/s: the GUI's targets met in every run
#: for about 9% of a tiny network's speed. 784-512-512-10: unchanged.
YIELD_EVERY_S = 0.001


@dataclass
class TrainingUpdate:
    """What the GUI needs from one emit; everything is a copy owned by the receiver."""

    epoch_reports: list[EpochReport]  # every epoch finished since the last update, in order
    steps: np.ndarray  # (s,) step numbers (1-based, since the trainer was made)
    grad_norms: np.ndarray  # (s, n_layers) weight-gradient L2 norm of each layer per step
    batch_loss: float  # loss of the last batch (nan if no step happened)
    epoch: int  # epochs completed
    epochs: int  # epochs planned
    step: int  # optimizer updates so far
    progress: float  # 0..1 of the planned steps
    samples_per_second: float  # wall-clock throughput since the last update (nan if none)
    lr: float
    surface: np.ndarray | None = None  # (G, k) network output on the boundary grid
    views: object | None = None  # insight.snapshot.ViewSnapshot for the result views
    weights: list[np.ndarray] | None = None  # (fan_in, fan_out) copies, one per layer
    final: bool = False  # the last update of this run
    best_epoch: int | None = None  # epoch of the lowest validation loss (None: no val rows)
    best_val_loss: float | None = None  # that epoch's validation loss
    stopped_early: bool = False  # patience ran out
    restored_best: bool = False  # the best epoch's weights were put back at the end
    run_id: int = 0  # the worker's run_id, so a receiver can drop a finished run's updates


class TrainingWorker(QObject):
    """Trains ``session`` (or the session ``factory()`` builds, in this thread) until its
    epochs are done or it is stopped.

    Signals: ``sessionReady(Session)`` once the session exists, ``progress(TrainingUpdate)``
    at most ~30 times a second, ``pausedChanged(bool)``, ``diverged(TrainingDiverged)``
    when the loss or a gradient stops being finite (the weights are those of the last
    finite step), ``failed(str)`` when the session cannot be built or a bug breaks the
    run, and ``finished()`` always, last.

    ``max_drawn_parameters``: send no weight copies for networks with more parameters
    (the drawing would not show them anyway, and the copies cost time).
    """

    sessionReady = Signal(object)
    progress = Signal(object)
    pausedChanged = Signal(bool)
    diverged = Signal(object)
    failed = Signal(str)
    finished = Signal()

    def __init__(
        self,
        session: Session | None = None,
        *,
        factory: Callable[[], Session] | None = None,
        grid: np.ndarray | None = None,
        send_weights: bool = True,
        pause_after_epoch: bool = False,
        max_rate: float = MAX_UPDATES_PER_SECOND,
        extras_interval: float = EXTRAS_INTERVAL,
        max_drawn_parameters: int | None = None,
        pacer: Pacer | None = None,
        timeline: Timeline | None = None,
    ) -> None:
        super().__init__()
        self._pacer = pacer  # slow motion: waits between steps (on this thread)
        self._timeline = timeline  # a checkpoint after every epoch
        if (session is None) == (factory is None):
            raise ValueError("give exactly one of session and factory")
        self._session = session
        self._factory = factory
        self._grid = None if grid is None else np.array(grid, np.float64)
        self._send_weights = send_weights
        self._max_drawn_parameters = max_drawn_parameters
        self._final_extras = True
        self._min_gap = 1.0 / max_rate
        self._extras_interval = extras_interval
        self._stop = threading.Event()
        self._resume = threading.Event()  # set: run; clear: pause between steps
        self._resume.set()
        self._idle = threading.Event()  # set while waiting in pause, and after the end
        self._step_once = threading.Event()  # pause again when the current epoch ends
        if pause_after_epoch:
            self._step_once.set()
        self._lock = threading.Lock()
        self.step_lock = threading.Lock()  # held by the worker while it changes the network
        self._pending_lr: float | None = None
        self._pending_epochs: int | None = None
        self._views: ViewRequest | None = None  # what the result views want (extras)
        self.run_id = 0
        self._reset_accumulators()

    # ---------------------------------------------------------- thread-safe controls
    def stop(self, *, final_extras: bool = True) -> None:
        """Thread-safe: end the run after the current step (also wakes a paused run).
        ``final_extras=False`` skips the last surface and weight copies (closing)."""
        if not final_extras:
            self._final_extras = False
        self._stop.set()
        self._resume.set()
        if self._pacer is not None:
            self._pacer.wake()

    def pause(self) -> None:
        """Thread-safe: wait before the next step until :meth:`resume` or :meth:`stop`."""
        self._resume.clear()
        if self._pacer is not None:
            self._pacer.wake()

    def resume(self) -> None:
        """Thread-safe: continue a paused run."""
        self._step_once.clear()
        self._resume.set()

    def step_epoch(self) -> None:
        """Thread-safe: run until the current epoch ends, then pause."""
        self._step_once.set()
        self._resume.set()

    def set_lr(self, lr: float) -> None:
        """Thread-safe: the learning rate for the next step on."""
        lr = float(lr)
        if not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"learning rate must be a positive number, got {lr}")
        with self._lock:
            self._pending_lr = lr

    def set_views(self, request: ViewRequest | None) -> None:
        """Thread-safe: what the result views want computed with the extras from now on
        (``nnstudio.insight.snapshot``; None: nothing)."""
        with self._lock:
            self._views = request

    def set_epochs(self, epochs: int) -> None:
        """Thread-safe: change the planned number of epochs (the run ends when reached)."""
        with self._lock:
            self._pending_epochs = max(int(epochs), 1)

    @property
    def is_paused(self) -> bool:
        return not self._resume.is_set()

    @property
    def is_stopping(self) -> bool:
        return self._stop.is_set()

    def wait_idle(self, timeout: float) -> bool:
        """Block until the worker waits in a pause or has ended; True if it does."""
        return self._idle.wait(timeout)

    def read_paused(self, read: Callable[[], object], timeout: float = 2.0):
        """Thread-safe: pause, call ``read()`` (e.g. copy the network) while no step can
        run, then resume if the run was going. Raises ``TimeoutError`` if the worker did
        not pause within ``timeout`` seconds."""
        was_running = not self.is_paused
        self.pause()
        try:
            if not self._idle.wait(timeout):
                raise TimeoutError("training did not pause in time")
            with self.step_lock:  # a step that raced past the pause finishes first
                return read()
        finally:
            if was_running and not self._stop.is_set():
                self._resume.set()  # not resume(): a pending Step keeps its pause

    # ---------------------------------------------------------- the loop
    @Slot()
    def run(self) -> None:
        try:
            if self._session is None:
                try:
                    self._session = self._factory()
                except Exception as exc:  # a ConfigError/DataError the GUI could not see
                    self.failed.emit(f"cannot start training: {exc}")
                    return
                self.sessionReady.emit(self._session)
            limit = self._max_drawn_parameters
            if limit is not None and self._session.net.n_parameters > limit:
                self._send_weights = False
            self._loop()
        except TrainingDiverged as exc:
            self._emit(final=True, extras=True)
            self.diverged.emit(exc)
        except Exception as exc:  # a bug: say so instead of dying silently in a thread
            traceback.print_exc()
            self._emit(final=True, extras=False)
            self.failed.emit(
                f"training stopped by an unexpected error: {type(exc).__name__}: {exc}"
            )
        finally:
            self._idle.set()
            self.finished.emit()

    def _loop(self) -> None:
        with self._session.trainer.blas_threads():
            self._steps_until_stopped()

    def _steps_until_stopped(self) -> None:
        trainer = self._session.trainer
        self._t_emit = time.perf_counter()
        self._t_extras = -math.inf
        if self._timeline is not None and trainer.step_count == 0 and not len(self._timeline):
            self._timeline.record(trainer)  # epoch 0: the weights training starts from
        interrupted = lambda: self._stop.is_set() or not self._resume.is_set()  # noqa: E731
        t_yield = time.perf_counter()
        while not self._stop.is_set():
            if not self._resume.is_set():
                self._emit(extras=True)
                self._idle.set()
                self.pausedChanged.emit(True)
                while not self._resume.wait(0.25):
                    pass
                self._idle.clear()
                if self._stop.is_set():
                    break
                self.pausedChanged.emit(False)
                self._t_emit = time.perf_counter()
                self._samples = 0
                if self._pacer is not None:
                    self._pacer.restart()
            with self.step_lock:
                self._apply_pending(trainer)
                if trainer.done:
                    break
                rep = trainer.step()
                if rep.epoch_report is not None and self._timeline is not None:
                    self._timeline.record(trainer)
            self._steps.append(rep.step)
            self._norms.append(rep.grad_norms)
            self._batch_loss = rep.loss
            self._samples += rep.batch_size
            if rep.epoch_report is not None:
                self._epochs.append(rep.epoch_report)
                if self._step_once.is_set():
                    self._step_once.clear()
                    self._resume.clear()
            now = time.perf_counter()
            if now - self._t_emit >= self._min_gap:
                self._emit(extras=now - self._t_extras >= self._extras_gap())
            if now - t_yield >= YIELD_EVERY_S:
                time.sleep(0)  # the GUI thread may take the GIL now (see YIELD_EVERY_S)
                t_yield = now
            if self._pacer is not None:
                self._pacer.wait(interrupted)
        self._emit(final=True, extras=self._final_extras)

    def _apply_pending(self, trainer) -> None:
        if self._pending_lr is None and self._pending_epochs is None:
            return
        with self._lock:
            lr, epochs = self._pending_lr, self._pending_epochs
            self._pending_lr = self._pending_epochs = None
        if lr is not None:
            trainer.lr = lr
        if epochs is not None:
            # Fewer epochs than are done already: the run ends now, at the epochs done
            # (never "epoch 1446 of 500").
            trainer.epochs = max(epochs, trainer.epoch, 1)

    def _extras_gap(self) -> float:
        # Keep the surface computation to a small share of the time, however big the net.
        return max(self._extras_interval, self._extras_cost / EXTRAS_BUDGET)

    def _reset_accumulators(self) -> None:
        self._epochs: list[EpochReport] = []
        self._steps: list[int] = []
        self._norms: list[np.ndarray] = []
        self._batch_loss = math.nan
        self._samples = 0
        self._extras_cost = 0.0
        self._t_emit = time.perf_counter()
        self._t_extras = -math.inf

    def _emit(self, *, extras: bool, final: bool = False) -> None:
        session = self._session
        if session is None:
            return
        trainer = session.trainer
        now = time.perf_counter()
        elapsed = now - self._t_emit
        n_layers = session.net.n_layers
        update = TrainingUpdate(
            epoch_reports=self._epochs,
            steps=np.asarray(self._steps, np.int64),
            grad_norms=(
                np.vstack(self._norms) if self._norms else np.empty((0, n_layers), np.float64)
            ),
            batch_loss=float(self._batch_loss),
            epoch=trainer.epoch,
            epochs=trainer.epochs,
            step=trainer.step_count,
            progress=1.0  # patience may end a run before its planned epochs
            if trainer.done
            else min(trainer.step_count / (trainer.epochs * trainer.steps_per_epoch), 1.0),
            samples_per_second=self._samples / elapsed
            if self._samples and elapsed > 0
            else math.nan,
            lr=trainer.lr,
            final=final,
            run_id=self.run_id,
            best_epoch=trainer.watch.best_epoch if trainer.has_validation else None,
            best_val_loss=trainer.watch.best_loss if trainer.has_validation else None,
            stopped_early=trainer.stopped_early,
            restored_best=trainer.restored_best,
        )
        if extras:
            t0 = time.perf_counter()
            if self._grid is not None:
                update.surface = session.output(self._grid)
            with self._lock:
                views = self._views
            if views is not None:
                update.views = compute_views(session, views)
            if self._send_weights:
                update.weights = [W.copy() for W in session.net.weights]
            self._extras_cost = time.perf_counter() - t0
            self._t_extras = time.perf_counter()
        self._epochs, self._steps, self._norms = [], [], []
        self._samples = 0
        self._t_emit = now
        self.progress.emit(update)
