"""The command-line front ends of cross-validation (``train --cv K``) and the
learning-rate range test (``lr-find``). The computing lives in ``nnstudio.crossval`` and
``nnstudio.engine.lr_finder``; this module only prints."""

from __future__ import annotations

import sys


def _out(line: str) -> None:
    print(line, flush=True)


def metric_text(name: str, value: float) -> str:
    return f"{100 * value:.1f}%" if name == "accuracy" else f"{value:.4f}"


def run_cv(ds, cfg, k, show: bool = True):
    """Cross-validate ``cfg`` on ``ds`` with ``k`` folds, printing one line per fold and
    the mean +- std on stdout (the result of the command, not progress)."""
    from .crossval import check_folds, cross_validate

    check_folds(ds.n_samples, k)

    mname = "accuracy" if ds.task == "classification" else "r2"
    name = "accuracy" if mname == "accuracy" else "R²"
    if show:
        print(f"{k}-fold cross-validation of {ds.describe()}", file=sys.stderr, flush=True)

    def on_fold(f):
        best = f" best epoch {f.best_epoch}," if f.best_epoch is not None else ""
        _out(
            f"fold {f.fold}/{k}: {name} {metric_text(mname, f.metric)} "
            f"({f.n_train} train / {f.n_test} held-out rows,{best} {f.epochs_trained} epochs)"
        )

    res = cross_validate(ds, cfg, k, on_fold=on_fold)
    _out(
        f"cross-validation {name}: {metric_text(mname, res.mean)} ± {metric_text(mname, res.std)} "
        f"(mean ± std over {k} folds)"
    )
    return res
