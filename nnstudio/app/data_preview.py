"""What the data panel shows of a dataset: its summary line, the class counts, the first
rows as a table and a scatter of (a bounded sample of) the points.

Functions of the dataset and the widgets they fill, so the panel keeps only its controls
and its loads. Everything here is bounded work on the GUI thread: at most
``PREVIEW_ROWS`` x ``PREVIEW_COLUMNS`` cells, ``CLASS_LIST_LIMIT`` class names, the
points ``plot_subset`` keeps, and what needs every row comes precomputed from
:func:`~nnstudio.insight.data_facts.data_facts` (the load worker's).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem

from nnstudio.app.boundary_view import (
    MAX_CLASS_ITEMS,
    colour_groups,
    make_class_scatters,
    value_steps,
)
from nnstudio.app.palette import class_colors
from nnstudio.app.plot_guard import undrawable
from nnstudio.app.points import PointSets
from nnstudio.data.dataset import Dataset
from nnstudio.insight.data_facts import data_facts

#: classes listed by name (with their counts) at most; the rest are summed up in one line
CLASS_LIST_LIMIT = 24
#: rows shown in the preview table
PREVIEW_ROWS = 20
#: feature columns shown in the preview table at most (then the target columns); a
#: table of hundreds of columns costs hundreds of ms to fill and lay out, and says no more
PREVIEW_COLUMNS = 12


def info_text(ds: Dataset) -> str:
    """``"name: 178 rows, 13 features, classification, 3 classes, target 'y'"``."""
    parts = [
        f"{ds.n_samples} rows",
        f"{ds.n_features} feature" + ("s" if ds.n_features != 1 else ""),
        ds.task,
    ]
    if ds.task == "classification":
        parts.append(f"{len(ds.classes)} classes")
    else:
        parts.append(f"{ds.n_outputs} output" + ("s" if ds.n_outputs != 1 else ""))
    parts.append(f"target {ds.target_name!r}")
    return f"{ds.name}: " + ", ".join(parts)


def class_counts_text(ds: Dataset, counts: np.ndarray | None) -> str:
    """Rich text: each class's colour swatch and count (the largest ``CLASS_LIST_LIMIT``
    when there are more), or the target's range for regression (``counts`` None)."""
    if ds.task != "classification":
        f = data_facts(ds)
        return (
            f"Target range {f.y_min:.4g} to {f.y_max:.4g}, mean {f.y_mean:.4g}, std {f.y_std:.4g}"
        )
    many = len(ds.classes) > MAX_CLASS_ITEMS  # colours repeat, as in the plot
    colors = class_colors(MAX_CLASS_ITEMS if many else len(ds.classes))
    # the largest classes by name; thousands of classes would make a label that takes
    # seconds to lay out and says nothing
    order = np.argsort(-counts, kind="stable")[:CLASS_LIST_LIMIT]
    if len(ds.classes) <= CLASS_LIST_LIMIT:
        order = np.arange(len(ds.classes))
    items = []
    for k in order.tolist():
        sw = f'<span style="color:{colors[k % len(colors)].name()}">\u25a0</span>&nbsp;'
        items.append(f"{sw}{_html(_short(ds.classes[k]))}:&nbsp;{int(counts[k])}")
    if len(ds.classes) <= CLASS_LIST_LIMIT:
        return "Class counts: " + " &nbsp; ".join(items)
    rest = len(ds.classes) - len(order)
    return (
        f"{len(ds.classes)} classes; the {len(order)} largest: "
        + " &nbsp; ".join(items)
        + f" &nbsp; … and {rest} more ({int(counts.sum() - counts[order].sum())} rows)"
    )


