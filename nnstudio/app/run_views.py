"""The views of a training run, fed from one place: the loss and gradient-norm plots,
the progress bar, the decision surface, the weights in the network drawing and the
status-bar labels.

:class:`RunViews` takes :class:`~nnstudio.app.worker.TrainingUpdate` objects (the
controller's ``progress``) and the run's start and end, and clears everything when the
weights they show are gone (a new network, new data, Reset).
"""

from __future__ import annotations

from nnstudio.app.boundary_view import BoundaryView
from nnstudio.app.network_view import NetworkView
from nnstudio.app.plots import TrainingPlots
from nnstudio.app.status import StatusLabels
from nnstudio.app.training_panel import TrainingPanel
from nnstudio.data.dataset import Dataset
from nnstudio.pipeline import Session

__all__ = ["RunViews"]


class RunViews:
    """Shows a run in ``plots``, ``panel``'s progress bar, ``boundary``, ``drawing`` and
    ``status``."""

    def __init__(
        self,
        plots: TrainingPlots,
        panel: TrainingPanel,
        boundary: BoundaryView,
        drawing: NetworkView,
        status: StatusLabels,
    ) -> None:
        self.plots, self.panel, self.boundary = plots, panel, boundary
        self.drawing, self.status = drawing, status

    def clear(self) -> None:
        """Nothing of an old network stays on screen."""
        self.plots.clear_history()
        self.panel.set_progress(0.0)
        self.drawing.clear_weights()
        self.boundary.clear_surface()
        self.status.clear()

    def started(self) -> None:
        self.plots.start_frames()

    def ended(self) -> None:
        self.plots.stop_frames()

    def show_update(self, update) -> None:
        """The numbers go into the plots' series now; the curves follow at the next frame."""
        if update.epoch_reports:
            self.plots.loss_plot.add_epochs(update.epoch_reports, redraw=False)
        if len(update.steps):
            self.plots.grad_plot.add_steps(update.steps, update.grad_norms, redraw=False)
        if update.final:
            self.plots.flush()
        self.panel.set_progress(update.progress)
        if update.surface is not None and self.boundary.isVisible():
            try:
                self.boundary.set_surface(update.surface)
            except (ValueError, RuntimeError):
                pass  # the grid changed since the run started; the next run fixes it
        if update.weights is not None:
            self.drawing.set_weights(update.weights)
        self.status.show_update(update)

    def show_session(self, session: Session, ds: Dataset | None) -> None:
        """Weights outside a run (an import): the drawing. (The surface and the other
        result views follow from ``InsightViews``.)"""
        self.plots.grad_plot.set_layers(session.net.n_layers)
        self.drawing.set_weights(session.net.weights)
