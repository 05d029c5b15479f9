"""CSV loading: what is accepted, and one clear DataError for each kind of bad input.

Expected values are written out by hand from the CSV text in each test, never computed
with the loader under test.
"""

from __future__ import annotations

import csv
import os
import tempfile

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nnstudio.data import DataError, load_csv, load_dataset


def write(tmp_path, text: str | bytes, name: str = "data.csv"):
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def error_for(path, **kwargs) -> str:
    """Load, expect a DataError, check it is one line naming the file, return it."""
    before = sorted(os.listdir(os.path.dirname(path) or "."))
    with pytest.raises(DataError) as info:
        load_dataset(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    assert os.path.basename(str(path)) in message
    assert sorted(os.listdir(os.path.dirname(path) or ".")) == before  # nothing written
    return message


# --------------------------------------------------------------------------- accepted


def test_text_labels_round_trip(tmp_path):
    path = write(
        tmp_path,
        "length,width,species\n1.5,0.25,setosa\n2,-3e-1,virginica\n4.0,1,setosa\n",
    )
    ds = load_csv(path)
    assert ds.name == "data.csv"
    assert ds.source == str(path)
    assert ds.task == "classification"
    assert ds.feature_names == ["length", "width"]
    assert ds.target_name == "species"
    assert ds.classes == ["setosa", "virginica"]
    assert all(type(c) is str for c in ds.classes)
    assert ds.X.dtype == np.float64
    np.testing.assert_array_equal(ds.X, [[1.5, 0.25], [2.0, -0.3], [4.0, 1.0]])
    assert list(ds.y) == ["setosa", "virginica", "setosa"]
    assert all(type(v) is str for v in ds.y)
    assert (ds.n_samples, ds.n_features, ds.n_outputs) == (3, 2, 2)


def test_bom_crlf_whitespace_blank_lines_and_quotes(tmp_path):
    lines = [b"\xef\xbb\xbf a , b ,label ", b" 1 , 2 , yes ", b"", b'3,"4", no', b"5,6,yes", b""]
    text = b"\r\n".join(lines) + b"\r\n"
    ds = load_csv(write(tmp_path, text))
    assert ds.feature_names == ["a", "b"]
    assert ds.target_name == "label"
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6]])
    assert list(ds.y) == ["yes", "no", "yes"]
    assert ds.classes == ["no", "yes"]


def test_semicolon_and_tab_delimiters(tmp_path):
    ds = load_csv(write(tmp_path, "a;b;y\n1;2;0\n3;4;1\n"))
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4]])
    ds = load_csv(write(tmp_path, "a\tb\ty\n1\t2\t0\n3\t4\t1\n", "t.tsv"))
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4]])


def test_named_target_in_the_middle(tmp_path):
    path = write(tmp_path, "a,cls,b\n1,x,10\n2,y,20\n")
    ds = load_csv(path, target="cls")
    assert ds.feature_names == ["a", "b"]
    np.testing.assert_array_equal(ds.X, [[1, 10], [2, 20]])
    assert list(ds.y) == ["x", "y"]


def test_integer_labels_are_classification(tmp_path):
    path = write(tmp_path, "a,y\n0.1,2\n0.2,0\n0.3,1\n0.4,2.0\n")
    ds = load_csv(path)
    assert ds.task == "classification"
    assert ds.y.dtype == np.int64
    assert ds.y.tolist() == [2, 0, 1, 2]
    assert ds.classes == [0, 1, 2]
    assert all(type(c) is int for c in ds.classes)


def test_continuous_target_is_regression(tmp_path):
    path = write(tmp_path, "a,y\n1,0.5\n2,1.25\n3,-7\n")
    ds = load_csv(path)
    assert ds.task == "regression"
    assert ds.classes is None
    assert ds.y.dtype == np.float64
    np.testing.assert_array_equal(ds.y, [0.5, 1.25, -7.0])
    assert ds.n_outputs == 1


def test_many_distinct_integers_are_regression(tmp_path):
    rows = "".join(f"{i},{i * 3}\n" for i in range(21))  # 21 distinct integer targets
    assert load_csv(write(tmp_path, "a,y\n" + rows)).task == "regression"
    rows = "".join(f"{i},{i % 20}\n" for i in range(40))  # exactly 20 distinct
    assert load_csv(write(tmp_path, "a,y\n" + rows)).task == "classification"


