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


def load_project(path: str | os.PathLike) -> dict:
    """Return the project dict with ``dataset.source`` resolved against the file's folder
    (built-in sample names are left as they are)."""
    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ProjectFileError(f"{path}: no such project file; check the path") from exc
    except UnicodeDecodeError as exc:
        raise ProjectFileError(f"{name}: not a text file; open an nnstudio .json project") from exc
    except OSError as exc:
        raise ProjectFileError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectFileError(
            f"{name}: line {exc.lineno}: not valid JSON ({exc.msg}); fix or re-save the project"
        ) from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ProjectFileError(f"{name}: not an nnstudio project (format {FORMAT!r} missing)")
    if not isinstance(doc.get("version"), int) or doc["version"] > VERSION:
        raise ProjectFileError(
            f"{name}: project version {doc.get('version')!r} is not one this nnstudio reads "
            f"(up to {VERSION}); upgrade nnstudio"
        )
    ds = doc.get("dataset")
    if not isinstance(ds, dict) or not isinstance(ds.get("source"), str):
        raise ProjectFileError(f"{name}: 'dataset' must be an object with a 'source' string")
    if not isinstance(doc.get("config"), dict):
        raise ProjectFileError(f"{name}: 'config' must be an object of training settings")
    src = ds["source"]
    candidate = path.parent / src
    if not os.path.isabs(src) and candidate.exists():
        ds["source"] = str(candidate)
    return doc
