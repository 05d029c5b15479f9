"""Everything the live views show, computed in one call from a session.

The app's training worker calls :func:`compute_views` every few hundred milliseconds
(and a one-shot worker does when no training runs), so the GUI thread only draws. The
GUI says what it wants in a :class:`ViewRequest`; the answer is a :class:`ViewSnapshot`
of plain arrays the receiver owns.

Costs are bounded: the plane has ``resolution**2`` cells (a network too big to evaluate
them all within :data:`SURFACE_MACS` is evaluated on a coarser grid), the unit
statistics use a fixed
sample of at most ``units.SAMPLE_ROWS`` training rows, the misclassified rows sent are at
most :data:`MAX_ERRORS`, and regression points at most :data:`MAX_POINTS`. The confusion
matrix counts every evaluation row (one forward pass over them).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from nnstudio.pipeline import Session

from .evaluation import (
    ClassificationReport,
    RegressionReport,
    classification_report,
    regression_report,
)
from .surface import Plane, fit_curve, plane_values
from .units import LayerStats, activation_histograms, hidden_outputs, layer_stats, sample_rows

__all__ = ["MAX_ERRORS", "MAX_POINTS", "ViewRequest", "ViewSnapshot", "compute_views"]

#: the most misclassified rows sent to the errors table
MAX_ERRORS = 500
#: the most (actual, predicted) points sent for regression plots
MAX_POINTS = 2000
#: the most multiply-adds one surface may cost; a bigger network is evaluated on a
#: coarser grid (every f-th cell each way) and each value fills its f x f block
SURFACE_MACS = 3e8


@dataclass(frozen=True)
class ViewRequest:
    """What to compute. ``plane``: the surface's plane (None: no surface; a plane without
    ``base`` holds the other features at the session's training mean); ``unit``:
    ``(layer, unit)`` of a hidden unit to show on it instead of the output;
    ``fit_feature``: the feature of the fitted curve (None: none); ``classes``,
    ``regression``, ``units``: the classification report, the regression report, the
    unit statistics and histograms."""

    plane: Plane | None = None
    unit: tuple[int, int] | None = None
    fit_feature: int | None = None
    classes: bool = False
    regression: bool = False
    units: bool = False


@dataclass
class ViewSnapshot:
    request: ViewRequest
    surface: np.ndarray | None = None  # (ny*nx, k) on request.plane's cells
    fit: tuple[np.ndarray, np.ndarray] | None = None  # x (p,), y (p, k)
    classes: ClassificationReport | None = None  # errors cut to MAX_ERRORS
    n_errors: int = 0  # misclassified rows in all (before the cut)
    regression: RegressionReport | None = None  # at most MAX_POINTS rows
    unit_stats: list[LayerStats] | None = None
    histograms: list[tuple[np.ndarray, np.ndarray]] | None = None
    extra: dict = field(default_factory=dict)


def _cut_errors(rep: ClassificationReport, limit: int) -> ClassificationReport:
    rep.errors = rep.errors[:limit]
    rep.error_true = rep.error_true[:limit]
    rep.error_predicted = rep.error_predicted[:limit]
    rep.error_confidence = rep.error_confidence[:limit]
    return rep


def coarseness(plane: Plane, macs_per_row: int, budget: float | None = None) -> int:
    """``f``: evaluate every ``f``-th cell each way so the surface stays within
    ``budget`` multiply-adds (default :data:`SURFACE_MACS`; 1: every cell)."""
    budget = SURFACE_MACS if budget is None else budget
    cells = plane.shape[0] * plane.shape[1]
    return max(1, math.ceil(math.sqrt(cells * macs_per_row / budget)))


def _surface(session: Session, plane: Plane, unit) -> np.ndarray:
    sizes = session.net.layer_sizes
    f = coarseness(plane, sum(a * b for a, b in zip(sizes[:-1], sizes[1:])))
    if f == 1:
        return plane_values(session, plane.inputs(), unit)
    ny, nx = plane.shape
    coarse = dataclasses.replace(plane, shape=(math.ceil(ny / f), math.ceil(nx / f)))
    v = plane_values(session, coarse.inputs(), unit)
    k = v.shape[1]
    v = v.reshape(coarse.shape[0], coarse.shape[1], k)
    v = np.repeat(np.repeat(v, f, axis=0), f, axis=1)[:ny, :nx]
    return np.ascontiguousarray(v.reshape(ny * nx, k))


def compute_views(session: Session, request: ViewRequest) -> ViewSnapshot:
    """Compute what ``request`` asks for on ``session``'s current network (the caller
    makes sure no training step runs meanwhile)."""
    snap = ViewSnapshot(request)
    task = session.dataset.task
    plane = request.plane
    if plane is not None:
        if plane.base is None:
            plane = plane.with_base(session.data.input_scaler.mean)
        unit = request.unit if session.net.n_layers > 1 else None
        try:
            snap.surface = _surface(session, plane, unit)
        except ValueError:  # the unit no longer exists (the network changed)
            snap.surface = None
    if request.fit_feature is not None and 0 <= request.fit_feature < session.data.n_features:
        snap.fit = fit_curve(session, request.fit_feature)
    if request.classes and task == "classification":
        rep = classification_report(session)
        snap.n_errors = len(rep.errors)
        snap.classes = _cut_errors(rep, MAX_ERRORS)
    if request.regression and task == "regression":
        rep = regression_report(session)
        keep = sample_rows(len(rep.rows), MAX_POINTS)
        snap.regression = RegressionReport(
            rep.which, rep.rows[keep], rep.actual[keep], rep.predicted[keep]
        )
    if request.units:
        X = session.trainer.X
        hidden = hidden_outputs(session.net, X[sample_rows(len(X))])
        acts = session.net.activations[:-1]
        snap.unit_stats = layer_stats(hidden, acts)
        snap.histograms = activation_histograms(hidden, acts)
    return snap
