"""The network on screen: the layer table's hidden layers between the data's input and
output layers, shown in the table's labels, the drawing and the Timing tab."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow

from nnstudio.errors import NnstudioError
from nnstudio.pipeline import output_layer

__all__ = ["show_architecture"]

#: classes named in the output layer's label at most
SHOWN_CLASSES = 6


def _output_detail(ds, loss: str) -> str:
    if ds.task == "classification":
        detail = ", ".join(str(c) for c in ds.classes[:SHOWN_CLASSES])
        more = ", ..." if len(ds.classes) > SHOWN_CLASSES else ""
        return f"classes {detail}{more}; loss {loss}"
    return f"target {ds.target_name}; loss {loss}"


def show_architecture(w: QMainWindow) -> None:
    """Show ``w``'s network (the layer table with the data's input and output layers) in
    the table's labels, the drawing and the Timing tab; forget a session whose network
    is no longer the one on screen (its curves, surface and figures go with it)."""
    ds = w.data_panel.dataset
    table, drawing = w.layer_table, w.network_view
    if ds is None:
        table.set_input(None)
        table.set_output(None)
        drawing.set_architecture([], [])
        return
    cfg = w.current_config()
    c = w.controller
    if c.session is not None and not c.is_training and not c.shows(ds, cfg):
        c.set_session(None)  # another network now: its old results go
    table.set_input(ds.n_features, ds.feature_names)
    try:
        units, out_act, loss = output_layer(ds, cfg)
    except NnstudioError as exc:
        table.set_output(None)
        table.output_label.setText(f"Output: {exc}")
        return
    table.set_output(units, out_act, _output_detail(ds, loss))
    sizes = [ds.n_features, *table.hidden_layers(), units]
    acts = [*table.activations(), out_act]
    drawing.set_architecture(sizes, acts)
    session = c.session
    if session is not None and session.net.layer_sizes == sizes and not c.is_training:
        drawing.set_weights(session.net.weights)
    if ds.task == "classification":
        drawing.set_output_classes(ds.classes if units == len(ds.classes) else None)
    w.timing_panel.set_architecture(sizes, acts, loss)
    w.insight.architecture_changed()
