"""The fast CSV reader (NumPy's C parser, block by block) against the cell-by-cell one.

The independent truth is ``csv_reader._read_slowly``: Python's ``csv`` module, cell by
cell, the reader nnstudio had before. For any text, the fast path must give the same
dataset or the same one-line error (file, line, column). Blocks are made tiny so that
every block boundary case (header in the first block, a bad cell in a later block,
blank blocks) is met.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.data import DataError, csv_reader, load_csv, load_features

CELLS = [
    "1", "-2.5", "1e3", " 7 ", "007", "2.0", "+3", '"4"', ".5", "0", "2",
    "x", "setosa", '"a,b"', " b ", "", "nan", "inf", "1_000", "1,5", "12",
]  # fmt: skip


def outcome(path, monkeypatch, slow: bool, **kw):
    """(kind, value): the Dataset's arrays, or the error message and its fields."""
    with monkeypatch.context() as m:
        if slow:

            def cell_by_cell(self):
                raise csv_reader._CellByCell

            m.setattr(csv_reader._Fast, "read", cell_by_cell)
        try:
            ds = load_csv(path, **kw)
        except DataError as exc:
            return ("error", str(exc), exc.line, exc.column)
    return (
        "ok",
        ds.X.tolist(),
        [type(v).__name__ + repr(v) for v in ds.y.tolist()],
        ds.task,
        ds.classes,
        ds.feature_names,
        ds.target_name,
    )


@st.composite
def csv_texts(draw):
    delim = draw(st.sampled_from([",", ";", "\t"]))
    ncol = draw(st.integers(2, 4))
    header = delim.join(f"c{j}" for j in range(ncol))
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["row"] * 8 + ["blank", "delims", "ragged", "spaces"]))
        if kind == "blank":
            rows.append("")
        elif kind == "delims":
            rows.append(delim * (ncol - 1))
        elif kind == "spaces":
            rows.append("  ")
        else:
            n = ncol + (draw(st.sampled_from([-1, 1])) if kind == "ragged" else 0)
            numeric = st.sampled_from(CELLS[:11])
            cells = [draw(numeric if draw(st.integers(0, 9)) else st.sampled_from(CELLS))
                     for _ in range(max(n, 1))]  # fmt: skip
            if delim != ",":
                cells = [c.replace(",", ".") if '"' not in c else c for c in cells]
            rows.append(delim.join(cells))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return bom + header + eol + eol.join(rows) + draw(st.sampled_from(["", eol]))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=csv_texts(), block=st.sampled_from([8, 32, 1 << 20]))
def test_fast_reader_agrees_with_the_cell_by_cell_reader(tmp_path, monkeypatch, text, block):
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", block)
    assert outcome(path, monkeypatch, slow=False) == outcome(path, monkeypatch, slow=True)


def int_label_file(tmp_path, labels):
    path = tmp_path / "labels.csv"
    path.write_text("a,b,label\n" + "".join(f"{i},{-i},{c}\n" for i, c in enumerate(labels)))
    return path


@pytest.mark.parametrize("block", [16, 1 << 20])
def test_many_blocks_give_the_rows_in_order(tmp_path, monkeypatch, block):
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", block)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3)).round(6)
    path = tmp_path / "many.csv"
    path.write_text("a,b,c,y\n" + "".join(f"{a},{b},{c},{a + b:.6f}\n" for a, b, c in X))
    seen = []
    ds = load_csv(path, progress=seen.append)
    np.testing.assert_array_equal(ds.X, X)
    np.testing.assert_allclose(ds.y, X[:, 0] + X[:, 1], atol=1e-6)
    assert seen == sorted(seen) and seen[-1] == 1.0
    # one report per block that held a whole line: one block, or, with 16-byte blocks,
    # one for the header's block and one per row
    assert len(seen) == (1 if block > 1000 else 301)


def test_label_spellings_are_kept_across_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 16)
    ds = load_csv(int_label_file(tmp_path, ["007", "010"] * 20))
    assert ds.classes == ["007", "010"] and ds.y[:2].tolist() == ["007", "010"]
    ds = load_csv(int_label_file(tmp_path, ["7", "10", "7.0"] * 20))  # 7 written two ways
    assert ds.classes == [7, 10] and ds.y.dtype == np.int64


