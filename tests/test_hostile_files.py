"""The hostile-file corpus (tests/hostile_corpus.py) through the command line and the
Qt-free loaders: every file is refused with one ``nnstudio: error:`` line (exit 2) or
one NnstudioError, never a traceback, a hang or a file written."""

from __future__ import annotations

import os
from collections import Counter

import numpy as np
import pytest
from hostile_corpus import HostileCase, build_corpus, good_model_arrays

from nnstudio.cli import main
from nnstudio.data import load_dataset
from nnstudio.data.loaders import load_features
from nnstudio.errors import NnstudioError
from nnstudio.io.model_file import load_model
from nnstudio.pipeline import TrainConfig, build_session, read_project


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[HostileCase]:
    return build_corpus(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A valid model (written from the contract by the corpus helper) and CSV."""
    folder = tmp_path_factory.mktemp("good")
    model = folder / "good.npz"
    np.savez(model, **good_model_arrays())
    data = folder / "good.csv"
    data.write_text("x1,x2,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(12)))
    return model, data


def cases(corpus, role):
    return [c for c in corpus if c.role == role]


def one_line_error(rc, out, err, case):
    where = f"{case.name} ({case.about})"
    assert rc == 2, f"{where}: exit {rc}, stderr {err!r}"
    assert "Traceback" not in err, where
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnstudio: error: "), f"{where}: {err!r}"
    assert out == "", where
    return lines[0]


def test_the_corpus_is_large_and_varied(corpus):
    roles = Counter(c.role for c in corpus)
    assert len(corpus) >= 60
    assert roles["data"] >= 40 and roles["model"] >= 20 and roles["project"] >= 20
    assert len({c.name for c in corpus}) == len(corpus)


def test_every_hostile_data_file_is_refused_by_train(corpus, tmp_path, capsys):
    out = tmp_path / "m.npz"
    for case in cases(corpus, "data"):
        rc = main(["train", str(case.path), "--out", str(out), "-q", "--epochs", "1"])
        got = capsys.readouterr()
        one_line_error(rc, got.out, got.err, case)
        assert not out.exists() and os.listdir(tmp_path) == [], case.name


def test_every_hostile_data_file_is_refused_by_the_loader(corpus):
    for case in cases(corpus, "data"):
        with pytest.raises(NnstudioError) as info:
            ds = load_dataset(case.path)
            assert case.stage == "train", f"{case.name} loaded"
            build_session(ds, TrainConfig(epochs=1))
        assert "\n" not in str(info.value), case.name


def test_predict_on_hostile_data_never_fails_otherwise(corpus, good, tmp_path, capsys):
    """``predict`` may read some of these (a single-class CSV predicts fine); whatever
    it does, it ends in a result or one error line."""
    model, _ = good
    refused = 0
    for case in cases(corpus, "data"):
        out = tmp_path / "p.csv"
        rc = main(["predict", str(model), str(case.path), "--out", str(out)])
        got = capsys.readouterr()
        if rc == 0:
            assert out.exists() and "Traceback" not in got.err, case.name
            out.unlink()
            continue
        one_line_error(rc, got.out, got.err, case)
        assert not out.exists(), case.name
        refused += 1
        try:
            load_features(case.path, ["x1", "x2"], target_name="label")
        except NnstudioError:
            pass
    assert refused >= len(cases(corpus, "data")) - 6


def test_every_hostile_model_is_refused_by_predict(corpus, good, tmp_path, capsys):
    _, data = good
    for case in cases(corpus, "model"):
        out = tmp_path / "p.csv"
        rc = main(["predict", str(case.path), str(data), "--out", str(out)])
        got = capsys.readouterr()
        line = one_line_error(rc, got.out, got.err, case)
        assert case.name in line, line
        assert not out.exists(), case.name


def test_every_hostile_model_is_refused_by_the_loader(corpus):
    for case in cases(corpus, "model"):
        with pytest.raises(NnstudioError) as info:
            load_model(case.path)
        assert "\n" not in str(info.value) and case.name in str(info.value), case.name


def test_every_hostile_project_is_refused(corpus):
    for case in cases(corpus, "project"):
        if case.bad_dataset:
            doc, _cfg = read_project(case.path)  # the project itself is fine
            source = doc["dataset"]["source"]
            with pytest.raises(NnstudioError):
                load_dataset(source)
            continue
        with pytest.raises(NnstudioError) as info:
            read_project(case.path)
        assert "\n" not in str(info.value) and case.name in str(info.value), case.name


def test_the_good_files_are_read(good, capsys):
    """The corpus is hostile, not the readers: the files it was made from load fine."""
    model, data = good
    assert load_model(model).feature_names == ["x1", "x2"]
    assert main(["predict", str(model), str(data)]) == 0
    assert capsys.readouterr().out.startswith("prediction,p_0,p_1")
