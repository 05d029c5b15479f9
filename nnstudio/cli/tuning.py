"""The command-line front ends of cross-validation (``train --cv K``) and the
learning-rate range test (``lr-find``). The computing lives in ``nnstudio.crossval`` and
``nnstudio.engine.lr_finder``; this module only prints."""

from __future__ import annotations

import sys


def _out(line: str) -> None:
    from .common import writing_stdout

    with writing_stdout():
        print(line, flush=True)


def metric_text(name: str, value: float) -> str:
    return f"{100 * value:.1f}%" if name == "accuracy" else f"{value:.4f}"


def run_cv(ds, cfg, k, show: bool = True):
    """Cross-validate ``cfg`` on ``ds`` with ``k`` folds, printing one line per fold and
    the mean +- std on stdout (the result of the command, not progress)."""
    from ..crossval import check_folds, cross_validate

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


def lr_find(args) -> int:
    """``nnstudio lr-find DATA [train options] [--json]``: the range test on the training
    rows the same options would train on; prints the suggestion (stderr) and, with
    ``--json``, ``{"suggested_lr", "lr", "loss"}`` as the last line of stdout."""
    import json

    from ..data import load_dataset
    from ..engine.trainer import TrainingDiverged
    from ..pipeline import range_test
    from .common import UserError
    from .parser import config_from_args

    cfg = config_from_args(args)
    ignored = [
        flag for flag, value in (("--out", args.out), ("--cv", args.cv)) if value is not None
    ]
    if ignored and not args.quiet:
        print(
            f"nnstudio: note: lr-find writes no model and does not cross-validate; "
            f"{' and '.join(ignored)} ignored",
            file=sys.stderr,
            flush=True,
        )
    ds = load_dataset(args.data, target=args.target, task=args.task)
    try:
        result = range_test(ds, cfg)
    except TrainingDiverged as exc:
        raise UserError(
            f"{exc.summary}, even at the sweep's first learning rate {exc.lr:g}; check the "
            "data (a column far larger than the others?) or try another optimizer"
        ) from exc
    if not args.quiet:
        low = min(range(len(result.loss)), key=result.loss.__getitem__)
        print(
            f"{ds.describe()}\n{cfg.optimizer}, batch {cfg.batch_size}: swept the learning "
            f"rate from {result.lr[0]:.3g} to {result.lr[-1]:.3g} in {len(result.lr)} steps "
            f"({result.stopped}); lowest smoothed loss {result.loss[low]:.4g} at "
            f"{result.lr[low]:.3g}\nsuggested learning rate: {result.suggested_lr:.3g} "
            f"(--lr {result.suggested_lr:.2g})",
            file=sys.stderr,
            flush=True,
        )
    if args.json:
        _out(json.dumps(result.to_dict()))
    return 0
