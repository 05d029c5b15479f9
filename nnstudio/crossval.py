"""K-fold cross-validation of a training configuration on a dataset. No Qt.

``folds`` splits the rows into K seeded folds (stratified by class for classification:
each class's rows are shuffled and dealt round-robin, so every fold holds each class in
proportion, give or take one row). ``cross_validate`` trains one network per fold on the
other K-1 folds with exactly the settings a plain ``train`` uses, validation split,
best epoch, early stopping and refit included (the validation rows are carved out of
those K-1 folds), and scores it on the held-out fold, which took no part in training or
in choosing the epoch. The score is accuracy for classification and R^2 (over the
held-out fold's own mean) for regression.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from .data.dataset import Dataset
from .engine.trainer import predicted_classes, r2_score
from .errors import NnstudioError
from .pipeline import ConfigError, Session, TrainConfig, build_session, train

MAX_FOLDS = 100


@dataclass
class FoldResult:
    fold: int  # 1-based
    n_train: int
    n_test: int
    metric: float  # accuracy or R^2 on the held-out fold
    best_epoch: int | None
    epochs_trained: int


@dataclass
class CVResult:
    metric_name: str  # "accuracy" or "r2"
    folds: list[FoldResult]

    @property
    def scores(self) -> np.ndarray:
        return np.array([f.metric for f in self.folds], np.float64)

    @property
    def mean(self) -> float:
        return float(np.mean(self.scores))

    @property
    def std(self) -> float:
        """Population standard deviation (ddof=0) of the fold scores."""
        return float(np.std(self.scores))

    def to_dict(self) -> dict:
        def num(x):
            return x if x is not None and math.isfinite(x) else None

        return {
            "k": len(self.folds),
            "metric": self.metric_name,
            "folds": [{**dataclasses.asdict(f), "metric": num(f.metric)} for f in self.folds],
            "scores": [num(x) for x in self.scores.tolist()],
            "mean": num(self.mean),
            "std": num(self.std),
        }


def labels_of(ds: Dataset) -> np.ndarray | None:
    """Class indices (n,) for classification, None for regression."""
    if ds.task != "classification":
        return None
    lookup = {c: i for i, c in enumerate(ds.classes)}
    return np.array([lookup[v] for v in ds.y.tolist()], np.intp)


def check_folds(n: int, k) -> None:
    """``ConfigError`` unless ``k`` is a whole number of folds that ``n`` rows allow."""
    if not isinstance(k, int) or isinstance(k, bool) or not 2 <= k <= min(n, MAX_FOLDS):
        raise ConfigError(
            f"cross-validation needs 2 <= K <= {min(n, MAX_FOLDS)} folds for {n} rows, got {k!r}"
        )


def folds(n: int, k: int, seed: int = 0, labels: np.ndarray | None = None) -> list[np.ndarray]:
    """``k`` disjoint arrays of row indices covering ``range(n)``. With ``labels`` (n,)
    the folds are stratified: class by class, shuffled rows are dealt to folds in turn,
    each class starting where the previous one stopped so fold sizes differ by at most 1.
    """
    check_folds(n, k)
    rng = np.random.default_rng(seed)
    if labels is None:
        order = rng.permutation(n)
    else:
        order = np.concatenate(
            [rng.permutation(np.flatnonzero(labels == c)) for c in np.unique(labels)]
        )
    assign = np.empty(n, np.intp)
    assign[order] = np.arange(n) % k
    return [np.sort(np.flatnonzero(assign == f)) for f in range(k)]


def subset(ds: Dataset, rows: np.ndarray) -> Dataset:
    """The rows ``rows`` of ``ds`` as a dataset with the same classes and names."""
    return dataclasses.replace(ds, X=ds.X[rows], y=ds.y[rows], classes=ds.classes)


def score(session: Session, ds: Dataset) -> float:
    """Accuracy or R^2 of ``session``'s network on the raw rows of ``ds``."""
    out = session.output(ds.X)
    if ds.task == "classification":
        truth = labels_of(ds)
        return float(np.mean(predicted_classes(out) == truth))
    y = ds.y.reshape(ds.n_samples, -1)
    return r2_score(session.data.target_scaler.inverse_transform(out), y)


def cross_validate(ds: Dataset, cfg: TrainConfig, k: int = 5, on_fold=None) -> CVResult:
    """Train and score ``cfg`` on ``k`` folds of ``ds`` (folds seeded by ``cfg.seed``).

    ``on_fold(FoldResult)`` is called after each fold. Raises ``ConfigError`` for a bad
    ``k`` and whatever training raises (a ``DataError`` if a fold's training rows miss
    a class, ``TrainingDiverged``)."""
    cfg.validate()
    results = []
    parts = folds(ds.n_samples, k, cfg.seed, labels_of(ds))
    for i, test in enumerate(parts):
        train_rows = np.concatenate([p for j, p in enumerate(parts) if j != i])
        tr, te = subset(ds, train_rows), subset(ds, test)
        if ds.task == "classification" and len(np.unique(labels_of(tr))) < len(ds.classes):
            raise NnstudioError(
                f"{ds.name}: with {k} folds, the training rows of fold {i + 1} miss a class; "
                "use fewer folds"
            )
        first = build_session(tr, cfg)
        final = train(first)
        res = FoldResult(
            fold=i + 1,
            n_train=len(train_rows),
            n_test=len(test),
            metric=score(final, te),
            best_epoch=first.trainer.best_epoch,
            epochs_trained=first.trainer.epoch,
        )
        results.append(res)
        if on_fold is not None:
            on_fold(res)
    return CVResult("accuracy" if ds.task == "classification" else "r2", results)
