"""``nnstudio predict``: the model's predictions for DATA as CSV (stdout or ``--out``)."""

from __future__ import annotations

import sys

from .common import UserError, check_output_path, reading_bar, stderr, writing_stdout


def predict(args) -> int:
    import numpy as np

    from ..data.loaders import load_features
    from ..data.preprocessing import Standardizer
    from ..engine.trainer import r2_score
    from ..io.model_file import load_model

    model = load_model(args.model)
    if args.out is not None:
        check_output_path(args.out)
    classes = model.classes if model.task == "classification" else None
    with reading_bar(args.data, not getattr(args, "quiet", False)) as progress:
        X, y = load_features(
            args.data,
            model.feature_names,
            target_name=model.target_name,
            classes=classes,
            progress=progress,
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
        stderr(note)
    return 0


def prediction_columns(model, out) -> tuple[list[str], list]:
    """Header and column arrays of the predictions CSV for network output ``out``."""
    from ..engine.trainer import class_probabilities, predicted_classes

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

    from ..engine.trainer import predicted_classes

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

    from ..io.atomic import atomic_writer

    if out is None:
        with writing_stdout():
            w = csv.writer(sys.stdout, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
            sys.stdout.flush()
        return
    with atomic_writer(out, "w", what="predictions", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
