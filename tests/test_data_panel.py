"""DataPanel: loading through its widgets, what it shows, and failing without side effects."""

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QPushButton, QWidget

from nnstudio.app.data_panel import PREVIEW_COLUMNS, PREVIEW_ROWS, DataPanel
from nnstudio.data.errors import DataError
from nnstudio.data.loaders import load_dataset


@pytest.fixture
def panel(qtbot):
    p = DataPanel()
    qtbot.addWidget(p)
    p.resize(380, 640)
    yield p
    assert p.shutdown()  # no load thread left running


@pytest.fixture
def ragged_csv(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,label\n1,2,0\n3,4\n5,6,1\n", encoding="utf-8")
    return path


@pytest.fixture
def three_column_csv(tmp_path):
    # a: floats, b: a few integers, c: 0/1 (the default target, last column)
    path = tmp_path / "three.csv"
    rows = ["a,b,c"]
    for i in range(30):
        rows.append(f"{0.37 * i - 2:.2f},{i % 3},{int(i % 2 == 0)}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _select_sample(panel, qtbot, name):
    combo = panel.datasetCombo
    index = combo.findData(name)
    assert index >= 0
    with qtbot.waitSignal(panel.datasetChanged, timeout=5000) as blocker:
        combo.setCurrentIndex(index)
    return blocker.args[0]


def _snapshot(panel):
    t = panel.previewTable
    return {
        "dataset": panel.dataset,
        "info": panel.datasetInfoLabel.text(),
        "counts": panel.classCountsLabel.text(),
        "combo": (panel.datasetCombo.currentIndex(), panel.datasetCombo.count()),
        "target": [panel.targetCombo.itemText(i) for i in range(panel.targetCombo.count())],
        "target_index": panel.targetCombo.currentIndex(),
        "task": panel.taskCombo.currentIndex(),
        "headers": [t.horizontalHeaderItem(j).text() for j in range(t.columnCount())],
        "rows": [
            [t.item(i, j).text() for j in range(t.columnCount())] for i in range(t.rowCount())
        ],
        "scatter": [tuple(np.copy(a) for a in s.getData()) for s in panel.scatter_items()],
    }


def _assert_same(a, b):
    assert a["dataset"] is b["dataset"]
    for key in ("info", "counts", "combo", "target", "target_index", "task", "headers", "rows"):
        assert a[key] == b[key], key
    assert len(a["scatter"]) == len(b["scatter"])
    for (x1, y1), (x2, y2) in zip(a["scatter"], b["scatter"]):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)


def test_controls_have_object_and_accessible_names(panel):
    for name, cls in [
        ("datasetCombo", QComboBox),
        ("openDatasetButton", QPushButton),
        ("targetCombo", QComboBox),
        ("taskCombo", QComboBox),
        ("valSplitSpin", QDoubleSpinBox),
        ("datasetInfoLabel", QWidget),
        ("previewTable", QWidget),
        ("classCountsLabel", QWidget),
        ("dataPlot", QWidget),
    ]:
        w = panel.findChild(cls, name)
        assert w is not None, name
        assert w.accessibleName(), name
    assert panel.dataset is None


def test_sample_combo_has_descriptions_and_loads_the_sample(panel, qtbot):
    combo = panel.datasetCombo
    i = combo.findData("moons")
    assert combo.itemData(i, Qt.ItemDataRole.ToolTipRole)
    ds = _select_sample(panel, qtbot, "moons")
    expected = load_dataset("moons")
    assert ds is panel.dataset
    assert ds.name == "moons" and ds.task == "classification"
    np.testing.assert_array_equal(ds.X, expected.X)
    np.testing.assert_array_equal(ds.y, expected.y)
    assert "500 rows" in panel.datasetInfoLabel.text()
    assert "250" in panel.classCountsLabel.text()


def test_preview_table_shows_the_first_rows(panel, qtbot):
    ds = _select_sample(panel, qtbot, "blobs")
    t = panel.previewTable
    assert t.rowCount() == PREVIEW_ROWS
    headers = [t.horizontalHeaderItem(j).text() for j in range(t.columnCount())]
    assert headers == ["x1", "x2", "label"]
    for i in range(PREVIEW_ROWS):
        for j in range(2):
            assert t.item(i, j).data(Qt.ItemDataRole.UserRole) == ds.X[i, j]
            assert float(t.item(i, j).text()) == pytest.approx(ds.X[i, j], rel=1e-5)
        assert t.item(i, 2).text() == str(ds.y[i])


def test_preview_of_wide_data_shows_the_first_features_and_the_target(panel, tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "wide.npz"
    np.savez(path, X=rng.random((30, 784)), y=rng.integers(0, 3, 30))
    ds = panel.load(str(path))
    t = panel.previewTable
    assert t.columnCount() == PREVIEW_COLUMNS + 1
    headers = [t.horizontalHeaderItem(j).text() for j in range(t.columnCount())]
    assert headers == [*ds.feature_names[:PREVIEW_COLUMNS], ds.target_name]
    assert t.item(0, PREVIEW_COLUMNS).text() == str(ds.y[0])
    assert f"first {PREVIEW_COLUMNS} of 784 features" in panel.previewNoteLabel.text()
    assert not panel.previewNoteLabel.isHidden()
    assert "784" in t.horizontalHeaderItem(0).toolTip()
    panel.load("moons")  # narrow data: every column, no note
    assert t.columnCount() == 3 and panel.previewNoteLabel.isHidden()


def test_scatter_items_hold_exactly_the_points_of_each_class(panel, qtbot):
    ds = _select_sample(panel, qtbot, "blobs")
    items = panel.scatter_items()
    assert [it.name() for it in items] == ["0", "1", "2"]
    plotted = panel.dataPlot.getPlotItem().listDataItems()
    assert all(it in plotted for it in items)
    for k, it in enumerate(items):
        x, y = it.getData()
        sel = ds.y == ds.classes[k]
        np.testing.assert_array_equal(x, ds.X[sel, 0])
        np.testing.assert_array_equal(y, ds.X[sel, 1])
    # a new dataset replaces the items instead of adding to them
    _select_sample(panel, qtbot, "moons")
    assert len(panel.scatter_items()) == 2
    assert len(panel.dataPlot.getPlotItem().listDataItems()) == 2


def test_one_feature_regression_plots_y_against_x(panel, qtbot):
    ds = _select_sample(panel, qtbot, "sine")
    (item,) = panel.scatter_items()
    x, y = item.getData()
    np.testing.assert_array_equal(x, ds.X[:, 0])
    np.testing.assert_array_equal(y, ds.y)
    assert panel.taskCombo.currentIndex() == 0  # auto
    assert not panel.targetCombo.isEnabled()  # a sample has a fixed target


def test_bad_csv_via_load_raises_and_changes_nothing(panel, qtbot, ragged_csv):
    _select_sample(panel, qtbot, "xor")
    before = _snapshot(panel)
    with qtbot.assertNotEmitted(panel.datasetChanged), qtbot.assertNotEmitted(panel.loadFailed):
        with pytest.raises(DataError) as err:
            panel.load(str(ragged_csv))
    assert "ragged.csv" in str(err.value)
    _assert_same(before, _snapshot(panel))


def test_bad_csv_via_drop_emits_load_failed_with_the_message(panel, qtbot, ragged_csv):
    _select_sample(panel, qtbot, "circles")
    before = _snapshot(panel)
    with pytest.raises(DataError) as direct:
        load_dataset(str(ragged_csv))
    with qtbot.waitSignal(panel.loadFailed, timeout=5000) as blocker:
        assert panel.load_from_drop(str(ragged_csv)) is None
    assert blocker.args == [str(direct.value)]
    _assert_same(before, _snapshot(panel))


def test_drop_event_with_a_local_file_loads_it(panel, qtbot, three_column_csv):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(three_column_csv))])
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    try:  # Qt >= 6.12 takes a QPointF (the QPoint form is deprecated there)
        enter = QDragEnterEvent(QPointF(10, 10), *args)
    except TypeError:  # older Qt only has the QPoint form
        enter = QDragEnterEvent(QPoint(10, 10), *args)
    panel.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(panel.datasetChanged, timeout=5000):
        panel.dropEvent(drop)
    assert panel.dataset.name == "three.csv"
    assert panel.datasetCombo.currentText() == "three.csv"


