"""Runs: what each training run was (its settings) and what it reached (its curves, final
and best metrics), for the app's ``runsTable``, the CSV export and the project file.

A :class:`Run` is plain data: ``settings`` maps a setting's name to a JSON value
(``"dataset": "spirals"``, ``"hidden_layers": [32, 32]``, ``"lr": 0.01``, ...),
``train_loss``/``val_loss`` hold one value per epoch, ``final`` the metrics of the
weights the run ended with and ``best`` those of its best validation epoch. The table
(:func:`table`) is the one definition of the columns, used by the app's model and by
:func:`write_csv`; :func:`differences` lists the settings in which two runs differ.
Runs read from a project file are validated (:func:`runs_from_json`); anything else is a
``ProjectFileError`` naming the run and the field. No Qt here.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, field
from typing import Any

from .engine.trainer import EpochReport, Trainer
from .io.atomic import atomic_writer
from .io.project import ProjectFileError

__all__ = ["Run", "differences", "run_from_trainer", "runs_from_json", "table", "write_csv"]

#: settings shown as table columns, in this order (others only in differences and JSON)
SETTING_COLUMNS = (
    ("dataset", "data"),
    ("hidden_layers", "layers"),
    ("activation", "activation"),
    ("optimizer", "optimizer"),
    ("lr", "lr"),
    ("batch_size", "batch"),
    ("epochs", "epochs"),
    ("l2", "L2"),
    ("seed", "seed"),
)
METRIC_NAMES = ("accuracy", "r2")
#: a project file may hold at most this many runs, and this many epochs per curve
MAX_RUNS = 1000
MAX_EPOCHS = 1_000_000


@dataclass
class Run:
    number: int  # 1-based, in the order the runs were made
    settings: dict[str, Any]
    metric_name: str  # "accuracy" or "r2"
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float | None] = field(default_factory=list)
    final: dict[str, float | None] = field(default_factory=dict)  # loss val_loss metric val_metric
    best_epoch: int | None = None
    best: dict[str, float | None] = field(default_factory=dict)  # val_loss val_metric
    checked: bool = False  # overlaid in the loss plot

    @property
    def epochs_done(self) -> int:
        return len(self.train_loss)

    def to_json(self) -> dict:
        return {
            "number": self.number,
            "settings": self.settings,
            "metric_name": self.metric_name,
            "train_loss": [_num(v) for v in self.train_loss],
            "val_loss": [_num(v) for v in self.val_loss],
            "final": {k: _num(v) for k, v in self.final.items()},
            "best_epoch": self.best_epoch,
            "best": {k: _num(v) for k, v in self.best.items()},
            "checked": self.checked,
        }


def _num(v) -> float | None:
    """JSON has no NaN or infinity: those become null."""
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def _report_metrics(rep: EpochReport | None, *, train: bool) -> dict:
    if rep is None:
        return {}
    out = {"val_loss": _num(rep.val_loss), "val_metric": _num(rep.val_metric)}
    if train:
        out = {"loss": _num(rep.train_loss), "metric": _num(rep.train_metric), **out}
    return out


def run_from_trainer(number: int, settings: dict, trainer: Trainer) -> Run:
    """A run record of ``trainer``'s history so far (call again to update it)."""
    return Run(
        number=number,
        settings=dict(settings),
        metric_name=trainer.metric_name,
        train_loss=[r.train_loss for r in trainer.history],
        val_loss=[r.val_loss for r in trainer.history],
        final=_report_metrics(trainer.final_report, train=True),
        best_epoch=trainer.best_epoch,
        best=_report_metrics(trainer.best_report, train=False),
    )


# --------------------------------------------------------------------- table


