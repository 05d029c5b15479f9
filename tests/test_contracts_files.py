"""design.md's "Errors and files", read by an outside tester: a symlinked ``--out`` is
written through to its target, so when the target's folder is missing the one error
line names that folder (the link's own folder exists). Truths: the file system."""

from __future__ import annotations

import os

from nnstudio.cli import main


def test_a_dangling_link_names_its_targets_missing_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.symlink(os.path.join("nowhere", "m.npz"), "link.npz")
    rc = main(["train", "xor", "--out", "link.npz", "--epochs", "1", "-q"])
    out, err = capsys.readouterr()
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("nnstudio: error: link.npz: ")
    assert repr(str(tmp_path.resolve() / "nowhere")) in err
    assert not (tmp_path / "nowhere").exists()
    # without a link, the folder as written
    rc = main(["train", "xor", "--out", os.path.join("missing", "m.npz"), "--epochs", "1", "-q"])
    out, err = capsys.readouterr()
    assert rc == 2 and "the folder 'missing' does not exist" in err
