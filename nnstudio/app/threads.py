"""The one way the app runs a worker ``QObject`` on a thread of its own.

Every worker (training, timing, ...) goes through :func:`make_thread`, which makes the
four connections of the ``moveToThread`` pattern (as superqt's ``new_worker_qthread``):

- ``thread.started -> worker.run``: the work begins in the new thread;
- ``worker.finished -> thread.quit``: the thread's event loop ends with the work;
- ``worker.finished -> worker.deleteLater`` and ``thread.finished -> thread.deleteLater``:
  both objects delete themselves once they are done.

A worker needs a ``run()`` slot and a ``finished`` signal that it emits last, always
(also after an error or a cancel).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread

__all__ = ["make_thread"]


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
