"""Targets: the one home for what a target column means.

- :func:`detect_task` decides classification or regression from the values.
- :func:`target_from_text` parses a CSV target column (cells as text) and
  :func:`target_from_array` an NPZ ``y`` array into labels or numbers.
- :func:`match_labels` reads target values of new data as the classes of a trained
  model, so that scoring compares labels, not spellings (``"7"`` in a file is the class
  a model learned as ``"007"``; ``2.0`` is the class ``2``).
- :func:`check_classes` holds the checks every classification target must pass.

Label rules: text labels stay text. Numeric labels are integers; a column of integers
written like ``007`` or ``1.0`` keeps the text the file has, as long as each class is
written one way (``2`` beside ``2.0`` means one class, the integer 2).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from nnstudio.data.dataset import TASKS, label_list
from nnstudio.data.errors import DataError, empty_cell_error, show
from nnstudio.data.reading import is_number, string_values

__all__ = [
    "MAX_AUTO_CLASSES",
    "check_classes",
    "check_task",
    "detect_task",
    "exact_integers",
    "match_labels",
    "target_from_array",
    "target_from_numbers",
    "target_from_text",
]

#: A numeric target with at most this many distinct integer values is detected as
#: classification; more, or any non-integer value, means regression.
MAX_AUTO_CLASSES = 20


def check_task(task: str | None) -> None:
    """DataError unless ``task`` is None or one of :data:`~nnstudio.data.dataset.TASKS`."""
    if task is not None and task not in TASKS:
        raise DataError(f"unknown task {task!r}; use 'classification' or 'regression'")


def detect_task(y) -> str:
    """Guess the task from target values ``y`` ((n,) or (n, k)).

    Text (or boolean) labels -> ``"classification"``; numbers that are all integers
    with at most :data:`MAX_AUTO_CLASSES` distinct values -> ``"classification"``;
    anything else, including any 2-D ``y`` with more than one column, -> ``"regression"``.
    """
    y = np.asarray(y)
    if y.ndim == 2:
        if y.shape[1] != 1:
            return "regression"
        y = y[:, 0]
    if y.dtype.kind in "USb":
        return "classification"
    if y.dtype.kind == "O":
        if any(isinstance(v, (str, bytes)) for v in y.ravel().tolist()):
            return "classification"
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            return "classification"
    if y.dtype.kind not in "iuf":
        return "regression"
    if y.dtype.kind == "f" and not (np.isfinite(y).all() and np.all(y == np.round(y))):
        return "regression"
    return "classification" if np.unique(y).size <= MAX_AUTO_CLASSES else "regression"


# --------------------------------------------------------------------------- CSV text


def target_from_text(
    where: str,
    name: str,
    cells: Sequence[str],
    line_of: Callable[[int], int],
    task: str | None,
) -> tuple[np.ndarray, str]:
    """Parse a CSV target column given as text: numbers when every cell is one, else
    text labels.

    ``cells`` are the column's stripped cells, ``line_of(i)`` the file line of row i.
    Returns ``(y, task)``: y is int64 or object-of-str labels for classification,
    float64 for regression. Empty, NaN or Inf cells and text under ``task="regression"``
    are DataErrors naming the line.
    """
    cells = np.asarray(cells, dtype=object)
    empty = np.flatnonzero(cells == "")
    if empty.size:
        raise empty_cell_error(where, line_of(int(empty[0])), name)
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        if task == "regression":
            i = next(i for i, v in enumerate(cells) if not is_number(v))
            raise DataError(
                f"{where}: line {line_of(i)}, column {name!r}: {show(cells[i])} is text, and a "
                "regression target must be numeric; use classification, or choose a "
                "numeric target column",
                path=where,
                line=line_of(i),
                column=name,
            ) from None
        return cells, "classification"
    spellings = {c: v for c, v in zip(cells.tolist(), values.tolist()) if v.is_integer()}
    return target_from_numbers(where, name, values, spellings, cells.__getitem__, line_of, task)


def target_from_numbers(
    where: str,
    name: str,
    values: np.ndarray,
    spellings: dict[str, float] | None,
    cell: Callable[[int], str],
    line_of: Callable[[int], int],
    task: str | None,
) -> tuple[np.ndarray, str]:
    """Parse a CSV target column whose cells are all numbers, ``values`` (n,) float64.

    ``spellings`` maps each text of a whole-number value in the column to that value
    (``{"007": 7.0, "10": 10.0}``) or is None when unknown; ``cell(i)`` is row i's text,
    for messages. Labels keep the text the file has when each class is written one way
    and some not as a plain integer. Returns ``(y, task)`` as :func:`target_from_text`.
    """
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"{where}: line {line_of(i)}, column {name!r}: {show(cell(i))} is not a finite "
            "number; the target cannot be NaN or Inf: fill in a value or delete the row",
            path=where,
            line=line_of(i),
            column=name,
        )
    if (task or detect_task(values)) == "classification" and not exact_integers(values):
        # Whole numbers beyond 2**53 are not exact in float64 (two labels could become
        # one) and beyond int64 they would wrap: such labels keep the text the file has.
        labels = np.empty(len(values), dtype=object)
        labels[:] = [cell(i).strip() for i in range(len(values))]
        return labels, "classification"
    y, task_ = _numeric_target(where, name, values, task, lambda i: f"line {line_of(i)}")
    if task_ == "classification" and spellings:
        texts: dict[int, set[str]] = {}
        for text, v in spellings.items():
            texts.setdefault(int(v), set()).add(text)
        one_way = all(len(t) == 1 for t in texts.values())
        if one_way and any(t != {str(v)} for v, t in texts.items()):
            classes, index = np.unique(y, return_inverse=True)
            labels = np.empty(len(classes), dtype=object)
            labels[:] = [next(iter(texts[c])) for c in classes.tolist()]
            return labels[index.reshape(-1)], task_
    return y, task_


#: whole numbers up to this magnitude are exact in float64; larger ones are not labels
EXACT_INTEGER = 2**53


def exact_integers(values: np.ndarray) -> bool:
    """True when every value is within +-2**53, where float64 holds whole numbers exactly."""
    return not values.size or float(np.abs(values).max()) <= EXACT_INTEGER


def _numeric_target(
    where: str, name: str, values: np.ndarray, task: str | None, loc: Callable[[int], str]
) -> tuple[np.ndarray, str]:
    task_ = task or detect_task(values)
    if task_ == "regression":
        return values.astype(np.float64), task_
    if not exact_integers(values):
        i = int(np.argmax(np.abs(values) > EXACT_INTEGER))
        raise DataError(
            f"{where}: {loc(i)}, column {name!r}: {float(values[i])!r} is too large to be an "
            "exact class label (whole numbers up to 2**53); save the labels as integers or "
            "text, or use regression",
            path=where,
            column=name,
        )
    frac = values != np.round(values)
    if frac.any():
        i = int(np.argmax(frac))
        raise DataError(
            f"{where}: {loc(i)}, column {name!r}: {float(values[i])!r} "
            "is not a whole number, and numeric class labels must be integers; use "
            "regression, or label the classes with integers or text",
            path=where,
            column=name,
        )
    return values.astype(np.int64), task_


# --------------------------------------------------------------------------- NPZ arrays


def target_from_array(
    where: str, name: str, y: np.ndarray, task: str | None
) -> tuple[np.ndarray, str]:
    """y of an NPZ file as labels or float targets, with the task decided.

    A 2-D ``y`` whose rows are one-hot is read as class indices 0..k-1."""
    kind = y.dtype.kind
    if kind in "US":
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if task == "regression" or y.ndim != 1:
            raise DataError(
                f"{where}: array y holds text labels; they can only be a classification "
                "target with shape (n_samples,): use classification",
                path=where,
                column="y",
            )
        return np.array(string_values(y), dtype=object), "classification"
    if kind == "b":
        y = y.astype(np.int64)
        kind = "i"
    if kind in "iu" and (y.ndim == 1 or y.shape[1:] == (1,)) and len(y):
        flat = y.reshape(len(y))
        if (task or detect_task(flat)) == "classification":
            # Integer labels stay exact (no float64 trip); beyond int64 they become text.
            if kind == "u" and int(flat.max()) > np.iinfo(np.int64).max:
                labels = np.empty(len(flat), dtype=object)
                labels[:] = [str(v) for v in flat.tolist()]
                return labels, "classification"
            return flat.astype(np.int64), "classification"
    if kind not in "iuf":
        raise DataError(
            f"{where}: array y has dtype {y.dtype}; targets must be numbers or strings",
            path=where,
            column="y",
        )
    y = y.astype(np.float64)
    bad = ~np.isfinite(y)
    if bad.any():
        idx = tuple(int(v) for v in np.argwhere(bad)[0])
        raise DataError(
            f"{where}: y[{', '.join(map(str, idx))}] is {y[idx]}; the target cannot be NaN or "
            "Inf: replace or drop that row",
            path=where,
            column="y",
        )
    if y.ndim == 2 and y.shape[1] > 1:
        one_hot = np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1)
        if task == "classification" or (task is None and one_hot):
            if not one_hot:
                raise DataError(
                    f"{where}: array y has {y.shape[1]} columns that are not one-hot rows; "
                    "for classification save one label per row, y of shape (n_samples,)",
                    path=where,
                    column="y",
                )
            return y.argmax(axis=1).astype(np.int64), "classification"
        return y, "regression"
    if y.ndim == 2:
        task_ = task or detect_task(y)
        if task_ == "regression":
            return y, task_
        y = y[:, 0]
    return _numeric_target(where, name, y, task, lambda i: f"y[{i}]")


# --------------------------------------------------------------------------- checks


def check_classes(where: str, target_name: str, y: np.ndarray) -> list:
    """The sorted classes of labels ``y`` (n,), after the checks every classifier needs:
    at least two classes, and text labels that do not look like row identifiers."""
    classes = label_list(y)
    n = len(y)
    if len(classes) < 2:
        raise DataError(
            f"{where}: target {target_name!r} has only one class ({classes[0]!r}) in all "
            f"{n} rows; classification needs at least two classes: choose another "
            "target column, or use regression",
            path=where,
            column=target_name,
        )
    if y.dtype.kind == "O" and len(classes) > max(MAX_AUTO_CLASSES, n // 2):
        raise DataError(
            f"{where}: target {target_name!r} has {len(classes)} different text values "
            f"in {n} rows, which looks like an identifier, not a class label; choose "
            "the target column explicitly",
            path=where,
            column=target_name,
        )
    return classes


# --------------------------------------------------------------------------- new data


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def match_labels(values, classes: Sequence) -> np.ndarray:
    """Target values of new data as the labels of a trained model's ``classes``.

    ``values`` are text cells or an array (numbers or strings), one per row. A value is
    the class whose text it is (``"007"`` is ``"007"``), else the class with the same
    number (``"7"`` and ``7.0`` are ``"007"`` when the model knows ``"007"``; ``"2.0"`` is
    ``2``). A value that names no class stays as its text. Returns an object array of
    the labels, each an item of ``classes`` or an unknown label's text.
    """
    arr = np.asarray(values).ravel()
    if arr.dtype.kind == "S" or arr.dtype.kind == "O":
        arr = np.array(
            string_values(arr) if arr.dtype.kind == "S" else [str(v) for v in arr.tolist()]
        )
    texts = np.char.strip(arr.astype(str))
    by_text = {str(c): c for c in classes}
    by_number: dict[float, object] = {}
    for c in classes:
        v = _number(str(c))
        if v is not None:
            by_number.setdefault(v, c)
    unique, inverse = np.unique(texts, return_inverse=True)
    labels = []
    for text in unique.tolist():
        if text in by_text:
            labels.append(by_text[text])
            continue
        v = _number(text)
        labels.append(by_number.get(v, text) if v is not None else text)
    mapped = np.empty(len(labels), dtype=object)
    mapped[:] = labels
    return mapped[inverse.reshape(-1)]
