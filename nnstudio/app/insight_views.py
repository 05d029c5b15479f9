"""Keeps the result views (surface, fit, classes, units, gradient check) in step with the
session, live while training and on demand when idle.

What the views want is one :class:`~nnstudio.insight.snapshot.ViewRequest` (the plane
the surface panel shows, the selected hidden unit, the fit feature, which reports). While
a run exists, the training worker computes the answer with its other extras (at most
every ~200 ms, within its time budget) and the update carries it as ``update.views``; a
changed request (other features, another unit) is handed to the worker, thread-safe. When
no run exists, the answer is computed right away in the GUI thread if it is small (the
surface of a small network), else by a one-shot worker on its own thread; the GUI thread
only draws.

A snapshot is drawn only if it answers the current request (same plane object, same
unit), so a late answer never lands on a grid it was not computed for.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from nnstudio.app.class_views import ClassViews
from nnstudio.app.controller import RUNNING
from nnstudio.app.fit_view import FitView
from nnstudio.app.grad_check_panel import GradCheckPanel
from nnstudio.app.network_view import NetworkView
from nnstudio.app.surface_panel import SurfacePanel
from nnstudio.app.threads import make_thread
from nnstudio.app.unit_views import UnitViews
from nnstudio.data.dataset import Dataset
from nnstudio.insight.snapshot import ViewRequest, ViewSnapshot, compute_views
from nnstudio.pipeline import Session, TrainConfig, build_session

__all__ = ["SYNC_VIEWS_MACS", "InsightViews", "ViewsWorker"]

#: below this many multiply-adds (surface cells x network MACs per row, plus the scored
#: rows) an idle refresh is computed at once in the GUI thread; above, on a worker
SYNC_VIEWS_MACS = 2e7


class ViewsWorker(QObject):
    """Computes one snapshot for an idle session in its own thread. Signals:
    ``done(object)`` with the :class:`ViewSnapshot` (or None after an error) and
    ``finished()`` always, last."""

    done = Signal(object)
    finished = Signal()

    def __init__(self, session: Session, request: ViewRequest) -> None:
        super().__init__()
        self._session, self._request = session, request

    @Slot()
    def run(self) -> None:
        try:
            self.done.emit(compute_views(self._session, self._request))
        except Exception:  # the session changed under us (a run started): skip this one
            self.done.emit(None)
        finally:
            self.finished.emit()


def _cost(session: Session, request: ViewRequest) -> float:
    sizes = session.net.layer_sizes
    per_row = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    rows = 0
    if request.plane is not None:
        rows += request.plane.shape[0] * request.plane.shape[1]
    if request.classes or request.regression:
        rows += max(session.data.n_val, 1) if session.data.n_val else session.data.n_train
    if request.units:
        rows += 512
    if request.fit_feature is not None:
        rows += 200
    return float(rows * per_row)


class InsightViews(QObject):
    """The coordinator; see the module docstring. ``controller`` is the window's
    :class:`~nnstudio.app.controller.TrainingController`."""

    def __init__(
        self,
        controller,
        surface: SurfacePanel,
        fit: FitView,
        classes: ClassViews,
        units: UnitViews,
        grad: GradCheckPanel,
        drawing: NetworkView,
        parent: QObject | None = None,
        config: Callable[[], TrainConfig] | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.surface, self.fit, self.classes = surface, fit, classes
        self.units, self.grad, self.drawing = units, grad, drawing
        self._ds: Dataset | None = None
        self._config = config  # the settings on screen, for a network not built yet
        self._worker_seen = None
        self._views_thread = None
        self._again = False
        self._last: ViewSnapshot | None = None
        self._shown: Session | None = None  # the session the idle views show
        grad.set_source(self._grad_source)
        surface.planeChanged.connect(self._on_request_changed)
        surface.outputRequested.connect(lambda: self.select_unit(None))
        drawing.unitClicked.connect(self.select_unit)
        controller.stateChanged.connect(self._on_state_changed)
        controller.progress.connect(self.show_update)
        controller.sessionChanged.connect(self._on_session_changed)

    # ----------------------------------------------------------------- what is wanted

    def request(self) -> ViewRequest:
        ds = self._ds
        if ds is None:
            return ViewRequest()
        fit_feature = 0 if ds.n_features == 1 else None
        if ds.task == "regression" and ds.n_features > 1:
            fit_feature = self.surface.features()[0]
        return ViewRequest(
            plane=self.surface.plane(),
            unit=self.surface.unit(),
            fit_feature=fit_feature,
            classes=ds.task == "classification",
            regression=ds.task == "regression",
            units=True,
        )

    def set_dataset(self, ds: Dataset | None, later=None) -> None:
        """New data: every panel starts over (no results until a session exists).
        ``later(piece)``, when given, runs the costly drawing (the surface's points;
        the fit and class views) as pieces of its own (``DataPanel.later``); the
        surface's plane and feature choice are set at once."""
        self._ds = ds
        self._last = None
        self.units.clear()
        self.grad.clear()
        self.drawing.set_selected_unit(None)
        self.surface.set_dataset(ds, later)
        if later is None:
            self._set_fit_and_classes(ds)
        else:
            later(lambda: self._ds is ds and self._set_fit_and_classes(ds))

    def _set_fit_and_classes(self, ds: Dataset | None) -> None:
        # The Fit tab is for one feature or regression (``view_request`` asks for a fit
        # only then): for other data its curves would be built for a hidden tab (with
        # many classes, 48 items and a legend: 60 ms of GUI time)
        fits = ds is not None and (ds.n_features == 1 or ds.task == "regression")
        self.fit.set_dataset(ds if fits else None)
        self.classes.set_dataset(ds)

    def clear(self) -> None:
        """The weights the results showed are gone (a new run, Reset)."""
        self._last = None
        self.surface.clear_surface()
        self.classes.set_dataset(self._ds)
        self.units.clear()
        self.grad.clear()
        if self._ds is not None:
            self.fit.set_feature(self.fit.feature())

    # ----------------------------------------------------------------- units

    def select_unit(self, unit: tuple[int, int] | None) -> None:
        """Show hidden unit ``(layer, unit)`` on the surface (0 = first hidden layer), or
        the network's output for None. Raises ``ValueError`` for a unit the network on
        screen does not have."""
        if unit is not None:
            layer, u = int(unit[0]), int(unit[1])
            sizes = self.drawing.layer_sizes()
            hidden = sizes[1:-1]
            if not 0 <= layer < len(hidden):
                raise ValueError(f"hidden layer {layer} does not exist ({len(hidden)} hidden)")
            if not 0 <= u < hidden[layer]:
                raise ValueError(f"hidden layer {layer} has {hidden[layer]} units, not {u}")
            unit = (layer, u)
            act = self.drawing._activations[layer] if self.drawing._activations else ""
        else:
            act = ""
        self.surface.set_unit(unit, act)
        self.drawing.set_selected_unit(unit)
        self.surface.clear_surface()
        self._on_request_changed()

    def selected_unit(self) -> tuple[int, int] | None:
        return self.surface.unit()

    def architecture_changed(self) -> None:
        """The network on screen changed: a selected unit may no longer exist."""
        unit = self.surface.unit()
        sizes = self.drawing.layer_sizes()
        hidden = sizes[1:-1]
        if unit is not None and not (unit[0] < len(hidden) and unit[1] < hidden[unit[0]]):
            self.select_unit(None)

    # ----------------------------------------------------------------- answers

    @Slot(object)
    def show_update(self, update) -> None:
        snap = getattr(update, "views", None)
        if snap is not None:
            self.apply(snap)

    def apply(self, snap: ViewSnapshot) -> None:
        """Draw ``snap`` in every panel it has numbers for."""
        req = snap.request
        if (
            snap.surface is not None
            and req.plane is self.surface.plane()
            and req.unit == (self.surface.unit())
        ):
            try:
                self.surface.set_surface(snap.surface)
            except (ValueError, RuntimeError):
                pass  # the grid changed meanwhile; the next snapshot fits
        if snap.fit is not None:
            self.fit.set_curve(*snap.fit)
        if snap.regression is not None:
            self.fit.set_regression(snap.regression.actual, snap.regression.predicted)
        if snap.classes is not None:
            self.classes.set_report(snap.classes, snap.n_errors)
        if snap.unit_stats is not None:
            self.units.set_stats(snap.unit_stats, snap.histograms)
        self._last = snap

    def last_snapshot(self) -> ViewSnapshot | None:
        return self._last

    def refresh(self, session: Session | None = None) -> None:
        """Compute what the views want for the current session, or for ``session`` (for
        example a recorded epoch's copy of it), when no run is going (idle or paused;
        while a run goes, its worker sends the views)."""
        c = self.controller
        session = session if session is not None else c.session
        if session is None or c.state == RUNNING or self._ds is None:
            return
        if session.dataset is not self._ds:
            return
        self._shown = session
        req = self.request()
        if _cost(session, req) <= SYNC_VIEWS_MACS:
            self.apply(compute_views(session, req))
            return
        if self._views_thread is not None:
            self._again = True  # one more when this one ends, with the newest request
            return
        self._again = False
        worker = ViewsWorker(session, req)
        thread = make_thread(worker, "viewsThread")
        worker.done.connect(self._on_views_done)
        thread.finished.connect(self._on_views_thread_finished)
        self._views_thread = (worker, thread)
        thread.start()

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Wait for a one-shot computation (tests, closing); True if none is left."""
        t = self._views_thread
        if t is None:
            return True
        t[1].quit()
        return t[1].wait(timeout_ms)

    @Slot(object)
    def _on_views_done(self, snap) -> None:
        if snap is not None and self.controller.state != RUNNING:
            self.apply(snap)

    @Slot()
    def _on_views_thread_finished(self) -> None:
        self._views_thread = None
        if self._again:
            self._again = False
            self.refresh(self._shown)

    # ----------------------------------------------------------------- plumbing

    @Slot()
    def _on_request_changed(self) -> None:
        worker = self.controller.worker
        if worker is not None:
            worker.set_views(self.request())
        self.refresh(self._shown)  # idle or paused: now (a running worker sends it)

    @Slot(str)
    def _on_state_changed(self, state: str) -> None:
        if state == RUNNING:
            self._shown = None  # a recorded epoch shown before is not what runs now
        worker = self.controller.worker
        if worker is not None and worker is not self._worker_seen:
            self._worker_seen = worker
            worker.set_views(self.request())

    @Slot(object)
    def _on_session_changed(self, session) -> None:
        self._shown = None
        if session is None:
            self.clear()
        elif not self.controller.is_training:
            self.refresh()

    def _grad_source(self):
        c = self.controller
        if c.session is None:
            # No network yet: check the one Train would start from (same settings and
            # seed), built in the worker.
            ds = self._ds
            if ds is None or self._config is None:
                raise LookupError("load data to check the gradients")
            cfg = self._config()

            def make():
                s = build_session(ds, cfg)
                return s.net, s.trainer.X, s.trainer.Y

            return make

        def read(session: Session):
            return session.net.copy(), session.trainer.X, session.trainer.Y

        try:
            return c.read_session(read)
        except TimeoutError as exc:
            raise LookupError(str(exc)) from exc