def test_task_override(tmp_path):
    path = write(tmp_path, "a,y\n1,0\n2,1\n3,1\n")
    ds = load_csv(path, task="regression")
    assert ds.task == "regression"
    assert ds.y.dtype == np.float64
    np.testing.assert_array_equal(ds.y, [0.0, 1.0, 1.0])
    many = "".join(f"{i},{i}\n" for i in range(30))
    ds = load_csv(write(tmp_path, "a,y\n" + many, "m.csv"), task="classification")
    assert ds.task == "classification"
    assert ds.classes == list(range(30))


def test_regression_on_text_labels_is_rejected(tmp_path):
    path = write(tmp_path, "a,y\n1,cat\n2,dog\n")
    msg = error_for(path, task="regression")
    assert "line 2" in msg and "'y'" in msg and "'cat'" in msg
    assert "classification" in msg


def test_classification_of_fractional_numbers_is_rejected(tmp_path):
    path = write(tmp_path, "a,y\n1,1\n2,2.5\n")
    msg = error_for(path, task="classification")
    assert "line 3" in msg and "2.5" in msg and "regression" in msg


def test_numeric_header_names_that_are_integers_are_accepted(tmp_path):
    ds = load_csv(write(tmp_path, "0,1,label\n1.5,2.5,a\n3,4,b\n"))
    assert ds.feature_names == ["0", "1"]


# --------------------------------------------------------------------------- rejected


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    msg = error_for(path)
    assert "no such file" in msg
    with pytest.raises(DataError, match="no such file"):
        load_csv(path)


def test_directory(tmp_path):
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert "folder" in error_for(folder)
    with pytest.raises(DataError, match="is a folder"):
        load_csv(folder)


@pytest.mark.parametrize("text", ["", "\n\n  \n", "\ufeff"])
def test_empty_file(tmp_path, text):
    assert "empty" in error_for(write(tmp_path, text))


def test_header_only(tmp_path):
    msg = error_for(write(tmp_path, "a,b,y\r\n\r\n"))
    assert "no data rows" in msg


def test_ragged_row(tmp_path):
    msg = error_for(write(tmp_path, "a,b,y\n1,2,0\n3,4,1\n5,6\n7,8,1\n"))
    assert "line 4" in msg
    assert "2 fields" in msg and "3 columns" in msg


def test_ragged_row_line_counts_blank_lines(tmp_path):
    msg = error_for(write(tmp_path, "a,b,y\n\n1,2,0\n\n1,2,3,4\n"))
    assert "line 5" in msg and "4 fields" in msg


def test_non_numeric_feature(tmp_path):
    msg = error_for(write(tmp_path, "a,width,y\n1,2,0\n3,abc,1\n"))
    assert "line 3" in msg and "'width'" in msg and "'abc'" in msg
    assert "numeric" in msg


def test_decimal_comma_hint(tmp_path):
    msg = error_for(write(tmp_path, "a;b;y\n1;2,5;0\n"))
    assert "line 2" in msg and "'2,5'" in msg and "decimal" in msg


@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "-Infinity"])
def test_nan_or_inf_feature(tmp_path, bad):
    msg = error_for(write(tmp_path, f"a,b,y\n1,2,0\n3,4,1\n5,{bad},1\n"))
    assert "line 4" in msg and "'b'" in msg and "finite" in msg


def test_nan_in_numeric_target(tmp_path):
    msg = error_for(write(tmp_path, "a,y\n1,0.5\n2,nan\n"))
    assert "line 3" in msg and "'y'" in msg and "finite" in msg


def test_empty_feature_cell(tmp_path):
    msg = error_for(write(tmp_path, "a,b,y\n1,2,0\n3, ,1\n"))
    assert "line 3" in msg and "'b'" in msg and "empty" in msg


def test_empty_target_cell(tmp_path):
    msg = error_for(write(tmp_path, "a,b,y\n1,2,x\n3,4,\n"))
    assert "line 3" in msg and "'y'" in msg and "empty" in msg


def test_unknown_target_lists_columns(tmp_path):
    msg = error_for(write(tmp_path, "alpha,beta,gamma\n1,2,0\n3,4,1\n"), target="delta")
    assert "'delta'" in msg
    assert "'alpha'" in msg and "'beta'" in msg and "'gamma'" in msg


def test_single_class(tmp_path):
    msg = error_for(write(tmp_path, "a,y\n1,spam\n2,spam\n"))
    assert "one class" in msg and "'spam'" in msg and "'y'" in msg


def test_identifier_like_text_target(tmp_path):
    rows = "".join(f"{i},name{i}\n" for i in range(50))
    msg = error_for(write(tmp_path, "a,who\n" + rows))
    assert "'who'" in msg and "50 different" in msg