def test_open_button_uses_the_chosen_file(panel, qtbot, monkeypatch, three_column_csv):
    monkeypatch.setattr(panel, "_choose_file", lambda: str(three_column_csv))
    with qtbot.waitSignal(panel.datasetChanged, timeout=5000) as blocker:
        qtbot.mouseClick(panel.openDatasetButton, Qt.MouseButton.LeftButton)
    assert blocker.args[0].feature_names == ["a", "b"]
    # cancelling the dialog does nothing
    monkeypatch.setattr(panel, "_choose_file", lambda: None)
    with qtbot.assertNotEmitted(panel.datasetChanged), qtbot.assertNotEmitted(panel.loadFailed):
        qtbot.mouseClick(panel.openDatasetButton, Qt.MouseButton.LeftButton)


def test_target_change_reloads_with_that_target(panel, qtbot, three_column_csv):
    panel.load(str(three_column_csv))
    combo = panel.targetCombo
    assert combo.isEnabled()
    assert [combo.itemText(i) for i in range(combo.count())] == ["a", "b", "c"]
    assert combo.currentText() == "c"
    with qtbot.waitSignal(panel.datasetChanged, timeout=5000) as blocker:
        combo.setCurrentIndex(1)
    ds = blocker.args[0]
    assert ds.target_name == "b" and ds.feature_names == ["a", "c"]
    assert ds.classes == [0, 1, 2]
    assert panel.previewTable.horizontalHeaderItem(2).text() == "b"
    # the choice of columns keeps the file's order
    assert [combo.itemText(i) for i in range(combo.count())] == ["a", "b", "c"]
    assert combo.currentText() == "b"


