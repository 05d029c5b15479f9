"""Data loading (CSV, NPZ, built-in samples), validation and preprocessing. No Qt.

This package imports only NumPy and the standard library, and nothing else of nnstudio.
The names below are the contract the engine, CLI and app code against.
"""

from nnstudio.data.dataset import TASKS, Dataset, label_list
from nnstudio.data.errors import DataError
from nnstudio.data.loaders import (
    MAX_AUTO_CLASSES,
    detect_task,
    load_csv,
    load_dataset,
    load_features,
    load_npz,
)
from nnstudio.data.preprocessing import (
    PreparedData,
    Standardizer,
    encode_labels,
    one_hot,
    prepare,
)
from nnstudio.data.samples import SAMPLE_DEFAULTS, SAMPLES, list_samples, make_sample

__all__ = [
    "MAX_AUTO_CLASSES",
    "SAMPLES",
    "SAMPLE_DEFAULTS",
    "TASKS",
    "DataError",
    "Dataset",
    "PreparedData",
    "Standardizer",
    "detect_task",
    "encode_labels",
    "label_list",
    "list_samples",
    "load_csv",
    "load_dataset",
    "load_features",
    "load_npz",
    "make_sample",
    "one_hot",
    "prepare",
]
