"""The ``nnstudio`` command: gui (the default), train, predict, export, bench, samples.

This is a thin front end. Training goes through ``pipeline.build_session`` (the same path
the desktop app takes), model files through ``io.model_file``, and data through
``data.load_dataset`` / ``data.loaders.load_features``. Qt is imported only by the ``gui``
command, and the benchmark module only by ``bench``, so ``train``, ``predict`` and
``samples`` work on a machine without Qt libraries.

Conventions a user can rely on (also in the README):

- A user error (bad data, bad settings, bad model file, an output folder that does not
  exist) exits with status 2 and prints exactly one line ``nnstudio: error: ...`` on
  stderr, never a traceback; argparse's own errors follow the same one-line rule.
  Ctrl-C exits with 130. Nothing is written when the input is rejected.
- ``train`` writes the model only when training finished: if the loss diverges (NaN/Inf)
  or the run is interrupted, no model file is written and an existing one is left as it
  was. With ``--json`` the last line of stdout is one JSON object of final metrics.
- ``predict`` writes CSV: ``prediction`` (class label or value; ``prediction_0`` ...
  ``prediction_{k-1}`` for a model with k > 1 regression outputs), then for
  classification one ``p_<label>`` column per class. Numbers are written with ``repr``
  (shortest text that reads back to the same float64). Predictions are computed in
  float64 from the stored weights, as a NumPy-only reader of the model file would.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import time
from pathlib import Path

from .errors import NnstudioError

PROG = "nnstudio"

#: exit status for user errors (same as argparse) and for Ctrl-C (128 + SIGINT)
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UserError(NnstudioError):
    """A problem with what the user asked for; ``str()`` is the one-line message."""


class _Parser(argparse.ArgumentParser):
    """argparse with the one-line error rule: ``nnstudio: error: <message>`` and exit 2.

    The usage text is replaced by a pointer to ``--help`` so the error stays on one line.
    """

    def error(self, message: str):  # type: ignore[override]
        hint = f"; see '{self.prog} --help'"
        raise UserError(f"{message}{hint}")


# --------------------------------------------------------------------------- parser


def _train_defaults():
    from .pipeline import TrainConfig

    return TrainConfig()


def add_train_options(p: argparse.ArgumentParser) -> None:
    """The training settings ``train`` and ``lr-find`` share (defaults from TrainConfig)."""
    d = _train_defaults()
    p.add_argument("--target", metavar="COL", help="target column (default: the last column)")
    p.add_argument(
        "--task", choices=("classification", "regression"), help="default: detected from data"
    )
    p.add_argument(
        "--layers",
        metavar="N,N,...",
        help="hidden layer sizes, e.g. 32,16; '' or 0 for no hidden layer (default: "
        f"{','.join(map(str, d.hidden_layers))})",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("--activation", metavar="NAME", help=f"for all hidden layers ({d.activation})")
    g.add_argument("--activations", metavar="A,B,...", help="one per hidden layer")
    p.add_argument(
        "--output-activation", metavar="NAME", help="default: softmax (classification), linear"
    )
    p.add_argument(
        "--loss",
        choices=("mse", "cross_entropy", "binary_cross_entropy"),
        help="default: follows the output activation",
    )
    p.add_argument(
        "--optimizer", choices=("sgd", "momentum", "adam", "rmsprop"), help=f"({d.optimizer})"
    )
    p.add_argument("--lr", type=float, metavar="RATE", help="learning rate (optimizer's default)")
    p.add_argument("--momentum", type=float, help=f"for --optimizer momentum ({d.momentum})")
    p.add_argument("--nesterov", action="store_true", default=None, help="Nesterov momentum")
    p.add_argument("--epochs", type=int, help=f"({d.epochs})")
    p.add_argument("--batch-size", type=int, metavar="N", help=f"({d.batch_size})")
    p.add_argument("--l2", type=float, metavar="DECAY", help=f"L2 weight decay ({d.l2:g})")
    p.add_argument(
        "--val-split", type=float, metavar="FRACTION", help=f"validation fraction ({d.val_split})"
    )
    p.add_argument("--seed", type=int, help=f"weights, split and shuffling ({d.seed})")
    p.add_argument("--dtype", choices=("float32", "float64"), help=f"({d.dtype})")
    p.add_argument(
        "--schedule",
        choices=("constant", "step", "cosine", "plateau"),
        help=f"learning-rate schedule ({d.schedule})",
    )
    p.add_argument(
        "--patience",
        type=int,
        metavar="N",
        help=f"stop after N epochs without a lower validation loss; 0: never ({d.patience})",
    )
    p.add_argument(
        "--restore-best",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="end with the weights of the epoch with the lowest validation loss "
        f"({'yes' if d.restore_best else 'no'}; --no-restore-best keeps the last)",
    )
    p.add_argument(
        "--refit",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="then retrain on all rows for the best epoch's number of epochs "
        f"({'yes' if d.refit else 'no'})",
    )


def build_parser(with_bench: bool = False) -> argparse.ArgumentParser:
    """The argument parser. ``with_bench`` imports ``nnstudio.bench`` to add its options
    (only done when the command is ``bench``, so other commands never import it)."""
    from . import __version__

    parser = _Parser(
        prog=PROG,
        description="Design, train and understand multilayer perceptrons. Without a "
        "command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    # gui ------------------------------------------------------------------
    p = sub.add_parser("gui", help="open the desktop app (the default)")
    p.add_argument("--dataset", metavar="PATH_OR_SAMPLE", help="dataset to load at start")
    p.add_argument("--model", metavar="FILE.npz", help="model file to import at start")
    p.add_argument("--project", metavar="FILE.json", help="project file to open at start")

    # train ----------------------------------------------------------------
    p = sub.add_parser(
        "train",
        help="train a network on a dataset and save it as .npz",
        description="Train an MLP on DATA and save it to MODEL.npz. Every setting has a "
        "default that trains the built-in samples and small tables well.",
    )
    p.add_argument("data", metavar="DATA", help="a CSV file, an NPZ file or a sample name")
    p.add_argument(
        "--out", "-o", metavar="MODEL.npz", help="model file to write (required unless --cv)"
    )
    add_train_options(p)
    p.add_argument(
        "--cv",
        type=int,
        metavar="K",
        help="K-fold cross-validation (stratified for classification): each fold's and the "
        "mean +- std held-out metric; with --out the model is then trained and saved as usual",
    )
    p.add_argument("--json", action="store_true", help="print final metrics as JSON on stdout")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar and summary")

    # lr-find --------------------------------------------------------------
    p = sub.add_parser(
        "lr-find",
        help="learning-rate range test: suggest a learning rate",
        description="Sweep the learning rate exponentially over a few hundred steps on a "
        "copy of the network DATA and the train options give, stop when the loss blows "
        "up, and suggest a rate. Nothing is written.",
    )
    p.add_argument("data", metavar="DATA", help="a CSV file, an NPZ file or a sample name")
    add_train_options(p)
    p.add_argument("--json", action="store_true", help="print the sweep as JSON on stdout")
    p.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr")

    # predict --------------------------------------------------------------
    p = sub.add_parser(
        "predict",
        help="predict with a saved model; CSV on stdout or --out",
        description="Predict DATA with MODEL. CSV columns are matched by name to the "
        "model's features; when the target column is present, accuracy or R^2 is "
        "reported on stderr.",
    )
    p.add_argument("model", metavar="MODEL.npz")
    p.add_argument("data", metavar="DATA", help="a CSV file, an NPZ file or a sample name")
    p.add_argument("--out", "-o", metavar="predictions.csv", help="default: stdout")

    # export ---------------------------------------------------------------
    from .export import FORMATS

    p = sub.add_parser(
        "export",
        help="write a model as ONNX, PyTorch, a NumPy script or a torch training script",
        description="Export MODEL.npz: "
        + "; ".join(f"{name}: {text}" for name, (text, _) in FORMATS.items()),
    )
    p.add_argument("model", metavar="MODEL.npz")
    p.add_argument("--format", "-f", required=True, choices=tuple(FORMATS))
    p.add_argument("--out", "-o", required=True, metavar="PATH", help="file to write")

    # bench ----------------------------------------------------------------
    p = sub.add_parser(
        "bench",
        help="loop vs matrix timing; engine throughput",
        add_help=with_bench,
        description="Time the per-neuron loop engine against the matrix engine.",
    )
    if with_bench:
        try:
            from . import bench
        except ImportError as exc:
            raise UserError(f"the benchmark is not available ({exc})") from exc
        bench.add_arguments(p)

    # samples --------------------------------------------------------------
    sub.add_parser("samples", help="list the built-in samples")

    # doctor ---------------------------------------------------------------
    p = sub.add_parser(
        "doctor",
        help="versions, Qt platform and missing system libraries, for bug reports",
        description="Check this machine: versions, BLAS, whether the desktop app can start "
        "(tried in a child process) and which system libraries it lacks. Exit status 0 "
        "when the app can start, 1 when it cannot.",
    )
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    return parser


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser(with_bench=bool(argv) and argv[0] == "bench")
        args = parser.parse_args(argv)
        command = args.command or "gui"
        if command == "gui":
            return _gui(args)
        if command == "train":
            return _train(args)
        if command == "predict":
            return _predict(args)
        if command == "lr-find":
            from .cli_tuning import lr_find

            return lr_find(args)
        if command == "samples":
            return _samples()
        if command == "doctor":
            from .doctor import run

            return run(args)
        if command == "export":
            from .export import export_model

            _stderr(f"wrote {export_model(args.model, args.format, args.out)} ({args.format})")
            return 0
        if command == "bench":
            from . import bench

            return int(bench.run(args) or 0)
        raise UserError(f"unknown command {command!r}")  # pragma: no cover
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        _stderr(f"{PROG}: interrupted; no file was written")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # stdout closed early (e.g. `nnstudio predict ... | head`): not an error.
        _silence_stdout()
        return 0
    except NnstudioError as exc:
        # The one base of user-facing errors (DataError, ModelFileError, ConfigError,
        # WriteError, ...). Anything else is a bug and shows as one, with its traceback.
        return _fail(str(exc))


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _fail(message: str) -> int:
    message = " ".join(str(message).split("\n")).strip() or "failed"
    _stderr(f"{PROG}: error: {message}")
    return EXIT_USAGE


@contextlib.contextmanager
def _writing_stdout():
    """Writes to stdout that fail (a full disk behind ``> file``) become one UserError
    line; a closed pipe stays a BrokenPipeError (not an error, see ``main``)."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        _silence_stdout()  # or Python reports the same failure again when it exits
        raise UserError(
            f"standard output: cannot write the output ({exc.strerror or exc}); free some "
            "space or write to a file with --out"
        ) from exc


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


