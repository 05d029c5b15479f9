"""The ``nnstudio`` command: gui (the default), train, predict, export, bench, samples.

This is a thin front end, one module per job: ``parser`` (options), ``train``,
``predict``, ``tuning`` (``--cv`` and ``lr-find``), ``gui`` (and ``samples``), ``common``
(the one-line error rule, output checks, progress bars). Training goes through
``pipeline.build_session`` (the same path the desktop app takes), model files through
``io.model_file``, and data through ``data.load_dataset`` /
``data.loaders.load_features``. Qt is imported only by the ``gui`` command, and the
benchmark module only by ``bench``, so ``train``, ``predict`` and ``samples`` work on a
machine without Qt libraries.

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

import sys

from ..errors import NnstudioError
from .common import EXIT_INTERRUPTED, EXIT_USAGE, PROG, UserError, fail, silence_stdout, stderr
from .gui import gui as _gui
from .gui import samples as _samples
from .gui import samples_folder
from .parser import build_parser, config_from_args, parse_layers
from .predict import predict as _predict
from .predict import prediction_columns
from .train import run_trainer
from .train import train as _train

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "PROG",
    "UserError",
    "build_parser",
    "config_from_args",
    "main",
    "parse_layers",
    "prediction_columns",
    "run_trainer",
    "samples_folder",
]


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
            from .tuning import lr_find

            return lr_find(args)
        if command == "samples":
            return _samples()
        if command == "doctor":
            from ..doctor import run

            return run(args)
        if command == "export":
            from ..export import export_model

            stderr(f"wrote {export_model(args.model, args.format, args.out)} ({args.format})")
            return 0
        if command == "bench":
            from .. import bench

            return int(bench.run(args) or 0)
        raise UserError(f"unknown command {command!r}")  # pragma: no cover
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        stderr(f"{PROG}: interrupted; no file was written")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # stdout closed early (e.g. `nnstudio predict ... | head`): not an error.
        silence_stdout()
        return 0
    except NnstudioError as exc:
        # The one base of user-facing errors (DataError, ModelFileError, ConfigError,
        # WriteError, ...). Anything else is a bug and shows as one, with its traceback.
        return fail(str(exc))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
