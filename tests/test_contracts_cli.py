"""The command line read against design.md's synopsis alone, as an outside tester would:
``lr-find DATA [train options] [--json]`` takes train's options (one option list for
both commands), and no option is a prefix of another (argparse's abbreviations had
``lr-find --out x`` mean ``--output-activation x``). Truths: the synopsis, the files on
disk, and the JSON line's own arrays."""

from __future__ import annotations

import json

import pytest

from nnstudio.cli import main


def run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_lr_find_takes_every_train_option_and_writes_nothing(capsys, tmp_path):
    model = tmp_path / "m.npz"
    # the same option list as a `train` call, --out and --cv included
    options = ["--layers", "8", "--epochs", "3", "--seed", "1", "--out", model, "--cv", "3"]
    rc, out, err = run(capsys, "lr-find", "moons", *options, "--json")
    assert rc == 0, err
    res = json.loads(out.strip().splitlines()[-1])
    assert set(res) == {"suggested_lr", "lr", "loss"}
    assert len(res["lr"]) == len(res["loss"]) > 1
    assert min(res["lr"]) <= res["suggested_lr"] <= max(res["lr"])
    assert not model.exists()  # lr-find writes nothing
    assert "--out and --cv ignored" in err
    # and train takes that very list
    rc, out, err = run(capsys, "train", "moons", *options, "-q")
    assert rc == 0, err
    assert model.is_file()


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "moons", "--out", "{m}", "--output", "sigmoid"],  # not --output-activation
        ["train", "moons", "--out", "{m}", "--val", "0.1"],  # not --val-split
        ["lr-find", "moons", "--output", "x.npz"],
    ],
)
def test_an_abbreviated_option_is_one_error_line(capsys, tmp_path, argv):
    model = tmp_path / "m.npz"
    rc, out, err = run(capsys, *[a.replace("{m}", str(model)) for a in argv])
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("nnstudio: error: unrecognized arguments")
    assert not model.exists()
