"""The training timeline: a checkpoint of every epoch, within a memory budget.

The app records the trainer's state after every epoch (and epoch 0, the weights training
started from), so that a finished or paused run can be scrubbed back to any recorded
epoch (its surface, network drawing and metrics) and restarted from there. A recorded
epoch ``k`` is a ``Trainer.checkpoint()``: its weights, the optimizer's moments, the
random state of the shuffles and the history up to ``k``; restoring it makes training
continue exactly as it went from ``k`` the first time.

Budget: the checkpoints' arrays may hold at most ``budget`` bytes (``DEFAULT_BUDGET``,
64 MiB). A float32 2-32-32-2 network trained with Adam and a validation split has
19.5 kB checkpoints (weights, Adam's two moments, the best epoch's weights), so ~3,400
epochs fit; a 784-512-512-10 one has 10.7 MB checkpoints, so six fit. Over budget, the
timeline thins its old checkpoints evenly: it drops every second one, always keeping the
earliest and the latest, until it fits, so old epochs become evenly sparse while recent
ones stay one per epoch until the next thinning. The earliest and the latest are always
kept, whatever their size.

No Qt here; the app's ``epochSlider`` and ``restoreEpochButton`` are views of this.
"""

from __future__ import annotations

import bisect
import threading

from .engine.network import MLP
from .engine.trainer import Checkpoint, EpochReport, Trainer

__all__ = ["DEFAULT_BUDGET", "Timeline"]

#: bytes the checkpoints of one run may hold
DEFAULT_BUDGET = 64 * 2**20


class Timeline:
    """Checkpoints by epoch (0 = before training), oldest first."""

    def __init__(self, budget: int = DEFAULT_BUDGET):
        if budget <= 0:
            raise ValueError(f"budget must be > 0 bytes, got {budget}")
        self.budget = int(budget)
        self._epochs: list[int] = []
        self._checkpoints: list[Checkpoint] = []
        self._sizes: list[int] = []
        self.thinned = 0  # checkpoints dropped to stay within the budget
        # The training thread records while the GUI thread reads epochs: one lock.
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ reading
    @property
    def epochs(self) -> list[int]:
        """The recorded epochs, ascending."""
        with self._lock:
            return list(self._epochs)

    def __len__(self) -> int:
        return len(self._epochs)

    def __contains__(self, epoch: int) -> bool:
        with self._lock:
            i = bisect.bisect_left(self._epochs, epoch)
            return i < len(self._epochs) and self._epochs[i] == epoch

    @property
    def nbytes(self) -> int:
        return sum(self._sizes)

    def checkpoint(self, epoch: int) -> Checkpoint:
        """The checkpoint of a recorded ``epoch``; ``KeyError`` if it is not recorded."""
        with self._lock:
            i = bisect.bisect_left(self._epochs, epoch)
            if i == len(self._epochs) or self._epochs[i] != epoch:
                raise KeyError(f"epoch {epoch} is not in the timeline")
            return self._checkpoints[i]

    def report(self, epoch: int) -> EpochReport | None:
        """The ``EpochReport`` of a recorded ``epoch`` (None for epoch 0)."""
        cp = self.checkpoint(epoch)
        return cp.history[-1] if cp.history else None

    def network(self, epoch: int, like: MLP) -> MLP:
        """A copy of ``like`` holding the weights of a recorded ``epoch`` (for drawing
        the surface or the network of that epoch without touching the trainer)."""
        net = like.copy()
        net.param_memory()[...] = self.checkpoint(epoch).params
        return net

    # ------------------------------------------------------------------ writing
    def record(self, trainer: Trainer) -> int:
        """Record ``trainer``'s state now (between epochs); returns the epoch recorded.
        A later epoch than all recorded is appended; an epoch already recorded (or an
        earlier one, after a restore that was not followed by ``truncate``) replaces it
        and drops everything after it."""
        cp = trainer.checkpoint()
        size = cp.nbytes
        with self._lock:
            self.truncate(cp.epoch - 1)
            self._epochs.append(cp.epoch)
            self._checkpoints.append(cp)
            self._sizes.append(size)
            self._thin()
        return cp.epoch

    def restore(self, trainer: Trainer, epoch: int) -> None:
        """Make ``epoch``'s state the trainer's and drop the later checkpoints."""
        with self._lock:
            trainer.restore_checkpoint(self.checkpoint(epoch))
            self.truncate(epoch)

    def truncate(self, epoch: int) -> None:
        """Drop the checkpoints after ``epoch``."""
        with self._lock:
            i = bisect.bisect_right(self._epochs, epoch)
            del self._epochs[i:], self._checkpoints[i:], self._sizes[i:]

    def clear(self) -> None:
        with self._lock:
            self.truncate(-1)
            self.thinned = 0

    def _thin(self) -> None:
        while self.nbytes > self.budget and len(self._epochs) > 2:
            # every second one among all but the latest, keeping index 0 (the earliest)
            last = len(self._epochs) - 1
            drop = set(range(1, last, 2))
            keep = [i for i in range(len(self._epochs)) if i not in drop]
            self._epochs = [self._epochs[i] for i in keep]
            self._checkpoints = [self._checkpoints[i] for i in keep]
            self._sizes = [self._sizes[i] for i in keep]
            self.thinned += len(drop)
