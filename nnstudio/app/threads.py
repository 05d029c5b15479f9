"""The one way the app runs a worker ``QObject`` on a thread of its own.

Every worker (training, timing, ...) goes through :func:`make_thread`, which makes the
connections of the ``moveToThread`` pattern (as superqt's ``new_worker_qthread``):

- ``thread.started -> worker.run``: the work begins in the new thread;
- ``worker.finished -> thread.quit`` (direct, in the worker's thread): the thread's
  event loop ends with the work, even while the GUI thread waits for it;
- ``thread.finished -> thread.deleteLater``: the thread object goes once it is done;

and holds the pair until ``thread.finished`` has reached the GUI thread and the thread
has really ended (``wait``), so that Python frees the worker on the GUI thread, after its
thread, whoever drops it last. The worker is not ``deleteLater``'d: it is a Python
object, and Qt deleting it on its own thread at the thread's end while the GUI thread
dropped the last Python reference freed it twice (a child process running 300
short-lived workers segfaulted every time; the test suite crashed now and then).

A worker needs a ``run()`` slot and a ``finished`` signal that it emits last, always
(also after an error or a cancel).

The workers' BLAS runs on one core fewer than the process may use
(:func:`leave_the_gui_a_core`): the GUI thread and the display server need one. Python's
cycle collector runs on the GUI thread only (:func:`collect_garbage_on_the_gui_thread`).
"""

from __future__ import annotations

import gc
import os

from PySide6.QtCore import QObject, Qt, QThread, Slot

__all__ = [
    "collect_garbage_on_the_gui_thread",
    "gui_blas_threads",
    "leave_the_gui_a_core",
    "make_thread",
    "running_threads",
]

_collector = None  # the process's one pyqtgraph GarbageCollector, once made
_reaper = None  # the process's one _Reaper (below), once made


def gui_blas_threads() -> int:
    """BLAS threads for work beside a window: the cores this process may run on, less one
    for the GUI thread and the display server, at least one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


def leave_the_gui_a_core() -> None:
    """Lower BLAS's threads, for the whole process, to ``gui_blas_threads()`` (never
    raise them: a user's ``OPENBLAS_NUM_THREADS=1`` stays).

    Why: OpenBLAS's threads wait for each other at every product. When one of them shares
    its core with the GUI thread or the X server, every product waits for the slowest, and
    the worker and the window slow each other down. Measured on 2 cores under Xvfb with
    784-512-512-10 at batch 32 (``python -m nnstudio.app.stall_bench``): 2 BLAS threads
    trained 400-1,600 samples/s with the heartbeat's p99 gap 22-30 ms, 1 thread 5,900/s
    and 20 ms. Without threadpoolctl nothing changes.
    """
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        return
    now = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    want = gui_blas_threads()
    if now and max(now) > want:
        threadpool_limits(limits=want, user_api="blas")


def make_thread(worker: QObject, name: str = "workerThread") -> QThread:
    """Move ``worker`` to a new, not yet started ``QThread`` (object name ``name``) with
    the connections above. Connect to the thread's signals, then ``start()`` it.

    Both stay alive until the thread has ended, whatever the caller keeps. The thread has
    no parent on purpose: a parent destroyed first would destroy a running thread
    ("QThread: Destroyed while thread is still running" aborts the process). Call it on
    the GUI thread.
    """
    global _reaper
    if _reaper is None:
        _reaper = _Reaper()
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    # Direct: the thread's loop ends as the work does, without waiting for the GUI
    # thread to pass the call on (a GUI thread blocked in ``wait`` would never let it)
    worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    thread.finished.connect(_reaper.reap)  # first: the caller's handlers may drop theirs
    thread.finished.connect(thread.deleteLater)
    _reaper.running[id(thread)] = (thread, worker)
    return thread


def running_threads(name: str) -> list[QThread]:
    """The threads :func:`make_thread` made with object name ``name`` that it still
    holds: running, or ended a moment ago (``wait`` returns at once for those)."""
    if _reaper is None:
        return []
    return [thread for thread, _ in _reaper.running.values() if thread.objectName() == name]


class _Reaper(QObject):
    """Holds every running (thread, worker) pair, and lets a pair go on the GUI thread
    once its thread has ended."""

    def __init__(self) -> None:
        super().__init__()
        self.running: dict[int, tuple[QThread, QObject]] = {}

    @Slot()
    def reap(self) -> None:
        thread = self.sender()
        pair = self.running.pop(id(thread), None)
        if pair is not None:
            pair[0].wait()  # finished comes just before the thread really ends


def collect_garbage_on_the_gui_thread() -> None:
    """Turn Python's automatic cycle collection off and collect from a 1 s timer on this
    (the GUI) thread instead: pyqtgraph's ``GarbageCollector``, made once per process.

    Why: the automatic collector runs on whichever thread happens to allocate when its
    counts pass the thresholds, a worker's too; a cycle that holds a Qt widget freed
    there deletes the widget off the GUI thread, and the process crashes (a test that
    held a loaded data panel in a local did, with heap corruption). The timer applies the
    same thresholds, so as much is collected, only always here. Call it on the GUI thread
    (the main window does).

    The first call also moves every object alive then (the modules, classes and functions
    of Python, Qt, pyqtgraph and nnstudio, about 70,000) out of the collector's sight
    (``gc.freeze``): a full collection holds the GIL, so every thread waits for it, and it
    took 43 ms with them in sight and 1-2 ms without, measured with the main window up.
    """
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        gc.collect()  # what is garbage now goes, the rest is kept for good
        gc.freeze()
        _collector = GarbageCollector(interval=1.0)
