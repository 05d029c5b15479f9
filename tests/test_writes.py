"""Files nnstudio writes: the usual permissions, atomic replacement, written through
symbolic links, non-regular targets refused, a full disk reported in one line naming the
file with nothing half-written left behind (``nnstudio.io.atomic`` and the CLI's --out)."""

from __future__ import annotations

import errno
import os
import stat
import sys

import pytest

from nnstudio.cli import main
from nnstudio.errors import NnstudioError
from nnstudio.io import atomic
from nnstudio.io.atomic import WriteError, atomic_writer, check_writable

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes, links, FIFOs")


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """Set the process umask for one test and restore it afterwards."""
    old = os.umask(0o022)
    os.umask(old)

    def set_(value: int) -> None:
        os.umask(value)

    yield set_
    os.umask(old)


def run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def one_error_line(rc, err, *words):
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnstudio: error: "), err
    for w in words:
        assert w in lines[0], f"{w!r} not in {lines[0]!r}"
    return lines[0]


# --------------------------------------------------------------------------- modes


@posix_only
@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002, 0o000])
def test_new_file_gets_0666_minus_umask(tmp_path, umask, mask):
    umask(mask)
    path = tmp_path / "out.txt"
    with atomic_writer(path, "w") as fh:
        fh.write("hello\n")
    assert mode_of(path) == 0o666 & ~mask
    assert path.read_text() == "hello\n"


@posix_only
@pytest.mark.parametrize("old_mode", [0o644, 0o600, 0o640, 0o664])
def test_replaced_file_keeps_its_mode(tmp_path, umask, old_mode):
    umask(0o077)  # would give 0600 to a new file: the old mode must win
    path = tmp_path / "out.txt"
    path.write_text("old\n")
    os.chmod(path, old_mode)
    with atomic_writer(path, "w") as fh:
        fh.write("new\n")
    assert mode_of(path) == old_mode and path.read_text() == "new\n"
    assert sorted(os.listdir(tmp_path)) == ["out.txt"]


@posix_only
def test_cli_model_and_predictions_get_usual_permissions(capsys, tmp_path, umask):
    umask(0o022)
    model = tmp_path / "m.npz"
    assert main(["train", "xor", "--out", str(model), "--epochs", "2", "-q"]) == 0
    assert mode_of(model) == 0o644
    pred = tmp_path / "p.csv"
    pred.write_text("old\n")
    os.chmod(pred, 0o664)
    rc, _, err = run(capsys, "predict", model, "xor", "--out", pred)
    assert rc == 0, err
    assert mode_of(pred) == 0o664 and pred.read_text().startswith("prediction,")


# --------------------------------------------------------------------------- links


@posix_only
def test_symlinked_out_is_written_through_to_its_target(capsys, tmp_path):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = real_dir / "preds.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    rc, _, err = run(capsys, "predict", _model(tmp_path), "xor", "--out", link)
    assert rc == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("prediction,")
    assert sorted(os.listdir(real_dir)) == ["preds.csv"]


@posix_only
def test_dangling_symlink_creates_its_target(tmp_path):
    target = tmp_path / "new.txt"
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    with atomic_writer(link, "w") as fh:
        fh.write("x")
    assert link.is_symlink() and target.read_text() == "x"


def _model(folder):
    path = folder / "xor.npz"
    if not path.exists():
        assert main(["train", "xor", "--out", str(path), "--epochs", "2", "-q"]) == 0
    return path


# --------------------------------------------------------------------------- refusals


def _fifo(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


@posix_only
@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p, ["a folder"]),
        (_fifo, ["FIFO"]),
        (lambda p: "/dev/null", ["character device"]),
    ],
    ids=["folder", "fifo", "device"],
)
def test_non_regular_out_is_refused_before_training(capsys, tmp_path, make, words):
    out = make(tmp_path)
    before = sorted(os.listdir(tmp_path))
    rc, stdout, err = run(capsys, "train", "xor", "--out", out, "--epochs", "1", "-q")
    one_error_line(rc, err, str(out), *words)
    assert stdout == "" and sorted(os.listdir(tmp_path)) == before
    with pytest.raises(WriteError, match="cannot write"):
        with atomic_writer(out, "wb") as fh:
            fh.write(b"never")
    assert sorted(os.listdir(tmp_path)) == before


