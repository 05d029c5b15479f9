"""How the training defaults were chosen, re-made with one command.

    python -m nnstudio.bench.defaults                      the README table
    python -m nnstudio.bench.defaults --vary l2=0,1e-4,1e-3   one setting, several values

Every dataset is split into the same K stratified folds (``nnstudio.crossval.folds``,
seed 0). For each fold, nnstudio trains with the settings under test exactly as
``nnstudio train`` would on the other K-1 folds (its own validation split, best epoch,
early stopping and refit all inside them) and is scored on the held-out fold; on the same
folds scikit-learn's ``MLPClassifier`` / ``MLPRegressor(hidden_layer_sizes=(32,))``
(after a ``StandardScaler``, its other settings at their defaults apart from
``max_iter``, raised so that it converges, and ``random_state=0``) is trained on the K-1
folds and scored on the same rows. Scores are accuracy for classification and R^2 for
regression (the regression target is standardized for scikit-learn too, with
``TransformedTargetRegressor``, as nnstudio does; without it scikit-learn's MLP scores
worse on targets in the hundreds).

Datasets: the real samples in ``samples/`` (every CSV there; scikit-learn's digits
while the folder has no ``digits.csv``), the built-in generated
samples (moons and sine with more noise than their defaults, so that they separate good
settings from bad), and scikit-learn's Friedman #1 regression problem (500 rows, noise 1)
for a second non-linear regression.

scikit-learn is needed only here (the ``bench`` extra); nothing else imports it. One
process, one BLAS thread: the benchmark machine is shared.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..crossval import cross_validate, folds, labels_of
from ..data import load_dataset, make_sample
from ..data.dataset import Dataset
from ..errors import NnstudioError
from ..pipeline import TrainConfig
from .errors import BenchError

SKLEARN_MAX_ITER = 2000


def _samples_folder() -> Path:
    return Path(__file__).resolve().parents[2] / "samples"


def datasets(names: list[str] | None = None) -> list[Dataset]:
    """The benchmark's datasets (all, or those whose short name is in ``names``: the
    file name without ``.csv``, the sample name, ``digits``, ``friedman1``)."""

    def wanted(name: str) -> bool:
        return not names or name in names

    out: list[Dataset] = []
    folder = _samples_folder()
    csvs = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    for path in csvs:
        if wanted(path.stem):
            out.append(load_dataset(str(path)))
    noisier = {"moons": 0.3, "sine": 0.3}
    for name in ("xor", "circles", "moons", "spirals", "blobs", "sine"):
        if not wanted(name):
            continue
        ds = make_sample(name, noise=noisier.get(name))
        if name in noisier:
            ds.name = f"{name} (noise {noisier[name]})"
        out.append(ds)
    if wanted("digits") and not any(p.stem == "digits" for p in csvs):
        out.append(_digits())
    if wanted("friedman1"):
        out.append(_friedman1())
    return out


def _digits() -> Dataset:
    """scikit-learn's 8x8 digits (1,797 rows, 64 features, 10 classes), until the
    samples folder ships them."""
    from sklearn.datasets import load_digits

    d = load_digits()
    return Dataset(
        name="digits",
        source="sklearn.datasets.load_digits()",
        X=d.data,
        y=d.target.astype(np.int64),
        feature_names=[f"pixel_{i}" for i in range(d.data.shape[1])],
        target_name="digit",
        task="classification",
    )


def _friedman1() -> Dataset:
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=500, noise=1.0, random_state=0)
    return Dataset(
        name="friedman1",
        source="sklearn.datasets.make_friedman1(500, noise=1, random_state=0)",
        X=X,
        y=y,
        feature_names=[f"x{i}" for i in range(X.shape[1])],
        target_name="y",
        task="regression",
    )


def dataset_folds(ds: Dataset, k: int) -> list[np.ndarray]:
    return folds(ds.n_samples, k, seed=0, labels=labels_of(ds))


def sklearn_scores(ds: Dataset, k: int) -> np.ndarray:
    """Held-out accuracy or R^2 of StandardScaler + scikit-learn MLP(32) on each fold."""
    try:
        from sklearn.compose import TransformedTargetRegressor
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier, MLPRegressor
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
    except ImportError as exc:
        raise BenchError(
            "the defaults benchmark compares with scikit-learn; install the 'bench' extra "
            f"(pip install 'nnstudio[bench]'): {exc}"
        ) from exc
    parts = dataset_folds(ds, k)
    scores = []
    for i, test in enumerate(parts):
        train = np.concatenate([p for j, p in enumerate(parts) if j != i])
        if ds.task == "classification":
            y = labels_of(ds)
            model = make_pipeline(
                StandardScaler(),
                MLPClassifier(hidden_layer_sizes=(32,), max_iter=SKLEARN_MAX_ITER, random_state=0),
            )
        else:
            y = ds.y
            model = TransformedTargetRegressor(
                make_pipeline(
                    StandardScaler(),
                    MLPRegressor(
                        hidden_layer_sizes=(32,), max_iter=SKLEARN_MAX_ITER, random_state=0
                    ),
                ),
                transformer=StandardScaler(),
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(ds.X[train], y[train])
        scores.append(float(model.score(ds.X[test], y[test])))
    return np.array(scores)


def _standard_models(task: str) -> dict:
    """scikit-learn's standard models for ``--baselines`` (each after a StandardScaler)."""
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.linear_model import LogisticRegression, RidgeCV
    from sklearn.svm import SVC, SVR

    if task == "classification":
        return {
            "logistic": LogisticRegression(max_iter=5000),
            "random forest": RandomForestClassifier(200, random_state=0, n_jobs=1),
            "gradient boosting": HistGradientBoostingClassifier(random_state=0),
            "SVM (rbf)": SVC(),
        }
    return {
        "ridge": RidgeCV(alphas=np.logspace(-3, 3, 13)),
        "random forest": RandomForestRegressor(200, random_state=0, n_jobs=1),
        "gradient boosting": HistGradientBoostingRegressor(random_state=0),
        "SVM (rbf)": SVR(),
    }


