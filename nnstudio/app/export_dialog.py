"""File > Export As...: the current network as ONNX, a PyTorch module, a NumPy-only
prediction script or a PyTorch training script (the formats of ``nnstudio export``).

:class:`ExportActions` owns the menu action and :meth:`ExportActions.export_model`, which
does the export without a dialog (``MainWindow.export_model(path, fmt)`` calls it). The
``torch`` and ``numpy`` scripts read a model file when they run, so for those the current
weights are also written beside the script as ``<script name>.npz`` (the script's header
and the status bar say so). Errors (the onnx package missing, a folder that cannot be
written) go through :func:`nnstudio.app.dialogs.show_error`; nothing is half-written.

:class:`ExportDialog` asks for the format and the file: ``exportFormatCombo`` (one entry
per format, its data the format name), ``exportPathEdit`` and a Browse button.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QWidget,
)

from nnstudio.app import dialogs
from nnstudio.app.window_state import last_dir, remember_dir
from nnstudio.errors import NnstudioError
from nnstudio.export import FORMATS, NEEDS_MODEL_FILE, default_file_name, export_trained
from nnstudio.io.model_file import save_model

__all__ = ["ExportActions", "ExportDialog", "weights_path_for"]

TITLE = "Cannot export the model"


def weights_path_for(script: str | os.PathLike) -> Path:
    """Where the weights of a ``torch``/``numpy`` script export go: beside it, same stem."""
    return Path(script).with_suffix(".npz")


class ExportDialog(QDialog):
    """Format and output file for an export; ``choice()`` after ``exec()``."""

    def __init__(self, parent: QWidget | None, folder: str, stem: str = "model") -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export As")
        self._folder, self._stem = folder, stem
        self.format_combo = QComboBox(objectName="exportFormatCombo")
        self.format_combo.setAccessibleName("Export format")
        for name, (text, _) in FORMATS.items():
            self.format_combo.addItem(f"{name}: {text}", name)
        self.path_edit = QLineEdit(objectName="exportPathEdit")
        self.path_edit.setAccessibleName("Export file")
        browse = QPushButton("Browse...", objectName="exportBrowseButton")
        browse.setAccessibleName("Choose the export file")
        browse.clicked.connect(self._browse)
        self.note = QLabel(objectName="exportNote")
        self.note.setWordWrap(True)
        # room for the longest note, so switching formats never clips or resizes it
        self.note.setMinimumHeight(4 * self.note.fontMetrics().lineSpacing())
        self.setMinimumWidth(560)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("Format", self.format_combo)
        form.addRow("File", row)
        form.addRow(self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.format_combo.currentIndexChanged.connect(self._on_format_changed)
        self._on_format_changed()

    def fmt(self) -> str:
        return self.format_combo.currentData()

    def choice(self) -> tuple[str, str]:
        """``(format, path)`` as chosen."""
        return self.fmt(), self.path_edit.text().strip()

    def _on_format_changed(self, *_) -> None:
        fmt = self.fmt()
        self.path_edit.setText(
            os.path.join(self._folder, default_file_name(fmt, f"{self._stem}.npz"))
        )
        notes = {
            "onnx": "Raw float32 features in, predict's probabilities or values out. Needs "
            'the onnx package (pip install "nnstudio[onnx]").',
            "torch": "build_model(npz_path) returns a torch.nn.Module. The current weights "
            "are saved beside it with the same name and .npz.",
            "numpy": "python predict.py MODEL.npz DATA.csv prints what nnstudio predict "
            "prints. The current weights are saved beside it with the same name and .npz.",
            "torch-train": "python train.py DATA.csv --out model.npz, or under torchrun "
            "--nproc_per_node K for DistributedDataParallel; trains this design and these "
            "settings and writes a model file nnstudio opens.",
        }
        self.note.setText(notes[fmt])

    def _browse(self) -> None:
        fmt = self.fmt()
        suffix = ".onnx" if fmt == "onnx" else ".py"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export as", self.path_edit.text(), f"{fmt} (*{suffix});;All files (*)"
        )
        if path:
            self.path_edit.setText(path)


class ExportActions(QObject):
    """File > Export As... for ``window`` (a ``MainWindow``)."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.w = window
        act = QAction("Export &As...", window)
        act.setObjectName("exportAsAction")
        act.setShortcut(QKeySequence("Ctrl+Shift+E"))
        tip = "Export the network as ONNX, PyTorch, a NumPy script or a training script"
        act.setStatusTip(tip)
        act.setToolTip(tip)
        act.triggered.connect(self.ask_export_as)
        self.export_as_action = act

    def export_model(self, path: str | os.PathLike, fmt: str) -> bool:
        """Export the current network as ``fmt`` to ``path`` (and, for the ``torch`` and
        ``numpy`` scripts, its weights to ``weights_path_for(path)``). True on success."""
        w = self.w
        w.data_panel.finish_taking_in()
        if w.controller.session is None:
            dialogs.show_error(
                w,
                "Nothing to export",
                "There are no trained weights yet: train the network (or import weights) first.",
            )
            return False
        path = Path(path)
        weights = weights_path_for(path) if fmt in NEEDS_MODEL_FILE else None
        if weights is not None and weights.resolve() == path.resolve():
            dialogs.show_error(w, TITLE, f"{path.name}: give the script a .py name")
            return False
        try:
            model = w.controller.read_session(lambda s: s.model(exported_by="nnstudio app"))
            name = weights.name if weights is not None else "the nnstudio app"
            export_trained(model, fmt, path, name)
            if weights is not None:
                save_model(model, weights)
        except (NnstudioError, TimeoutError) as exc:
            dialogs.show_error(w, TITLE, str(exc))
            return False
        also = f" (weights in {weights.name})" if weights is not None else ""
        w.show_status(f"Exported {fmt} to {os.fspath(path)}{also}", 5000)
        return True

    def ask_export_as(self) -> None:
        """The dialog, then :meth:`export_model`."""
        settings = self.w.settings
        ds = self.w.data_panel.dataset
        stem = Path(ds.name).stem if ds is not None else "model"
        dialog = ExportDialog(self.w, last_dir(settings), stem)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        fmt, path = dialog.choice()
        if path:
            remember_dir(settings, path)
            self.export_model(path, fmt)
