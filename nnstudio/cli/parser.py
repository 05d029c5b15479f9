"""The argument parser of the ``nnstudio`` command, and turning its training options into
a validated ``TrainConfig``."""

from __future__ import annotations

import argparse

from .common import PROG, Parser, UserError


def train_defaults():
    from ..pipeline import TrainConfig

    return TrainConfig()


def add_train_options(p: argparse.ArgumentParser) -> None:
    """The training settings ``train`` and ``lr-find`` share (defaults from TrainConfig)."""
    from ..pipeline import L2_PER_ROW

    d = train_defaults()
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
    p.add_argument(
        "--l2",
        type=float,
        metavar="DECAY",
        help=f"L2 weight decay (default: {L2_PER_ROW:g} / the number of training rows)",
    )
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
    from .. import __version__

    parser = Parser(
        prog=PROG,
        description="Design, train and understand multilayer perceptrons. Without a "
        "command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

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
    # train's own two options too, so one option list serves both commands ("lr-find DATA
    # [train options]"); they change nothing here, and lr-find says so
    p.add_argument("--out", "-o", metavar="MODEL.npz", help="ignored: lr-find writes nothing")
    p.add_argument("--cv", type=int, metavar="K", help="ignored: lr-find does not cross-validate")
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
    from ..export import FORMATS

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
            from .. import bench
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


def parse_layers(text: str) -> list[int]:
    """``"32,16"`` -> ``[32, 16]``; ``""``, ``"0"`` or ``"none"`` -> ``[]`` (no hidden
    layer: a linear or logistic model). Raises ``IntListError`` naming the bad item."""
    from ..text import parse_int_list

    if text.strip().lower() in ("", "0", "none"):
        return []
    return parse_int_list(text, what="--layers hidden layer sizes")


def config_from_args(args):
    """A validated ``TrainConfig``: the given flags over ``TrainConfig``'s defaults."""
    from ..pipeline import TrainConfig

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
