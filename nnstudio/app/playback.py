"""Watch and rewind a run: ``speedSlider`` (slow motion to full speed, live) and the epoch
timeline (``epochSlider``, ``restoreEpochButton``).

``speedSlider`` sets the controller's :class:`~nnstudio.pacing.Pacer`; the training
worker waits on it between steps, so the GUI thread never sleeps. Its left end is two
steps a second (every step's surface and weights are drawn), its right end full speed.

``epochSlider`` has one position per epoch in the controller's
:class:`~nnstudio.timeline.Timeline` (position i is the i-th recorded epoch; epoch 0,
the starting weights, is recorded, so while nothing was thinned the position is the
epoch number). It is enabled when no run is going (idle, or paused): moving it shows
that epoch's decision surface, network drawing and metrics, and a vertical marker on the
loss curves; the newest position shows the current weights. ``restoreEpochButton`` makes
the shown epoch's state the current one and drops the later history (the slider's
maximum becomes that epoch, the curves end there); Train continues from it exactly as
the run went from there the first time.
"""

from __future__ import annotations

import copy

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from nnstudio.app.controller import RUNNING, TrainingController
from nnstudio.app.named import named
from nnstudio.pacing import SPEED_MAX, steps_per_second

__all__ = ["PlaybackBar"]


def speed_text(position: int) -> str:
    rate = steps_per_second(position)
    if rate is None:
        return "full speed"
    return f"{rate:.3g} steps/s"


