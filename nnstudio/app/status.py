"""The status bar's permanent labels: the epoch, the latest losses and metric, and the
training speed."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QLabel, QStatusBar

__all__ = ["StatusLabels"]


class StatusLabels:
    """``epochStatusLabel``, ``lossStatusLabel`` and ``speedStatusLabel`` in ``bar``."""

    def __init__(self, bar: QStatusBar) -> None:
        self.epoch_label = QLabel("")
        self.epoch_label.setObjectName("epochStatusLabel")
        self.loss_label = QLabel("")
        self.loss_label.setObjectName("lossStatusLabel")
        self.speed_label = QLabel("")
        self.speed_label.setObjectName("speedStatusLabel")
        self._last_report = None
        # Fixed widths: a label whose text changes 30 times a second must not make the
        # whole window lay itself out again each time.
        fm = bar.fontMetrics()
        for label, sample in (
            (self.epoch_label, "Epoch 1000000/1000000"),
            (self.loss_label, "loss 0.0001234 (val 0.0001234), val accuracy 100.0%"),
            (self.speed_label, "12,345,678 samples/s"),
        ):
            label.setFixedWidth(fm.horizontalAdvance(sample) + 12)
            bar.addPermanentWidget(label)

    def clear(self) -> None:
        self._last_report = None
        for label in (self.epoch_label, self.loss_label, self.speed_label):
            label.setText("")

    def show_update(self, update) -> None:
        """Show a :class:`~nnstudio.app.worker.TrainingUpdate`: the epoch, the last
        finished epoch's losses and metric (the batch loss before the first), the speed."""
        if update.epoch_reports:
            self._last_report = update.epoch_reports[-1]
        self.epoch_label.setText(f"Epoch {update.epoch}/{update.epochs}")
        rep = self._last_report
        if rep is not None:
            text = f"loss {rep.train_loss:.4g}"
            if rep.val_loss is not None:
                text += f" (val {rep.val_loss:.4g})"
            metric = rep.val_metric if rep.val_metric is not None else rep.train_metric
            which = "val " if rep.val_metric is not None else ""
            if rep.metric_name == "accuracy":
                text += f", {which}accuracy {metric:.1%}"
            else:
                text += f", {which}R\u00b2 {metric:.3f}"
            self.loss_label.setText(text)
        elif math.isfinite(update.batch_loss):
            self.loss_label.setText(f"batch loss {update.batch_loss:.4g}")
        if math.isfinite(update.samples_per_second):
            self.speed_label.setText(f"{update.samples_per_second:,.0f} samples/s")
