"""What the views need from every row (``insight.data_facts``), and that a load computes
it on the load worker, never on the GUI thread.

The independent truths are plain NumPy on the dataset's arrays, and the thread each
computation ran on.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nnstudio.data.dataset import Dataset
from nnstudio.insight import data_facts as facts_module
from nnstudio.insight.data_facts import MAX_POINTS, data_facts, plot_subset


def _big(task: str, n: int = 3 * MAX_POINTS) -> Dataset:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, 3))
    missed = np.setdiff1d(np.arange(n), plot_subset(n))[0]  # a row that is not drawn
    X[missed] = [50.0, -40.0, 7.0]  # the extremes of x0 and x1 are in no drawn row
    if task == "classification":
        y = np.array(["b", "a", "c"], dtype=object)[rng.integers(0, 3, n)]
    else:
        y = rng.normal(size=n) * 3 + 1
        y[missed] = 99.0
    return Dataset("big", "big", X, y, ["x0", "x1", "x2"], "t", task)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_facts_equal_plain_numpy_over_every_row(task):
    ds = _big(task)
    f = data_facts(ds)
    keep = plot_subset(ds.n_samples)
    assert len(keep) == MAX_POINTS
    np.testing.assert_array_equal(f.drawn, keep)
    np.testing.assert_array_equal(f.X_drawn, ds.X[keep])
    np.testing.assert_array_equal(f.x_min, ds.X.min(axis=0))
    np.testing.assert_array_equal(f.x_max, ds.X.max(axis=0))
    if task == "classification":
        truth = np.array([ds.classes.index(v) for v in ds.y.tolist()])
        np.testing.assert_array_equal(f.class_index, truth)
        np.testing.assert_array_equal(f.class_counts, np.bincount(truth, minlength=3))
        np.testing.assert_array_equal(f.labels_drawn, truth[keep])
        assert f.y_min is None and f.target_first is None
    else:
        assert (f.y_min, f.y_max) == (ds.y.min(), 99.0)
        assert f.y_mean == pytest.approx(ds.y.mean(), rel=1e-12)
        assert f.y_std == pytest.approx(np.sqrt(((ds.y - ds.y.mean()) ** 2).mean()), rel=1e-12)
        np.testing.assert_array_equal(f.labels_drawn, ds.y[keep])
        assert f.class_index is None and f.class_counts is None


def test_facts_are_computed_once_and_again_for_new_arrays():
    ds = _big("regression")
    first = data_facts(ds)
    assert data_facts(ds) is first
    ds.X = ds.X * 2.0  # new arrays: new facts
    again = data_facts(ds)
    assert again is not first
    np.testing.assert_array_equal(again.x_max, ds.X.max(axis=0))


def test_surface_plane_covers_every_row_not_just_the_drawn_ones(qtbot):
    """The plane spans the data's whole range (the outlier is in no drawn row), and the
    points drawn are exactly the sampled rows."""
    from nnstudio.app.surface_panel import SurfacePanel
    from nnstudio.insight.surface import make_plane

    ds = _big("regression")
    panel = SurfacePanel()
    qtbot.addWidget(panel)
    panel.set_dataset(ds)
    panel.set_features(0, 1)
    truth = make_plane(ds.X, 0, 1, resolution=panel.view.resolution)  # over all rows
    assert panel.plane().extent == truth.extent
    assert panel.plane().extent[1] > 50.0 and panel.plane().extent[2] < -40.0
    # the points drawn (one item per colour step) are exactly the bounded sample's
    drawn = np.concatenate([np.column_stack(s.getData()) for s in panel.view.scatter_items()])
    keep = plot_subset(ds.n_samples)
    np.testing.assert_array_equal(np.sort(drawn, axis=0), np.sort(ds.X[keep][:, :2], axis=0))


@pytest.fixture
def panel(qtbot):
    from nnstudio.app.data_panel import DataPanel

    p = DataPanel()  # held by the fixture until qtbot has closed it
    qtbot.addWidget(p)
    yield p
    assert p.shutdown()


def test_a_load_computes_the_facts_on_the_worker_thread(panel, tmp_path, monkeypatch):
    n = 2 * MAX_POINTS
    rng = np.random.default_rng(2)
    X = rng.normal(size=(n, 2)).round(4)
    labels = np.array(["u", "v", "w"])[rng.integers(0, 3, n)]
    path = tmp_path / "many.csv"
    path.write_text("a,b,k\n" + "".join(f"{a},{b},{c}\n" for (a, b), c in zip(X, labels)))

    threads = []
    compute = facts_module.compute_facts

    def recording(ds):
        threads.append(threading.get_ident() == threading.main_thread().ident)
        return compute(ds)

    monkeypatch.setattr(facts_module, "compute_facts", recording)
    ds = panel.load(str(path))
    assert threads == [False]  # once, on the load thread; every view found it cached
    counts = {c: int((labels == c).sum()) for c in ("u", "v", "w")}
    assert panel.summary().class_counts.tolist() == [counts["u"], counts["v"], counts["w"]]
    assert ds.n_samples == n