def test_failed_target_change_emits_load_failed_and_reverts(panel, qtbot, tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("x,kind\n0.5,cat\n1.5,dog\n2.5,cat\n3.5,dog\n", encoding="utf-8")
    panel.load(str(path))
    before = _snapshot(panel)
    with qtbot.waitSignal(panel.loadFailed, timeout=5000) as blocker:
        panel.targetCombo.setCurrentIndex(0)  # 'kind' (text) would become a feature
    assert "kind" in blocker.args[0]
    _assert_same(before, _snapshot(panel))


def test_task_override_reloads(panel, qtbot, three_column_csv):
    panel.load(str(three_column_csv))
    assert panel.dataset.task == "classification"
    with qtbot.waitSignal(panel.datasetChanged, timeout=5000) as blocker:
        panel.taskCombo.setCurrentIndex(panel.taskCombo.findText("regression"))
    assert blocker.args[0].task == "regression"
    assert "regression" in panel.datasetInfoLabel.text()


def test_val_split_and_training_lock(panel, qtbot):
    assert panel.val_split() == pytest.approx(0.2)
    spin = panel.valSplitSpin
    assert (spin.minimum(), spin.maximum(), spin.singleStep()) == (0.0, 0.99, 0.05)
    assert spin.decimals() == 3  # a project's 0.95 or 0.125 is shown exactly
    panel.set_val_split(0.35)
    assert panel.val_split() == pytest.approx(0.35)
    _select_sample(panel, qtbot, "xor")
    panel.set_training(True)
    for w in (
        panel.datasetCombo,
        panel.openDatasetButton,
        panel.targetCombo,
        panel.taskCombo,
        panel.valSplitSpin,
    ):
        assert not w.isEnabled()
    panel.set_training(False)
    for w in (panel.datasetCombo, panel.openDatasetButton, panel.taskCombo, panel.valSplitSpin):
        assert w.isEnabled()


def test_more_than_two_features_plot_the_first_two_with_a_note(panel, tmp_path):
    path = tmp_path / "wide.npz"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    y = (X[:, 0] > 0).astype(np.int64)
    np.savez(path, X=X, y=y)
    ds = panel.load(str(path))
    assert not panel.targetCombo.isEnabled()  # an NPZ has its target fixed
    assert "first two of 4 features" in panel.plotNoteLabel.text()
    x0, y0 = panel.scatter_items()[0].getData()
    np.testing.assert_array_equal(x0, ds.X[ds.y == 0, 0])
    np.testing.assert_array_equal(y0, ds.X[ds.y == 0, 1])


# --------------------------------------------------------------------------- worker loads


def _gated_progress(monkeypatch):
    """Make the load's worker wait at its first progress report until the returned event
    is set, so a test can press Cancel while the load is surely running."""
    import threading

    from nnstudio.app.data_loader import LoadWorker
    from nnstudio.data import csv_reader

    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 64)
    gate = threading.Event()
    original = LoadWorker._on_progress

    def gated(self, fraction):
        gate.wait(10)
        original(self, fraction)

    monkeypatch.setattr(LoadWorker, "_on_progress", gated)
    return gate


