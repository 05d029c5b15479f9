"""Mini-batch training that can be driven one step at a time.

``Trainer`` owns no thread and no Qt: the command line calls ``run()``, and the desktop
app's worker calls ``step()`` in its own loop, checking for pause and stop between steps
and emitting what the reports say. Reports come for free: the loss and per-layer gradient
norms are by-products of the backward pass, and the epoch metrics reuse the outputs the
steps already computed (validation adds one forward pass per epoch).

Index conventions: ``epoch`` counts completed epochs (0 before the first ends), ``step``
counts optimizer updates since the trainer was made.
"""

from __future__ import annotations

import contextlib
import copy
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .losses import loss_value
from .network import MLP
from .optimizers import Optimizer, make_optimizer
from .schedules import BestWatch, Schedule

#: Below this many matrix-product FLOPs per step, a second BLAS thread costs more in
#: hand-offs than it gives: on a 2-core machine a 784-128-10 step at batch 32 (13 MFLOP)
#: ran 1.25-2x faster on one thread, while 784-512-512-10 at batch 128 (411 MFLOP) ran
#: 1.7x faster on two. One thread also leaves a core to the GUI while small nets train.
SINGLE_THREAD_FLOPS = 1e8

#: Training data (inputs and targets together) up to this many bytes is gathered into
#: each epoch's shuffled order whole, once an epoch; larger data one batch at a time, so
#: that memory holds one copy of it (see ``Trainer``).
GATHER_EPOCH_BYTES = 1 << 18