def test_text_labels_after_numeric_blocks_restart_as_text(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 16)
    labels = ["1", "2"] * 20 + ["other"]
    ds = load_csv(int_label_file(tmp_path, labels))
    assert ds.classes == ["1", "2", "other"]
    assert ds.y.tolist() == labels


def test_an_error_in_a_late_block_names_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 64)
    rows = [f"{i},{i}.5,{i % 2}" for i in range(200)]
    rows[150] = "150,abc,0"  # file line 152: the header is line 1
    path = tmp_path / "late.csv"
    path.write_text("a,b,y\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"line 152, column 'b': 'abc' is not a number") as e:
        load_csv(path)
    assert e.value.line == 152
    rows[150] = "150,150.5,0"
    rows[180] = "180,inf,0"
    path.write_text("a,b,y\n\n" + "\n".join(rows) + "\n")  # a blank line 2 shifts lines
    with pytest.raises(DataError, match=r"line 183, column 'b': 'inf' is not a finite"):
        load_csv(path)


def test_cancel_from_progress_stops_the_read(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 16)
    path = int_label_file(tmp_path, ["a", "b"] * 50)

    class Stop(Exception):
        pass

    calls = []

    def progress(fraction):
        calls.append(fraction)
        if len(calls) == 3:
            raise Stop

    with pytest.raises(Stop):
        load_csv(path, progress=progress)
    assert len(calls) == 3 and calls[-1] < 1


def test_prediction_reads_the_target_the_same_way(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 16)
    path = int_label_file(tmp_path, ["7", "10.0"] * 10)
    X, y = load_features(path, ["b", "a"], target_name="label", classes=["007", "010"])
    np.testing.assert_array_equal(X[:2], [[0, 0], [-1, 1]])
    assert y.tolist() == ["007", "010"] * 10


def _big_rows(n=150_000):
    """Rows of a file about 2.7 MB long: two 1 MB blocks and a bit."""
    return [f"{i},{i % 97}.25,{(i * 7) % 13}.5,{i % 3}" for i in range(n)]


@pytest.mark.parametrize(
    "bad",
    [
        {149_990: "1,abc,1.5,0"},  # a text cell in the last block
        {149_990: "1,nan,1.5,0"},  # a NaN in the last block
        {100: "1,inf,1.5,0", 140_000: "1,,1.5,0"},  # a later empty cell wins over Inf
        {100: "1,x,1.5,0", 120_000: "1,1.5,0"},  # a later ragged row wins over text
        {60_001: "1,x,2,0", 130_000: "1,y,2,0"},  # the first of two text cells
    ],
)
def test_a_bad_cell_far_into_a_big_file_is_found_in_its_block_only(tmp_path, monkeypatch, bad):
    """The message is the cell-by-cell reader's (the independent truth, over the whole
    file), but only the failing blocks are read cell by cell: the whole-file reader is
    never called, and progress runs to the end of the file."""
    rows = _big_rows()
    for i, text in bad.items():
        rows[i] = text
    path = tmp_path / "big.csv"
    path.write_text("a,b,c,y\n" + "\n".join(rows) + "\n")
    assert path.stat().st_size > 2 * csv_reader.BLOCK_BYTES
    truth = outcome(path, monkeypatch, slow=True)
    assert truth[0] == "error"

    def whole_file(*args, **kwargs):
        raise AssertionError("the whole file was read cell by cell")

    seen = []
    with monkeypatch.context() as m:
        m.setattr(csv_reader, "_read_slowly", whole_file)
        with pytest.raises(DataError) as e:
            load_csv(path, progress=seen.append)
    assert (str(e.value), e.value.line, e.value.column) == truth[1:]
    assert seen[-1] == 1.0 and len(seen) >= 3


def test_cancel_works_after_a_bad_block(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 4096)
    rows = _big_rows(5_000)
    rows[10] = "10,abc,1,0"  # found in the first block; the scan goes on for a ragged row
    path = tmp_path / "big.csv"
    path.write_text("a,b,c,y\n" + "\n".join(rows) + "\n")

    class Stop(Exception):
        pass

    calls = []

    def progress(fraction):
        calls.append(fraction)
        if len(calls) == 5:
            raise Stop

    with pytest.raises(Stop):
        load_csv(path, progress=progress)
    assert calls[-1] < 1
