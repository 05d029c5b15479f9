"""Predict with an nnstudio model using NumPy and the standard library only.

    python predict.py MODEL.npz DATA.csv [--out predictions.csv]

prints the same CSV as ``nnstudio predict MODEL.npz DATA.csv``, byte for byte: a header,
then one row per input row, first ``prediction`` (the class label or the value;
``prediction_0`` ... for several regression outputs), then for classification one
``p_<label>`` column per class. CSV columns are matched to the model's features by name
(any order; other columns, the target among them, are ignored). DATA may also be an NPZ
file with an array ``X``.

The model file (``numpy.load(path, allow_pickle=False)``) holds ``layers.{i}.weight``
(fan_out, fan_in), ``layers.{i}.bias``, ``input.mean``/``input.scale`` (network input =
(raw_x - mean) / scale), for regression ``target.mean``/``target.scale`` (value = output *
scale + mean), and ``meta``, a JSON string. Everything is computed in float64.
"""

import argparse
import csv
import json
import os
import sys

import numpy as np

# export: inline
from ._table import DataFileError, npz_features, numeric_columns, read_npz, read_table


def sigmoid(z):
    return 0.5 * np.tanh(0.5 * z) + 0.5


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATIONS = {
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.maximum(z, z * 0.01),
    "elu": lambda z: np.maximum(z, 0) + np.expm1(np.minimum(z, 0)),
    "softplus": lambda z: np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))),
    "linear": lambda z: z,
    "softmax": softmax,
}


def load_model(path):
    """``(meta, arrays)`` of a model file."""
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
        meta = json.loads(str(arrays["meta"][()]))
    except (OSError, ValueError, KeyError, EOFError) as exc:
        raise DataFileError(f"{path}: not an nnstudio model file ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != "nnstudio.mlp":
        raise DataFileError(f"{path}: not an nnstudio model file")
    return meta, arrays


def network_output(meta, arrays, X):
    """Output ``(n, n_outputs)`` for raw features ``X (n, n_features)``: probabilities,
    or regression values in the target's units."""
    a = (X - arrays["input.mean"].astype(np.float64)) / arrays["input.scale"].astype(np.float64)
    for i, name in enumerate(meta["activations"]):
        W = np.ascontiguousarray(arrays[f"layers.{i}.weight"].T, dtype=np.float64)
        a = a @ W
        a += arrays[f"layers.{i}.bias"].astype(np.float64)
        a = ACTIVATIONS[name](a)
    if meta["task"] == "regression" and "target.mean" in arrays:
        a = a * arrays["target.scale"].astype(np.float64) + arrays["target.mean"]
    return a


def cell(value):
    if isinstance(value, float):
        return repr(value)
    return str(value)


def prediction_table(meta, out):
    """Header and rows of the predictions CSV for network output ``out``."""
    if meta["task"] == "classification":
        classes = meta["classes"]
        if out.shape[1] == 1:
            index = (out[:, 0] >= 0.5).astype(np.intp)
            proba = np.column_stack([1 - out[:, 0], out[:, 0]])
        else:
            index = out.argmax(axis=1)
            proba = out
        header = ["prediction", *(f"p_{c}" for c in classes)]
        rows = [
            [cell(classes[j]), *(repr(float(p)) for p in row)]
            for j, row in zip(index.tolist(), proba)
        ]
        return header, rows
    if out.shape[1] == 1:
        header = ["prediction"]
    else:
        header = [f"prediction_{j}" for j in range(out.shape[1])]
    return header, [[repr(float(v)) for v in row] for row in out]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="the nnstudio model file (.npz)")
    parser.add_argument("data", help="a CSV file with the model's feature columns (or NPZ)")
    parser.add_argument("--out", help="write the CSV here instead of stdout")
    args = parser.parse_args(argv)
    try:
        meta, arrays = load_model(args.model)
        names = [str(n) for n in meta["feature_names"]]
        if args.data.lower().endswith((".npz", ".npy")):
            X = npz_features(args.data, read_npz(args.data), names)
        else:
            header, rows = read_table(args.data)
            X = numeric_columns(args.data, header, rows, names)
    except DataFileError as exc:
        print(f"predict.py: error: {exc}", file=sys.stderr)
        return 2
    header, rows = prediction_table(meta, network_output(meta, arrays, X))
    if args.out:
        # a temporary file beside the output, then a rename: never a half-written file
        target = os.path.realpath(args.out)
        tmp = f"{target}.{os.getpid()}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                csv.writer(fh, lineterminator="\n").writerows([header, *rows])
            os.replace(tmp, target)
        except OSError as exc:
            if os.path.exists(tmp):
                os.unlink(tmp)
            print(f"predict.py: error: {args.out}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
