"""The hostile-file corpus (tests/hostile_corpus.py) through the main window's entry
points: every file is refused with one error dialog and the window keeps what it had
(the dataset shown, the layers, the trained session); nothing raises."""

from __future__ import annotations

import pytest
from hostile_corpus import build_corpus

from nnstudio.app.main_window import MainWindow


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_corpus(tmp_path_factory.mktemp("hostile_app"))


@pytest.fixture
def window(qtbot, errors):
    w = MainWindow()
    qtbot.addWidget(w)
    assert w.load_dataset("moons")
    w.layer_table.set_layers([6], ["tanh"])
    w.training_panel.epochs_spin.setValue(2)
    assert w.train()
    qtbot.waitUntil(lambda: not w.is_training, timeout=60_000)
    assert w.session is not None and not errors
    return w


def _state(w):
    ds = w.data_panel.dataset
    table = w.layer_table
    return ds.source, ds.n_samples, table.hidden_layers(), table.activations(), w.session


def _refused(w, errors, before, case, ok):
    where = f"{case.name} ({case.about})"
    assert ok is False, where
    assert len(errors) == 1, f"{where}: {errors}"
    title, message = errors.pop()
    assert message.strip() and "Traceback" not in message, where
    assert _state(w) == before, where
    assert w.state == "idle", where


def test_every_hostile_data_file_is_refused_by_the_window(window, errors, corpus):
    w = window
    for case in [c for c in corpus if c.role == "data" and c.stage == "load"]:
        before = _state(w)
        _refused(w, errors, before, case, w.load_dataset(case.path))


def test_every_hostile_model_is_refused_by_the_window(window, errors, corpus):
    w = window
    for case in [c for c in corpus if c.role == "model"]:
        before = _state(w)
        _refused(w, errors, before, case, w.import_weights(case.path))


def test_every_hostile_project_is_refused_by_the_window(window, errors, corpus):
    w = window
    for case in [c for c in corpus if c.role == "project"]:
        before = _state(w)
        _refused(w, errors, before, case, w.open_project(case.path))


def test_hostile_data_that_loads_is_refused_at_train(window, errors, corpus, qtbot):
    # Files that read as data but cannot be trained on (a single class, too few rows...):
    # Train says why in a dialog and starts nothing.
    w = window
    train_cases = [c for c in corpus if c.role == "data" and c.stage == "train"]
    assert train_cases
    for case in train_cases:
        where = f"{case.name} ({case.about})"
        if not w.load_dataset(case.path):  # the window may already refuse it: one dialog
            assert len(errors) == 1, where
            errors.clear()
            continue
        assert not errors, where
        started = w.train()
        qtbot.waitUntil(lambda: not w.is_training, timeout=30_000)
        assert started is False or errors, where
        assert len(errors) == 1, f"{where}: {errors}"
        assert "Traceback" not in errors.pop()[1], where
        assert w.state == "idle", where
