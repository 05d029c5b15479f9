"""The one way the app runs a worker ``QObject`` on a thread of its own.

Every worker (training, timing, ...) goes through :func:`make_thread`, which makes the
four connections of the ``moveToThread`` pattern (as superqt's ``new_worker_qthread``):

- ``thread.started -> worker.run``: the work begins in the new thread;
- ``worker.finished -> thread.quit``: the thread's event loop ends with the work;
- ``worker.finished -> worker.deleteLater`` and ``thread.finished -> thread.deleteLater``:
  both objects delete themselves once they are done.

A worker needs a ``run()`` slot and a ``finished`` signal that it emits last, always
(also after an error or a cancel).

The workers' BLAS runs on one core fewer than the process may use
(:func:`leave_the_gui_a_core`): the GUI thread and the display server need one. And
Python's cycle collector runs on the GUI thread only (:func:`collect_garbage_on_the_gui_thread`).
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, QThread

__all__ = [
    "collect_garbage_on_the_gui_thread",
    "gui_blas_threads",
    "leave_the_gui_a_core",
    "make_thread",
]

_collector = None  # the process's one pyqtgraph GarbageCollector, once made


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
    the four standard connections. Connect to the thread's signals, then ``start()`` it.

    The caller keeps references to both until ``thread.finished``; both delete themselves
    (``deleteLater``) when the work ends. The thread has no parent on purpose: a parent
    destroyed first would destroy a running thread ("QThread: Destroyed while thread is
    still running" aborts the process).
    """
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit)
    worker.finished.connect(worker.deleteLater)
    thread.finished.connect(thread.deleteLater)
    return thread


def collect_garbage_on_the_gui_thread() -> None:
    """Turn Python's automatic cycle collection off and collect from a 1 s timer on this
    (the GUI) thread instead: pyqtgraph's ``GarbageCollector``, made once per process.

    Why: the automatic collector runs on whichever thread happens to allocate when its
    counts pass the thresholds, a worker's too; a cycle that holds a Qt widget freed
    there deletes the widget off the GUI thread, and the process crashes (a test that
    held a loaded data panel in a local did, with heap corruption). The timer applies the
    same thresholds, so as much is collected, only always here. Call it on the GUI thread
    (the main window does).
    """
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=1.0)