# --------------------------------------------------------------------------- gui


def _gui(args) -> int:
    from .platform_check import check_gui_environment

    check_gui_environment()  # no display, missing libraries: one line, before Qt aborts
    try:
        from .app import run_gui
    except (ImportError, OSError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise UserError(
            f"the desktop app is not available ({reason}); install the Qt system libraries "
            "listed in the README, or use `nnstudio train` / `nnstudio predict`"
        ) from exc
    return int(
        run_gui(
            dataset=getattr(args, "dataset", None),
            model=getattr(args, "model", None),
            project=getattr(args, "project", None),
        )
        or 0
    )


# --------------------------------------------------------------------------- train


def parse_layers(text: str) -> list[int]:
    """``"32,16"`` -> ``[32, 16]``; ``""``, ``"0"`` or ``"none"`` -> ``[]`` (no hidden
    layer: a linear or logistic model). Raises ``IntListError`` naming the bad item."""
    from .text import parse_int_list

    if text.strip().lower() in ("", "0", "none"):
        return []
    return parse_int_list(text, what="--layers hidden layer sizes")


def config_from_args(args):
    """A validated ``TrainConfig``: the given flags over ``TrainConfig``'s defaults."""
    from .pipeline import TrainConfig

    cfg = TrainConfig()
    if args.layers is not None:
        cfg.hidden_layers = parse_layers(args.layers)
    if args.activations is not None:
        acts = [a.strip() for a in args.activations.split(",") if a.strip()]
        cfg.hidden_activations = acts
    simple = {
        "activation": "activation",
        "output_activation": "output_activation",
        "loss": "loss",
        "optimizer": "optimizer",
        "lr": "lr",
        "momentum": "momentum",
        "nesterov": "nesterov",
        "epochs": "epochs",
        "batch_size": "batch_size",
        "l2": "l2",
        "val_split": "val_split",
        "seed": "seed",
        "dtype": "dtype",
        "schedule": "schedule",
        "patience": "patience",
        "restore_best": "restore_best",
        "refit": "refit",
    }
    for arg, name in simple.items():
        value = getattr(args, arg)
        if value is not None:
            setattr(cfg, name, value)
    return cfg.validate()


def _check_output_path(out: str) -> None:
    """Refuse an output path that cannot be written (a folder, a device or FIFO, a
    missing or read-only folder) before spending time on training."""
    from .io.atomic import check_writable

    check_writable(out, what="output file")


def _finite(x):
    """JSON has no NaN/Inf: those become null."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


#: fewer validation rows than this make the best epoch and the validation metrics noisy
FEW_VALIDATION_ROWS = 30


def _train(args) -> int:
    from .data import load_dataset
    from .io.model_file import save_model
    from .pipeline import build_session, refit_session

    cfg = config_from_args(args)
    if args.out is None and args.cv is None:
        raise UserError("train needs --out MODEL.npz (or --cv K to cross-validate only)")
    if args.out is not None:
        _check_output_path(args.out)
    with _reading_bar(args.data, not args.quiet) as progress:
        ds = load_dataset(args.data, target=args.target, task=args.task, progress=progress)
    show = not args.quiet
    cv = None
    if args.cv is not None:
        from .cli_tuning import run_cv

        cv = run_cv(ds, cfg, args.cv, show=show)
        if args.out is None:
            if args.json:
                with _writing_stdout():
                    print(json.dumps({"task": ds.task, "cv": cv.to_dict()}), flush=True)
            return 0
    session = build_session(ds, cfg)
    trainer = session.trainer
    n_train, n_val = len(session.data.X_train), len(session.data.X_val)
    if show:
        arch = "-".join(map(str, session.net.layer_sizes))
        _stderr(
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
        from .insight.evaluation import classification_report

        confusion = classification_report(session).matrix.tolist()
    final = session
    if cfg.refit and trainer.has_validation:
        final = refit_session(session)
        if show:
            _stderr(f"refit on all {ds.n_samples} rows for {final.trainer.epochs} epochs")
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
        "loss": _finite(loss),
        "val_loss": _finite(best.val_loss),
        name: _finite(metric),
        f"val_{name}": _finite(best.val_metric),
        "seconds": round(seconds, 6),
        "samples_per_second": _finite(steps_rows / step_seconds) if step_seconds > 0 else None,
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
        val = "" if best.val_loss is None else f", validation {_metric_text(name, best.val_metric)}"
        stop = f"stopped early at epoch {trainer.epoch} (best epoch {trainer.best_epoch})"
        how = stop if trainer.stopped_early else f"trained {trainer.epoch} epochs"
        if trainer.restored_best or (trainer.stopped_early and cfg.restore_best):
            how += f", kept epoch {trainer.best_epoch}"
        _stderr(
            f"{how} in {seconds:.2f} s: train {_metric_text(name, metric)}{val}; saved {args.out}"
        )
    if args.json:
        with _writing_stdout():
            print(json.dumps(result), flush=True)
    return 0


def _jsonable_labels(classes) -> list:
    return [c.item() if hasattr(c, "item") else c for c in classes]


def _warn_about_validation(cfg, n_val: int) -> None:
    """One warning line on stderr when the validation rows cannot do their job well."""
    if n_val == 0:
        if cfg.patience or cfg.refit:
            _stderr(
                f"{PROG}: warning: no validation rows (--val-split 0): early stopping, the "
                "best epoch and --refit are off; the model has the last epoch's weights"
            )
    elif n_val < FEW_VALIDATION_ROWS:
        _stderr(
            f"{PROG}: warning: only {n_val} validation rows; the best epoch and the "
            "validation metrics are noisy: raise --val-split or use --cv K to estimate"
        )


def run_trainer(trainer, show: bool) -> None:
    """Train to the end with a progress bar; divergence becomes a ``UserError`` (the CLI
    writes no model file for a diverged run)."""
    import numpy as np

    from .engine.trainer import TrainingDiverged

    bar = _progress_bar(trainer.epochs, enabled=show)
    try:
        # Overflow on the way to a divergence is reported as TrainingDiverged, once,
        # instead of as NumPy warnings.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"), trainer.blas_threads():
            for step in trainer:
                rep = step.epoch_report
                if rep is not None and bar is not None:
                    bar.set_postfix_str(_epoch_text(rep), refresh=False)
                    bar.update(1)
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


def _metric_text(name: str, value) -> str:
    if value is None or not math.isfinite(value):
        return f"{name} n/a"
    return f"accuracy {100 * value:.1f}%" if name == "accuracy" else f"R² {value:.4f}"


def _epoch_text(rep) -> str:
    text = f"loss {rep.train_loss:.4g}"
    if rep.val_loss is not None:
        text += f", val {_metric_text(rep.metric_name, rep.val_metric)}"
    else:
        text += f", {_metric_text(rep.metric_name, rep.train_metric)}"
    return text


@contextlib.contextmanager
def _reading_bar(source, enabled: bool):
    """A ``progress(fraction)`` callback for reading the file ``source`` that draws a bar on
    stderr once reading has taken a second (small files never show one); None when
    disabled or ``source`` is not a file (a sample name)."""
    if not enabled or not os.path.isfile(source):
        yield None
        return
    from tqdm import tqdm

    size = os.path.getsize(source)
    tty = sys.stderr.isatty() if hasattr(sys.stderr, "isatty") else False
    bar = tqdm(
        total=size,
        unit="B",
        unit_scale=True,
        desc=f"reading {os.path.basename(source)}",
        file=sys.stderr,
        dynamic_ncols=tty,
        mininterval=0.1 if tty else 10.0,
        delay=1.0,
        leave=False,
    )

    def progress(fraction: float) -> None:
        bar.update(max(int(fraction * size) - bar.n, 0))

    try:
        yield progress
    finally:
        bar.close()


def _progress_bar(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    tty = sys.stderr.isatty() if hasattr(sys.stderr, "isatty") else False
    # On a terminal tqdm redraws one line; in a log file it would append a line on every
    # redraw, so redraw rarely there.
    return tqdm(
        total=total,
        unit="epoch",
        file=sys.stderr,
        dynamic_ncols=tty,
        mininterval=0.1 if tty else 10.0,
        leave=True,
    )


# --------------------------------------------------------------------------- predict


def _predict(args) -> int:
    import numpy as np

    from .data.loaders import load_features
    from .data.preprocessing import Standardizer
    from .engine.trainer import r2_score
    from .io.model_file import load_model

    model = load_model(args.model)
    if args.out is not None:
        _check_output_path(args.out)
    classes = model.classes if model.task == "classification" else None
    X, y = load_features(
        args.data, model.feature_names, target_name=model.target_name, classes=classes
    )
    if model.target_name in model.feature_names:
        y = None
    # float64 throughout, like a NumPy-only reader of the model file.
    model.net = model.net.copy(np.float64)
    scaler = Standardizer(model.input_mean, model.input_scale)
    Z = scaler.transform_rows(X, None, np.float64, model.feature_names, args.data)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = model.output_standardized(Z)
    bad = ~np.isfinite(out).all(axis=1)
    if bad.any():  # never a NaN probability written with exit status 0
        i = int(np.argmax(bad))
        raise UserError(
            f"{args.data}: row {i + 1}: the model's output is not a finite number for these "
            "features (they are far outside the data it was trained on); check the units "
            "of the columns or drop the row"
        )
    header, columns = prediction_columns(model, out)
    rows = [[_cell(col[i]) for col in columns] for i in range(len(X))]
    note = _score(model, out, y, r2_score) if y is not None else None
    _write_csv(args.out, header, rows)
    if note:  # after the write: a failed write is the one line on stderr
        _stderr(note)
    return 0


def prediction_columns(model, out) -> tuple[list[str], list]:
    """Header and column arrays of the predictions CSV for network output ``out``."""
    from .engine.trainer import class_probabilities, predicted_classes

    if model.task == "classification":
        classes = list(model.classes)
        proba = class_probabilities(out)
        labels = [classes[j] for j in predicted_classes(out)]
        header = ["prediction", *(f"p_{c}" for c in classes)]
        return header, [labels, *(proba[:, j] for j in range(len(classes)))]
    if out.shape[1] == 1:
        return ["prediction"], [out[:, 0]]
    return [f"prediction_{j}" for j in range(out.shape[1])], [
        out[:, j] for j in range(out.shape[1])
    ]


def _cell(value) -> str:
    if isinstance(value, (float, int)) and not isinstance(value, bool):
        return repr(float(value)) if isinstance(value, float) else str(value)
    try:
        import numpy as np

        if isinstance(value, np.floating):
            return repr(float(value))
        if isinstance(value, np.integer):
            return str(int(value))
    except ImportError:  # pragma: no cover
        pass
    return str(value)


def _score(model, out, y, r2_score) -> str | None:
    import numpy as np

    from .engine.trainer import predicted_classes

    n = len(out)
    if model.task == "classification":
        # load_features gave the labels as the model's classes (targets.match_labels).
        truth = np.asarray(y).reshape(n, -1)[:, 0].tolist()
        classes = list(model.classes)
        pred = [classes[j] for j in predicted_classes(out)]
        correct = sum(p == t for p, t in zip(pred, truth))
        unknown = sorted({str(t) for t in truth if t not in classes})
        extra = (
            f" ({len(unknown)} label(s) the model never saw, e.g. {unknown[0]!r})"
            if unknown
            else ""
        )
        return (
            f"accuracy {100 * correct / n:.2f}% ({correct} of {n} rows) against column "
            f"{model.target_name!r}{extra}"
        )
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        return f"R² not computed: column {model.target_name!r} is not numeric"
    y = y.astype(np.float64).reshape(n, -1)
    if y.shape[1] != out.shape[1]:
        return None
    r2 = r2_score(out, y)
    return f"R² {r2:.6g} on {n} rows against column {model.target_name!r}"


def _write_csv(out: str | None, header: list[str], rows: list[list[str]]) -> None:
    import csv

    from .io.atomic import atomic_writer

    if out is None:
        with _writing_stdout():
            w = csv.writer(sys.stdout, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
            sys.stdout.flush()
        return
    with atomic_writer(out, "w", what="predictions", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


# --------------------------------------------------------------------------- samples


def samples_folder() -> Path | None:
    """The repository's ``samples/`` folder next to the package, when it is there."""
    folder = Path(__file__).resolve().parent.parent / "samples"
    return folder if folder.is_dir() else None


def _samples() -> int:
    from .data.samples import list_samples

    items = list_samples()
    width = max(len(n) for n, _ in items)
    lines = ["Built-in samples (use the name as DATA):"]
    lines += [f"  {name:<{width}}  {text}" for name, text in items]
    folder = samples_folder()
    csvs = sorted(folder.glob("*.csv")) if folder else []
    if csvs:
        lines += ["", f"CSV files in {folder}:", *(f"  {f.name}" for f in csvs)]
    with _writing_stdout():
        print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
