"""A small read-only table model for the result views, and a delegate that formats
numbers without changing them.

The model's ``DisplayRole`` holds the numbers themselves (Python ``int`` and ``float``),
so that tests and automation read counts and errors as numbers; :class:`NumberDelegate`
only decides how they look (NaN as an en dash, floats to a few significant digits).
Optional callbacks give a cell a background colour, a picture or a tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyledItemDelegate, QTableView

__all__ = ["NumberDelegate", "PercentDelegate", "RowsModel", "format_number", "make_table"]

Index = QModelIndex | QPersistentModelIndex


def format_number(value, digits: int = 4) -> str:
    """How a cell shows ``value``: ints as they are, NaN as "–", floats to ``digits``
    significant digits (exponent form for very small or large ones)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if math.isnan(value):
        return "\u2013"
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e6):
        return f"{value:.2e}"
    return f"{value:.{digits}g}"


def _stretch(header: QHeaderView, column: int) -> None:
    if column < header.count():
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)


class NumberDelegate(QStyledItemDelegate):
    def displayText(self, value, locale) -> str:  # noqa: N802 (Qt's name)
        return format_number(value)


class PercentDelegate(QStyledItemDelegate):
    """Shows a fraction (0..1) as a percentage; the model keeps the fraction."""

    def displayText(self, value, locale) -> str:  # noqa: N802 (Qt's name)
        if isinstance(value, float) and not math.isnan(value):
            return f"{100 * value:.1f}%"
        return format_number(value)


class RowsModel(QAbstractTableModel):
    """A table of ``rows`` (sequences of plain values) under ``headers``.

    ``decoration(row, col)``, ``background(row, col)`` and ``tooltip(row, col)`` are
    optional callbacks for the matching roles. :meth:`set_rows` replaces everything in
    one model reset (cheap: the view asks only for the visible cells)."""

    def __init__(
        self,
        headers: Sequence[str],
        *,
        vertical: Sequence[str] | None = None,
        decoration: Callable | None = None,
        background: Callable | None = None,
        tooltip: Callable | None = None,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._vertical = None if vertical is None else list(vertical)
        self._rows: list[tuple] = []
        self.decoration = decoration
        self.background = background
        self.tooltip = tooltip

    def set_rows(self, rows, headers=None, vertical=None) -> None:
        self.beginResetModel()
        self._rows = [tuple(r) for r in rows]
        if headers is not None:
            self._headers = list(headers)
        if vertical is not None:
            self._vertical = list(vertical)
        self.endResetModel()

    def rows(self) -> list[tuple]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            row = self._rows[r]
            return row[c] if c < len(row) else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            v = self._rows[r][c] if c < len(self._rows[r]) else None
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.DecorationRole and self.decoration is not None:
            return self.decoration(r, c)
        if role == Qt.ItemDataRole.BackgroundRole and self.background is not None:
            return self.background(r, c)
        if role == Qt.ItemDataRole.ToolTipRole and self.tooltip is not None:
            return self.tooltip(r, c)
        return None

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if section < len(self._headers) else None
        if self._vertical is not None and section < len(self._vertical):
            return self._vertical[section]
        return section + 1


def make_table(
    model: RowsModel,
    name: str,
    accessible: str,
    description: str = "",
    fit_columns: bool = True,
    stretch: int | None = None,
) -> QTableView:
    """A read-only, row-selecting table view of ``model`` with the contract's names.
    ``fit_columns``: the columns share the width, or with ``stretch`` every column fits
    its contents and column ``stretch`` takes the rest (for small tables; a long table
    keeps interactive widths, since fitting measures every row)."""
    view = QTableView()
    view.setObjectName(name)
    view.setAccessibleName(accessible)
    if description:
        view.setAccessibleDescription(description)
    view.setModel(model)
    view.setItemDelegate(NumberDelegate(view))
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    header = view.horizontalHeader()
    if fit_columns and stretch is None:
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
    elif fit_columns:
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        model.modelReset.connect(lambda: _stretch(header, stretch))
        model.headerDataChanged.connect(lambda *_: _stretch(header, stretch))
        _stretch(header, stretch)
    else:
        view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 6)
    return view
