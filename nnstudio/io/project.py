"""Project files (.json): the architecture, the dataset reference, the hyperparameters and
the seed, so that opening a project and training again reproduces the same curve.

Shape::

    {"format": "nnstudio.project", "version": 1,
     "dataset": {"source": "spirals" | "path/to/data.csv", "target": null, "task": null},
     "config": {... TrainConfig.to_dict() ...}}

A dataset path is stored relative to the project file when it lies beside or below it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from nnstudio.errors import NnstudioError

from ..untrusted import MAX_JSON_DEPTH, loads_json, open_regular
from .atomic import atomic_writer

FORMAT = "nnstudio.project"
VERSION = 1


class ProjectFileError(NnstudioError, ValueError):
    """A project file that cannot be read or written."""


def save_project(path: str | os.PathLike, dataset: dict, config: dict, **extra) -> None:
    path = Path(path)
    ds = dict(dataset)
    src = ds.get("source")
    if src and os.path.exists(src):
        try:
            ds["source"] = os.path.relpath(os.path.abspath(src), path.parent.resolve())
        except ValueError:  # another drive on Windows
            ds["source"] = os.path.abspath(src)
    doc = {"format": FORMAT, "version": VERSION, "dataset": ds, "config": config, **extra}
    with atomic_writer(path, "w", what="project", error=ProjectFileError, encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2)
        fh.write("\n")


#: the largest project file nnstudio reads (projects are a few kilobytes)
MAX_PROJECT_BYTES = 16 * 1024**2


def load_project(path: str | os.PathLike) -> dict:
    """Return the project dict with ``dataset.source`` resolved against the file's folder
    (built-in sample names are left as they are).

    The file must be a regular file of at most :data:`MAX_PROJECT_BYTES`, UTF-8 JSON
    nested at most :data:`~nnstudio.untrusted.MAX_JSON_DEPTH` deep, with the shape
    in the module docstring: ``dataset.source`` a non-empty string, ``dataset.target``
    a string or null, ``dataset.task`` ``"classification"``, ``"regression"`` or null,
    ``config`` an object. Anything else is one :class:`ProjectFileError` naming the file.
    The training settings inside ``config`` are checked value by value by
    :func:`nnstudio.pipeline.read_project` (``TrainConfig.from_dict``)."""
    shown = os.fspath(path)
    path = Path(shown)
    with open_regular(shown, error=ProjectFileError, what="project file") as fh:
        try:
            data = fh.read(MAX_PROJECT_BYTES + 1)
        except OSError as exc:
            raise ProjectFileError(f"{shown}: cannot read ({exc.strerror or exc})") from None
    if len(data) > MAX_PROJECT_BYTES:
        raise ProjectFileError(
            f"{shown}: larger than {MAX_PROJECT_BYTES // 1024**2} MiB, which no nnstudio "
            "project is; open an nnstudio .json project"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProjectFileError(
            f"{shown}: not a text file; open an nnstudio .json project"
        ) from None
    doc = loads_json(
        text, error=ProjectFileError, where=shown, what="the project", max_depth=MAX_JSON_DEPTH
    )
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ProjectFileError(f"{shown}: not an nnstudio project (format {FORMAT!r} missing)")
    version = doc.get("version")
    if type(version) is not int or not 1 <= version <= VERSION:
        raise ProjectFileError(
            f"{shown}: project version {_short(version)} is not one this nnstudio reads "
            f"(up to {VERSION}); upgrade nnstudio"
        )
    ds = doc.get("dataset")
    if not isinstance(ds, dict) or not isinstance(ds.get("source"), str) or not ds["source"]:
        raise ProjectFileError(
            f"{shown}: 'dataset' must be an object with a non-empty 'source' string"
        )
    if ds.get("target") is not None and not isinstance(ds["target"], str):
        raise ProjectFileError(
            f"{shown}: 'dataset.target' must be a column name or null, got {_short(ds['target'])}"
        )
    if ds.get("task") not in (None, "classification", "regression"):
        raise ProjectFileError(
            f'{shown}: \'dataset.task\' must be "classification", "regression" or null, got '
            f"{_short(ds['task'])}"
        )
    if not isinstance(doc.get("config"), dict):
        raise ProjectFileError(f"{shown}: 'config' must be an object of training settings")
    src = ds["source"]
    if "\x00" in src:
        raise ProjectFileError(f"{shown}: 'dataset.source' holds a NUL character")
    candidate = path.parent / src
    if not os.path.isabs(src) and candidate.exists():
        ds["source"] = str(candidate)
    return doc


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
