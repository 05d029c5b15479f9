"""A drawing of the network: layers as columns of nodes, weights as coloured edges.

Edges between consecutive layers are orange for positive and blue for negative weights
(the palette shared with the other views), thicker and more opaque the larger the weight
is relative to the largest one between the same two layers.

Wide layers are summarised, never drawn unit by unit: a layer of ``n > MAX_DRAWN`` units
is split into equal contiguous groups of ``g = ceil(n / MAX_DRAWN)`` units (the last group
may be smaller), one node per group, and the edge between two group nodes carries the
mean of the weight block between them. The block means come from two
``np.add.reduceat`` calls (the same sums as a reshape/mean over a block-padded array,
without the padded copy), so :meth:`NetworkView.set_weights` costs O(weights) in NumPy and
never loops over units in Python; at most ``MAX_DRAWN**2`` edges exist per layer pair.

Painting is plain ``QPainter`` in ``paintEvent``: there are no scene items to keep in
sync, and a weight update only swaps a few small arrays and schedules a repaint.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from nnstudio.app.palette import NEGATIVE, NEUTRAL, POSITIVE, class_colors

__all__ = ["MAX_DRAWN", "NetworkView", "block_means", "unit_groups"]

#: the most nodes drawn for one layer; wider layers are drawn as groups of units
MAX_DRAWN = 12

# Edge strengths are binned so that all edges of one bin share one pen.
_N_BINS = 8

# Weight updates repaint at most this often (ms); training may send 30 updates a second.
_REPAINT_INTERVAL_MS = 100


def _blend(bg: QColor, fg: QColor, t: float) -> QColor:
    """``bg`` moved a fraction ``t`` toward ``fg`` (opaque)."""
    return QColor(
        round(bg.red() + t * (fg.red() - bg.red())),
        round(bg.green() + t * (fg.green() - bg.green())),
        round(bg.blue() + t * (fg.blue() - bg.blue())),
    )


def unit_groups(n: int, max_drawn: int = MAX_DRAWN) -> tuple[np.ndarray, np.ndarray]:
    """Split ``n`` units into at most ``max_drawn`` equal contiguous groups.

    Returns ``(starts, counts)``: int arrays of the first unit index and the size of each
    group. With ``n <= max_drawn`` every unit is its own group.
    """
    n = int(n)
    g = 1 if n <= max_drawn else math.ceil(n / max_drawn)
    starts = np.arange(0, n, g, dtype=np.intp)
    counts = np.minimum(g, n - starts)
    return starts, counts


def _group_sums(a: np.ndarray, g: int, axis: int) -> np.ndarray:
    """Sums over contiguous groups of ``g`` entries along ``axis`` (0 or 1) of 2-D ``a``;
    the last group holds the remainder. Full groups go through one reshape + sum (fast
    along either axis, unlike ``np.add.reduceat`` along a strided axis)."""
    if g == 1:
        return a
    n = a.shape[axis]
    m = n // g
    if axis == 0:
        out = a[: m * g].reshape(m, g, a.shape[1]).sum(axis=1)
        if n > m * g:
            out = np.concatenate([out, a[m * g :].sum(axis=0, keepdims=True)], axis=0)
    else:
        out = a[:, : m * g].reshape(a.shape[0], m, g).sum(axis=2)
        if n > m * g:
            out = np.concatenate([out, a[:, m * g :].sum(axis=1, keepdims=True)], axis=1)
    return out


def block_means(
    W: np.ndarray, rows: tuple[np.ndarray, np.ndarray], cols: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """Mean of each block of ``W`` (fan_in, fan_out) over row and column groups.

    ``rows`` and ``cols`` are ``(starts, counts)`` from :func:`unit_groups` (equal groups,
    the last one possibly smaller). Returns a float64 array (len(row groups),
    len(col groups)). Cost: one pass over ``W`` in NumPy.
    """
    W = np.asarray(W)
    if W.dtype.kind != "f":
        W = W.astype(np.float64)
    r_counts, c_counts = rows[1], cols[1]
    # reduce the rows first: the result is at most MAX_DRAWN rows, so the column pass
    # touches only a small array
    s = _group_sums(W, int(r_counts[0]) if len(r_counts) else 1, axis=0)
    s = _group_sums(s, int(c_counts[0]) if len(c_counts) else 1, axis=1)
    return np.asarray(s, dtype=np.float64) / np.multiply.outer(r_counts, c_counts)


class NetworkView(QWidget):
    """Nodes in columns (input, hidden layers, output) and weight-coloured edges.

    Call :meth:`set_architecture` when the layers change and :meth:`set_weights` as
    training goes; both only store small arrays and schedule a repaint.

    Clicking a hidden node emits ``unitClicked((layer, unit))`` (hidden layer ``layer``,
    0 = the first; a node standing for a group of units gives the group's first unit);
    clicking an output node emits ``unitClicked(None)``. :meth:`set_selected_unit`
    rings the unit shown elsewhere.
    """

    unitClicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkView")
        self.setAccessibleName("Network diagram")
        self.setAccessibleDescription(
            "Layers as columns of nodes; edges orange for positive and blue for negative "
            "weights, stronger for larger weights"
        )
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 80)
        self.setMouseTracking(False)
        self._sizes: list[int] = []
        self._activations: list[str] = []
        self._groups: list[tuple[np.ndarray, np.ndarray]] = []
        self._edges: list[np.ndarray] = []
        self._has_weights = False
        self._output_colors: list[QColor] | None = None
        self._output_labels: list[str] | None = None
        # node centres of the last paint, per column: (m, 2) arrays; for tooltips
        self._node_pos: list[np.ndarray] = []
        self._radius = 6.0
        self._selected: tuple[int, int] | None = None
        self._repaint_timer = QTimer(self)
        self._repaint_timer.setSingleShot(True)
        self._repaint_timer.setInterval(_REPAINT_INTERVAL_MS)
        self._repaint_timer.timeout.connect(self.update)

    # ----------------------------------------------------------------- public API

    def set_architecture(self, layer_sizes: Sequence[int], activations: Sequence[str]) -> None:
        """Draw ``layer_sizes`` = [inputs, hidden..., outputs] with grey edges.

        ``activations`` has one name per dense layer (``len(layer_sizes) - 1``); an empty
        list is allowed and draws no activation names.
        """
        sizes = [int(n) for n in layer_sizes]
        if any(n < 1 for n in sizes):
            raise ValueError(f"layer sizes must be >= 1, got {sizes}")
        acts = [str(a) for a in activations]
        if acts and len(acts) != max(len(sizes) - 1, 0):
            raise ValueError(
                f"{len(acts)} activations for {len(sizes) - 1} dense layers; give one per layer"
            )
        self._sizes = sizes
        self._activations = acts
        self._groups = [unit_groups(n) for n in sizes]
        self._edges = [
            np.zeros((len(a[0]), len(b[0]))) for a, b in zip(self._groups, self._groups[1:])
        ]
        self._has_weights = False
        if self._output_colors is not None and sizes and len(self._output_colors) != sizes[-1]:
            self._output_colors = None
            self._output_labels = None
        self.update()

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Colour the edges by ``weights``: one (fan_in, fan_out) array per dense layer.

        If the shapes do not match the current architecture, the architecture is taken
        from the weights (activation names kept when their number still fits).
        """
        shapes = [np.shape(W) for W in weights]
        if any(len(s) != 2 for s in shapes):
            raise ValueError(f"weights must be 2-D (fan_in, fan_out) arrays, got {shapes}")
        if not shapes:
            self.clear_weights()
            return
        sizes = [shapes[0][0]] + [s[1] for s in shapes]
        for a, b in zip(shapes, shapes[1:]):
            if a[1] != b[0]:
                raise ValueError(f"consecutive weight shapes do not chain: {shapes}")
        if sizes != self._sizes:
            acts = self._activations if len(self._activations) == len(shapes) else []
            self.set_architecture(sizes, acts)
        self._edges = [
            block_means(W, gi, go) for W, gi, go in zip(weights, self._groups, self._groups[1:])
        ]
        self._has_weights = True
        if not self._repaint_timer.isActive():
            self._repaint_timer.start()

    def clear_weights(self) -> None:
        """Back to grey edges (no weights known)."""
        self._edges = [np.zeros_like(e) for e in self._edges]
        self._has_weights = False
        self.update()

    def set_output_classes(self, classes: Sequence | None) -> None:
        """Colour the output nodes by class (the shared palette) when there is one output
        unit per class; ``None`` or a different count draws them plain."""
        if classes is None or not self._sizes or len(classes) != self._sizes[-1]:
            self._output_colors = None
            self._output_labels = None
        else:
            self._output_colors = class_colors(len(classes))
            self._output_labels = [str(c) for c in classes]
        self.update()

    def set_selected_unit(self, unit: tuple[int, int] | None) -> None:
        """Ring hidden unit ``(layer, unit)`` (its group's node), or none."""
        self._selected = None if unit is None else (int(unit[0]), int(unit[1]))
        self.update()

    def selected_unit(self) -> tuple[int, int] | None:
        return self._selected

    def node_at(self, pt) -> tuple[int, int] | None:
        """``(column, node)`` of the node drawn under ``pt`` (widget coordinates) at the
        last paint, or None."""
        x, y = float(pt.x()), float(pt.y())
        for i, pos in enumerate(self._node_pos):
            if not len(pos):
                continue
            d2 = (pos[:, 0] - x) ** 2 + (pos[:, 1] - y) ** 2
            j = int(np.argmin(d2))
            if d2[j] <= (self._radius + 3) ** 2:
                return i, j
        return None

    def node_center(self, layer: int, unit: int) -> QPointF | None:
        """Where hidden unit ``(layer, unit)``'s node was drawn at the last paint."""
        col = layer + 1
        if not (0 < col < len(self._node_pos) - 1):
            return None
        starts, _counts = self._groups[col]
        j = int(np.searchsorted(starts, unit, side="right") - 1)
        x, y = self._node_pos[col][j].tolist()
        return QPointF(x, y)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        hit = self.node_at(event.position())
        if hit is None or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        col, j = hit
        if col == len(self._node_pos) - 1:
            self.unitClicked.emit(None)
        elif col > 0:
            self.unitClicked.emit((col - 1, int(self._groups[col][0][j])))
        event.accept()

    def edge_values(self) -> list[np.ndarray]:
        """Summarised edge values per layer pair, each (drawn_in, drawn_out) float64
        (zeros before any weights are set)."""
        return [e.copy() for e in self._edges]

    def drawn_sizes(self) -> list[int]:
        """Number of nodes drawn per layer (input first), each <= MAX_DRAWN."""
        return [len(g[0]) for g in self._groups]

    def layer_sizes(self) -> list[int]:
        """The true layer sizes, input first."""
        return list(self._sizes)

    def activations(self) -> list[str]:
        """One activation name per dense layer (the output layer's last)."""
        return list(self._activations)

    def sizeHint(self) -> QSize:
        return QSize(420, 260)

    # ----------------------------------------------------------------- painting

    def _column_labels(self, short: bool) -> list[tuple[str, str]]:
        n = len(self._sizes)
        out = []
        for i, size in enumerate(self._sizes):
            act = self._activations[i - 1] if (i > 0 and self._activations) else ""
            if i == 0:
                name = "in" if short else "input"
            elif i == n - 1:
                name = "out" if short else "output"
            else:
                name = f"h{i}" if short else f"hidden {i}"
            second = f"{size}" if (short or not act) else f"{size} {act}"
            out.append((name, second))
        return out

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            pal = self.palette()
            p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
            if not self._sizes:
                p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
                p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No network yet: add layers")
                self._node_pos = []
                return
            self._paint_network(p, pal)
        finally:
            p.end()

    def _paint_network(self, p: QPainter, pal: QPalette) -> None:
        w, h = self.width(), self.height()
        font = QFont(self.font())
        if font.pointSizeF() > 0:
            font.setPointSizeF(max(font.pointSizeF() * 0.9, 7.0))
        p.setFont(font)
        fm = p.fontMetrics()
        n_cols = len(self._sizes)

        # Labels: full ("hidden 1" / "64 relu") when they fit side by side, else short
        # ("h1" / "64"), else short and only every k-th column.
        labels = self._column_labels(short=False)
        label_w = max(fm.horizontalAdvance(t) for pair in labels for t in pair) + 8
        usable = max(w - 16, 1)
        spacing = usable / max(n_cols, 1)
        if label_w > spacing:
            labels = self._column_labels(short=True)
            label_w = max(fm.horizontalAdvance(t) for pair in labels for t in pair) + 6
        every = max(1, math.ceil(label_w / spacing)) if label_w > spacing else 1

        label_h = 2 * fm.lineSpacing() + 6
        top, bottom = 10.0, h - label_h - 6.0
        margin_x = max(min(label_w, spacing) / 2 + 4, 14.0)
        xs = np.linspace(margin_x, w - margin_x, n_cols) if n_cols > 1 else np.array([w / 2.0])

        drawn = self.drawn_sizes()
        summarised = [d < s for d, s in zip(drawn, self._sizes)]
        slots = [d + (1 if s else 0) for d, s in zip(drawn, summarised)]
        avail = max(bottom - top, 10.0)
        step = min(avail / max(max(slots), 1), 30.0)
        col_gap = (xs[1] - xs[0]) if n_cols > 1 else w
        r = float(np.clip(step * 0.32, 2.5, 9.0))
        r = min(r, max(col_gap * 0.25, 2.0))
        self._radius = r
        mid_y = (top + bottom) / 2

        # node centres; a summarised column leaves its middle slot for the ellipsis
        self._node_pos = []
        ellipsis_at: list[float | None] = []
        for i, (d, s) in enumerate(zip(drawn, summarised)):
            k = np.arange(d, dtype=np.float64)
            if s:
                k = k + (k >= (d // 2))
            n_slots = slots[i]
            ys = mid_y + (k - (n_slots - 1) / 2) * step
            self._node_pos.append(np.column_stack([np.full(d, xs[i]), ys]))
            ellipsis_at.append(mid_y + (d // 2 - (n_slots - 1) / 2) * step if s else None)

        self._paint_edges(p, pal.color(QPalette.ColorRole.Base))

        # nodes
        outline = QPen(pal.color(QPalette.ColorRole.WindowText), 1.0)
        fill_hidden = QBrush(QColor(255, 255, 255))
        fill_input = QBrush(QColor(225, 225, 225))
        shadow = QBrush(QColor(200, 200, 200))
        shadow_pen = QPen(QColor(120, 120, 120), 0.8)
        for i, pos in enumerate(self._node_pos):
            if summarised[i]:  # a second circle behind each node: "a stack of units"
                p.setPen(shadow_pen)
                p.setBrush(shadow)
                for x, y in pos.tolist():
                    p.drawEllipse(QPointF(x + r * 0.35, y - r * 0.35), r, r)
            p.setPen(outline)
            colored = i == n_cols - 1 and self._output_colors is not None
            if not colored:
                p.setBrush(fill_input if i == 0 else fill_hidden)
            for j, (x, y) in enumerate(pos.tolist()):
                if colored:
                    p.setBrush(QBrush(self._output_colors[j]))
                p.drawEllipse(QPointF(x, y), r, r)
            sel = self._selected
            if sel is not None and i == sel[0] + 1 and 0 < i < n_cols - 1:
                starts = self._groups[i][0]
                k = int(np.searchsorted(starts, sel[1], side="right") - 1)
                if 0 <= k < len(pos):
                    x, y = pos[k].tolist()
                    p.setPen(QPen(QColor(20, 20, 20), 2.5))
                    p.setBrush(Qt.BrushStyle.NoBrush)
                    p.drawEllipse(QPointF(x, y), r + 3.5, r + 3.5)
                    p.setPen(outline)
            if ellipsis_at[i] is not None:
                p.setPen(pal.color(QPalette.ColorRole.WindowText))
                box = QRectF(xs[i] - 20, ellipsis_at[i] - step / 2, 40, step)
                p.drawText(box, Qt.AlignmentFlag.AlignCenter, "\u22ee")

        # labels under the columns
        p.setPen(pal.color(QPalette.ColorRole.WindowText))
        lw = min(label_w, col_gap * every) if n_cols > 1 else w
        shown = set(range(0, n_cols, every)) | {n_cols - 1}
        before_last = max((i for i in shown if i < n_cols - 1), default=None)
        if before_last is not None and n_cols - 1 - before_last < every:
            shown.discard(before_last)  # it would collide with the output label
        for i, (name, second) in enumerate(labels):
            if i not in shown:
                continue
            x = xs[i]
            left = min(max(x - lw / 2, 0.0), w - lw)
            rect = QRectF(left, bottom + 8, lw, label_h)
            p.drawText(
                rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, f"{name}\n{second}"
            )

    def _paint_edges(self, p: QPainter, background: QColor) -> None:
        # Colours are blended toward the background instead of using alpha: the raster
        # engine draws opaque antialiased lines several times faster than translucent ones.
        if len(self._node_pos) < 2:
            return
        p.setBrush(Qt.BrushStyle.NoBrush)
        for k, vals in enumerate(self._edges):
            a_pos, b_pos = self._node_pos[k], self._node_pos[k + 1]
            ai = np.repeat(np.arange(len(a_pos)), len(b_pos))
            bj = np.tile(np.arange(len(b_pos)), len(a_pos))
            coords = np.column_stack([a_pos[ai], b_pos[bj]])  # x1, y1, x2, y2 (row-major)
            if not self._has_weights:
                p.setPen(QPen(_blend(background, NEUTRAL, 0.5), 0.8))
                p.drawLines([QLineF(*c) for c in coords.tolist()])
                continue
            v = vals.ravel()
            vmax = float(np.max(np.abs(v))) if v.size else 0.0
            mag = np.abs(v) / vmax if vmax > 0 else np.zeros_like(v)
            bins = np.minimum((mag * _N_BINS).astype(np.intp), _N_BINS - 1)
            positive = v > 0
            for b in range(_N_BINS):  # weak edges first so strong ones end up on top
                strength = (b + 0.5) / _N_BINS
                width = 0.5 + 2.5 * strength
                for sign, base in ((True, POSITIVE), (False, NEGATIVE)):
                    sel = (bins == b) & (positive == sign)
                    if not sel.any():
                        continue
                    p.setPen(QPen(_blend(background, base, 0.12 + 0.88 * strength), width))
                    p.drawLines([QLineF(*c) for c in coords[sel].tolist()])

    # ----------------------------------------------------------------- tooltips

    def event(self, ev) -> bool:
        if ev.type() == QEvent.Type.ToolTip:
            text = self._tooltip_at(ev.position() if hasattr(ev, "position") else ev.pos())
            if text:
                QToolTip.showText(ev.globalPos(), text, self)
            else:
                QToolTip.hideText()
                ev.ignore()
            return True
        return super().event(ev)

    def _tooltip_at(self, pt) -> str:
        x, y = float(pt.x()), float(pt.y())
        n_cols = len(self._node_pos)
        for i, pos in enumerate(self._node_pos):
            if not len(pos):
                continue
            d2 = (pos[:, 0] - x) ** 2 + (pos[:, 1] - y) ** 2
            j = int(np.argmin(d2))
            if d2[j] > (self._radius + 3) ** 2:
                continue
            name = "input" if i == 0 else ("output" if i == n_cols - 1 else f"hidden {i}")
            starts, counts = self._groups[i]
            lo, c = int(starts[j]), int(counts[j])
            units = f"unit {lo + 1}" if c == 1 else f"units {lo + 1}\u2013{lo + c} (mean of {c})"
            act = self._activations[i - 1] if (i > 0 and self._activations) else ""
            extra = ""
            if i == n_cols - 1 and self._output_labels is not None:
                extra = f", class {self._output_labels[j]}"
            return f"{name}: {units} of {self._sizes[i]}" + (f", {act}" if act else "") + extra
        return ""