@pytest.mark.parametrize(
    "name, words",
    [("a\x00b.npz", ["NUL"]), ("", ["no file name"]), ("x" * 300 + ".npz", ["too long"])],
    ids=["nul", "empty", "too-long"],
)
def test_impossible_out_names_are_one_line(capsys, tmp_path, monkeypatch, name, words):
    monkeypatch.chdir(tmp_path)
    rc, stdout, err = run(capsys, "train", "xor", "--out", name, "--epochs", "1", "-q")
    one_error_line(rc, err, *words)
    assert os.listdir(tmp_path) == []


@posix_only
def test_symlink_to_a_device_is_refused(tmp_path):
    link = tmp_path / "null.npz"
    link.symlink_to("/dev/null")
    with pytest.raises(WriteError, match="character device"):
        check_writable(link)


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(WriteError, match="permission denied"):
            check_writable(folder / "m.npz")
    finally:
        folder.chmod(0o755)


@posix_only
def test_read_only_file_is_not_overwritten(tmp_path, monkeypatch):
    path = tmp_path / "keep.csv"
    path.write_text("precious\n")
    path.chmod(0o444)
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # root may write anything: be a user
        real = os.access
        monkeypatch.setattr(
            atomic.os,
            "access",
            lambda p, mode: real(p, mode) and not (mode & os.W_OK and mode_of(p) & 0o200 == 0),
        )
    with pytest.raises(WriteError, match="read-only"):
        with atomic_writer(path, "w") as fh:
            fh.write("clobbered")
    assert path.read_text() == "precious\n" and os.listdir(tmp_path) == ["keep.csv"]


# --------------------------------------------------------------------------- full disk


def _disk_full_on_fsync(monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full)


@pytest.mark.parametrize("replace", [False, True], ids=["new", "replace"])
def test_full_disk_during_predict_is_one_line_naming_the_file(
    capsys, tmp_path, monkeypatch, replace
):
    model = _model(tmp_path)
    out = tmp_path / "preds.csv"
    if replace:
        out.write_text("old predictions\n")
    before = sorted(os.listdir(tmp_path))
    _disk_full_on_fsync(monkeypatch)
    rc, stdout, err = run(capsys, "predict", model, "xor", "--out", out)
    line = one_error_line(rc, err, str(out), "No space left on device")
    assert "Traceback" not in err and stdout == ""
    assert sorted(os.listdir(tmp_path)) == before  # no temporary file left behind
    if replace:
        assert out.read_text() == "old predictions\n"
    assert "nothing was written" in line


def test_full_disk_while_writing_the_body_removes_the_temporary_file(tmp_path):
    path = tmp_path / "m.bin"
    with pytest.raises(WriteError, match="No space left") as info:
        with atomic_writer(path, "wb") as fh:
            fh.write(b"half")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert isinstance(info.value, NnstudioError) and info.value.errno == errno.ENOSPC
    assert os.listdir(tmp_path) == []


def test_other_exceptions_from_the_body_pass_through_and_clean_up(tmp_path):
    with pytest.raises(KeyError):
        with atomic_writer(tmp_path / "x", "wb") as fh:
            fh.write(b"x")
            raise KeyError("a bug stays a bug")
    assert os.listdir(tmp_path) == []


def test_full_stdout_is_one_line(capsys, tmp_path, monkeypatch):
    """``predict ... > file`` on a full disk: the failure to write stdout is one line."""
    model = _model(tmp_path)

    class FullStdout:
        def write(self, text):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def flush(self):
            pass

        def fileno(self):
            raise OSError(errno.EBADF, "no descriptor")

    capsys.readouterr()
    monkeypatch.setattr(sys, "stdout", FullStdout())
    rc = main(["predict", str(model), "xor"])
    err = capsys.readouterr().err
    one_error_line(rc, err, "standard output", "No space left on device")
