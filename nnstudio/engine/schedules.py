"""Learning-rate schedules and the watch on the validation loss (best epoch, early stop).

A schedule gives, before each epoch, a factor that multiplies the base learning rate the
user chose; the optimizer's state is never reset. With ``e`` the number of epochs already
completed (0 before the first) and ``E`` the planned number of epochs:

- ``constant``: ``1``.
- ``step``: ``0.5 ** floor(e / max(1, E // 4))``, the rate halves after every quarter of
  the planned epochs (so the last quarter runs at 1/8).
- ``cosine``: ``0.5 * (1 + cos(pi * e / E))``, from 1 down towards 0 (the last epoch runs
  at ``0.5 * (1 + cos(pi * (E - 1) / E))``, small but not 0).
- ``plateau``: starts at 1 and halves when the monitored loss (validation loss, or the
  training loss without validation rows) has not improved on its best by more than
  ``PLATEAU_MIN_DELTA`` (relative) for ``PLATEAU_WAIT`` epochs in a row; never below
  ``PLATEAU_MIN_FACTOR``. The count restarts after each cut.

``step`` and ``cosine`` read ``E`` each epoch, so raising the epochs while training
stretches them. ``constant`` and ``plateau`` depend only on what happened so far, so the
first ``k`` epochs of a longer run equal a ``k``-epoch run with the same seed.

:class:`BestWatch` keeps a copy of the parameters of the epoch with the lowest validation
loss and counts the epochs since that epoch (for early stopping). It is not a schedule
and knows nothing of learning rates; the trainer drives both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

SCHEDULES = ("constant", "step", "cosine", "plateau")

#: plateau: epochs without improvement before the rate is halved
PLATEAU_WAIT = 5
#: plateau: a loss counts as an improvement when below ``best * (1 - PLATEAU_MIN_DELTA)``
PLATEAU_MIN_DELTA = 1e-3
#: plateau: the rate is cut by this factor each time
PLATEAU_CUT = 0.5
#: plateau: the factor never goes below this
PLATEAU_MIN_FACTOR = 1.0 / 1024


class Schedule:
    """The factor on the base learning rate for the next epoch.

    ``factor(e, E)`` is asked before each epoch (``e`` epochs done of ``E`` planned);
    ``observe(loss)`` is told the monitored loss after each epoch (only ``plateau`` uses
    it)."""

    def __init__(self, name: str = "constant"):
        if name not in SCHEDULES:
            raise ValueError(f"unknown schedule {name!r}; choose one of {', '.join(SCHEDULES)}")
        self.name = name
        self._plateau = 1.0
        self._best = math.inf
        self._wait = 0

    def factor(self, done: int, planned: int) -> float:
        planned = max(int(planned), 1)
        if self.name == "step":
            return 0.5 ** (done // max(1, planned // 4))
        if self.name == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * min(done, planned) / planned))
        if self.name == "plateau":
            return self._plateau
        return 1.0

    def observe(self, loss: float | None) -> None:
        if self.name != "plateau" or loss is None or not math.isfinite(loss):
            return
        if loss < self._best * (1 - PLATEAU_MIN_DELTA) or self._best == math.inf:
            self._best = loss
            self._wait = 0
            return
        self._wait += 1
        if self._wait >= PLATEAU_WAIT:
            self._plateau = max(self._plateau * PLATEAU_CUT, PLATEAU_MIN_FACTOR)
            self._wait = 0


class BestWatch:
    """The epoch with the lowest validation loss, a copy of its parameters, and the number
    of epochs since then.

    ``update(epoch, loss, params)`` after each epoch: if ``loss`` is the lowest so far
    (strictly lower; ties keep the earlier epoch), ``params`` (a list of arrays) are copied
    into the watch's own buffers. ``restore(params)`` copies them back in place."""

    def __init__(self):
        self.best_epoch: int | None = None
        self.best_loss = math.inf
        self.since_best = 0
        self._saved: list[np.ndarray] | None = None

    def update(self, epoch: int, loss: float | None, params: Sequence[np.ndarray]) -> bool:
        """Record epoch ``epoch`` (1-based); True if it is the new best."""
        if loss is not None and math.isfinite(loss) and loss < self.best_loss:
            self.best_loss = float(loss)
            self.best_epoch = int(epoch)
            self.since_best = 0
            if self._saved is None:
                self._saved = [np.array(p, copy=True) for p in params]
            else:
                for saved, p in zip(self._saved, params):
                    np.copyto(saved, p)
            return True
        self.since_best += 1
        return False

    def restore(self, params: Sequence[np.ndarray]) -> bool:
        """Copy the best epoch's parameters into ``params``; False if there is none."""
        if self._saved is None:
            return False
        for p, saved in zip(params, self._saved):
            np.copyto(p, saved)
        return True
