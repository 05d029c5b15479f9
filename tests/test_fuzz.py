"""Seeded mutation fuzzing of the readers of untrusted bytes.

One good file of each kind (a compressed model file, a compressed data NPZ, a CSV, a
project file) has one byte changed at a time, thousands of times over; reading each
mutant must end in a result or in the one error base, ``NnstudioError``, never another
exception. The seed is fixed so a failure reproduces; the message names the offset and
the new byte.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from hostile_corpus import good_model_arrays

from nnstudio.cli import main
from nnstudio.data import load_dataset
from nnstudio.errors import NnstudioError
from nnstudio.io.model_file import load_model
from nnstudio.pipeline import TrainConfig, read_project

SEED = 20261130
#: mutants per file kind; 4 kinds x 1,000 = 4,000 reads (a few seconds)
MUTANTS = 1000


def _compressed(arrays) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def good_files(csv_text: str) -> dict[str, tuple[str, bytes]]:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(30, 3))
    data = {
        "X": X,
        "y": np.array(["cat", "dog", "owl"])[rng.integers(0, 3, 30)],
        "feature_names": np.array(["a", "b", "c"]),
        "target_name": np.array("animal"),
    }
    project = {
        "format": "nnstudio.project",
        "version": 1,
        "dataset": {"source": "moons", "target": None, "task": None},
        "config": TrainConfig(hidden_layers=[8, 4], lr=0.02, val_split=0.25).to_dict(),
    }
    return {
        "model": ("model.npz", _compressed(good_model_arrays())),
        "npz": ("data.npz", _compressed(data)),
        "csv": ("data.csv", csv_text.encode()),
        "project": ("project.json", json.dumps(project, indent=2).encode()),
    }


CSV = "a,b,c,label\n" + "".join(
    f"{i * 0.25},{(i * 7) % 5 - 2},{i % 3}e-1,{'yes' if i % 2 else 'no'}\n" for i in range(24)
)


#: mutant models that load are also run through ``nnstudio predict``, up to this many
PREDICT_CHECKS = 40


def _read(kind: str, path, csv_path, outcomes) -> None:
    if kind == "model":
        load_model(path)
        if outcomes["ok"] < PREDICT_CHECKS:
            # a model that loads must also predict or refuse in one line
            assert main(["predict", str(path), str(csv_path)]) in (0, 2)
    elif kind in ("npz", "csv"):
        load_dataset(path)
    else:
        read_project(path)


@pytest.mark.parametrize("kind", ["model", "npz", "csv", "project"])
def test_single_byte_mutations_end_in_a_result_or_the_error_base(kind, tmp_path, capsys):
    csv_path = tmp_path / "predict.csv"
    csv_path.write_text("x1,x2,label\n1,2,0\n3,4,1\n")
    name, good = good_files(CSV)[kind]
    path = tmp_path / name
    path.write_bytes(good)
    outcomes = {"ok": 0, "refused": 0}
    _read(kind, path, csv_path, outcomes)  # the unmutated file is good
    capsys.readouterr()

    rng = np.random.default_rng([SEED, len(good), ord(kind[0])])
    positions = rng.integers(0, len(good), MUTANTS)
    flips = rng.integers(1, 256, MUTANTS)  # XOR with a non-zero byte: always a change
    escaped = []
    # Patch the one byte in place and put it back (rewriting a whole file costs ~5 ms
    # on some file systems; a one-byte write costs microseconds).
    with open(path, "r+b", buffering=0) as fh:
        for pos, flip in zip(positions.tolist(), flips.tolist()):
            fh.seek(pos)
            fh.write(bytes([good[pos] ^ flip]))
            try:
                _read(kind, path, csv_path, outcomes)
                outcomes["ok"] += 1
            except NnstudioError as exc:
                assert "\n" not in str(exc)
                outcomes["refused"] += 1
            except Exception as exc:  # noqa: BLE001 - the point of the test
                escaped.append(f"offset {pos} ^= 0x{flip:02x}: {type(exc).__name__}: {exc}")
            fh.seek(pos)
            fh.write(good[pos : pos + 1])
    capsys.readouterr()
    assert path.read_bytes() == good
    assert not escaped, f"{len(escaped)} of {MUTANTS} mutants escaped: " + "; ".join(escaped[:5])
    # both outcomes happen: the mutations reach the parsers, not only a checksum
    assert outcomes["refused"] > MUTANTS // 20, outcomes
    assert outcomes["ok"] + outcomes["refused"] == MUTANTS