def test_cancel_stops_a_load_and_keeps_the_data(panel, qtbot, tmp_path, monkeypatch):
    panel.load("moons")
    before = _snapshot(panel)
    path = tmp_path / "big.csv"
    path.write_text("a,b,y\n" + "".join(f"{i},{i / 7:.4f},{i % 3}\n" for i in range(3000)))
    gate = _gated_progress(monkeypatch)
    with qtbot.assertNotEmitted(panel.datasetChanged), qtbot.assertNotEmitted(panel.loadFailed):
        panel.load_from_drop(str(path))
        assert panel.is_loading() and not panel.datasetCombo.isEnabled()
        qtbot.waitUntil(lambda: panel.cancelLoadButton.isVisibleTo(panel), timeout=5000)
        assert panel.loadProgressBar.isVisibleTo(panel)
        qtbot.mouseClick(panel.cancelLoadButton, Qt.MouseButton.LeftButton)
        gate.set()
        qtbot.waitUntil(lambda: not panel.is_loading(), timeout=5000)
    assert not panel.loadProgressBar.isVisibleTo(panel) and panel.datasetCombo.isEnabled()
    _assert_same(before, _snapshot(panel))


def test_waiting_load_raises_load_cancelled(panel, qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QTimer

    from nnstudio.app.data_panel import LoadCancelled

    path = tmp_path / "big.csv"
    path.write_text("a,b,y\n" + "".join(f"{i},{i / 7:.4f},{i % 3}\n" for i in range(3000)))
    gate = _gated_progress(monkeypatch)

    def press_cancel():
        panel.cancel_load()
        gate.set()

    QTimer.singleShot(50, press_cancel)  # runs inside load()'s wait: events are processed
    with pytest.raises(LoadCancelled, match="cancelled; nothing changed"):
        panel.load(str(path))
    assert panel.dataset is None and not panel.is_loading()


def test_thousands_of_classes_list_the_largest_and_plot_a_few_items(panel, tmp_path):
    from nnstudio.app.boundary_view import MAX_CLASS_ITEMS, MAX_POINTS
    from nnstudio.app.data_panel import CLASS_LIST_LIMIT

    # 10,000 classes, class c0 three times, every other class twice: 20,001 rows
    labels = [f"c{k}" for k in range(10_000)] * 2 + ["c0"]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(len(labels), 2)).round(4)
    path = tmp_path / "many.csv"
    path.write_text("u,v,label\n" + "".join(f"{a},{b},{c}\n" for (a, b), c in zip(X, labels)))
    ds = panel.load(str(path))
    assert len(ds.classes) == 10_000
    text = panel.classCountsLabel.text()
    assert text.startswith(f"10000 classes; the {CLASS_LIST_LIMIT} largest:")
    assert "c0:&nbsp;3" in text and text.count(":&nbsp;") == CLASS_LIST_LIMIT
    assert f"and {10_000 - CLASS_LIST_LIMIT} more ({2 * (10_000 - CLASS_LIST_LIMIT)} rows)" in text
    items = panel.scatter_items()  # one per colour, not one per class
    assert 1 < len(items) <= MAX_CLASS_ITEMS
    x = np.concatenate([i.getData()[0] for i in items])
    y = np.concatenate([i.getData()[1] for i in items])
    assert len(x) == min(MAX_POINTS, len(labels))
    assert set(zip(x.tolist(), y.tolist())) <= set(map(tuple, X.tolist()))
    assert f"showing {len(x)} of {len(labels)} rows" in panel.plotNoteLabel.text()


