"""The defaults benchmark runs end to end on a small case (scikit-learn is optional)."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("sklearn")

from nnstudio.bench import defaults  # noqa: E402


def test_table_row_matches_per_fold_scores(capsys):
    rc = defaults.main(["--datasets", "iris", "--folds", "3", "--set", "epochs=20", "--json"])
    out = capsys.readouterr().out
    assert rc == 0
    rows = json.loads(out.strip().splitlines()[-1])
    assert [r["dataset"] for r in rows] == ["iris.csv"]
    ours, theirs = np.array(rows[0]["ours"]), np.array(rows[0]["theirs"])
    assert ours.shape == theirs.shape == (3,)
    # the table line shows the means and their difference
    line = next(ln for ln in out.splitlines() if ln.startswith("| iris.csv"))
    assert f"{ours.mean():.3f} ± {ours.std():.3f}" in line
    assert f"{ours.mean() - theirs.mean():+.3f}" in line


def test_bad_vary_is_one_line(capsys):
    assert defaults.main(["--datasets", "iris", "--vary", "nosuch=1"]) == 2
    assert capsys.readouterr().err.startswith("nnstudio: error: --vary")
