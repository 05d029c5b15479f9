"""Small trained models and data files shared by the export tests.

Each case is trained by the real command line in a few epochs (the exports are checked
against ``nnstudio predict`` and an independent NumPy forward pass, so the quality of the
fit does not matter, only that the weights are not trivial)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from nnstudio.cli import main
from nnstudio.data import make_sample

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "linear")


def write_csv(path, header, rows) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return Path(path)


def float32_rows(X) -> list[list[str]]:
    """Rows of ``X`` rounded to float32 and written exactly, so an ONNX graph fed float32
    features and ``nnstudio predict`` reading the CSV see the same numbers."""
    return [[repr(float(v)) for v in row] for row in np.asarray(X, np.float32)]


def float32_copy(path: Path, folder: Path) -> tuple[Path, np.ndarray]:
    """A copy of a CSV whose last column is the target, with every feature rounded to
    float32 and written exactly; returns the copy and its features (n, d) float64."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    X = np.array([r[:-1] for r in rows[1:]], float).astype(np.float32).astype(np.float64)
    body = [[*x, r[-1]] for x, r in zip(float32_rows(X), rows[1:])]
    return write_csv(Path(folder) / path.name, rows[0], body), X


def predict_table(capsys, model, data) -> tuple[list[str], np.ndarray]:
    """``nnstudio predict``'s CSV for ``data``: the names and numbers of the columns an
    export must reproduce (the ``p_<label>`` columns for classification; every column,
    ``prediction`` or ``prediction_j``, for regression)."""
    capsys.readouterr()
    assert main(["predict", str(model), str(data)]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    header, body = rows[0], rows[1:]
    cols = [j for j, h in enumerate(header) if h.startswith("p_")] or list(range(len(header)))
    return [header[j] for j in cols], np.array([[float(r[j]) for j in cols] for r in body])


def train(folder: Path, name: str, data, *args) -> Path:
    model = folder / f"{name}.npz"
    rc = main(["train", str(data), "--out", str(model), "--quiet", *map(str, args)])
    assert rc == 0
    return model


def text_label_moons(folder: Path) -> Path:
    """Moons with text labels, the target column in the MIDDLE and columns (b, color, a):
    exports must pick features by name."""
    ds = make_sample("moons", n_samples=160, seed=3)
    rows = [
        [repr(float(b)), "red" if c else "blue", repr(float(a))]
        for (a, b), c in zip(np.asarray(ds.X, np.float32), ds.y)
    ]
    return write_csv(folder / "moons_text.csv", ["b", "color", "a"], rows)


def reordered(path: Path, folder: Path, order: list[str]) -> Path:
    """The CSV at ``path`` with its columns in ``order`` (extra columns dropped)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    idx = [header.index(c) for c in order]
    return write_csv(folder / f"reordered_{path.name}", order, [[r[j] for j in idx] for r in body])


def multi_output_npz(folder: Path) -> Path:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 3)).astype(np.float32).astype(np.float64)
    y = np.column_stack([X[:, 0] * 40 + X[:, 1], X[:, 2] * 2 - 300])
    path = folder / "two_targets.npz"
    np.savez(path, X=X, y=y, feature_names=np.array(["u", "v", "w"]))
    return path
