"""The network designer: one table row per hidden layer, buttons to add, remove and move
layers, and fixed labels for the input and output layers (those follow from the data).

The table (``layerTable``) is a ``QTableWidget`` whose items hold the values, so the
model answers ``index.data()`` with the units (int) and the activation name (str). Units
are edited with a spin box limited to 1..``MAX_UNITS``; the activation with a combo box
of ``HIDDEN_ACTIVATIONS`` that is always shown. Anything else (0, too many units, text)
is refused where it is typed, and the reason appears under the table and in the status
tip; a value set programmatically through the model is checked the same way and put
back if it is invalid.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.engine.activations import HIDDEN_ACTIVATIONS
from nnstudio.pipeline import MAX_HIDDEN_LAYERS, MAX_UNITS

__all__ = ["DEFAULT_ACTIVATION", "DEFAULT_UNITS", "LayerTable", "UnitsSpinBox", "units_problem"]

UNITS_COL, ACT_COL = 0, 1
DEFAULT_UNITS = 32
DEFAULT_ACTIVATION = "relu"
#: the table grows with its rows up to this many, then scrolls
FIT_ROWS = 5
_VALUE_ROLE = Qt.ItemDataRole.UserRole  # the last accepted value, to go back to


def units_problem(value) -> str | None:
    """Why ``value`` cannot be a layer's unit count, or None if it can."""
    text = str(value).strip()
    if isinstance(value, bool):
        text = "?"
    try:
        n = int(text)
    except ValueError:
        try:
            f = float(text)
        except ValueError:
            return f"units must be a whole number from 1 to {MAX_UNITS}; {text!r} is not a number"
        if f != int(f):
            return f"units must be a whole number from 1 to {MAX_UNITS}, not {text}"
        n = int(f)
    if n < 1:
        return f"a layer needs at least 1 unit (got {n}); remove the layer instead"
    if n > MAX_UNITS:
        return f"at most {MAX_UNITS} units per layer (got {n})"
    return None


class UnitsSpinBox(QSpinBox):
    """A spin box for 1..MAX_UNITS that says why it refuses a keystroke."""

    refused = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unitsSpin")
        self.setAccessibleName("Units in layer")
        self.setRange(1, MAX_UNITS)
        self.setStatusTip(f"Units in this layer: a whole number from 1 to {MAX_UNITS}")

    def validate(self, text: str, pos: int):
        result = super().validate(text, pos)
        state = result[0] if isinstance(result, tuple) else result
        if state != QValidator.State.Acceptable and text.strip():
            reason = units_problem(text)
            if reason:
                self.setStatusTip(reason)
                self.refused.emit(reason)
        return result


class _LayerDelegate(QStyledItemDelegate):
    def __init__(self, owner: LayerTable) -> None:
        super().__init__(owner.table)
        self._owner = owner

    def createEditor(self, parent, option, index: QModelIndex):
        if index.column() == UNITS_COL:
            spin = UnitsSpinBox(parent)
            spin.refused.connect(self._owner.show_reason)
            return spin
        combo = QComboBox(parent)
        combo.setObjectName("activationCombo")
        combo.setAccessibleName(f"Activation of hidden layer {index.row() + 1}")
        combo.addItems(list(HIDDEN_ACTIVATIONS))
        combo.setStatusTip("Activation function of this hidden layer")
        combo.currentIndexChanged.connect(lambda _i, c=combo: self.commitData.emit(c))
        return combo

    def setEditorData(self, editor, index: QModelIndex) -> None:
        value = index.data(Qt.ItemDataRole.EditRole)
        if isinstance(editor, QSpinBox):
            try:
                editor.setValue(int(value))
            except (TypeError, ValueError):
                editor.setValue(DEFAULT_UNITS)
        else:
            editor.blockSignals(True)
            i = editor.findText(str(value))
            editor.setCurrentIndex(max(i, 0))
            editor.blockSignals(False)

    def setModelData(self, editor, model, index: QModelIndex) -> None:
        if isinstance(editor, QSpinBox):
            editor.interpretText()
            model.setData(index, editor.value(), Qt.ItemDataRole.EditRole)
        else:
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)


