"""The rows the views score, and what the network says about them, in the user's units.

The views judge the network on the validation rows, or on the training rows when there
is no validation split (``val_split == 0``). Everything here is returned in the units the
user knows: class indices into ``classes`` and probabilities for classification, target
units (the target standardization undone) for regression, dataset row numbers for rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnstudio.engine.trainer import predicted_classes
from nnstudio.pipeline import Session

from .classes import ClassScores, class_scores, confusion_matrix, misclassified

__all__ = [
    "ClassificationReport",
    "RegressionReport",
    "classification_report",
    "evaluation_rows",
    "regression_report",
    "shown_output",
]


def evaluation_rows(session: Session) -> tuple[str, np.ndarray, np.ndarray]:
    """``(which, X, rows)``: ``"validation"`` or ``"training"``, the standardized network
    inputs ``(n, n_features)`` of those rows and their dataset row numbers ``(n,)``."""
    d = session.data
    if d.n_val > 0:
        return "validation", d.X_val, d.val_index
    return "training", d.X_train, d.train_index


def shown_output(session: Session, output: np.ndarray) -> np.ndarray:
    """Network output ``(n, k)`` in the user's units: probabilities for classification
    (as they are), target units for regression (``output * scale + mean``)."""
    ts = session.data.target_scaler
    out = np.asarray(output, np.float64)
    return out if ts is None else ts.inverse_transform(out)


def _output(session: Session, X: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging net shows as nan
        return session.net.forward(X)


@dataclass
class ClassificationReport:
    """How the network classifies the evaluation rows.

    ``matrix`` (k, k) int64 counts, rows true class, columns predicted, in ``classes``
    order; ``scores`` per class; ``errors`` the dataset row numbers of the misclassified
    rows (in evaluation order) with their ``error_true`` / ``error_predicted`` class
    indices and ``error_confidence``, the probability the network gave its (wrong) answer.
    """

    which: str
    classes: list
    matrix: np.ndarray
    scores: ClassScores
    errors: np.ndarray
    error_true: np.ndarray
    error_predicted: np.ndarray
    error_confidence: np.ndarray

    @property
    def n_rows(self) -> int:
        return int(self.matrix.sum())


def _probabilities(output: np.ndarray) -> np.ndarray:
    """(n, k) class probabilities; one sigmoid unit p(classes[1]) becomes (n, 2)."""
    if output.shape[1] == 1:
        p1 = output[:, 0]
        return np.column_stack([1.0 - p1, p1])
    return output


def classification_report(session: Session) -> ClassificationReport:
    """Confusion matrix, per-class scores and misclassified rows of ``session``'s network
    on the evaluation rows (one forward pass over them)."""
    which, X, rows = evaluation_rows(session)
    d = session.data
    true = d.y_val_labels if which == "validation" else d.y_train_labels
    if true is None:
        raise ValueError("a classification report needs a classification session")
    out = _output(session, X)
    pred = predicted_classes(out)
    k = len(d.classes)
    cm = confusion_matrix(true, pred, k)
    wrong = misclassified(true, pred)
    proba = _probabilities(np.asarray(out, np.float64))
    return ClassificationReport(
        which=which,
        classes=list(d.classes),
        matrix=cm,
        scores=class_scores(cm),
        errors=np.asarray(rows, np.int64)[wrong],
        error_true=np.asarray(true, np.int64)[wrong],
        error_predicted=pred[wrong].astype(np.int64),
        error_confidence=proba[wrong, pred[wrong]] if len(wrong) else np.empty(0),
    )


@dataclass
class RegressionReport:
    """Predicted against actual values on the evaluation rows, in target units, each
    ``(n, n_outputs)``; ``residual = actual - predicted``; ``rows`` dataset row numbers."""

    which: str
    rows: np.ndarray
    actual: np.ndarray
    predicted: np.ndarray

    @property
    def residual(self) -> np.ndarray:
        return self.actual - self.predicted


def regression_report(session: Session) -> RegressionReport:
    which, X, rows = evaluation_rows(session)
    ds = session.dataset
    actual = np.asarray(ds.y, np.float64).reshape(ds.n_samples, -1)[rows]
    predicted = shown_output(session, _output(session, X))
    return RegressionReport(which, np.asarray(rows, np.int64), actual, predicted)