def format_value(value) -> str:
    """A setting or metric as table text: lists joined by '-', floats in 4 significant
    digits, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return "-".join(format_value(v) for v in value) or "none"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _metric_text(name: str, value) -> str:
    if value is None:
        return ""
    return f"{100 * value:.2f}%" if name == "accuracy" else f"{value:.4f}"


def table(runs: list[Run]) -> tuple[list[str], list[list[str]]]:
    """``(headers, rows)``: run number, the ``SETTING_COLUMNS``, then epochs done, final
    loss, validation loss and metric, best epoch and its validation loss and metric."""
    headers = ["run", *(h for _, h in SETTING_COLUMNS)]
    headers += ["epochs done", "final loss", "final val loss", "final val metric"]
    headers += ["best epoch", "best val loss", "best val metric"]
    rows = []
    for r in runs:
        row = [str(r.number), *(format_value(r.settings.get(k)) for k, _ in SETTING_COLUMNS)]
        metric = r.final.get("val_metric")
        if metric is None:
            metric = r.final.get("metric")
        row += [
            str(r.epochs_done),
            format_value(r.final.get("loss")),
            format_value(r.final.get("val_loss")),
            f"{r.metric_name} {_metric_text(r.metric_name, metric)}" if metric is not None else "",
            format_value(r.best_epoch),
            format_value(r.best.get("val_loss")),
            _metric_text(r.metric_name, r.best.get("val_metric")),
        ]
        rows.append(row)
    return headers, rows


def write_csv(runs: list[Run], path: str | os.PathLike) -> None:
    """The table as CSV (a header row, one row per run), written atomically."""
    headers, rows = table(runs)
    with atomic_writer(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(headers)
        w.writerows(rows)


def differences(a: Run, b: Run) -> list[tuple[str, Any, Any]]:
    """``(setting, value in a, value in b)`` for every setting that differs, table
    columns first, then the others by name. A setting one run lacks counts as None."""
    order = [k for k, _ in SETTING_COLUMNS]
    others = sorted((set(a.settings) | set(b.settings)) - set(order))
    return [
        (k, a.settings.get(k), b.settings.get(k))
        for k in order + others
        if a.settings.get(k) != b.settings.get(k)
    ]


# --------------------------------------------------------------------- project file


def _fail(where: str, what: str):
    raise ProjectFileError(f"{where}: {what}; fix or remove 'runs' in the project")


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_scalar(v) -> bool:
    return v is None or isinstance(v, (str, bool)) or _is_number(v)


def _numbers(where: str, v, *, nullable: bool) -> list:
    if not isinstance(v, list) or len(v) > MAX_EPOCHS:
        _fail(where, f"must be a list of at most {MAX_EPOCHS} numbers")
    for x in v:
        if not (_is_number(x) and math.isfinite(x)) and not (nullable and x is None):
            _fail(where, f"{x!r} is not a finite number")
    return [None if x is None else float(x) for x in v]


def _metrics(where: str, v, keys: tuple[str, ...]) -> dict:
    if not isinstance(v, dict):
        _fail(where, "must be an object")
    out = {}
    for k, x in v.items():
        if k not in keys:
            _fail(where, f"unknown key {k!r} (expected {', '.join(keys)})")
        if x is not None and not (_is_number(x) and math.isfinite(x)):
            _fail(f"{where}.{k}", f"{x!r} is not a finite number or null")
        out[k] = None if x is None else float(x)
    return out


def runs_from_json(obj, name: str) -> list[Run]:
    """Validated runs from a project file's ``runs`` value (``name``: the file's name)."""
    if not isinstance(obj, list) or len(obj) > MAX_RUNS:
        _fail(f"{name}: runs", f"must be a list of at most {MAX_RUNS} runs")
    runs = []
    for i, item in enumerate(obj):
        where = f"{name}: runs[{i}]"
        if not isinstance(item, dict):
            _fail(where, "must be an object")
        number = item.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            _fail(f"{where}.number", f"{number!r} is not a whole number >= 1")
        settings = item.get("settings")
        if not isinstance(settings, dict):
            _fail(f"{where}.settings", "must be an object")
        for k, v in settings.items():
            ok = _check_scalar(v) or (isinstance(v, list) and all(_check_scalar(x) for x in v))
            if not ok:
                _fail(f"{where}.settings.{k}", "must be a number, text, true/false or a list")
        metric = item.get("metric_name")
        if metric not in METRIC_NAMES:
            _fail(f"{where}.metric_name", f"{metric!r} is not one of {', '.join(METRIC_NAMES)}")
        train = _numbers(f"{where}.train_loss", item.get("train_loss", []), nullable=True)
        val = _numbers(f"{where}.val_loss", item.get("val_loss", []), nullable=True)
        best_epoch = item.get("best_epoch")
        if best_epoch is not None and (
            not isinstance(best_epoch, int) or isinstance(best_epoch, bool) or best_epoch < 0
        ):
            _fail(f"{where}.best_epoch", f"{best_epoch!r} is not a whole number >= 0 or null")
        checked = item.get("checked", False)
        if not isinstance(checked, bool):
            _fail(f"{where}.checked", "must be true or false")
        runs.append(
            Run(
                number=number,
                settings=settings,
                metric_name=metric,
                train_loss=train,
                val_loss=val,
                final=_metrics(
                    f"{where}.final",
                    item.get("final", {}),
                    ("loss", "metric", "val_loss", "val_metric"),
                ),
                best_epoch=best_epoch,
                best=_metrics(f"{where}.best", item.get("best", {}), ("val_loss", "val_metric")),
                checked=checked,
            )
        )
    return runs
