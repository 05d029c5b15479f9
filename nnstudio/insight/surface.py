"""The network's answer over a plane of two features, and along one feature.

A :class:`Plane` is a regular grid of ``ny x nx`` cells over two chosen features
``fx``, ``fy`` (raw units, the data range plus a margin). Every other feature is held at
``base``, the training mean in raw units (``input_scaler.mean``: the network sees
exactly 0 there after standardization). Cell centres are listed row-major with y varying
slowest, so row ``i * nx + j`` is column ``j`` of grid row ``i`` and row 0 is the lowest
y; an image of shape ``(ny, nx)`` drawn with row 0 at the bottom puts each value on its
cell.

What is evaluated on the plane (:func:`plane_values`):

- the network's output, in the user's units (class probabilities, or target units for
  regression), or
- hidden unit ``unit`` of hidden layer ``layer`` (0 = the first hidden layer): that
  unit's activation, as TensorFlow Playground draws it.

:func:`fit_curve` is the one-feature version: ``n_points`` raw values over the data
range of one feature (the others at ``base``) and the network's answer at each.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from nnstudio.pipeline import Session

from .evaluation import shown_output

__all__ = ["Plane", "fit_curve", "make_plane", "plane_values", "span"]

#: cells per side of the default plane
RESOLUTION = 80
#: the plane extends this fraction of the data range beyond it on each side
MARGIN = 0.1


def span(lo: float, hi: float, margin: float = MARGIN) -> tuple[float, float]:
    """``(lo, hi)`` widened by ``margin`` of its width on each side; a zero-width range
    is widened by ``max(0.1 |lo|, 0.5)``."""
    width = hi - lo
    pad = width * margin if width > 0 else max(abs(lo) * 0.1, 0.5)
    return lo - pad, hi + pad


@dataclass(frozen=True, eq=False)  # compared by identity: the GUI asks "is this my plane?"
class Plane:
    """A grid over features ``fx`` (x) and ``fy`` (y); see the module docstring.

    ``extent`` is ``(x0, x1, y0, y1)``, the outer edges in raw units; ``shape`` is
    ``(ny, nx)``; ``base`` ``(n_features,)`` the raw values of the other features."""

    fx: int
    fy: int
    extent: tuple[float, float, float, float]
    shape: tuple[int, int]
    base: np.ndarray | None = None  # None: the session's training mean, filled in later

    def cells(self) -> np.ndarray:
        """``(ny * nx, 2)`` raw (x, y) of the cell centres, row-major, y slowest."""
        x0, x1, y0, y1 = self.extent
        ny, nx = self.shape
        xs = x0 + (np.arange(nx) + 0.5) * ((x1 - x0) / nx)
        ys = y0 + (np.arange(ny) + 0.5) * ((y1 - y0) / ny)
        gx, gy = np.meshgrid(xs, ys)
        return np.column_stack([gx.ravel(), gy.ravel()])

    def inputs(self) -> np.ndarray:
        """``(ny * nx, n_features)`` raw network inputs: ``base`` in every row, with
        columns ``fx`` and ``fy`` taken from :meth:`cells`."""
        if self.base is None:
            raise ValueError("the plane has no base values yet (see with_base)")
        cells = self.cells()
        X = np.repeat(np.asarray(self.base, np.float64)[None, :], len(cells), axis=0)
        X[:, self.fx] = cells[:, 0]
        X[:, self.fy] = cells[:, 1]
        return X

    def with_base(self, base) -> Plane:
        """The same plane with the other features held at ``base`` ``(n_features,)``."""
        base = np.asarray(base, np.float64).copy()
        base.setflags(write=False)
        return replace(self, base=base)


def make_plane(
    X, fx: int, fy: int, base=None, resolution: int = RESOLUTION, margin: float = MARGIN
) -> Plane:
    """The plane over the range of columns ``fx`` and ``fy`` of ``X`` ``(n, n_features)``
    (raw units) plus ``margin``; ``resolution`` cells per side. ``base``: see
    :class:`Plane` (None: to be filled with the session's training mean)."""
    X = np.asarray(X, np.float64)
    d = X.shape[1]
    if not (0 <= fx < d and 0 <= fy < d):
        raise ValueError(f"features must be in 0..{d - 1}, got {fx} and {fy}")
    if len(X):
        x0, x1 = span(float(X[:, fx].min()), float(X[:, fx].max()), margin)
        y0, y1 = span(float(X[:, fy].min()), float(X[:, fy].max()), margin)
    else:
        x0, x1, y0, y1 = -1.0, 1.0, -1.0, 1.0
    n = int(resolution)
    plane = Plane(int(fx), int(fy), (x0, x1, y0, y1), (n, n))
    return plane if base is None else plane.with_base(base)


def _check_unit(session: Session, layer: int, unit: int) -> None:
    sizes = session.net.layer_sizes
    n_hidden = len(sizes) - 2
    if not 0 <= layer < n_hidden:
        raise ValueError(f"hidden layer {layer} does not exist (the network has {n_hidden})")
    if not 0 <= unit < sizes[layer + 1]:
        raise ValueError(f"hidden layer {layer} has {sizes[layer + 1]} units, not unit {unit}")


def plane_values(
    session: Session, X_raw: np.ndarray, unit: tuple[int, int] | None = None
) -> np.ndarray:
    """What the plane shows at the raw inputs ``X_raw`` ``(N, n_features)``.

    ``unit=None``: the network's output ``(N, k)`` in the user's units (probabilities,
    or target units for regression). ``unit=(layer, u)``: ``(N, 1)``, the activation of
    hidden unit ``u`` of hidden layer ``layer`` (0 = first hidden layer). float64."""
    X = session.data.input_scaler.transform(np.asarray(X_raw, np.float64))
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging net shows as nan
        if unit is None:
            return shown_output(session, session.net.forward(X))
        layer, u = int(unit[0]), int(unit[1])
        _check_unit(session, layer, u)
        A = session.net.layer_outputs(X, layer + 1)[-1]
        return np.asarray(A[:, u : u + 1], np.float64)


def fit_curve(
    session: Session, feature: int = 0, n_points: int = 200, base=None
) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)``: ``x`` ``(n_points,)`` raw values evenly over the dataset's range of
    ``feature``; ``y`` ``(n_points, k)`` the network's output there in the user's units
    (regression: predictions in target units; classification: class probabilities, or
    p(classes[1]) for one sigmoid unit). Other features are at ``base`` (default: the
    training mean)."""
    ds = session.dataset
    col = ds.X[:, feature]
    lo, hi = (float(col.min()), float(col.max())) if len(col) else (-1.0, 1.0)
    if hi <= lo:
        lo, hi = span(lo, hi)
    x = np.linspace(lo, hi, int(n_points))
    if base is None:
        base = session.data.input_scaler.mean
    X = np.repeat(np.asarray(base, np.float64)[None, :], len(x), axis=0)
    X[:, feature] = x
    return x, plane_values(session, X)
