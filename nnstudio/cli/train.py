"""``nnstudio train``: load, train with a progress bar, save the model, print metrics."""

from __future__ import annotations

import json
import time

from .common import (
    PROG,
    UserError,
    check_output_path,
    epoch_text,
    finite,
    metric_text,
    progress_bar,
    reading_bar,
    stderr,
    writing_stdout,
)
from .parser import config_from_args

#: fewer validation rows than this make the best epoch and the validation metrics noisy
FEW_VALIDATION_ROWS = 30


def train(args) -> int:
    from ..data import load_dataset
    from ..io.model_file import save_model
    from ..pipeline import build_session, refit_session

    cfg = config_from_args(args)
    if args.out is None and args.cv is None:
        raise UserError("train needs --out MODEL.npz (or --cv K to cross-validate only)")
    if args.out is not None:
        check_output_path(args.out)
    with reading_bar(args.data, not args.quiet) as progress:
        ds = load_dataset(args.data, target=args.target, task=args.task, progress=progress)
    show = not args.quiet
    cv = None
    if args.cv is not None:
        from .tuning import run_cv

        cv = run_cv(ds, cfg, args.cv, show=show)
        if args.out is None:
            if args.json:
                with writing_stdout():
                    print(json.dumps({"task": ds.task, "cv": cv.to_dict()}), flush=True)
            return 0
    session = build_session(ds, cfg)
    trainer = session.trainer
    n_train, n_val = len(session.data.X_train), len(session.data.X_val)
    if show:
        arch = "-".join(map(str, session.net.layer_sizes))
        stderr(
            f"{ds.describe()}\nnetwork {arch} ({', '.join(session.net.activations)}; "
            f"loss {session.net.loss}), {cfg.optimizer} lr {cfg.learning_rate:g} "
            f"({cfg.schedule}), batch {cfg.batch_size}, up to {cfg.epochs} epochs, "
            f"{n_train} train / {n_val} validation rows"
        )
    _warn_about_validation(cfg, n_val)
    t0 = time.perf_counter()
    run_trainer(trainer, show)
    best = trainer.final_report
    confusion = None  # counted before any refit, whose network has seen these rows
    if ds.task == "classification":
        from ..insight.evaluation import classification_report

        confusion = classification_report(session).matrix.tolist()
    final = session
    if cfg.refit and trainer.has_validation:
        final = refit_session(session)
        if show:
            stderr(f"refit on all {ds.n_samples} rows for {final.trainer.epochs} epochs")
        run_trainer(final.trainer, show)
    seconds = time.perf_counter() - t0

    ft = final.trainer
    loss, metric = ft.evaluate(ft.X, ft.Y)  # the saved weights, their whole train set
    runs = [trainer] if ft is trainer else [trainer, ft]
    step_seconds = sum(r.seconds for t in runs for r in t.history)
    steps_rows = sum(t.n_samples * t.epoch for t in runs)
    name = best.metric_name
    result = {
        "out": str(args.out),
        "task": ds.task,
        "epochs": trainer.epoch,
        "best_epoch": trainer.best_epoch,
        "stopped_early": trainer.stopped_early,
        "refit": final is not session,
        "loss": finite(loss),
        "val_loss": finite(best.val_loss),
        name: finite(metric),
        f"val_{name}": finite(best.val_metric),
        "seconds": round(seconds, 6),
        "samples_per_second": finite(steps_rows / step_seconds) if step_seconds > 0 else None,
        "n_train": n_train,
        "n_val": n_val,
    }
    if confusion is not None:
        result["classes"] = _jsonable_labels(ds.classes)
        result["confusion_matrix"] = confusion
    if cv is not None:
        result["cv"] = cv.to_dict()
    model = final.model(
        final_metrics={k: result[k] for k in ("loss", "val_loss", name, f"val_{name}")}
    )
    save_model(model, args.out)
    if show:
        val = "" if best.val_loss is None else f", validation {metric_text(name, best.val_metric)}"
        stop = f"stopped early at epoch {trainer.epoch} (best epoch {trainer.best_epoch})"
        how = stop if trainer.stopped_early else f"trained {trainer.epoch} epochs"
        if trainer.restored_best or (trainer.stopped_early and cfg.restore_best):
            how += f", kept epoch {trainer.best_epoch}"
        stderr(
            f"{how} in {seconds:.2f} s: train {metric_text(name, metric)}{val}; saved {args.out}"
        )
    if args.json:
        with writing_stdout():
            print(json.dumps(result), flush=True)
    return 0


def _jsonable_labels(classes) -> list:
    return [c.item() if hasattr(c, "item") else c for c in classes]


def _warn_about_validation(cfg, n_val: int) -> None:
    """One warning line on stderr when the validation rows cannot do their job well."""
    if n_val == 0:
        if cfg.patience or cfg.refit:
            stderr(
                f"{PROG}: warning: no validation rows (--val-split 0): early stopping, the "
                "best epoch and --refit are off; the model has the last epoch's weights"
            )
    elif n_val < FEW_VALIDATION_ROWS:
        stderr(
            f"{PROG}: warning: only {n_val} validation rows; the best epoch and the "
            "validation metrics are noisy: raise --val-split or use --cv K to estimate"
        )


def run_trainer(trainer, show: bool) -> None:
    """Train to the end with a progress bar; divergence becomes a ``UserError`` (the CLI
    writes no model file for a diverged run)."""
    import numpy as np

    from ..engine.trainer import TrainingDiverged

    bar = progress_bar(trainer.epochs, enabled=show)
    try:
        # Overflow on the way to a divergence is reported as TrainingDiverged, once,
        # instead of as NumPy warnings.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"), trainer.blas_threads():
            for step in trainer:
                rep = step.epoch_report
                if rep is not None and bar is not None:
                    bar.set_postfix_str(epoch_text(rep), refresh=False)
                    bar.update(1)
        if bar is not None and trainer.stopped_early:
            bar.total = bar.n  # the run is complete: patience ended it
            bar.refresh()
    except TrainingDiverged as exc:
        # The engine keeps the last finite weights, but a half-trained model saved under
        # the requested name would look like a result: the CLI writes nothing.
        raise UserError(
            f"{exc.summary}; no model file was written. Try a smaller learning rate (now "
            f"{exc.lr:g}) or another optimizer."
        ) from exc
    finally:
        if bar is not None:
            bar.close()