def test_a_panel_that_loaded_is_freed_with_its_last_reference(qtbot, three_column_csv):
    """No reference cycle runs through a load: Python's cycle collector may run on any
    thread, the load thread included, and a widget freed there crashes the process (a
    test holding its panel in a local crashed pytest at teardown this way)."""
    import gc
    import weakref

    was_enabled = gc.isenabled()  # (the main window turns it off for good)
    gc.disable()  # only reference counts may free the panel here
    try:
        panel = DataPanel()
        panel.load(str(three_column_csv))
        assert panel.shutdown()
        ref = weakref.ref(panel)
        del panel
        assert ref() is None
    finally:
        if was_enabled:
            gc.enable()


def test_load_returns_after_the_drawing_its_handlers_left_for_later(panel, three_column_csv):
    """A finished load is taken in over several event-loop turns; ``datasetChanged``
    fires once the load no longer counts as running, and ``load`` returns only after
    the pieces its handlers queued with ``later``."""
    log = []

    def on_changed(ds):
        log.append(("changed", ds.n_samples, panel.is_loading()))
        panel.later(lambda: log.append("piece"))

    panel.datasetChanged.connect(on_changed)
    ds = panel.load(str(three_column_csv))
    assert log == [("changed", 30, False), "piece"]
    (x, _), (x1, _) = (it.getData() for it in panel.scatter_items())  # classes 0 and 1
    np.testing.assert_array_equal(np.sort(np.concatenate([x, x1])), np.sort(ds.X[:, 0]))

    log.clear()
    panel.show_dataset(ds)  # in memory, not a load: the handler's piece runs at once
    assert log == [("changed", 30, False), "piece"]


def test_finish_taking_in_runs_the_waiting_pieces_now(panel, qtbot, three_column_csv):
    log = []
    panel.datasetChanged.connect(lambda ds: panel.later(lambda: log.append("piece")))
    with qtbot.waitSignal(panel.datasetChanged, timeout=5000):
        panel.load_from_drop(str(three_column_csv))
    assert log == []  # queued for a later turn
    panel.finish_taking_in()
    assert log == ["piece"]
    qtbot.wait(20)
    assert log == ["piece"]  # and not run twice


def test_dataset_arriving_comes_just_before_dataset_changed(panel, three_column_csv):
    """Loaded or made in memory, a dataset arrives, then changes (the main window shows
    its tabs and title on the first, its session on the second)."""
    seen = []
    panel.datasetArriving.connect(lambda ds: seen.append(("arriving", ds.n_samples)))
    panel.datasetChanged.connect(lambda ds: seen.append(("changed", ds.n_samples)))
    ds = panel.load(str(three_column_csv))
    assert seen == [("arriving", 30), ("changed", 30)]
    seen.clear()
    panel.show_dataset(ds)
    assert seen == [("arriving", 30), ("changed", 30)]


def test_shutdown_waits_for_every_load_thread(panel, qtbot, three_column_csv):
    """A load replaced by a newer one still runs its thread to the end: shutdown waits
    for both (make_thread holds them until then)."""
    from nnstudio.app.threads import running_threads

    panel.load_from_drop(str(three_column_csv))
    panel.load_from_drop(str(three_column_csv))  # replaces the first, which still runs
    threads = running_threads("loadThread")
    assert len(threads) >= 2
    assert panel.shutdown(10000)
    assert all(t.isFinished() for t in threads)
