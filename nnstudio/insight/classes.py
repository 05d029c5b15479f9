"""Classification results: confusion matrix, per-class scores, misclassified rows.

This module is the one home of the confusion matrix: the app's ``confusionTable`` and
``nnstudio train --json`` (``confusion_matrix``) both use :func:`confusion_matrix`.

Conventions (the same as scikit-learn's): ``cm[i, j]`` counts the rows whose true class
is ``classes[i]`` and whose predicted class is ``classes[j]``; rows are the truth,
columns the prediction. For class ``c``::

    precision = cm[c, c] / sum_i cm[i, c]       (of the rows predicted c, how many are c)
    recall    = cm[c, c] / sum_j cm[c, j]       (of the rows that are c, how many found)
    F1        = 2 precision recall / (precision + recall)

A score whose denominator is 0 (no row predicted as c, no row of class c) is undefined
and reported as NaN, not silently as 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ClassScores", "class_scores", "confusion_matrix", "misclassified"]


def confusion_matrix(true, predicted, n_classes: int) -> np.ndarray:
    """``(n_classes, n_classes)`` int64 counts; ``true`` and ``predicted`` are (n,)
    class indices in ``0..n_classes-1``."""
    t = np.asarray(true, np.intp).reshape(-1)
    p = np.asarray(predicted, np.intp).reshape(-1)
    k = int(n_classes)
    if t.shape != p.shape:
        raise ValueError(f"{t.size} true labels but {p.size} predictions")
    if t.size and (min(t.min(), p.min()) < 0 or max(t.max(), p.max()) >= k):
        raise ValueError(f"class indices must be in [0, {k})")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k).astype(np.int64)


@dataclass
class ClassScores:
    """Per-class scores, each ``(k,)``, in class order; ``support`` is the number of rows
    of each true class. NaN where a score is undefined (see the module docstring)."""

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    accuracy: float  # fraction of all rows on the diagonal (NaN with no rows)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def class_scores(cm) -> ClassScores:
    """Precision, recall, F1 and support of each class from a confusion matrix."""
    cm = np.asarray(cm, np.float64)
    tp = np.diag(cm)
    precision = _ratio(tp, cm.sum(axis=0))
    recall = _ratio(tp, cm.sum(axis=1))
    with np.errstate(invalid="ignore"):
        f1 = _ratio(2 * precision * recall, precision + recall)
    f1[(precision == 0) & (recall == 0)] = 0.0  # defined: nothing right at all
    total = cm.sum()
    acc = float(tp.sum() / total) if total > 0 else float("nan")
    return ClassScores(precision, recall, f1, cm.sum(axis=1).astype(np.int64), acc)


def misclassified(true, predicted) -> np.ndarray:
    """Positions (int64, ascending) where ``predicted`` differs from ``true``."""
    return np.flatnonzero(np.asarray(true) != np.asarray(predicted)).astype(np.int64)
