"""Target labels: one parser for training data and for the new data a model scores.

Expected labels are written out by hand from the cells in each test.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data import DataError, load_csv, load_features
from nnstudio.data.targets import match_labels


def rows(y):
    return [type(v).__name__ + ":" + str(v) for v in y]


@pytest.mark.parametrize(
    ("cells", "classes", "expected"),
    [
        # exact text first
        (["007", "010", "007"], ["007", "010"], ["str:007", "str:010", "str:007"]),
        # the same number spelled another way is the model's class, in the model's type
        (["7", " 10 ", "7.0"], ["007", "010"], ["str:007", "str:010", "str:007"]),
        (["2.0", "1", "+2"], [1, 2], ["int:2", "int:1", "int:2"]),
        # a label the model never saw stays as its text
        (["3", "cat", "1"], [1, 2], ["str:3", "str:cat", "int:1"]),
        (["setosa", "Setosa"], ["setosa", "virginica"], ["str:setosa", "str:Setosa"]),
    ],
)
def test_match_labels_reads_cells_as_the_models_classes(cells, classes, expected):
    assert rows(match_labels(cells, classes)) == expected


def test_match_labels_reads_numeric_arrays_too():
    assert rows(match_labels(np.array([7.0, 10.0]), ["007", "010"])) == ["str:007", "str:010"]
    assert rows(match_labels(np.array([2, 1]), [1, 2])) == ["int:2", "int:1"]
    assert rows(match_labels(np.array([b"b", b"a"]), ["a", "b"])) == ["str:b", "str:a"]


def test_training_and_scoring_agree_on_labels_spelled_differently(tmp_path):
    train = tmp_path / "train.csv"
    train.write_text("a,b,code\n1,2,007\n3,4,010\n5,6,007\n")
    ds = load_csv(train)
    assert ds.classes == ["007", "010"]
    new = tmp_path / "new.csv"
    new.write_text("code,b,a\n7,2,1\n10.0,4,3\n")
    X, y = load_features(new, ["a", "b"], target_name="code", classes=ds.classes)
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    assert rows(y) == ["str:007", "str:010"]


def test_integer_labels_become_integers_in_training(tmp_path):
    path = tmp_path / "ints.csv"
    path.write_text("a,label\n1,2\n2,1\n3,2.0\n")  # 2 and 2.0: one class, the integer 2
    ds = load_csv(path)
    assert ds.classes == [1, 2] and ds.y.dtype == np.int64 and ds.y.tolist() == [2, 1, 2]


def test_empty_target_cell_names_its_line(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text("a,label\n1,x\n2,\n3,y\n")
    with pytest.raises(DataError, match=r"line 3, column 'label': the cell is empty") as info:
        load_csv(path)
    assert info.value.line == 3 and info.value.column == "label"