def test_duplicate_header(tmp_path):
    msg = error_for(write(tmp_path, "a,b,a,y\n1,2,3,0\n"))
    assert "line 1" in msg and "'a'" in msg and "columns 1 and 3" in msg


def test_empty_header_name(tmp_path):
    msg = error_for(write(tmp_path, ",a,y\n0,1,0\n"))
    assert "line 1" in msg and "column 1" in msg


def test_single_column(tmp_path):
    msg = error_for(write(tmp_path, "only\n1\n2\n"))
    assert "'only'" in msg and "one column" in msg


def test_missing_header(tmp_path):
    msg = error_for(write(tmp_path, "5.1,3.5,1.4,0.2,setosa\n4.9,3.0,1.4,0.2,setosa\n"))
    assert "line 1" in msg and "header" in msg


def test_binary_file_with_nul(tmp_path):
    msg = error_for(write(tmp_path, b"a,b,y\n1,2,0\n3,\x00\x01,1\n"))
    assert "line 3" in msg and "binary" in msg and "byte offset 14" in msg


def test_utf16_file(tmp_path):
    msg = error_for(write(tmp_path, "a,b,y\n1,2,0\n".encode("utf-16")))
    assert "UTF-16" in msg and "UTF-8" in msg


def test_non_utf8_file(tmp_path):
    # "café" in Latin-1 on line 3: "a,b,y\n" and "1,2,0\n" are 6 bytes each and
    # "3,4,caf" 7 more, so 0xE9 is at offset 6 + 6 + 7 = 19 (19 + 3 after a BOM).
    msg = error_for(write(tmp_path, b"a,b,y\n1,2,0\n3,4,caf\xe9\n"))
    assert "line 3" in msg and "0xE9" in msg and "byte offset 19" in msg and "UTF-8" in msg
    msg = error_for(write(tmp_path, b"\xef\xbb\xbfa,b,y\n1,2,0\n3,4,caf\xe9\n", "bom.csv"))
    assert "line 3" in msg and "byte offset 22" in msg


def test_npz_passed_as_csv_name(tmp_path):
    path = tmp_path / "arrays.csv"
    np.savez(path.with_suffix(".npz"), X=np.ones((2, 2)), y=np.array([0, 1]))
    os.replace(path.with_suffix(".npz"), path)
    # load_dataset sniffs the zip signature and reads it as NPZ anyway ...
    assert load_dataset(path).n_samples == 2
    # ... while load_csv explains what the file is.
    with pytest.raises(DataError, match="arrays.csv.*not CSV text"):
        load_csv(path)


def test_bad_task_argument(tmp_path):
    path = write(tmp_path, "a,y\n1,0\n2,1\n")
    with pytest.raises(DataError, match="unknown task 'clustering'"):
        load_csv(path, task="clustering")


def test_data_error_is_a_value_error_with_location(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,0\n3,x,1\n")
    with pytest.raises(ValueError) as info:
        load_csv(path)
    err = info.value
    assert isinstance(err, DataError)
    assert (err.path, err.line, err.column) == (str(path), 3, "b")


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=40, deadline=None)
@given(
    table=st.integers(1, 4).flatmap(
        lambda d: st.lists(
            st.tuples(
                st.lists(finite, min_size=d, max_size=d),
                st.sampled_from(["cat", "dog", "grey whale", "écureuil"]),
            ),
            min_size=2,
            max_size=15,
        )
    )
)
def test_csv_round_trip_property(table):
    """Whatever the csv module writes (repr floats, text labels) loads back exactly."""
    assume(len({label for _, label in table}) >= 2)
    d = len(table[0][0])
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "rt.csv")
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([f"f{j}" for j in range(d)] + ["animal"])
            for row, label in table:
                writer.writerow([repr(v) for v in row] + [label])
        ds = load_csv(path)
    assert ds.X.tolist() == [row for row, _ in table]
    assert list(ds.y) == [label for _, label in table]
    assert ds.classes == sorted({label for _, label in table})


def test_unclosed_quote(tmp_path):
    msg = error_for(write(tmp_path, 'a,b,y\n1,2,0\n3,"4,1\n5,6,1\n'))
    assert "line 3" in msg and "quote" in msg


def test_numeric_looking_labels_keep_their_text(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("a,code\n1,007\n2,010\n3,007\n4,010\n")
    ds = load_dataset(path)
    assert ds.task == "classification"
    assert ds.classes == ["007", "010"]
    assert list(ds.y) == ["007", "010", "007", "010"]
    plain = tmp_path / "plain.csv"
    plain.write_text("a,c\n1,1\n2,2\n3,1\n4,2\n")
    assert load_dataset(plain).classes == [1, 2]  # written as integers: stay integers
