"""The training settings of a model file, with fallbacks for files that predate them.

Model files record their training settings at the top level of ``meta`` (design.md,
"Contracts added 2026-11-30"): ``optimizer``, ``lr``, ``batch_size``, ``epochs``, ``l2``,
``seed``, ``schedule``, ``patience`` (0: no early stopping), ``val_split``,
``target_name``, ``task`` and ``best_epoch``, and ``restore_best``. Older files kept
some of them under ``meta["training"]`` (the settings object as it was) or not at all.
:func:`training_settings` reads each setting from the first place that has a usable
value: the top level, then ``meta["training"]``, then the default of ``nnstudio train``
(and for ``lr``, the optimizer's default rate).
"""

from __future__ import annotations

import math

from ..engine.optimizers import DEFAULT_LR, OPTIMIZERS
from ..io.model_file import TrainedModel

#: settings taken over by the training script, with how to check a value read from a file
_CHECKS = {
    "optimizer": lambda v: v in OPTIMIZERS,
    "lr": lambda v: _number(v) and v > 0,
    "momentum": lambda v: _number(v) and 0 <= v < 1,
    "nesterov": lambda v: isinstance(v, bool),
    "batch_size": lambda v: _whole(v) and v >= 1,
    "epochs": lambda v: _whole(v) and v >= 1,
    "l2": lambda v: _number(v) and v >= 0,
    "seed": lambda v: _whole(v) and 0 <= v < 2**32,
    "val_split": lambda v: _number(v) and 0 <= v < 1,
    "schedule": lambda v: v in ("constant", "step", "cosine", "plateau"),
    "patience": lambda v: _whole(v) and v >= 0,
    "restore_best": lambda v: isinstance(v, bool),
    "best_epoch": lambda v: v is None or (_whole(v) and v >= 0),
}


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _whole(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _defaults() -> dict:
    from ..pipeline import TrainConfig

    cfg = TrainConfig()
    return {
        "optimizer": cfg.optimizer,
        "lr": None,  # resolved from the optimizer below
        "momentum": cfg.momentum,
        "nesterov": cfg.nesterov,
        "batch_size": cfg.batch_size,
        "epochs": cfg.epochs,
        "l2": 0.0,  # a meta without a valid l2 comes from before the default was per row
        "seed": cfg.seed,
        "val_split": cfg.val_split,
        "schedule": cfg.schedule,
        "patience": cfg.patience,
        "restore_best": cfg.restore_best,
        "best_epoch": None,
    }


def training_settings(model: TrainedModel) -> dict:
    """Every setting in ``_CHECKS`` plus ``task`` and ``target_name``, each from the
    model's meta when it holds a valid value there, else the fallback described above."""
    meta = model.extra
    nested = meta.get("training") if isinstance(meta.get("training"), dict) else {}
    defaults = _defaults()
    out = {}
    for key, ok in _CHECKS.items():
        for source in (meta, nested):
            if key in source and ok(source[key]):
                out[key] = source[key]
                break
        else:
            out[key] = defaults[key]
    if out["lr"] is None:
        out["lr"] = DEFAULT_LR[out["optimizer"]]
    out["task"] = model.task
    out["target_name"] = model.target_name
    return out