def fill_table(t: QTableWidget, note_label: QLabel, ds: Dataset) -> None:
    """The first ``PREVIEW_ROWS`` rows: features (at most ``PREVIEW_COLUMNS``), then the
    target; ``note_label`` says what was left out."""
    n = min(PREVIEW_ROWS, ds.n_samples)
    d = min(ds.n_features, PREVIEW_COLUMNS)
    headers = list(ds.feature_names[:d])
    y = ds.y if ds.y.ndim == 2 else ds.y[:, None]
    m = min(y.shape[1], PREVIEW_COLUMNS)
    if y.shape[1] == 1:
        headers.append(ds.target_name)
    else:
        headers += [f"{ds.target_name}[{j}]" for j in range(m)]
    hidden = []
    if d < ds.n_features:
        hidden.append(f"the first {d} of {ds.n_features} features")
    if m < y.shape[1]:
        hidden.append(f"the first {m} of {y.shape[1]} target columns")
    if hidden:
        note = "Preview: " + " and ".join(hidden) + ("" if m < y.shape[1] else ", then the target")
        tip = f"The first {n} rows; {note[len('Preview: ') :]}"
    else:
        note = ""
        tip = f"The first {PREVIEW_ROWS} rows: features, then target"
    note_label.setText(note)
    note_label.setVisible(bool(note))
    t.setToolTip(tip)
    t.setUpdatesEnabled(False)
    try:
        t.clear()
        t.setColumnCount(len(headers))
        t.setRowCount(n)
        t.setHorizontalHeaderLabels(headers)
        for j in range(len(headers)):
            t.horizontalHeaderItem(j).setToolTip(tip)
        for i in range(n):
            for j, v in enumerate(ds.X[i, :d].tolist()):
                t.setItem(i, j, _cell(v))
            for j, v in enumerate(y[i, :m].tolist()):
                t.setItem(i, d + j, _cell(v))
        t.resizeColumnsToContents()
    finally:
        t.setUpdatesEnabled(True)


def draw_scatter(
    item: pg.PlotItem,
    points: PointSets,
    note_label: QLabel,
    ds: Dataset,
    class_index: np.ndarray | None,
) -> list[pg.ScatterPlotItem]:
    """Show the data in ``points``, the scatter items of ``item`` (a bounded sample of the
    rows; the first two features, or the one feature against the target); returns the
    items. ``class_index`` (n,) is each row's class (classification only)."""
    facts = data_facts(ds)
    keep, X = facts.drawn, facts.X_drawn
    notes = []
    if len(keep) < ds.n_samples:
        notes.append(f"showing {len(keep)} of {ds.n_samples} rows")
    if ds.n_features > 2:
        notes.insert(0, f"showing the first two of {ds.n_features} features")
    y1 = facts.target_first[keep] if ds.task == "regression" else None

    if ds.n_features == 1:
        if ds.task == "regression":
            xy = np.column_stack([X[:, 0], y1])
            labels = (ds.feature_names[0], ds.target_name)
        else:
            xy = np.column_stack([X[:, 0], class_index[keep].astype(float)])
            labels = (ds.feature_names[0], f"{ds.target_name} (class index)")
    else:
        xy = X[:, :2]
        labels = (ds.feature_names[0], ds.feature_names[1])
    item.setLabel("bottom", labels[0])
    item.setLabel("left", labels[1])
    reason = undrawable(xy, labels)
    if reason is not None:  # pyqtgraph cannot map such a range to pixels
        note_label.setText(reason)
        note_label.setVisible(True)
        return points.show([])

    if ds.task == "classification":
        scatters = make_class_scatters(points, xy, class_index[keep], ds.classes)
    elif ds.n_features == 1:
        one = {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "size": 6,
            "brush": pg.mkBrush(class_colors(1)[0]),
            "pen": pg.mkPen((40, 40, 40, 160), width=0.6),
            "name": ds.target_name,
        }
        scatters = points.show([one])
    else:  # colour by the target value, in VALUE_STEPS steps: one item per colour
        lo, hi = float(y1.min()), float(y1.max())
        scatters = colour_groups(points, xy, *value_steps(y1, lo, hi), skip_empty=True)
        notes.append("colour: target value (blue low, orange high)")
    item.enableAutoRange()
    note_label.setText("; ".join(notes))
    note_label.setVisible(bool(notes))
    return scatters


def _cell(v) -> QTableWidgetItem:
    """A read-only table cell showing ``v``; the exact value is in the UserRole."""
    item = QTableWidgetItem(_fmt(v))
    item.setData(Qt.ItemDataRole.UserRole, v)
    if isinstance(v, (int, float)):
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.6g}"
    return str(v)


def _short(label, limit: int = 24) -> str:
    text = str(label)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