def step_flops(layer_sizes, batch_size: int) -> int:
    """Matrix-product FLOPs of one training step: forward, weight gradients and input
    gradients (none for the first layer), 2 * m * fan_in * fan_out each."""
    per = [2 * batch_size * a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
    return 3 * sum(per) - per[0]


#: A step under ``SINGLE_THREAD_FLOPS`` still runs its weight-gradient products on every
#: BLAS thread when one of them is at least this many FLOPs and its ``dW`` has at least
#: as many elements as its two inputs (see ``blas_threads_for``).
WIDE_GRADIENT_FLOPS = 2e6


class Widen:
    """The ``widen`` argument of ``MLP.checked_gradients``: ``widen(True)`` sets each
    BLAS library back to the thread count it had (``counts``: ``(library controller,
    threads)`` pairs from threadpoolctl), ``widen(False)`` to one thread. The count is
    the whole process's, so only calls from the thread that made it do anything."""

    def __init__(self, counts) -> None:
        self.counts = list(counts)
        self.owner = threading.get_ident()

    def __call__(self, on: bool) -> None:
        if threading.get_ident() == self.owner:
            for lib, n in self.counts:
                lib.set_num_threads(n if on else 1)


@contextlib.contextmanager
def blas_threads_for(layer_sizes, batch_size: int):
    """Inside this block BLAS runs on one thread if a step of this network at this batch
    size is under ``SINGLE_THREAD_FLOPS``, else as configured. Needs threadpoolctl;
    without it, nothing changes.

    It yields the ``widen`` argument of ``MLP.checked_gradients`` for steps taken on this
    thread: None, or a ``Widen`` that gives the weight-gradient products (all of them,
    which come together at the end of the backward pass) the threads configured before
    the block. Only a one-thread step with more threads configured gets one, and only
    when one of its weight-gradient products reaches ``WIDE_GRADIENT_FLOPS`` and writes
    at least as many numbers as it reads (OpenBLAS keeps its small products on one
    thread anyway).

    Why only those products: a product that reads a weight matrix on two cores leaves its
    cache lines on both, and the update that then writes the weights waits for the other
    core to give them up. Measured on 2 cores with 784-128-10 at batch 32: the forward
    product took 45 us on two threads against 75 on one, but the update went from 10 to
    60-230 us; ``dW = A.T @ dZ`` reads no weights. Its inputs pay the same way when they
    are next written, hence the second condition: the gradients of 784-128-10 at batch
    32 took 13% less time widened, 784-64-10 10% less, 2-256-256-2 at batch 128 7% less,
    20-256-256-2 at batch 64 0-5% less; 2-128-128-2 at batch 128 (a 128 x 128 ``dW`` from
    two 128 x 128 inputs) between 1% less and 4% more.

    With threadpoolctl 3.8 (not 3.6) and OpenBLAS on pthreads, only the thread that first
    changed the thread count can change it again, while it lives; from any other thread
    the limit and ``Widen`` do nothing. The desktop app changes it on the GUI thread
    (``app.threads.leave_the_gui_a_core``), so its workers train with what the window
    left them.
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        yield None
        return
    if step_flops(layer_sizes, batch_size) >= SINGLE_THREAD_FLOPS:
        yield None
        return
    blas = ThreadpoolController().select(user_api="blas")
    # (a library that cannot say its count stays at one thread inside)
    counts = [(lib, lib.num_threads or 1) for lib in blas.lib_controllers]
    m, sizes = batch_size, list(layer_sizes)
    wide = any(
        2 * m * a * b >= WIDE_GRADIENT_FLOPS and a * b >= m * (a + b)
        for a, b in zip(sizes, sizes[1:])
    )
    with blas.limit(limits=1):
        if not wide or all(n <= 1 for _, n in counts):
            yield None
        else:
            yield Widen(counts)


@dataclass
class Checkpoint:
    """Everything that decides what a ``Trainer`` does next, copied between two epochs:
    ``Trainer.restore_checkpoint`` puts it back and training goes on exactly as it went
    from that epoch (same shuffles, same optimizer moments). ``params`` is a copy of
    ``net.param_memory()`` (every weight and bias, laid out as the network keeps them)."""

    epoch: int
    step_count: int
    params: np.ndarray
    history: list[EpochReport]
    state: dict  # optimizer, rng, schedule, best-epoch watch and flags, deep-copied

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays of this checkpoint (parameters, optimizer moments and
        the best epoch's saved weights)."""
        seen: set[int] = set()

        def size(obj) -> int:
            if isinstance(obj, np.ndarray):
                if id(obj) in seen:
                    return 0
                seen.add(id(obj))
                return obj.nbytes
            if isinstance(obj, dict):
                return sum(size(v) for v in obj.values())
            if isinstance(obj, (list, tuple)):
                return sum(size(v) for v in obj)
            if hasattr(obj, "__dict__"):
                return size(vars(obj))
            return 0

        return size(self.params) + size(self.state)


class TrainingDiverged(RuntimeError):
    """The loss or a gradient became NaN or infinite. The weights are those of the last
    finite step.

    Callers branch on the fields, never on the message text:

    - ``what``: ``"loss"`` or ``"gradient"`` (the first of the two that was not finite)
    - ``value``: the loss (nan or +-inf) when ``what == "loss"``, else the first
      non-finite gradient norm
    - ``epoch``: 1-based number of the epoch the failed step belonged to
    - ``step``: 1-based number of the failed update (``Trainer.step_count + 1``)
    - ``lr``: the learning rate of the failed update

    ``summary`` is the one-line statement of what happened (without advice), e.g.
    ``"training diverged: the loss became nan at epoch 3, step 45"``.
    """

    def __init__(self, what: str, value: float, epoch: int, step: int, lr: float) -> None:
        self.what = what
        self.value = float(value)
        self.epoch = int(epoch)
        self.step = int(step)
        self.lr = float(lr)
        super().__init__(
            f"{self.summary}; the weights of the last finite step are kept. Try a smaller "
            f"learning rate (now {self.lr:g})."
        )

    def __reduce__(self):  # picklable with its fields (e.g. across processes)
        return (type(self), (self.what, self.value, self.epoch, self.step, self.lr))

    @property
    def summary(self) -> str:
        return (
            f"training diverged: the {self.what} became {self.value} at epoch {self.epoch}, "
            f"step {self.step}"
        )


@dataclass
class StepReport:
    epoch: int  # epochs completed before this step
    step: int  # updates done, including this one
    batch_size: int
    loss: float
    grad_norms: np.ndarray  # (n_layers,) L2 norm of each layer's weight gradient
    epoch_report: EpochReport | None = None  # set when this step finished an epoch


@dataclass
class EpochReport:
    epoch: int  # 1-based number of the epoch just finished
    train_loss: float  # mean of the batch losses, weighted by batch size
    val_loss: float | None
    metric_name: str  # "accuracy" or "r2"
    train_metric: float
    val_metric: float | None
    seconds: float  # wall time of the epoch's steps
    samples_per_second: float
    lr: float


@dataclass
class _Running:
    loss: float = 0.0
    n: int = 0
    correct: int = 0
    sse: float = 0.0
    seconds: float = 0.0


def r2_score(pred: np.ndarray, target: np.ndarray) -> float:
    """Coefficient of determination over all output columns together."""
    target = np.asarray(target, np.float64)
    ss_res = float(np.sum((np.asarray(pred, np.float64) - target) ** 2))
    ss_tot = float(np.sum((target - target.mean(axis=0)) ** 2))
    return 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")


def class_probabilities(output: np.ndarray) -> np.ndarray:
    """``(n, n_classes)`` class probabilities from a classifier's output ``(n, k)``: the
    softmax rows as they are, or ``[1 - p, p]`` for one sigmoid unit (``p`` is the
    probability of the second class)."""
    if output.shape[1] == 1:
        return np.column_stack([1 - output[:, 0], output[:, 0]])
    return output


def predicted_classes(output: np.ndarray) -> np.ndarray:
    """Class indices from network output: argmax, or ``p >= 0.5`` for one sigmoid unit."""
    if output.shape[1] == 1:
        return (output[:, 0] >= 0.5).astype(np.intp)
    return output.argmax(axis=1)


class Trainer:
    """Shuffled mini-batch training of ``net`` on ``(X, Y)``.

    ``X`` is ``(n, n_inputs)`` and ``Y`` is ``(n, n_outputs)`` (one-hot rows for
    classification), both already preprocessed. ``task`` is ``"classification"`` or
    ``"regression"`` and picks the metric (accuracy or R^2); by default it follows the loss.
    The same ``seed`` and settings give the same weights.

    With validation rows, the trainer watches the validation loss after every epoch:
    ``best_epoch`` is the epoch with the lowest one; ``patience`` > 0 ends training after
    that many epochs without a new lowest (``stopped_early``); ``restore_best`` puts the
    best epoch's weights back into ``net`` when training ends (by reaching ``epochs`` or
    by stopping early). Without validation rows there is nothing to watch: training runs
    all epochs and ``best_epoch`` is the last one. ``schedule`` (see ``schedules``) scales
    the learning rate before each epoch; ``lr`` reads the rate in use and sets the base.
    """

    def __init__(
        self,
        net: MLP,
        X: np.ndarray,
        Y: np.ndarray,
        X_val: np.ndarray | None = None,
        Y_val: np.ndarray | None = None,
        *,
        optimizer: str | Optimizer = "adam",
        lr: float | None = None,
        l2: float = 0.0,
        batch_size: int = 32,
        epochs: int = 100,
        seed: int = 0,
        task: str | None = None,
        shuffle: bool = True,
        schedule: str = "constant",
        patience: int = 0,
        restore_best: bool = False,
    ):
        self.net = net
        self.X = np.ascontiguousarray(X, net.dtype)
        self.Y = np.ascontiguousarray(Y, net.dtype)
        if self.X.ndim != 2 or self.X.shape[1] != net.n_inputs:
            raise ValueError(f"X must be (n, {net.n_inputs}), got {self.X.shape}")
        if self.Y.shape != (self.X.shape[0], net.n_outputs):
            raise ValueError(f"Y must be ({self.X.shape[0]}, {net.n_outputs}), got {self.Y.shape}")
        if self.X.shape[0] == 0:
            raise ValueError("no training examples")
        if X_val is not None and len(X_val):
            self.X_val = np.ascontiguousarray(X_val, net.dtype)
            self.Y_val = np.ascontiguousarray(Y_val, net.dtype)
        else:
            self.X_val = self.Y_val = None
        if int(batch_size) < 1:
            raise ValueError(f"batch size must be >= 1, got {batch_size}")
        if int(epochs) < 1:
            raise ValueError(f"epochs must be >= 1, got {epochs}")
        self.batch_size = min(int(batch_size), self.X.shape[0])
        self.epochs = int(epochs)
        self.optimizer = (
            optimizer if isinstance(optimizer, Optimizer) else make_optimizer(optimizer, lr, l2)
        )
        if task is None:
            task = "regression" if net.loss == "mse" else "classification"
        self.task = task
        self.metric_name = "accuracy" if task == "classification" else "r2"
        self.shuffle = shuffle
        self.rng = np.random.default_rng(seed)
        # The optimizer updates every parameter in one NumPy call per operation, or, with
        # weight decay (which spares the biases), all weights and then all biases. The
        # decay is fixed for the trainer's life.
        if self.optimizer.l2:
            self._params, self._grads = net.param_blocks(), net.grad_blocks()
            self._decay = [True, False]
        else:
            self._params, self._grads = [net.param_memory()], [net.grad_memory()]
            self._decay = [False]
        n = self.X.shape[0]
        self._labels = predicted_classes(self.Y) if task == "classification" else None
        self._mse = net.loss == "mse"
        # Shuffling draws a permutation of the row numbers each epoch and gathers each
        # batch's rows into batch buffers: the data is never copied whole. Small data
        # (up to GATHER_EPOCH_BYTES) is instead gathered whole into a second copy at the
        # start of each epoch, and each step takes a slice of it: two gathers an epoch
        # instead of two a step (about 1 us of a tiny network's 25 us step).
        self._order: np.ndarray | None = None  # this epoch's row order; None: as stored
        self._quiet_thread: int | None = None  # the thread inside blas_threads(), if any
        self._widen = None  # and what blas_threads_for gave it for the gradient products
        self._Xe = self._Ye = self._Le = None  # small data in this epoch's order
        if shuffle and self.X.nbytes + self.Y.nbytes <= GATHER_EPOCH_BYTES:
            self._Xe, self._Ye = np.empty_like(self.X), np.empty_like(self.Y)
            if self._labels is not None:
                self._Le = np.empty_like(self._labels)
        elif shuffle:
            self._Xb = np.empty((self.batch_size, self.X.shape[1]), net.dtype)
            self._Yb = np.empty((self.batch_size, self.Y.shape[1]), net.dtype)
        self._pos = n  # position in the current epoch; n means "start a new epoch"
        self.epoch = 0
        self.step_count = 0
        self.history: list[EpochReport] = []
        self._run = _Running()
        self.schedule = Schedule(schedule)
        if int(patience) < 0:
            raise ValueError(f"patience must be >= 0, got {patience}")
        self.patience = int(patience)
        self.restore_best = bool(restore_best)
        self.base_lr = self.optimizer.lr
        self._factor = 1.0
        self.watch = BestWatch()
        self.stopped_early = False
        self.restored_best = False  # True once the best epoch's weights were put back

    # ------------------------------------------------------------------ controls
    @property
    def lr(self) -> float:
        return self.optimizer.lr

    @lr.setter
    def lr(self, value: float) -> None:
        """Set the base rate; the rate in use is the base times the schedule's factor."""
        value = float(value)
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"learning rate must be a positive number, got {value}")
        self.base_lr = value
        self.optimizer.lr = value * self._factor

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.n_samples // self.batch_size)

    @property
    def done(self) -> bool:
        return self.epoch >= self.epochs or self.stopped_early

    @property
    def has_validation(self) -> bool:
        return self.X_val is not None

    @property
    def best_epoch(self) -> int | None:
        """The epoch (1-based) with the lowest validation loss; without validation rows
        the last epoch; None before the first epoch ends."""
        if not self.history:
            return None
        if self.has_validation and self.watch.best_epoch is not None:
            return self.watch.best_epoch
        return self.epoch

    @property
    def best_report(self) -> EpochReport | None:
        """The ``EpochReport`` of ``best_epoch``."""
        best = self.best_epoch
        return None if best is None else self.history[best - 1]

    @property
    def final_report(self) -> EpochReport | None:
        """The report describing the weights in ``net`` now: the best epoch's once they
        were restored, else the last epoch's."""
        if not self.history:
            return None
        return self.best_report if self.restored_best else self.history[-1]

    @contextlib.contextmanager
    def blas_threads(self):
        """A context for running steps: BLAS with the thread count that suits this network
        (see ``blas_threads_for``), and NumPy's overflow warnings off for the steps this
        thread takes inside it (a diverging step is caught by its non-finite loss or norm
        and raises ``TrainingDiverged``). Outside it every step turns them off and on
        again itself, which costs about 2 us, 5% of a step of a tiny network."""
        previous = self._quiet_thread, self._widen
        with (
            blas_threads_for(self.net.layer_sizes, self.batch_size) as widen,
            np.errstate(over="ignore", invalid="ignore"),
        ):
            self._quiet_thread, self._widen = threading.get_ident(), widen
            try:
                yield
            finally:
                self._quiet_thread, self._widen = previous

    # ------------------------------------------------------------------ stepping
    def _new_epoch(self) -> None:
        self._factor = self.schedule.factor(self.epoch, self.epochs)
        self.optimizer.lr = self.base_lr * self._factor
        self.restored_best = False
        if self.shuffle:
            self._order = self.rng.permutation(self.n_samples)
        self._pos = 0
        self._run = _Running()

    def train_step(self, Xb: np.ndarray, Yb: np.ndarray, *, checked: bool = False):
        """One update on the batch ``(Xb, Yb)``; returns the ``Gradients`` of the batch.
        ``checked``: the arrays are already C-contiguous in the network's dtype (see
        ``MLP.checked_gradients``).

        Raises ``TrainingDiverged`` (weights untouched) if the loss or a gradient norm is
        not finite."""
        opt = self.optimizer
        # Plain SGD takes gradients already multiplied by lr (free in the backward pass,
        # and a pass over the gradients less in the update: see Optimizer.prescale).
        net = self.net
        scale = opt.prescale() if checked else None
        # Overflow is not an error here: it shows up as a non-finite loss or norm below.
        if self._quiet_thread == threading.get_ident():  # inside blas_threads()
            if checked:
                g = net.checked_gradients(Xb, Yb, scale, self._widen)
            else:
                g = net.gradients(Xb, Yb)
            norms = g.norms.tolist()  # (computed when first read)
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                g = net.checked_gradients(Xb, Yb, scale) if checked else net.gradients(Xb, Yb)
                norms = g.norms.tolist()
        if not (math.isfinite(g.loss) and all(map(math.isfinite, norms))):
            if not math.isfinite(g.loss):
                what, value = "loss", g.loss
            else:
                what = "gradient"
                value = next(v for v in norms if not math.isfinite(v))
            raise TrainingDiverged(what, value, self.epoch + 1, self.step_count + 1, self.lr)
        opt.step(self._params, self._grads, self._decay, prescaled=scale is not None)
        self.step_count += 1
        return g

    def step(self) -> StepReport:
        """One mini-batch update. When it ends an epoch, ``report.epoch_report`` is set."""
        if self.epoch >= self.epochs or self.stopped_early:  # self.done, inlined
            raise RuntimeError("training is finished; make a new Trainer or raise epochs")
        n = self.X.shape[0]
        if self._pos >= n:
            self._new_epoch()
        t0 = time.perf_counter()
        lo = self._pos
        hi = lo + self.batch_size
        if hi > n:
            hi = n
        m = hi - lo
        labels = self._labels
        if self._order is None:
            Xb, Yb = self.X[lo:hi], self.Y[lo:hi]
            rows = slice(lo, hi)
        elif self._Xe is not None:  # small data, gathered whole at the start of the epoch
            if lo == 0:
                order = self._order
                self.X.take(order, axis=0, out=self._Xe)
                self.Y.take(order, axis=0, out=self._Ye)
                if labels is not None:
                    labels.take(order, out=self._Le)
            Xb, Yb = self._Xe[lo:hi], self._Ye[lo:hi]
            rows, labels = slice(lo, hi), self._Le
        else:  # gather this batch's rows into the batch buffers
            rows = self._order[lo:hi]
            Xb, Yb = self._Xb, self._Yb
            if m < len(Xb):  # the last, shorter batch of the epoch
                Xb, Yb = Xb[:m], Yb[:m]
            self.X.take(rows, axis=0, out=Xb)  # the method: no wrapper
            self.Y.take(rows, axis=0, out=Yb)
        g = self.train_step(Xb, Yb, checked=True)
        run = self._run
        loss = g.loss
        run.loss += loss * m
        run.n += m
        if labels is not None:
            hits = predicted_classes(g.output) == labels[rows]
            run.correct += int(np.count_nonzero(hits))
        elif self._mse:
            run.sse += 2.0 * m * loss  # mse is sse / (2m): the loss already summed it
        else:
            d = g.output - Yb
            run.sse += float(np.vdot(d, d))
        self._pos = hi
        run.seconds += time.perf_counter() - t0
        report = StepReport(self.epoch, self.step_count, m, loss, g.norms)  # a new array
        if hi >= n:
            report.epoch_report = self._end_epoch()
        return report

    def _end_epoch(self) -> EpochReport:
        run = self._run
        self.epoch += 1
        if self._labels is not None:
            train_metric = run.correct / run.n
        else:
            ss_tot = float(np.sum((self.Y - self.Y.mean(axis=0)) ** 2))
            train_metric = 1.0 - run.sse / ss_tot if ss_tot > 0 else float("nan")
        val_loss = val_metric = None
        if self.X_val is not None:
            val_loss, val_metric = self.evaluate(self.X_val, self.Y_val)
        rep = EpochReport(
            epoch=self.epoch,
            train_loss=run.loss / run.n,
            val_loss=val_loss,
            metric_name=self.metric_name,
            train_metric=train_metric,
            val_metric=val_metric,
            seconds=run.seconds,
            samples_per_second=run.n / run.seconds if run.seconds > 0 else float("inf"),
            lr=self.lr,
        )
        self.history.append(rep)
        self._watch(rep)
        return rep

    def _watch(self, rep: EpochReport) -> None:
        """After an epoch: the best epoch, the plateau schedule, early stopping, restore."""
        if self.has_validation:
            self.watch.update(rep.epoch, rep.val_loss, self._params)
            if self.patience and self.watch.since_best >= self.patience:
                self.stopped_early = True
        self.schedule.observe(rep.val_loss if self.has_validation else rep.train_loss)
        if self.done and self.restore_best and self.watch.best_epoch != self.epoch:
            # the last epoch's own weights stay what a checkpoint of this epoch holds
            self._last_params = self.net.param_memory().copy()
            self.restored_best = self.watch.restore(self._params)

    def run_epoch(self) -> EpochReport:
        """Steps until the current epoch ends (a whole epoch if one had just ended)."""
        while True:
            rep = self.step()
            if rep.epoch_report is not None:
                return rep.epoch_report

    def __iter__(self) -> Iterator[StepReport]:
        while not self.done:
            yield self.step()

    def run(self, callback=None) -> list[EpochReport]:
        """Train to the end; ``callback(step_report)`` after every step if given."""
        with self.blas_threads():
            for rep in self:
                if callback is not None:
                    callback(rep)
        return self.history

    def evaluate(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, float]:
        """``(loss, accuracy or R^2)`` of the current network on preprocessed data."""
        Y = np.asarray(Y, self.net.dtype)
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged net reports nan/inf
            out = self.net.forward(X)
            loss = loss_value(self.net.loss, out, Y)
        if self.task == "classification":
            metric = float(np.mean(predicted_classes(out) == predicted_classes(Y)))
        else:
            metric = r2_score(out, Y)
        return loss, metric

    # ------------------------------------------------------------------ checkpoints
    _CHECKPOINTED = (
        "optimizer",
        "schedule",
        "watch",
        "base_lr",
        "_factor",
        "stopped_early",
        "restored_best",
        "epochs",
    )

    def checkpoint(self) -> Checkpoint:
        """A copy of the training state between two epochs (see ``Checkpoint``). Raises
        ``RuntimeError`` in the middle of an epoch."""
        if self._pos < self.n_samples:
            raise RuntimeError("a checkpoint is taken between epochs, not inside one")
        state = {name: copy.deepcopy(getattr(self, name)) for name in self._CHECKPOINTED}
        state["rng"] = copy.deepcopy(self.rng.bit_generator.state)
        return Checkpoint(
            epoch=self.epoch,
            step_count=self.step_count,
            params=(self._last_params if self.restored_best else self.net.param_memory()).copy(),
            history=list(self.history),
            state=state,
        )

    def restore_checkpoint(self, cp: Checkpoint) -> None:
        """Put ``cp`` back: the weights (in place, so views of ``net`` stay valid), the
        optimizer, the random state, the epoch count and the history up to ``cp.epoch``.
        The planned number of epochs is kept as it is now. ``cp`` stays usable."""
        memory = self.net.param_memory()
        if cp.params.shape != memory.shape:
            raise ValueError("the checkpoint belongs to a network of another shape")
        memory[...] = cp.params
        epochs = self.epochs
        for name in self._CHECKPOINTED:
            setattr(self, name, copy.deepcopy(cp.state[name]))
        self.epochs = epochs
        self.rng.bit_generator.state = copy.deepcopy(cp.state["rng"])
        self.epoch = cp.epoch
        self.step_count = cp.step_count
        self.history = list(cp.history)
        self._pos = self.n_samples
        self._run = _Running()