def best_standard_model(ds: Dataset, k: int) -> tuple[str, np.ndarray]:
    """The standard model with the best mean held-out score on the same folds, and its
    per-fold scores (chosen after the fact: an optimistic bar, the issue's moonshot)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    parts = dataset_folds(ds, k)
    y = labels_of(ds) if ds.task == "classification" else ds.y
    best = ("", np.array([-np.inf]))
    for name, model in _standard_models(ds.task).items():
        scores = []
        for i, test in enumerate(parts):
            train = np.concatenate([p for j, p in enumerate(parts) if j != i])
            pipe = make_pipeline(StandardScaler(), model).fit(ds.X[train], y[train])
            scores.append(float(pipe.score(ds.X[test], y[test])))
        if np.mean(scores) > best[1].mean():
            best = (name, np.array(scores))
    return best


def nnstudio_scores(ds: Dataset, cfg: TrainConfig, k: int) -> tuple[np.ndarray, list]:
    """Held-out scores of ``cfg`` on each fold, and each fold's best epoch."""
    cfg = copy.deepcopy(cfg)
    cfg.seed = 0  # the folds are seeded by cfg.seed: keep them the ones sklearn sees
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        res = cross_validate(ds, cfg, k)
    return res.scores, [f.best_epoch for f in res.folds]


@dataclass
class Row:
    dataset: str
    task: str
    n: int
    ours: np.ndarray
    theirs: np.ndarray
    seconds: float

    @property
    def diff(self) -> float:
        return float(self.ours.mean() - self.theirs.mean())


def compare(cfg: TrainConfig, data: list[Dataset], k: int, theirs: dict) -> list[Row]:
    rows = []
    for ds in data:
        t0 = time.perf_counter()
        ours, _ = nnstudio_scores(ds, cfg, k)
        rows.append(
            Row(ds.name, ds.task, ds.n_samples, ours, theirs[ds.name], time.perf_counter() - t0)
        )
    return rows