class PlaybackBar(QWidget):
    """The speed slider and the epoch timeline for ``window``'s controller and views.

    ``epochShown(int)``: the epoch now shown (-1: the live weights, during a run);
    ``restored(int)``: the session was put back to that epoch.
    """

    epochShown = Signal(int)
    restored = Signal(int)

    def __init__(self, window, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playbackBar")
        self._w = window
        self.controller: TrainingController = window.controller
        self.speed_slider = named(
            QSlider(Qt.Orientation.Horizontal),
            "speedSlider",
            "Training speed",
            "From slow motion (2 steps a second) to full speed; applies at once",
        )
        self.speed_slider.setRange(0, SPEED_MAX)
        self.speed_slider.setValue(self.controller.pacer.position)
        self.speed_slider.setMaximumWidth(160)
        self.speed_label = QLabel(speed_text(self.speed_slider.value()))
        self.speed_label.setMinimumWidth(80)
        self.epoch_slider = named(
            QSlider(Qt.Orientation.Horizontal),
            "epochSlider",
            "Shown epoch",
            "After training (or while paused): show any recorded epoch's surface, network "
            "and metrics",
        )
        self.epoch_slider.setRange(0, 0)
        self.epoch_slider.setEnabled(False)
        self.epoch_label = QLabel("")
        self.epoch_label.setObjectName("epochLabel")
        self.epoch_label.setMinimumWidth(220)
        self.restore_button = named(
            QPushButton("Restore epoch"),
            "restoreEpochButton",
            "Restore the shown epoch",
            "Make the shown epoch's weights the current ones and drop the later history; "
            "Train continues from there",
        )
        self.restore_button.setEnabled(False)

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Speed"))
        row.addWidget(self.speed_slider)
        row.addWidget(self.speed_label)
        row.addSpacing(12)
        row.addWidget(QLabel("Epoch"))
        row.addWidget(self.epoch_slider, 1)
        row.addWidget(self.epoch_label)
        row.addWidget(self.restore_button)

        self.marker = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888", width=1.5))
        self.marker.setVisible(False)
        self.marker.setZValue(-5)
        window.loss_plot.addItem(self.marker, ignoreBounds=True)
        self._epochs: list[int] = []
        self._shown: int | None = None

        self.speed_slider.valueChanged.connect(self._on_speed_changed)
        self.epoch_slider.valueChanged.connect(self._on_epoch_moved)
        self.restore_button.clicked.connect(self.restore_shown)
        c = self.controller
        c.stateChanged.connect(self.refresh)
        c.runStarted.connect(self.refresh)
        c.sessionChanged.connect(lambda _s: self.refresh())
        c.runEnded.connect(lambda _e: self.refresh())

    # ------------------------------------------------------------------ reading
    @property
    def shown_epoch(self) -> int | None:
        """The epoch the views show from the timeline (None: the live weights)."""
        return self._shown

    def recorded_epochs(self) -> list[int]:
        return list(self._epochs)

    # ------------------------------------------------------------------ speed
    @Slot(int)
    def _on_speed_changed(self, value: int) -> None:
        self.controller.pacer.set_position(value)
        self.speed_label.setText(speed_text(value))

    # ------------------------------------------------------------------ timeline
    @Slot()
    def refresh(self, *_args) -> None:
        """Follow the controller: while a run goes the slider is off and the views live;
        otherwise one position per recorded epoch, at the newest."""
        c = self.controller
        live = c.state == RUNNING or c.session is None
        self._epochs = [] if c.session is None else c.timeline.epochs
        slider = self.epoch_slider
        slider.blockSignals(True)
        slider.setRange(0, max(len(self._epochs) - 1, 0))
        slider.setValue(slider.maximum())
        slider.blockSignals(False)
        slider.setEnabled(not live and len(self._epochs) > 1)
        self._shown = None
        self.restore_button.setEnabled(False)
        if live or not self._epochs:
            self.marker.setVisible(False)
            self.epoch_label.setText("")
            self.epochShown.emit(-1)
            return
        self._show_label(self._epochs[-1])
        self._place_marker(self._epochs[-1])

    @Slot(int)
    def _on_epoch_moved(self, index: int) -> None:
        if not self._epochs or not self.epoch_slider.isEnabled():
            return
        index = min(max(index, 0), len(self._epochs) - 1)
        self.show_epoch(self._epochs[index])

    def show_epoch(self, epoch: int) -> None:
        """Show recorded ``epoch``'s surface, drawing, metrics and curve marker."""
        c, w = self.controller, self._w
        session = c.session
        if session is None or epoch not in c.timeline:
            return
        latest = epoch == self._epochs[-1]
        shown = copy.copy(session)
        shown.net = c.timeline.network(epoch, like=session.net)
        w.network_view.set_weights(shown.net.weights)
        w.insight.refresh(shown)  # the surface and the other result views of that epoch
        self._shown = None if latest else epoch
        self.restore_button.setEnabled(not latest and c.state != RUNNING)
        self._show_label(epoch)
        self._place_marker(epoch)
        self.epochShown.emit(epoch)

    def _place_marker(self, epoch: int) -> None:
        self.marker.setValue(epoch)
        self.marker.setVisible(True)

    def _show_label(self, epoch: int) -> None:
        rep = self.controller.timeline.report(epoch) if epoch in self.controller.timeline else None
        if rep is None:
            self.epoch_label.setText(f"epoch {epoch} (starting weights)")
            return
        text = f"epoch {epoch}: loss {rep.train_loss:.4g}"
        if rep.val_loss is not None:
            text += f", val {rep.val_loss:.4g}"
        metric = rep.val_metric if rep.val_metric is not None else rep.train_metric
        if metric is not None:
            name = "acc" if rep.metric_name == "accuracy" else "R²"
            value = f"{100 * metric:.1f}%" if rep.metric_name == "accuracy" else f"{metric:.3f}"
            text += f", {name} {value}"
        self.epoch_label.setText(text)

    @Slot()
    def restore_shown(self) -> bool:
        """Restore the shown epoch (see the module docstring). False if there is none."""
        epoch = self._shown
        c, w = self.controller, self._w
        if epoch is None or c.session is None or c.state == RUNNING:
            return False
        c.restore_epoch(epoch)
        trainer = c.session.trainer
        w.plots.loss_plot.clear_history()
        w.plots.loss_plot.add_epochs(trainer.history)
        w.plots.grad_plot.clear_history()
        w.training_panel.set_progress(min(trainer.epoch / max(trainer.epochs, 1), 1.0))
        self.refresh()
        w.run_views.show_session(c.session, w.data_panel.dataset)
        w.show_status(f"Restored epoch {epoch}; Train continues from there", 5000)
        self.restored.emit(epoch)
        return True
