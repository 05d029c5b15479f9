"""The best epoch in the app: "Keep best weights", patience and schedule controls, a
marker at the best epoch on ``lossPlot``, the learning rate in use in the status bar, and
"stopped early at epoch N (best epoch M)" when a run ends that way.

The numbers come from the Qt-free trainer (``Trainer.best_epoch``, ``stopped_early``,
``restored_best``, ``lr``) through the worker's :class:`TrainingUpdate`; nothing here
decides which epoch is best.

Names: ``keepBestCheck`` (QCheckBox), ``patienceSpin`` (QSpinBox, 0 shows "off"),
``scheduleCombo`` (QComboBox), ``bestEpochMarker`` (a PlotDataItem on ``lossPlot``
holding one point: the best epoch and its validation loss), ``lrStatusLabel`` (QLabel).
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from nnstudio.app.named import named
from nnstudio.engine.schedules import SCHEDULES
from nnstudio.pipeline import TrainConfig

__all__ = ["BestEpochMarker", "LrStatusLabel", "StoppingControls", "end_message"]

MAX_PATIENCE = 100_000

SCHEDULE_TIPS = {
    "constant": "the learning rate stays as set",
    "step": "halve the rate after every quarter of the epochs",
    "cosine": "lower the rate along half a cosine towards 0 at the last epoch",
    "plateau": "halve the rate after 5 epochs without a lower validation loss",
}


class StoppingControls(QWidget):
    """``keepBestCheck``, ``patienceSpin`` and ``scheduleCombo`` in one row.

    ``settingsChanged`` fires when one of them changes. They are locked during a run
    (``set_running``), like the other settings that shape it."""

    settingsChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stoppingControls")
        d = TrainConfig()
        self.keep_best = named(
            QCheckBox("Keep best weights"),
            "keepBestCheck",
            "Keep best weights",
            "When training ends, go back to the weights of the epoch with the lowest "
            "validation loss",
        )
        self.keep_best.setChecked(d.restore_best)
        self.patience = named(
            QSpinBox(),
            "patienceSpin",
            "Patience",
            "Stop after this many epochs without a lower validation loss (off: never)",
        )
        self.patience.setRange(0, MAX_PATIENCE)
        self.patience.setSpecialValueText("off")
        self.patience.setValue(d.patience)
        self.patience.setKeyboardTracking(False)
        self.schedule = named(
            QComboBox(), "scheduleCombo", "Learning-rate schedule", "How the rate changes"
        )
        for i, name in enumerate(SCHEDULES):
            self.schedule.addItem(name, name)
            self.schedule.setItemData(i, SCHEDULE_TIPS[name], Qt.ItemDataRole.ToolTipRole)
        self.schedule.setCurrentIndex(SCHEDULES.index(d.schedule))

        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.keep_best)
        for text, field in (("Pa&tience", self.patience), ("Sc&hedule", self.schedule)):
            label = QLabel(text)
            label.setBuddy(field)
            lay.addWidget(label)
            lay.addWidget(field)
        lay.addStretch(1)
        self.keep_best.toggled.connect(lambda *_: self.settingsChanged.emit())
        self.patience.valueChanged.connect(lambda *_: self.settingsChanged.emit())
        self.schedule.currentIndexChanged.connect(lambda *_: self.settingsChanged.emit())

    def apply_to(self, cfg: TrainConfig) -> TrainConfig:
        cfg.restore_best = self.keep_best.isChecked()
        cfg.patience = int(self.patience.value())
        cfg.schedule = self.schedule.currentData()
        return cfg

    def set_from(self, cfg: TrainConfig) -> None:
        for w in (self.keep_best, self.patience, self.schedule):
            w.blockSignals(True)
        try:
            self.keep_best.setChecked(bool(cfg.restore_best))
            self.patience.setValue(int(cfg.patience))
            self.schedule.setCurrentIndex(max(self.schedule.findData(cfg.schedule), 0))
        finally:
            for w in (self.keep_best, self.patience, self.schedule):
                w.blockSignals(False)

    def set_running(self, running: bool) -> None:
        for w in (self.keep_best, self.patience, self.schedule):
            w.setEnabled(not running)


class BestEpochMarker:
    """A star at (best epoch, its validation loss) and a dotted vertical line on
    ``loss_plot``; hidden while there is no best epoch (no validation rows, no epoch)."""

    def __init__(self, loss_plot: pg.PlotWidget) -> None:
        pi = loss_plot.getPlotItem()
        self.point = pg.PlotDataItem(
            [], [], pen=None, symbol="star", symbolSize=14, symbolBrush="#d62728"
        )
        self.point.setObjectName("bestEpochMarker")
        self.line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen("#d62728", width=1, style=Qt.PenStyle.DotLine)
        )
        self.line.setVisible(False)
        pi.addItem(self.point)
        pi.addItem(self.line, ignoreBounds=True)
        self.epoch: int | None = None
        self._val_loss: float | None = None

    def set_best(self, epoch: int | None, val_loss: float | None) -> None:
        if epoch is None or val_loss is None or not math.isfinite(val_loss):
            if self.epoch is not None:
                self.clear()
            return
        if self.epoch == int(epoch) and self._val_loss == float(val_loss):
            return  # every progress update brings it: redraw only when it moved
        self.epoch, self._val_loss = int(epoch), float(val_loss)
        self.point.setData([float(epoch)], [float(val_loss)])
        self.line.setValue(float(epoch))
        self.line.setVisible(True)

    def clear(self) -> None:
        self.epoch = self._val_loss = None
        self.point.setData([], [])
        self.line.setVisible(False)


class LrStatusLabel(QLabel):
    """``lrStatusLabel``: the learning rate the last step used (the schedule applied)."""

    def __init__(self) -> None:
        super().__init__("")
        self.setObjectName("lrStatusLabel")
        self.setAccessibleName("Learning rate in use")
        self.setToolTip("The learning rate in use now (after the schedule)")
        self.setFixedWidth(self.fontMetrics().horizontalAdvance("lr 0.000123456") + 12)

    def show_lr(self, lr: float | None) -> None:
        self.setText("" if lr is None or not math.isfinite(lr) else f"lr {lr:.4g}")


def end_message(epoch: int, best_epoch: int | None, stopped_early: bool, restored: bool) -> str:
    """The status-bar line for a run that ended by itself (not by Stop)."""
    if stopped_early:
        text = f"Stopped early at epoch {epoch} (best epoch {best_epoch})"
    else:
        text = f"Finished {epoch} epochs"
        if best_epoch is not None and best_epoch != epoch:
            text += f" (best epoch {best_epoch})"
    if restored:
        text += f"; kept the weights of epoch {best_epoch}"
    return text


class BestEpochViews:
    """Puts the controls, the marker and the status label into ``window`` and keeps them
    up to date from its controller's updates.

    The window calls ``apply_to(cfg)`` / ``set_from(cfg)`` with its settings,
    ``set_running`` with its state, and ``ended_text(ended)`` for the status message of a
    run that ended by itself."""

    def __init__(self, window) -> None:
        self.controls = StoppingControls()
        self.marker = BestEpochMarker(window.loss_plot)
        self.lr_label = LrStatusLabel()
        window.statusBar().addPermanentWidget(self.lr_label)
        self._last = None
        self._window = window
        c = window.controller
        c.runStarted.connect(self.clear)
        c.progress.connect(self.show_update)
        c.runEnded.connect(self._on_run_ended)

    def apply_to(self, cfg: TrainConfig) -> TrainConfig:
        return self.controls.apply_to(cfg)

    def set_from(self, cfg: TrainConfig) -> None:
        self.controls.set_from(cfg)

    def set_running(self, running: bool) -> None:
        self.controls.set_running(running)

    def clear(self) -> None:
        self._last = None
        self.marker.clear()
        self.lr_label.show_lr(None)

    def show_update(self, update) -> None:
        self._last = update
        self.marker.set_best(update.best_epoch, update.best_val_loss)
        self.lr_label.show_lr(update.lr)

    def _on_run_ended(self, _ended) -> None:
        """When the best epoch's weights were put back, the epoch timeline shows that
        epoch (its surface and drawing are the current weights), not the last one."""
        u, playback = self._last, getattr(self._window, "playback", None)
        if u is None or not u.restored_best or playback is None:
            return
        epochs = playback.recorded_epochs()
        if u.best_epoch in epochs:
            slider = playback.epoch_slider
            slider.blockSignals(True)
            slider.setValue(epochs.index(u.best_epoch))
            slider.blockSignals(False)
            playback.show_epoch(u.best_epoch)

    def ended_text(self, ended) -> str:
        """The message for a run that reached its end by itself (``ended.finished``)."""
        u = self._last
        if u is None:
            return f"Finished {ended.epoch} epochs"
        return end_message(ended.epoch, u.best_epoch, u.stopped_early, u.restored_best)
