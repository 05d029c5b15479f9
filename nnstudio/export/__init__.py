"""Take a trained model anywhere: ONNX, PyTorch, a NumPy-only script, a torch training script.

``export_model(model_path, fmt, out)`` reads an nnstudio model file (``.npz``) and writes
one of :data:`FORMATS`, atomically:

- ``onnx`` (:mod:`.onnx_graph`): one graph from raw float32 features to what
  ``nnstudio predict`` prints (probabilities, or values in target units).
- ``torch`` (:mod:`.scripts`): a ``.py`` file defining ``build_model(npz_path)``.
- ``numpy`` (:mod:`.scripts`): ``predict.py MODEL.npz DATA.csv`` printing exactly the CSV
  ``nnstudio predict`` prints, with NumPy and the standard library only.
- ``torch-train`` (:mod:`.scripts`): a training script generated from the model's meta,
  runnable alone or under ``torchrun`` with DistributedDataParallel.

No Qt here: the command line and the app's File > Export as... both call this function.
Everything an export needs comes from the ``.npz`` alone (:mod:`.settings` fills in
training settings an older file lacks).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import NnstudioError

__all__ = [
    "FORMATS",
    "NEEDS_MODEL_FILE",
    "ExportError",
    "default_file_name",
    "export_model",
    "export_trained",
]

#: format name -> (one-line description, default file name)
FORMATS = {
    "onnx": ("ONNX graph for ONNX Runtime and other runtimes", "model.onnx"),
    "torch": ("PyTorch module file: build_model(npz_path)", "model_torch.py"),
    "numpy": ("NumPy-only prediction script: predict.py MODEL.npz DATA.csv", "predict.py"),
    "torch-train": ("PyTorch training script, one process or torchrun (DDP)", "train.py"),
}


class ExportError(NnstudioError, ValueError):
    """An export that cannot be made (unknown format, missing optional package, an output
    path that cannot be written); the message says what to do."""


def default_file_name(fmt: str, model_path: str | os.PathLike | None = None) -> str:
    """A file name for ``fmt`` next to the model: ``wine.onnx``, ``wine_torch.py``,
    ``predict.py``, ``train.py``."""
    stem = Path(model_path).stem if model_path else "model"
    return {
        "onnx": f"{stem}.onnx",
        "torch": f"{stem}_torch.py",
        "numpy": "predict.py",
        "torch-train": "train.py",
    }[_check_format(fmt)]


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return fmt


def export_model(model_path: str | os.PathLike, fmt: str, out: str | os.PathLike) -> Path:
    """Write model file ``model_path`` as format ``fmt`` to ``out``; returns ``out``.

    Raises ``ModelFileError`` for a bad model file and ``ExportError`` for the rest (an
    optional package missing, an output path that is a folder or cannot be written).
    Nothing is written when it raises."""
    from ..io.model_file import load_model

    _check_format(fmt)
    check_output_path(Path(out))
    return export_trained(load_model(model_path), fmt, out, Path(model_path).name)


def export_trained(model, fmt: str, out: str | os.PathLike, model_name: str) -> Path:
    """Write ``model`` (a ``TrainedModel``, e.g. the app's current network) as format
    ``fmt`` to ``out``; ``model_name`` is the model file the export names (the script
    formats read a model file when they run). Raises ``ExportError``."""
    _check_format(fmt)
    out = Path(out)
    check_output_path(out)
    if fmt == "onnx":
        from .onnx_graph import onnx_bytes

        data = onnx_bytes(model)
    else:
        from .scripts import script_text

        data = script_text(fmt, model, model_name).encode("utf-8")
    write_bytes(out, data)
    return out


#: formats whose output reads a model file when it runs (torch, numpy)
NEEDS_MODEL_FILE = ("torch", "numpy")


def check_output_path(out: Path) -> None:
    """Refuse an output that is a folder, a device, a FIFO, in a missing folder or one
    without write permission (nnstudio's one check, ``io.atomic.check_writable``)."""
    from ..io.atomic import check_writable

    check_writable(out, what="export", error=ExportError)


def write_bytes(out: Path, data: bytes) -> None:
    """Write ``data`` to ``out`` atomically with nnstudio's writer (a temporary file, then
    a rename; usual permissions; a symlink written through)."""
    from ..io.atomic import atomic_writer

    with atomic_writer(out, "wb", what="export", error=ExportError) as fh:
        fh.write(data)
