"""Classification results: the confusion matrix, per-class scores and the misclassified
rows, all on the validation rows (the training rows when there is no validation split).

- ``confusionTable``: rows are the true class, columns the predicted class, cells the
  integer counts (``DisplayRole`` holds the ``int``); the diagonal is tinted green and the
  other cells red, stronger for a larger share of the row.
- ``classScoresTable``: one row per class: precision, recall, F1 and support (NaN, shown
  as "–", where a score is undefined).
- ``errorsTable``: the misclassified rows (at most ``insight.snapshot.MAX_ERRORS``): the
  row number in the data (1-based), true and predicted class, the probability the network
  gave its answer, and the first features. When the feature count is a perfect square of
  a side of 3 or more (64 -> 8x8, 784 -> 28x28) each row also shows as a small grey image
  (``DecorationRole`` of column 0), scaled by the dataset's overall feature range.

The panel only draws a :class:`~nnstudio.insight.evaluation.ClassificationReport`
computed elsewhere (Qt-free, in a worker).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from nnstudio.app.tables import RowsModel, make_table
from nnstudio.data.dataset import Dataset
from nnstudio.insight.data_facts import data_facts
from nnstudio.insight.evaluation import ClassificationReport

__all__ = ["ClassViews", "image_side"]

#: feature columns shown in the errors table (beyond that they are left out)
ERROR_FEATURES = 6
#: on-screen size of an error row's image, in pixels
THUMB = 40

_RIGHT = QColor(44, 160, 44)
_WRONG = QColor(214, 39, 40)


def image_side(n_features: int) -> int | None:
    """``s`` when ``n_features == s * s`` with ``s >= 3``, else None."""
    s = math.isqrt(int(n_features))
    return s if s >= 3 and s * s == n_features else None


def _tint(color: QColor, t: float) -> QBrush:
    t = float(np.clip(t, 0.0, 1.0)) * 0.6
    return QBrush(
        QColor(
            round(255 + t * (color.red() - 255)),
            round(255 + t * (color.green() - 255)),
            round(255 + t * (color.blue() - 255)),
        )
    )


class ClassViews(QWidget):
    """Confusion matrix, per-class scores and misclassified rows; see the module
    docstring. Call :meth:`set_dataset`, then :meth:`set_report` as training goes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("classViews")
        self.summary_label = QLabel("Train a classifier to see its confusion matrix.")
        self.summary_label.setObjectName("classSummaryLabel")
        self.summary_label.setWordWrap(True)
        self.confusion_model = RowsModel([], background=self._cm_background)
        self.confusion_table = make_table(
            self.confusion_model,
            "confusionTable",
            "Confusion matrix",
            "Rows: true class; columns: predicted class; cells: number of rows",
        )
        self.confusion_table.setToolTip("Rows: true class. Columns: predicted class.")
        self.confusion_table.setAlternatingRowColors(False)
        self.scores_model = RowsModel(["class", "precision", "recall", "F1", "rows"])
        self.scores_table = make_table(
            self.scores_model,
            "classScoresTable",
            "Per-class precision, recall and F1",
        )
        self.errors_model = RowsModel(
            ["row", "true", "predicted", "p(predicted)"], decoration=self._error_image
        )
        self.errors_table = make_table(
            self.errors_model,
            "errorsTable",
            "Misclassified rows",
            "The rows the network gets wrong, with their true and predicted class",
            fit_columns=False,
        )
        self.errors_label = QLabel("")
        self.errors_label.setObjectName("errorsLabel")

        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.summary_label)
        tl.addWidget(self.confusion_table, 3)
        tl.addWidget(self.scores_table, 2)
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.errors_label)
        bl.addWidget(self.errors_table, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("classSplitter")
        split.addWidget(top)
        split.addWidget(bottom)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)

        self._ds: Dataset | None = None
        self._side: int | None = None
        self._range = (0.0, 1.0)
        self._report: ClassificationReport | None = None
        self._images: dict[int, QPixmap] = {}

    # ----------------------------------------------------------------- data

    def set_dataset(self, ds: Dataset | None) -> None:
        """Forget the last report; prepare headers for ``ds`` (classification only)."""
        self._ds = ds if ds is not None and ds.task == "classification" else None
        self._report = None
        self._images = {}
        self.confusion_model.set_rows([], headers=[], vertical=[])
        self.scores_model.set_rows([])
        self.errors_model.set_rows([])
        self.errors_label.setText("")
        self.summary_label.setText(
            "Train the network to see its confusion matrix."
            if self._ds is not None
            else "The confusion matrix is for classification data."
        )
        if self._ds is None:
            return
        self._side = image_side(self._ds.n_features)
        facts = data_facts(self._ds)  # the features' ranges, precomputed for big data
        X = self._ds.X
        self._range = (float(facts.x_min.min()), float(facts.x_max.max())) if X.size else (0.0, 1.0)
        names = [str(n) for n in self._ds.feature_names[:ERROR_FEATURES]]
        headers = ["row", "true", "predicted", "p(predicted)", *names]
        self.errors_model.set_rows([], headers=headers)
        vsize = THUMB + 4 if self._side else self.errors_table.fontMetrics().height() + 6
        self.errors_table.verticalHeader().setDefaultSectionSize(vsize)
        self.errors_table.setIconSize(QSize(THUMB, THUMB))
        self.errors_table.setColumnWidth(0, THUMB + 60 if self._side else 60)

    def set_report(self, rep: ClassificationReport, n_errors: int | None = None) -> None:
        """Show ``rep``; ``n_errors`` is the count of all misclassified rows when
        ``rep.errors`` holds only the first of them."""
        if self._ds is None:
            return
        same_errors = self._report is not None and np.array_equal(self._report.errors, rep.errors)
        self._report = rep
        if not same_errors:
            self._images = {}
        labels = [str(c) for c in rep.classes]
        cm = rep.matrix
        self.confusion_model.set_rows(
            [[int(v) for v in row] for row in cm.tolist()],
            headers=labels,  # predicted class (the caption says rows true, columns predicted)
            vertical=labels,
        )
        s = rep.scores
        self.scores_model.set_rows(
            [
                (lab, float(p), float(r), float(f), int(n))
                for lab, p, r, f, n in zip(labels, s.precision, s.recall, s.f1, s.support)
            ]
        )
        X = self._ds.X
        rows = []
        for row, t, p, conf in zip(
            rep.errors.tolist(),
            rep.error_true.tolist(),
            rep.error_predicted.tolist(),
            rep.error_confidence.tolist(),
        ):
            feats = [float(v) for v in X[row, :ERROR_FEATURES]]
            rows.append((row + 1, labels[t], labels[p], float(conf), *feats))
        if rows != self.errors_model.rows():  # an unchanged table is not reset
            self.errors_model.set_rows(rows)
        total = rep.n_rows
        wrong = len(rep.errors) if n_errors is None else int(n_errors)
        acc = s.accuracy
        self.summary_label.setText(
            f"{rep.which.capitalize()} rows: {total:,}; accuracy {acc:.1%}. Rows: true "
            "class; columns: predicted class."
            if total
            else f"No {rep.which} rows."
        )
        shown = "" if wrong == len(rep.errors) else f" (the first {len(rep.errors):,} shown)"
        self.errors_label.setText(f"Misclassified {rep.which} rows: {wrong:,}{shown}")

    def report(self) -> ClassificationReport | None:
        return self._report

    # ----------------------------------------------------------------- roles

    def _cm_background(self, r: int, c: int):
        rep = self._report
        if rep is None:
            return None
        row_total = rep.matrix[r].sum()
        if row_total == 0 or rep.matrix[r, c] == 0:
            return None
        share = rep.matrix[r, c] / row_total
        return _tint(_RIGHT if r == c else _WRONG, share if r == c else 0.3 + 0.7 * share)

    def _error_image(self, r: int, c: int):
        if c != 0 or self._side is None or self._report is None:
            return None
        pix = self._images.get(r)
        if pix is None:
            row = int(self._report.errors[r])
            lo, hi = self._range
            v = self._ds.X[row]
            g = np.clip((v - lo) / (hi - lo) if hi > lo else v * 0, 0, 1)
            # dark ink on white, as digits are usually drawn
            a = np.ascontiguousarray((255 * (1 - g)).reshape(self._side, self._side), np.uint8)
            img = QImage(
                a.data, self._side, self._side, self._side, QImage.Format.Format_Grayscale8
            )
            pix = QPixmap.fromImage(img.copy()).scaled(
                THUMB,
                THUMB,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation,
            )
            self._images[r] = pix
        return pix
