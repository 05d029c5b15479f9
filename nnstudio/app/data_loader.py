"""Loading a dataset on a worker thread, with progress and Cancel.

:class:`LoadWorker` is a worker ``QObject`` for :func:`nnstudio.app.threads.make_thread`:
its ``run`` reads the source with :func:`nnstudio.data.load_dataset` (progress reported
by the CSV reader between blocks) and also computes, off the GUI thread, what the views
need from every row (:func:`nnstudio.insight.data_facts.data_facts`: each row's class,
the class counts, the columns' ranges, the drawn sample), so that showing even a million
rows costs the GUI thread only bounded work. ``cancel()`` may be called from
any thread; the reader stops at its next block.

Signals, all emitted from the worker thread (queued to the GUI): ``progress(float)``
(0..1, at most about every percent), then exactly one of ``loaded(LoadedData)``,
``failed(object)`` (the :class:`~nnstudio.errors.NnstudioError`, or for a bug a
``RuntimeError`` naming it) or ``cancelled()``, and last ``finished()``.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from nnstudio.data.dataset import Dataset
from nnstudio.data.loaders import load_dataset
from nnstudio.errors import NnstudioError
from nnstudio.insight.data_facts import data_facts

__all__ = ["LoadWorker", "LoadedData", "class_summary"]


@dataclass
class LoadedData:
    """A dataset and the per-row facts the views draw from.

    class_index : classification: (n_samples,) intp index of each row's label in
        ``dataset.classes``; regression: None
    class_counts : classification: (n_classes,) int64 rows per class; regression: None
    """

    dataset: Dataset
    class_index: np.ndarray | None
    class_counts: np.ndarray | None


def class_summary(ds: Dataset) -> LoadedData:
    """The :class:`LoadedData` of ``ds`` (class indices and counts for classification).
    Computes (or finds) every view's :func:`data_facts` of ``ds``: call it off the GUI
    thread for big data."""
    facts = data_facts(ds)
    return LoadedData(ds, facts.class_index, facts.class_counts)


class _Cancelled(Exception):
    """Raised inside the reader's progress callback to stop reading."""


class LoadWorker(QObject):
    """Reads one source on a worker thread; see the module docstring."""

    progress = Signal(float)
    loaded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, source: str, target: str | None = None, task: str | None = None):
        super().__init__()
        self.source, self.target, self.task = source, target, task
        self._cancel = threading.Event()
        self._shown = -1.0

    def cancel(self) -> None:
        """Ask the load to stop (thread-safe); ``cancelled`` follows unless it had ended."""
        self._cancel.set()

    def _on_progress(self, fraction: float) -> None:
        if self._cancel.is_set():
            raise _Cancelled
        # Between blocks, hand the GIL to the GUI thread if it waits for it (it may wait
        # up to Python's switch interval, 5 ms, at every paint otherwise). Measured with
        # the block size: csv_reader.BLOCK_BYTES.
        time.sleep(0)
        if fraction - self._shown >= 0.01 or fraction >= 1.0:
            self._shown = fraction
            self.progress.emit(float(fraction))

    @Slot()
    def run(self) -> None:
        try:
            ds = load_dataset(
                self.source, target=self.target, task=self.task, progress=self._on_progress
            )
            if self._cancel.is_set():
                raise _Cancelled
            data = class_summary(ds)
            if self._cancel.is_set():
                raise _Cancelled
            self.loaded.emit(data)
        except _Cancelled:
            self.cancelled.emit()
        except NnstudioError as exc:
            self.failed.emit(exc)
        except Exception as exc:  # a bug: say so, with the traceback on stderr
            traceback.print_exc()
            self.failed.emit(RuntimeError(f"internal error while loading {self.source}: {exc!r}"))
        finally:
            self.finished.emit()
