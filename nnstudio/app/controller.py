"""The training run without widgets: the state machine, the worker and its thread, and the
session they train.

:class:`TrainingController` is the one owner of a run. The window asks it to ``train``,
``step``, ``toggle_pause``, ``stop`` or ``reset`` and builds its views from the signals it
emits; it never touches a worker or a thread itself.

States (``state``): ``idle`` (no thread), ``running`` and ``paused`` (a thread exists).
``stopping`` is a flag on top of ``running``/``paused``: the worker was asked to end after
its current step and the thread has not finished yet. Train or Step pressed while stopping
is remembered and starts as soon as the old thread has ended (so Stop then Train, pressed
quickly, continues the run instead of being dropped).

Threading: while a thread exists, only the worker touches the session; the controller
hands a new learning rate or epoch count over through the worker's thread-safe setters
and reads the network only through :meth:`read_session` (which pauses the worker for the
moment of the read).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QThread, Signal, Slot

from nnstudio.app.threads import make_thread
from nnstudio.app.worker import TrainingUpdate, TrainingWorker
from nnstudio.data.dataset import Dataset
from nnstudio.errors import NnstudioError
from nnstudio.pacing import Pacer
from nnstudio.pipeline import Session, TrainConfig, build_session, output_layer, session_key
from nnstudio.timeline import Timeline

__all__ = ["IDLE", "PAUSED", "RUNNING", "RunEnded", "TrainingController"]

IDLE, RUNNING, PAUSED = "idle", "running", "paused"

#: the longest a file action waits for a run to stop
STOP_TIMEOUT_MS = 2000
#: the worker sends copies of the weights (for the network drawing) only for networks of
#: at most this many parameters
MAX_DRAWN_PARAMETERS = 20_000_000


@dataclass(frozen=True)
class RunEnded:
    """How a run ended: ``epoch`` epochs done of ``epochs`` planned; ``stopped`` if the user
    stopped it; ``finished`` if it reached its planned epochs."""

    epoch: int
    epochs: int
    stopped: bool
    finished: bool


@dataclass
class _Start:
    """What a run needs to start: the data, the settings and the boundary grid."""

    ds: Dataset
    cfg: TrainConfig
    grid: np.ndarray | None
    pause_after_epoch: bool


class TrainingController(QObject):
    """Owns the run state, the worker/thread lifecycle and the session.

    Signals:

    - ``stateChanged(str)``: the state or the stopping flag changed (read both);
    - ``sessionChanged(object)``: the session is new (a run built it, an import set it) or
      gone (``None``);
    - ``runStarted()``: a run with fresh weights starts (views clear their history);
    - ``progress(TrainingUpdate)``: the current run's updates (a finished run's late
      updates are dropped);
    - ``diverged(TrainingDiverged)``: the loss or a gradient became NaN or infinite; the
      weights of the last finite step are kept;
    - ``failed(str)``: a run could not start or broke (one line);
    - ``runEnded(RunEnded)``: the thread is gone, the state is ``idle``.
    """

    stateChanged = Signal(str)
    sessionChanged = Signal(object)
    runStarted = Signal()
    progress = Signal(object)
    diverged = Signal(object)
    failed = Signal(str)
    runEnded = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session: Session | None = None
        self._session_key: str | None = None
        self._pending_key: str | None = None
        self._worker: TrainingWorker | None = None
        self._thread: QThread | None = None
        self._state = IDLE
        self._stopping = False
        self._stop_asked = False  # the user pressed Stop (vs. the epochs ran out)
        self._queued: _Start | None = None
        self._run_id = 0
        #: the speed of every run (the speed slider sets it, the worker waits on it)
        self.pacer = Pacer()
        #: the checkpoints of the current session's epochs (cleared with the session)
        self.timeline = Timeline()

    # ------------------------------------------------------------------ reading
    @property
    def state(self) -> str:
        """``idle``, ``running`` or ``paused``."""
        return self._state

    @property
    def stopping(self) -> bool:
        """True between a stop request and the end of the thread."""
        return self._stopping

    @property
    def is_training(self) -> bool:
        """True while a training thread exists (running, paused or stopping)."""
        return self._thread is not None

    @property
    def session(self) -> Session | None:
        """The current session; do not touch it while :attr:`is_training`."""
        return self._session

    @property
    def worker(self) -> TrainingWorker | None:
        return self._worker

    @property
    def thread(self) -> QThread | None:
        return self._thread

    def shows(self, ds: Dataset | None, cfg: TrainConfig) -> bool:
        """True if the current session was built for this data and these settings."""
        return self._session is not None and self._session_key == session_key(ds, cfg)

    # ------------------------------------------------------------------ the session
    def set_session(self, session: Session | None, ds: Dataset | None = None, cfg=None) -> None:
        """Replace the session (an import, or None to forget the weights). Only when no
        run exists (call :meth:`stop_and_wait` first)."""
        if self._thread is not None:
            raise RuntimeError("set_session while a run exists")
        self._session = session
        self._session_key = None if session is None else session_key(ds, cfg)
        self.timeline.clear()
        self.sessionChanged.emit(session)
        self._set_state(IDLE)

    def read_session(self, read: Callable[[Session], object], timeout: float = 2.0):
        """``read(session)`` while no step runs: pauses a running worker for the moment of
        the read (then lets it go on), or stops a stopping one first. Raises
        ``TimeoutError`` if the worker did not pause in time."""
        session, worker = self._session, self._worker
        if session is None:
            raise RuntimeError("no session")
        if worker is not None and not worker.is_stopping:
            return worker.read_paused(lambda: read(session), timeout)
        if not self.stop_and_wait():
            raise TimeoutError("training did not stop in time")
        return read(session)

    # ------------------------------------------------------------------ run control
    def train(self, ds: Dataset, cfg: TrainConfig, grid: np.ndarray | None = None) -> bool:
        """Start (or continue, or resume) training ``ds`` with ``cfg``. Raises the
        ``ConfigError`` of settings that cannot train; returns False if nothing starts."""
        return self._request(_Start(ds, cfg, grid, pause_after_epoch=False))

    def step(self, ds: Dataset, cfg: TrainConfig, grid: np.ndarray | None = None) -> bool:
        """Train one epoch, then pause (from idle, from a pause, or after a stop)."""
        return self._request(_Start(ds, cfg, grid, pause_after_epoch=True))

    def toggle_pause(self) -> None:
        """Pause a running run, resume a paused one."""
        if self._worker is None or self._stopping:
            return
        if self._state == RUNNING:
            self._worker.pause()
            self._set_state(PAUSED)
        elif self._state == PAUSED:
            self._worker.resume()
            self._set_state(RUNNING)

    def stop(self) -> None:
        """Ask the run to end after the current step; the weights stay. A Train or Step
        queued behind an earlier stop is forgotten."""
        self._queued = None
        if self._worker is None or self._stopping:
            return
        self._stop_asked = True
        self._worker.stop()
        self._stopping = True
        self._set_state(self._state)

    def abandon(self) -> None:
        """Stop for good (closing): no queued start, no final surface computation."""
        self._queued = None
        if self._worker is not None:
            self._stop_asked = True
            self._worker.stop(final_extras=False)
            self._stopping = True
            self._set_state(self._state)

    def reset(self) -> bool:
        """Stop any run and forget the weights. False if the run did not stop in time."""
        if not self.stop_and_wait():
            return False
        self.set_session(None)
        return True

    def set_lr(self, lr: float) -> bool:
        """A new learning rate for the running worker's next step (True if one runs)."""
        if self._worker is None:
            return False
        self._worker.set_lr(lr)
        return True

    def set_epochs(self, epochs: int) -> bool:
        """A new planned epoch count for the running worker (True if one runs)."""
        if self._worker is None:
            return False
        self._worker.set_epochs(epochs)
        return True

    def restore_epoch(self, epoch: int) -> None:
        """Make recorded ``epoch``'s weights (and optimizer and shuffle state) the
        session's and drop the later checkpoints; the next Train continues from there.
        Idle or paused only (a running worker is paused for the moment of the restore)."""
        self.read_session(lambda session: self.timeline.restore(session.trainer, epoch))

    def stop_and_wait(self, timeout_ms: int = STOP_TIMEOUT_MS) -> bool:
        """Stop the run and wait at most ``timeout_ms`` for its thread; deliver its last
        signals. True if no run is left."""
        thread, worker = self._thread, self._worker
        self._queued = None
        if thread is None:
            return True
        if not self._stopping:
            self._stop_asked = True
        worker.stop()
        self._stopping = True
        # worker.finished -> thread.quit is queued to this (busy) thread: quit directly.
        thread.quit()
        if not thread.wait(max(int(timeout_ms), 0)):
            return False
        # Deliver what the worker emitted before it ended (updates, failure, finished).
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        if self._thread is thread:  # the queued thread.finished had not arrived yet
            self._on_thread_finished()
        return True

    # ------------------------------------------------------------------ internals
    def _request(self, start: _Start) -> bool:
        if self._stopping and self._thread is not None:
            start.cfg.validate()
            output_layer(start.ds, start.cfg)
            self._queued = start  # starts when the stopping thread has ended
            return True
        if self._state == PAUSED and self._worker is not None:
            if start.pause_after_epoch:
                self._worker.step_epoch()
            else:
                self._worker.resume()
            self._set_state(RUNNING)
            return True
        if self._thread is not None:
            return self._state == RUNNING and not start.pause_after_epoch
        return self._start(start)

    def _start(self, start: _Start) -> bool:
        ds, cfg = start.ds, copy.deepcopy(start.cfg)
        cfg.validate()
        output_layer(ds, cfg)  # raises the ConfigError of impossible settings
        key = session_key(ds, cfg)
        session = self._session if self._session_key == key else None
        if session is not None:
            session.apply_live(cfg)  # lr, epochs, patience, keep best, schedule
            if session.trainer.done:
                session = None
        self._run_id += 1
        grid = start.grid if start.grid is not None and len(start.grid) else None
        kwargs = dict(
            grid=grid,
            max_drawn_parameters=MAX_DRAWN_PARAMETERS,
            pause_after_epoch=start.pause_after_epoch,
            pacer=self.pacer,
            timeline=self.timeline,
        )
        if session is None:
            if self._session is not None:
                self._session = None
                self._session_key = None
                self.sessionChanged.emit(None)
            self.timeline.clear()
            self.runStarted.emit()
            worker = TrainingWorker(factory=lambda: build_session(ds, cfg), **kwargs)
        else:
            worker = TrainingWorker(session, **kwargs)
        worker.run_id = self._run_id
        self._pending_key = key
        worker.sessionReady.connect(self._on_session_ready)
        worker.progress.connect(self._on_progress)
        worker.pausedChanged.connect(self._on_paused_changed)
        worker.failed.connect(self.failed)
        worker.diverged.connect(self.diverged)
        thread = make_thread(worker, "trainingThread")
        thread.finished.connect(self._on_thread_finished)
        self._worker, self._thread = worker, thread
        self._stopping = False
        self._stop_asked = False
        self._set_state(RUNNING)
        thread.start()
        return True

    def _set_state(self, state: str) -> None:
        self._state = state
        self.stateChanged.emit(state)

    @Slot(object)
    def _on_session_ready(self, session: Session) -> None:
        self._session = session
        self._session_key = self._pending_key
        self.sessionChanged.emit(session)

    @Slot(object)
    def _on_progress(self, update: TrainingUpdate) -> None:
        if update.run_id == self._run_id:
            self.progress.emit(update)

    @Slot(bool)
    def _on_paused_changed(self, paused: bool) -> None:
        worker = self._worker
        if worker is None or self._stopping:
            return
        # The worker pauses by itself after a Step; follow it. A pause asked for here is
        # already shown, and a stale "paused" after a resume is ignored.
        if paused == worker.is_paused and self._state != (PAUSED if paused else RUNNING):
            self._set_state(PAUSED if paused else RUNNING)

    @Slot()
    def _on_thread_finished(self) -> None:
        if self._thread is None:
            return
        self._thread = None
        self._worker = None
        self._stopping = False
        s = self._session
        ended = RunEnded(
            epoch=s.trainer.epoch if s is not None else 0,
            epochs=s.trainer.epochs if s is not None else 0,
            stopped=self._stop_asked,
            finished=s is not None and s.trainer.done,
        )
        self._stop_asked = False
        self._set_state(IDLE)
        self.runEnded.emit(ended)
        queued, self._queued = self._queued, None
        if queued is not None:
            try:
                self._start(queued)
            except NnstudioError as exc:  # settings that went bad since: say so
                self.failed.emit(str(exc))