class _FittedTable(QTableWidget):
    """A table whose size hint asks for ``wanted_height`` (its minimum stays small)."""

    wanted_height = 0

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.wanted_height:
            hint.setHeight(self.wanted_height)
        return hint


class LayerTable(QWidget):
    """Hidden layers as table rows, with the fixed input and output layers as labels.

    ``architectureChanged`` fires after every accepted change; ``message(str)`` carries
    a reason for a refused value (the main window shows it in the status bar too).
    """

    architectureChanged = Signal()
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = _FittedTable(0, 2)
        t = self.table
        t.setObjectName("layerTable")
        t.setAccessibleName("Hidden layers")
        t.setAccessibleDescription(
            "One row per hidden layer: number of units and activation function"
        )
        t.setHorizontalHeaderLabels(["Units", "Activation"])
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        t.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        t.setStatusTip(
            f"Hidden layers: double-click the units to edit (1 to {MAX_UNITS}); "
            "pick the activation from the list"
        )
        t.setToolTip("Double-click a unit count to change it")
        self._delegate = _LayerDelegate(self)
        t.setItemDelegate(self._delegate)
        t.itemChanged.connect(self._on_item_changed)
        t.currentCellChanged.connect(lambda *_: self._update_buttons())

        def button(text: str, name: str, tip: str, slot) -> QPushButton:
            b = QPushButton(text)
            b.setObjectName(name)
            b.setAccessibleName(tip)
            b.setToolTip(tip)
            b.setStatusTip(tip)
            b.clicked.connect(slot)
            return b

        self.add_button = button(
            "Add layer", "addLayerButton", "Add a hidden layer", self.add_layer
        )
        self.remove_button = button(
            "Remove", "removeLayerButton", "Remove the selected hidden layer", self.remove_layer
        )
        self.up_button = button(
            "Up", "moveLayerUpButton", "Move the selected layer towards the input", self.move_up
        )
        self.down_button = button(
            "Down",
            "moveLayerDownButton",
            "Move the selected layer towards the output",
            self.move_down,
        )

        self.input_label = QLabel("Input: load a dataset")
        self.input_label.setObjectName("inputLayerLabel")
        self.output_label = QLabel("Output: load a dataset")
        self.output_label.setObjectName("outputLayerLabel")
        for lab in (self.input_label, self.output_label):
            lab.setWordWrap(True)
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint_label = QLabel("")
        self.hint_label.setObjectName("layerHintLabel")
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet("color: #b00020;")
        self.hint_label.setVisible(False)

        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.input_label)
        lay.addWidget(t, 1)
        lay.addWidget(self.output_label)
        lay.addLayout(buttons)
        lay.addWidget(self.hint_label)
        self._editable = True
        self.set_layers([DEFAULT_UNITS, DEFAULT_UNITS], [DEFAULT_ACTIVATION] * 2)

    # ------------------------------------------------------------ values
    def hidden_layers(self) -> list[int]:
        return [int(self._value(r, UNITS_COL)) for r in range(self.table.rowCount())]

    def activations(self) -> list[str]:
        return [str(self._value(r, ACT_COL)) for r in range(self.table.rowCount())]

    def set_layers(self, units: Sequence[int], activations: Sequence[str]) -> None:
        """Replace all rows (no signal per row; one ``architectureChanged`` at the end)."""
        if len(units) != len(activations):
            raise ValueError("one activation per hidden layer")
        if len(units) > MAX_HIDDEN_LAYERS:
            raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers")
        for u in units:
            reason = units_problem(u)
            if reason:
                raise ValueError(reason)
        for a in activations:
            if a not in HIDDEN_ACTIVATIONS:
                raise ValueError(f"unknown hidden activation {a!r}")
        t = self.table
        t.blockSignals(True)
        try:
            t.setRowCount(0)
            for u, a in zip(units, activations):
                self._insert_row(t.rowCount(), int(u), str(a))
        finally:
            t.blockSignals(False)
        self._refresh_headers()
        self._update_buttons()
        self.architectureChanged.emit()

    def set_input(self, n_features: int | None, names: Sequence[str] = ()) -> None:
        if n_features is None:
            self.input_label.setText("Input: load a dataset")
        else:
            shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
            s = "s" if n_features != 1 else ""
            self.input_label.setText(
                f"Input: {n_features} feature{s}" + (f" ({shown})" if names else "")
            )
        self._fit_labels()

    def set_output(self, units: int | None, activation: str = "", detail: str = "") -> None:
        if units is None:
            self.output_label.setText("Output: load a dataset")
        else:
            s = "s" if units != 1 else ""
            text = f"Output: {units} unit{s}, {activation}"
            self.output_label.setText(text + (f" ({detail})" if detail else ""))
        self._fit_labels()

    def set_editable(self, on: bool) -> None:
        """Training in progress: the architecture cannot change."""
        self._editable = bool(on)
        t = self.table
        t.setEnabled(self._editable)
        self._update_buttons()

    def show_reason(self, reason: str) -> None:
        """Show why a value was refused (under the table and as the status tip)."""
        self.hint_label.setText(reason[:1].upper() + reason[1:])
        self.hint_label.setVisible(bool(reason))
        self._fit_labels()
        self.table.setStatusTip(reason)
        if reason:
            self.message.emit(reason)

    # ------------------------------------------------------------ row operations
    def add_layer(self) -> None:
        t = self.table
        if t.rowCount() >= MAX_HIDDEN_LAYERS:
            self.show_reason(f"at most {MAX_HIDDEN_LAYERS} hidden layers")
            return
        row = t.currentRow()
        if row < 0:
            row = t.rowCount() - 1
        if row >= 0:
            units, act = int(self._value(row, UNITS_COL)), str(self._value(row, ACT_COL))
        else:
            units, act = DEFAULT_UNITS, DEFAULT_ACTIVATION
        new = row + 1
        t.blockSignals(True)
        try:
            self._insert_row(new, units, act)
        finally:
            t.blockSignals(False)
        t.setCurrentCell(new, UNITS_COL)
        self._changed()

    def remove_layer(self) -> None:
        t = self.table
        row = t.currentRow()
        if row < 0:
            row = t.rowCount() - 1
        if row < 0:
            return
        t.removeRow(row)
        if t.rowCount():
            t.setCurrentCell(min(row, t.rowCount() - 1), UNITS_COL)
        self._changed()

    def move_up(self) -> None:
        self._move(-1)

    def move_down(self) -> None:
        self._move(+1)

    def _move(self, delta: int) -> None:
        t = self.table
        row = t.currentRow()
        other = row + delta
        if row < 0 or not 0 <= other < t.rowCount():
            return
        a = (self._value(row, UNITS_COL), self._value(row, ACT_COL))
        b = (self._value(other, UNITS_COL), self._value(other, ACT_COL))
        t.blockSignals(True)
        try:
            self._set_row(row, *b)
            self._set_row(other, *a)
        finally:
            t.blockSignals(False)
        t.setCurrentCell(other, t.currentColumn() if t.currentColumn() >= 0 else UNITS_COL)
        self._changed()

    # ------------------------------------------------------------ internals
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_labels()

    def _fit_labels(self) -> None:
        """Reserve the height the wrapped labels need at the current width: the
        splitter this widget sits in ignores height-for-width, and would otherwise let
        the table cover a label's second line."""
        width = self.width()
        for lab in (self.input_label, self.output_label, self.hint_label):
            h = lab.heightForWidth(width) if width > 0 else -1
            if h > 0 and lab.minimumHeight() != h:
                lab.setMinimumHeight(h)

    def _insert_row(self, row: int, units: int, act: str) -> None:
        t = self.table
        t.insertRow(row)
        u = QTableWidgetItem()
        u.setData(Qt.ItemDataRole.EditRole, int(units))
        u.setData(_VALUE_ROLE, int(units))
        u.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        u.setToolTip(f"1 to {MAX_UNITS} units; double-click to edit")
        a = QTableWidgetItem()
        a.setData(Qt.ItemDataRole.EditRole, act)
        a.setData(_VALUE_ROLE, act)
        t.setItem(row, UNITS_COL, u)
        t.setItem(row, ACT_COL, a)
        t.openPersistentEditor(a)

    def _set_row(self, row: int, units: int, act: str) -> None:
        for col, v in ((UNITS_COL, int(units)), (ACT_COL, str(act))):
            item = self.table.item(row, col)
            item.setData(_VALUE_ROLE, v)
            item.setData(Qt.ItemDataRole.EditRole, v)

    def _value(self, row: int, col: int):
        item = self.table.item(row, col)
        return item.data(_VALUE_ROLE)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        value = item.data(Qt.ItemDataRole.EditRole)
        if item.column() == UNITS_COL:
            reason = units_problem(value)
            accepted = None if reason else int(float(str(value).strip()))
        else:
            reason = (
                None
                if value in HIDDEN_ACTIVATIONS
                else f"unknown activation {value!r}; choose one of {', '.join(HIDDEN_ACTIVATIONS)}"
            )
            accepted = None if reason else str(value)
        t = self.table
        t.blockSignals(True)
        try:
            if reason:
                item.setData(Qt.ItemDataRole.EditRole, item.data(_VALUE_ROLE))
            else:
                item.setData(Qt.ItemDataRole.EditRole, accepted)
        finally:
            t.blockSignals(False)
        if reason:
            self.show_reason(reason)
            return
        if accepted == item.data(_VALUE_ROLE):
            return
        item.setData(_VALUE_ROLE, accepted)
        self._changed()

    def _changed(self) -> None:
        self.show_reason("")
        self._refresh_headers()
        self._update_buttons()
        self.architectureChanged.emit()

    def _refresh_headers(self) -> None:
        t = self.table
        t.setVerticalHeaderLabels([f"hidden {r + 1}" for r in range(t.rowCount())])
        self._fit_height()

    def _fit_height(self) -> None:
        """At least two rows tall, whatever the number of layers (so the window's
        minimum height never grows with the network: it must fit a 1280x720 screen);
        the table asks for every row up to ``FIT_ROWS`` (then it scrolls) through its
        size hint, which the splitter honours when there is room."""
        t = self.table
        row_h = t.verticalHeader().defaultSectionSize()
        header = t.horizontalHeader().sizeHint().height()
        frame = 2 * t.frameWidth() + 2
        t.setMinimumHeight(header + 2 * row_h + frame)
        rows = min(max(t.rowCount(), 2), FIT_ROWS)
        t.wanted_height = header + rows * row_h + frame
        t.updateGeometry()
        QTimer.singleShot(0, self, self._claim_height)

    def _claim_height(self) -> None:
        """In a splitter, take the height the rows want from the widget below (a splitter
        hands out room by its own sizes, not by size hints, once shown)."""
        split = self.parentWidget()
        if not isinstance(split, QSplitter) or split.count() < 2:
            return
        i = split.indexOf(self)
        sizes = split.sizes()
        want = self.sizeHint().height()
        if i < 0 or sizes[i] >= want or sum(sizes) <= 0:
            return
        j = i + 1 if i + 1 < split.count() else i - 1
        spare = sizes[j] - split.widget(j).minimumSizeHint().height()
        give = min(want - sizes[i], max(spare, 0))
        if give > 0:
            sizes[i] += give
            sizes[j] -= give
            split.setSizes(sizes)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self, self._claim_height)

    def _update_buttons(self) -> None:
        t = self.table
        n, row = t.rowCount(), t.currentRow()
        ed = self._editable
        self.add_button.setEnabled(ed and n < MAX_HIDDEN_LAYERS)
        self.remove_button.setEnabled(ed and n > 0)
        self.up_button.setEnabled(ed and row > 0)
        self.down_button.setEnabled(ed and 0 <= row < n - 1)
