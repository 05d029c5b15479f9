"""Training controls: the run buttons, the hyperparameters and the progress bar.

The panel holds values and enables/disables itself by state; it never trains. Settings
that shape the run (loss, optimizer, batch size, L2, seed, dtype) are locked while a run
is going; the learning rate and the number of epochs stay editable and reach the running
worker on its next step.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.app.controller import IDLE, PAUSED, RUNNING
from nnstudio.app.named import named
from nnstudio.app.spin_boxes import RangeDoubleSpinBox, RangeSpinBox
from nnstudio.engine.losses import LOSSES
from nnstudio.engine.optimizers import DEFAULT_LR, OPTIMIZERS
from nnstudio.pipeline import L2_PER_ROW, TrainConfig

__all__ = ["IDLE", "PAUSED", "RUNNING", "TrainingPanel"]

LR_MIN, LR_MAX = 1e-6, 10.0
#: l2Spin's lowest position ("auto") sits this far below 0
L2_AUTO_STEP = 1e-6
MAX_EPOCHS = 1_000_000
MAX_BATCH = 1_000_000


class TrainingPanel(QWidget):
    """Buttons (``trainButton`` ... ``resetButton``), hyperparameters and ``progressBar``.

    ``settingsChanged`` fires when a setting that needs a fresh network changes (not for
    the learning rate or epochs, which a run can take on the fly).
    """

    settingsChanged = Signal()
    #: why a typed number was refused (out of its spin box's range)
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        d = TrainConfig()

        def push(text: str, name: str, tip: str) -> QPushButton:
            return named(QPushButton(text), name, text, tip)

        self.train_button = push("Train", "trainButton", "Train the network (F5)")
        self.pause_button = push("Pause", "pauseButton", "Pause or resume training (F6)")
        self.step_button = push("Step", "stepButton", "Train one epoch, then pause (F10)")
        self.stop_button = push("Stop", "stopButton", "Stop training, keep the weights (Shift+F5)")
        self.reset_button = push(
            "Reset", "resetButton", "New random weights from the seed; clears the plots (Ctrl+R)"
        )
        self.train_button.setDefault(True)

        self.lr_spin = named(
            RangeDoubleSpinBox(),
            "learningRateSpin",
            "Learning rate",
            "Step size of the optimizer; can be changed while training",
        )
        self.lr_spin.setDecimals(6)
        self.lr_spin.setRange(LR_MIN, LR_MAX)
        self.lr_spin.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.lr_spin.setValue(d.learning_rate)
        self.lr_spin.setKeyboardTracking(False)

        self.epochs_spin = named(
            RangeSpinBox(), "epochsSpin", "Epochs", "Passes over the training data"
        )
        self.epochs_spin.setRange(1, MAX_EPOCHS)
        self.epochs_spin.setValue(d.epochs)
        self.epochs_spin.setKeyboardTracking(False)

        self.batch_spin = named(
            RangeSpinBox(), "batchSizeSpin", "Batch size", "Examples per gradient step"
        )
        self.batch_spin.setRange(1, MAX_BATCH)
        self.batch_spin.setValue(d.batch_size)
        self.batch_spin.setKeyboardTracking(False)

        self.loss_combo = named(
            QComboBox(), "lossCombo", "Loss", "Loss function; 'auto' follows the task"
        )
        self.loss_combo.addItem("auto", None)
        for name in LOSSES:
            self.loss_combo.addItem(name, name)

        self.optimizer_combo = named(
            QComboBox(), "optimizerCombo", "Optimizer", "How the gradient updates the weights"
        )
        for name in OPTIMIZERS:
            self.optimizer_combo.addItem(name, name)
        self.optimizer_combo.setCurrentIndex(OPTIMIZERS.index(d.optimizer))

        self.l2_spin = named(
            RangeDoubleSpinBox(),
            "l2Spin",
            "L2 weight decay",
            "L2 penalty on the weights (0: none; auto: "
            f"{L2_PER_ROW:g} divided by the number of training rows)",
        )
        self.l2_spin.setDecimals(6)
        # The lowest position, shown as "auto", is the per-row default (L2_PER_ROW / rows).
        self.l2_spin.setRange(-L2_AUTO_STEP, 1.0)
        self.l2_spin.setSpecialValueText("auto")
        self.l2_spin.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self._show_l2(d.l2)

        self.seed_spin = named(
            RangeSpinBox(), "seedSpin", "Seed", "Seed of the initial weights, split and shuffling"
        )
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setValue(d.seed)

        self.dtype_combo = named(
            QComboBox(), "dtypeCombo", "Precision", "float32 is faster; float64 is more exact"
        )
        self.dtype_combo.addItems(["float32", "float64"])

        self.progress_bar = named(
            QProgressBar(), "progressBar", "Training progress", "Share of the planned steps done"
        )
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("%p%")
        self.progress_bar.setTextVisible(True)

        # One row: the run buttons, then the progress bar taking the rest of the width.
        top = QHBoxLayout()
        for b in (
            self.train_button,
            self.pause_button,
            self.step_button,
            self.stop_button,
            self.reset_button,
        ):
            top.addWidget(b)
        top.addWidget(self.progress_bar, 1)

        # Two rows of four label + field pairs: eight settings in the height of two.
        box = QGroupBox("Hyperparameters")
        box.setObjectName("hyperparametersGroup")
        grid = QGridLayout(box)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        pairs = (
            ("&Optimizer", self.optimizer_combo),
            ("&Learning rate", self.lr_spin),
            ("&Epochs", self.epochs_spin),
            ("&Batch size", self.batch_spin),
            ("Lo&ss", self.loss_combo),
            ("L&2", self.l2_spin),
            ("See&d", self.seed_spin),
            ("&Precision", self.dtype_combo),
        )
        for i, (text, field) in enumerate(pairs):
            row, col = divmod(i, 4)
            label = QLabel(text)
            label.setBuddy(field)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(label, row, 2 * col)
            grid.addWidget(field, row, 2 * col + 1)
            grid.setColumnStretch(2 * col + 1, 1)
            field.setMinimumWidth(70)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addLayout(top)
        lay.addWidget(box)

        for spin in (self.lr_spin, self.epochs_spin, self.batch_spin, self.l2_spin, self.seed_spin):
            spin.refused.connect(self.message)
        self._optimizer = d.optimizer
        self.optimizer_combo.currentIndexChanged.connect(self._on_optimizer_changed)
        for w in (self.loss_combo, self.dtype_combo):
            w.currentIndexChanged.connect(lambda *_: self.settingsChanged.emit())
        for w in (self.batch_spin, self.seed_spin):
            w.valueChanged.connect(lambda *_: self.settingsChanged.emit())
        self.l2_spin.valueChanged.connect(lambda *_: self.settingsChanged.emit())
        self.set_state(IDLE)

    # ------------------------------------------------------------ values
    def apply_to(self, cfg: TrainConfig) -> TrainConfig:
        """Write the panel's settings into ``cfg`` (returned)."""
        cfg.optimizer = self.optimizer_combo.currentData()
        cfg.lr = float(self.lr_spin.value())
        cfg.epochs = int(self.epochs_spin.value())
        cfg.batch_size = int(self.batch_spin.value())
        value = float(self.l2_spin.value())
        cfg.l2 = None if value < 0 else value
        cfg.seed = int(self.seed_spin.value())
        cfg.dtype = self.dtype_combo.currentText()
        cfg.loss = self.loss_combo.currentData()
        return cfg

    def set_from(self, cfg: TrainConfig) -> None:
        """Show ``cfg``'s settings (one ``settingsChanged`` at most)."""
        widgets = (
            self.optimizer_combo,
            self.lr_spin,
            self.epochs_spin,
            self.batch_spin,
            self.l2_spin,
            self.seed_spin,
            self.dtype_combo,
            self.loss_combo,
        )
        for w in widgets:
            w.blockSignals(True)
        try:
            self.optimizer_combo.setCurrentIndex(
                max(self.optimizer_combo.findData(cfg.optimizer), 0)
            )
            self._optimizer = self.optimizer_combo.currentData()
            self.lr_spin.setValue(cfg.learning_rate)
            self.epochs_spin.setValue(int(cfg.epochs))
            self.batch_spin.setValue(int(cfg.batch_size))
            self._show_l2(cfg.l2)
            self.seed_spin.setValue(int(cfg.seed))
            self.dtype_combo.setCurrentText(cfg.dtype)
            self.loss_combo.setCurrentIndex(max(self.loss_combo.findData(cfg.loss), 0))
        finally:
            for w in widgets:
                w.blockSignals(False)
        self.settingsChanged.emit()

    def set_state(self, state: str, *, stopping: bool = False) -> None:
        """Enable what makes sense: ``idle``, ``running`` or ``paused``; ``stopping``: a
        stop was asked for (Train and Step stay pressable: they start once it ended)."""
        running = state in (RUNNING, PAUSED)
        self.train_button.setEnabled(state != RUNNING or stopping)
        self.train_button.setText("Resume" if state == PAUSED and not stopping else "Train")
        self.pause_button.setEnabled(running and not stopping)
        self.pause_button.setText("Resume" if state == PAUSED else "Pause")
        self.step_button.setEnabled(state != RUNNING or stopping)
        self.stop_button.setEnabled(running and not stopping)
        self.reset_button.setEnabled(True)
        for w in (
            self.batch_spin,
            self.loss_combo,
            self.optimizer_combo,
            self.l2_spin,
            self.seed_spin,
            self.dtype_combo,
        ):
            w.setEnabled(not running)

    def follow_task(self) -> bool:
        """New data of another task: a chosen loss goes back to "auto", which follows
        the task (mse chosen for regression must not stay for classification). True if
        it changed."""
        if self.loss_combo.currentData() is None:
            return False
        self.loss_combo.blockSignals(True)
        self.loss_combo.setCurrentIndex(0)  # auto
        self.loss_combo.blockSignals(False)
        return True

    def set_progress(self, fraction: float) -> None:
        self.progress_bar.setValue(int(round(max(0.0, min(fraction, 1.0)) * 1000)))

    # ------------------------------------------------------------ internals
    def _show_l2(self, l2: float | None) -> None:
        self.l2_spin.setValue(self.l2_spin.minimum() if l2 is None else float(l2))

    def _on_optimizer_changed(self) -> None:
        new = self.optimizer_combo.currentData()
        # Follow the optimizer's default rate unless the user chose another one.
        if abs(self.lr_spin.value() - DEFAULT_LR.get(self._optimizer, -1)) < 1e-12:
            self.lr_spin.setValue(DEFAULT_LR[new])
        self._optimizer = new
        self.settingsChanged.emit()