def summary(rows: list[Row]) -> dict:
    diffs = np.array([r.diff for r in rows])
    return {
        "mean_diff": float(diffs.mean()),
        "worst_diff": float(diffs.min()),
        "at_or_above": int(np.sum(diffs >= 0)),
        "within_0.02": int(np.sum(diffs >= -0.02)),
        "n": len(rows),
    }


def table(rows: list[Row], k: int, baselines: dict | None = None) -> str:
    head = (
        f"| dataset | task | rows | nnstudio defaults ({k}-fold mean ± std) | "
        "scikit-learn MLP(32) | difference |"
    )
    lines = [head, "|---|---|---|---|---|---|"]
    if baselines:
        lines = [head + " best standard model |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        line = (
            f"| {r.dataset} | {'accuracy' if r.task == 'classification' else 'R²'} | {r.n} | "
            f"{r.ours.mean():.3f} ± {r.ours.std():.3f} | {r.theirs.mean():.3f} ± "
            f"{r.theirs.std():.3f} | {r.diff:+.3f} |"
        )
        if baselines:
            name, scores = baselines[r.dataset]
            line += f" {scores.mean():.3f} ({name}) |"
        lines.append(line)
    s = summary(rows)
    lines.append(
        f"\nMean difference {s['mean_diff']:+.3f}, worst {s['worst_diff']:+.3f}; at or above "
        f"scikit-learn on {s['at_or_above']} of {s['n']}, within 0.02 on "
        f"{s['within_0.02']} of {s['n']}."
    )
    return "\n".join(lines)


def _parse_vary(text: str) -> tuple[str, list]:
    name, _, values = text.partition("=")
    names = {f for f in TrainConfig.__dataclass_fields__}
    if name not in names or not values:
        raise BenchError(f"--vary wants SETTING=v1,v2,... with a TrainConfig setting, got {text!r}")
    out = []
    for v in values.split(","):
        out.append(json.loads(v) if v not in ("constant", "step", "cosine", "plateau") else v)
    return name, out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m nnstudio.bench.defaults", description=__doc__)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--datasets", help="comma-separated subset of dataset names")
    p.add_argument("--vary", help="SETTING=v1,v2,...: compare values of one setting")
    p.add_argument("--set", action="append", default=[], help="SETTING=value over the defaults")
    p.add_argument(
        "--baselines",
        action="store_true",
        help="add the best of scikit-learn's standard models (logistic/ridge, random "
        "forest, gradient boosting, SVM) on the same folds",
    )
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        threadpool_limits = None
    limit = threadpool_limits(1) if threadpool_limits else None
    try:
        base = TrainConfig()
        for item in args.set:
            name, values = _parse_vary(item)
            setattr(base, name, values[0])
        vary = _parse_vary(args.vary) if args.vary else None
        data = datasets(args.datasets.split(",") if args.datasets else None)
        theirs = {ds.name: sklearn_scores(ds, args.folds) for ds in data}
        if vary is not None:
            name, values = vary
            out = {}
            for v in values:
                cfg = copy.deepcopy(base)
                setattr(cfg, name, v)
                rows = compare(cfg.validate(), data, args.folds, theirs)
                out[str(v)] = summary(rows)
                detail = " ".join(f"{r.dataset.split(' ')[0]}:{r.diff:+.3f}" for r in rows)
                print(f"{name}={v}: {json.dumps(out[str(v)])}\n    {detail}", flush=True)
            if args.json:
                print(json.dumps(out))
            return 0
        rows = compare(base.validate(), data, args.folds, theirs)
        extra = (
            {ds.name: best_standard_model(ds, args.folds) for ds in data}
            if args.baselines
            else None
        )
        print(table(rows, args.folds, extra))
        if args.json:
            print(json.dumps([{**r.__dict__, "ours": r.ours.tolist(),
                               "theirs": r.theirs.tolist()} for r in rows]))  # fmt: skip
        return 0
    except NnstudioError as exc:
        print(f"nnstudio: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if limit is not None:
            limit.unregister() if hasattr(limit, "unregister") else limit.restore_original_limits()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
