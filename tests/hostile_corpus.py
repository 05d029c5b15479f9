"""A corpus of hostile files for nnstudio's readers, generated on the fly (no binaries in
the repository): broken CSV text, NPZ archives with corrupt or lying zip and ``.npy``
layers, zip bombs, model files with poisoned meta JSON, project files with wrong types,
devices, FIFOs, folders and links.

Every case is a file nnstudio must REFUSE with one user-facing error
(:class:`nnstudio.errors.NnstudioError`), never a traceback, a hang or a runaway
allocation:

- ``role == "data"``: refused by ``nnstudio train``, and by ``load_dataset`` (or, for
  ``stage == "train"``, by ``pipeline.build_session`` on what it loaded); ``predict``
  and ``load_features`` may read some of them (a single-class CSV predicts fine) but
  must never fail otherwise.
- ``role == "model"``: refused by ``load_model`` and ``nnstudio predict``.
- ``role == "project"``: refused by ``pipeline.read_project``; when ``bad_dataset`` is
  set the project itself is valid and its ``dataset.source`` is the hostile file, which
  the data loader must refuse.

Usage (the CLI/loader tests here, and the app's tests through ``MainWindow`` methods)::

    from hostile_corpus import build_corpus
    cases = build_corpus(tmp_path)          # list[HostileCase], about 110 files
    for case in cases: ...case.path, case.role, case.about

Files that need the operating system (FIFOs, device links) are skipped where it lacks
them. Building the whole corpus takes well under a second; the largest file is a real
deflate zip bomb of about 90 KB that claims 80 MiB.
"""

from __future__ import annotations

import functools
import io
import json
import os
import pickle
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["HostileCase", "build_corpus", "good_model_arrays"]


@dataclass(frozen=True)
class HostileCase:
    name: str
    path: Path
    role: str  # "data" | "model" | "project"
    about: str
    bad_dataset: bool = False  # project: valid file, hostile dataset.source
    stage: str = "load"  # data: "load" (load_dataset refuses) or "train" (build_session)


# --------------------------------------------------------------------------- low level


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)
    return buf.getvalue()


def npy_header(header: str | bytes, version: int = 1, data: bytes = b"") -> bytes:
    """A ``.npy`` member with a hand-written header text (padded like NumPy's)."""
    raw = header.encode("latin1") if isinstance(header, str) else header
    if version == 1:
        pad = (-(10 + len(raw) + 1)) % 64
        raw = raw + b" " * pad + b"\n"
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(raw)) + raw + data
    pad = (-(12 + len(raw) + 1)) % 64
    raw = raw + b" " * pad + b"\n"
    return b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<I", len(raw)) + raw + data


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _eocd_at(data: bytes) -> int:
    return data.rfind(b"PK\x05\x06")


def _first_central_entry(data: bytes) -> int:
    return data.find(b"PK\x01\x02")


def patch_central(data: bytes, field: str, value: int, entry: int = 0) -> bytes:
    """Change one field of the ``entry``-th central directory record."""
    offsets = {"method": (10, "<H"), "flags": (8, "<H"), "csize": (20, "<L"), "usize": (24, "<L")}
    at = -1
    for _ in range(entry + 1):
        at = data.find(b"PK\x01\x02", at + 1)
    off, fmt = offsets[field]
    out = bytearray(data)
    struct.pack_into(fmt, out, at + off, value)
    return bytes(out)


def patch_local(data: bytes, field: str, value: int) -> bytes:
    offsets = {"method": (8, "<H"), "flags": (6, "<H"), "usize": (22, "<L")}
    off, fmt = offsets[field]
    out = bytearray(data)
    struct.pack_into(fmt, out, data.find(b"PK\x03\x04") + off, value)
    return bytes(out)


@functools.lru_cache(maxsize=4)
def _zeros_deflated(mib: int) -> tuple[bytes, int]:
    """Raw deflate stream and CRC-32 of ``mib`` MiB of zero bytes."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    parts = [comp.compress(chunk) for _ in range(mib)]
    parts.append(comp.flush())
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(chunk, crc)
    return b"".join(parts), crc


def deflate_bomb(name: str, size: int) -> bytes:
    """A zip with one deflated member of ``size`` zero bytes (compressed ~1000:1)."""
    body, crc = _zeros_deflated(size >> 20)
    fname = name.encode()
    local = struct.pack(
        "<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(body), size, len(fname), 0
    )
    central = struct.pack(
        "<4s6H3L5H2L",
        b"PK\x01\x02",
        20,
        20,
        0,
        8,
        0,
        0,
        crc,
        len(body),
        size,
        len(fname),
        0,
        0,
        0,
        0,
        0,
        0,
    )
    cd_offset = len(local) + len(fname) + len(body)
    cd = central + fname
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(cd), cd_offset, 0)
    return local + fname + body + cd + eocd


def good_data_arrays(n: int = 40) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(n, 2))
    return {"X": X, "y": (X[:, 0] > X[:, 1]).astype(np.int64)}


def good_model_arrays(seed: int = 0) -> dict[str, np.ndarray]:
    """The arrays of a small valid model file (2-4-2 tanh/softmax), written here from the
    model-file contract, independent of nnstudio's writer."""
    rng = np.random.default_rng(seed)
    meta = {
        "format": "nnstudio.mlp",
        "version": 1,
        "layer_sizes": [2, 4, 2],
        "activations": ["tanh", "softmax"],
        "loss": "cross_entropy",
        "task": "classification",
        "classes": [0, 1],
        "feature_names": ["x1", "x2"],
        "target_name": "label",
    }
    return {
        "layers.0.weight": rng.normal(size=(4, 2)),
        "layers.0.bias": np.zeros(4),
        "layers.1.weight": rng.normal(size=(2, 4)),
        "layers.1.bias": np.zeros(2),
        "input.mean": np.zeros(2),
        "input.scale": np.ones(2),
        "meta": np.array(json.dumps(meta)),
    }


def savez_bytes(arrays: dict[str, np.ndarray], compressed: bool = False) -> bytes:
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    return buf.getvalue()


def _model_with_meta(meta_text: str, **replace) -> bytes:
    arrays = good_model_arrays()
    arrays["meta"] = np.array(meta_text)
    arrays.update(replace)
    return savez_bytes(arrays)


def _meta(**changes) -> str:
    meta = json.loads(str(good_model_arrays()["meta"][()]))
    meta.update(changes)
    return json.dumps(meta)


def _flip_inside_deflate(data: bytes, member: str, count: int = 12) -> bytes:
    """Flip bytes in the middle of a deflated member's compressed stream."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    mid = start + info.compress_size // 3
    out = bytearray(data)
    for i in range(count):
        out[mid + i] ^= 0xA5
    return bytes(out)


# --------------------------------------------------------------------------- the corpus


def build_corpus(folder: str | os.PathLike) -> list[HostileCase]:
    """Write the hostile files into ``folder`` and return their cases."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[HostileCase] = []

    def add(name: str, content: bytes | str | None, role: str, about: str, **kw) -> Path:
        path = folder / name
        if content is not None:
            if isinstance(content, str):
                content = content.encode("utf-8")
            path.write_bytes(content)
        cases.append(HostileCase(name, path, role, about, **kw))
        return path

    _data_csv(add)
    _data_npz(add)
    _models(add)
    _projects(add, folder)
    _special_files(add, folder)
    return cases


def _data_csv(add) -> None:
    ok_rows = "".join(f"{i * 0.1},{i * 0.2},{i % 2}\n" for i in range(10))
    add("empty.csv", b"", "data", "an empty file")
    add("blank.csv", b"  \n\n \t\n", "data", "only whitespace")
    add("header_only.csv", "x1,x2,label\n", "data", "a header and no rows")
    add("ragged.csv", "x1,x2,label\n1,2,0\n3,4\n5,6,1\n", "data", "a row with a field missing")
    add("text_feature.csv", "x1,x2,label\n1,two,0\n3,4,1\n", "data", "text in a feature column")
    add("nan_feature.csv", "x1,x2,label\n1,nan,0\n3,4,1\n", "data", "NaN in a feature column")
    add("inf_feature.csv", "x1,x2,label\n1,inf,0\n3,4,1\n", "data", "Inf in a feature column")
    add("overflow.csv", "x1,x2,label\n1,1e400,0\n3,4,1\n", "data", "a number beyond float64")
    add("single_class.csv", "x1,x2,label\n" + "1,2,a\n" * 6, "data", "one class only")
    add("utf16.csv", "x1,x2,label\n1,2,0\n".encode("utf-16"), "data", "UTF-16 text")
    add("latin1.csv", "x1,x2,label\n1,2,caf\u00e9\n3,4,b\n".encode("latin1"), "data", "Latin-1")
    add("nul.csv", b"x1,x2,label\n1,2\x00,0\n3,4,1\n", "data", "a NUL byte")
    add("open_quote.csv", 'x1,x2,label\n1,"2,0\n3,4,1\n', "data", "a quote never closed")
    add("dup_header.csv", "x1,x1,label\n" + ok_rows, "data", "a repeated column name")
    add("blank_header.csv", "x1,,label\n" + ok_rows, "data", "an empty column name")
    add("one_column.csv", "label\n0\n1\n0\n", "data", "no feature column")
    add("empty_target.csv", "x1,x2,label\n1,2,\n3,4,\n", "data", "every target cell empty")
    add("huge_values.csv", "x1,x2,label\n" + "1.7e308,1,0\n1.7e308,2,1\n-1.7e308,3,0\n" * 2, "data",
        "values too large to standardize", stage="train")  # fmt: skip
    add("long_cell.csv", "x1,x2,label\n" + "9" * 100_000 + "x,1,0\n3,4,1\n", "data",
        "a 100,000-character cell")  # fmt: skip
    add("binary.csv", bytes(np.random.default_rng(5).integers(0, 256, 4096, dtype=np.uint8)),
        "data", "random bytes")  # fmt: skip
    add("gzip.csv", b"\x1f\x8b\x08\x00" + bytes(200), "data", "a gzip stream named .csv")
    add("cr_only.csv", "x1,x2,label\r1,2,0\r3,4\r", "data", "CR line ends with a short row")
    add("bom_only.csv", b"\xef\xbb\xbf", "data", "a UTF-8 BOM and nothing else")
    sparse = add("sparse.csv", b"", "data", "64 MiB of NUL bytes (a sparse file)")
    os.truncate(sparse, 64 << 20)  # no data written where the file system has holes
    add("quotes_deep.csv", 'x1,x2,label\n"' + '""' * 50_000 + '",2,0\n', "data",
        "a cell of 100,000 quotes")  # fmt: skip


def _data_npz(add) -> None:
    good = good_data_arrays()
    X, y = good["X"], good["y"]
    whole = savez_bytes(good, compressed=True)
    add("empty.npz", b"", "data", "an empty .npz")
    add("truncated.npz", whole[: len(whole) // 2], "data", "cut in half")
    add("tail_cut.npz", whole[:-5], "data", "the zip end record cut")
    add("corrupt_deflate.npz", _flip_inside_deflate(whole, "X.npy"), "data",
        "corrupt deflate data (zlib.error)")  # fmt: skip
    add("bzip2.npz", zip_bytes({"X.npy": npy_bytes(X), "y.npy": npy_bytes(y)},
        zipfile.ZIP_BZIP2), "data", "bzip2 members")  # fmt: skip
    add("method_99.npz", patch_local(patch_central(whole, "method", 99), "method", 99), "data",
        "an unknown compression method (NotImplementedError)")  # fmt: skip
    add("encrypted.npz", patch_local(patch_central(whole, "flags", 1), "flags", 1), "data",
        "members flagged as encrypted")  # fmt: skip
    claim = npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }")
    add("claims_1e12.npz", zip_bytes({"X.npy": claim + bytes(64), "y.npy": npy_bytes(y)}),
        "data", "a header declaring 10**12 elements (MemoryError)")  # fmt: skip
    add("bomb.npz", deflate_bomb("X.npy", 80 << 20), "data", "a deflate bomb claiming 80 MiB")
    big_claim = patch_central(zip_bytes({"X.npy": npy_bytes(X), "y.npy": npy_bytes(y)}),
                              "usize", 0xFFFFFFF0)  # fmt: skip
    add("declares_4gib.npz", big_claim, "data", "a member declaring 4 GiB")
    lie = patch_central(patch_local(whole, "usize", 100), "usize", 100)
    add("size_lie.npz", lie, "data", "sizes smaller than the data (CRC/size mismatch)")
    eocd = bytearray(zip_bytes({"X.npy": npy_bytes(X), "y.npy": npy_bytes(y)}))
    struct.pack_into("<2H", eocd, _eocd_at(bytes(eocd)) + 8, 60000, 60000)
    add("many_members.npz", bytes(eocd), "data", "an end record listing 60,000 members")
    plain = zip_bytes({"X.npy": npy_bytes(X), "y.npy": npy_bytes(y)})
    end = _eocd_at(plain)
    cd_at = plain.find(b"PK\x01\x02")
    zip64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 2, 2, 1 << 40, cd_at)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    eocd64 = bytearray(plain[end:])
    struct.pack_into("<2HLL", eocd64, 8, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    add("zip64_huge_directory.npz", plain[:end] + zip64 + locator + bytes(eocd64), "data",
        "a Zip64 record claiming a 1 TiB table of contents")  # fmt: skip
    add("pickled_y.npz", savez_bytes({"X": X, "y": np.array([1, "a", None] * 13 + [2],
        dtype=object)}), "data", "an object array (pickle)")  # fmt: skip
    add("pickle.npz", pickle.dumps({"X": X, "y": y}), "data", "a pickle named .npz")
    add("single.npy", npy_bytes(X), "data", "one .npy array")
    add("x_3d.npz", savez_bytes({"X": np.zeros((4, 2, 2)), "y": np.arange(4)}), "data", "3-D X")
    add("x_text.npz", savez_bytes({"X": np.array([["a", "b"]] * 4), "y": np.arange(4)}), "data",
        "text features")  # fmt: skip
    add("length_mismatch.npz", savez_bytes({"X": X, "y": y[:-3]}), "data", "y shorter than X")
    Xn = X.copy()
    Xn[3, 1] = np.nan
    add("nan.npz", savez_bytes({"X": Xn, "y": y}), "data", "NaN in X")
    add("names_count.npz", savez_bytes({**good, "feature_names": np.array(["a"])}), "data",
        "one feature name for two columns")  # fmt: skip
    add("names_dup.npz", savez_bytes({**good, "feature_names": np.array(["a", "a"])}), "data",
        "repeated feature names")  # fmt: skip
    deep = npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': " + "(" * 4000 + ")"
                      * 4000 + "}")  # fmt: skip
    add("header_deep.npz", zip_bytes({"X.npy": deep, "y.npy": npy_bytes(y)}), "data",
        "a header nested 4,000 deep (RecursionError in a parser)")  # fmt: skip
    token = npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), '''")
    add("header_token.npz", zip_bytes({"X.npy": token + bytes(48), "y.npy": npy_bytes(y)}),
        "data", "an unterminated string in the header (TokenError)")  # fmt: skip
    garbage = npy_header(bytes(range(1, 200)))
    add("header_garbage.npz", zip_bytes({"X.npy": garbage, "y.npy": npy_bytes(y)}), "data",
        "binary garbage as the header")  # fmt: skip
    add("npy_version9.npz", zip_bytes({"X.npy": b"\x93NUMPY\x09\x00" + bytes(100),
        "y.npy": npy_bytes(y)}), "data", ".npy format version 9")  # fmt: skip
    long_header = b"\x93NUMPY\x02\x00" + struct.pack("<I", 0x7FFFFFFF) + b"{"
    add("header_2gib.npz", zip_bytes({"X.npy": long_header, "y.npy": npy_bytes(y)}), "data",
        "a header length of 2 GiB")  # fmt: skip
    rec = np.zeros(4, dtype=[("a", "<f8"), ("b", "<i4")])
    add("structured.npz", savez_bytes({"X": rec, "y": np.arange(4)}), "data", "a record array")
    add("datetime.npz", savez_bytes({"X": np.zeros((4, 2), "M8[s]"), "y": np.arange(4)}),
        "data", "datetimes as features")  # fmt: skip
    zero_item = npy_header("{'descr': '<U0', 'fortran_order': False, 'shape': (10000000000,), }")
    add("itemsize0.npz", zip_bytes({"X.npy": zero_item, "y.npy": npy_bytes(y)}), "data",
        "10**10 zero-size items")  # fmt: skip
    add("huge_dtype.npz", zip_bytes({"X.npy": npy_header(
        "{'descr': '<U999999999999', 'fortran_order': False, 'shape': (1,), }"),
        "y.npy": npy_bytes(y)}), "data", "a string type of 4 TB per item")  # fmt: skip
    add("bad_shape.npz", zip_bytes({"X.npy": npy_header(
        "{'descr': '<f8', 'fortran_order': 'no', 'shape': (-1, 2.5), }"), "y.npy": npy_bytes(y)}),
        "data", "a negative, fractional shape")  # fmt: skip
    add("no_x.npz", savez_bytes({"features": X, "y": y}), "data", "no array X")
    two = zip_bytes({"X.npy": npy_bytes(X), "y.npy": npy_bytes(y)})
    second = two.find(b"PK\x01\x02", two.find(b"PK\x01\x02") + 1)
    first_offset = struct.unpack_from("<L", two, two.find(b"PK\x01\x02") + 42)[0]
    overlap = bytearray(two)
    struct.pack_into("<L", overlap, second + 42, first_offset)
    add("overlap.npz", bytes(overlap), "data", "two members sharing one local header")
    add("text_as_npz.npz", "x1,x2,label\n1,2,0\n", "data", "CSV text named .npz")
    add("surrogate_y.npz", savez_bytes({"X": X[:4], "y": np.array(["a\ud800", "b"] * 2)}),
        "data", "labels holding a lone surrogate (not writable as UTF-8)")  # fmt: skip
    add("complex.npz", savez_bytes({"X": X.astype(complex), "y": y}), "data", "complex X")


def _models(add) -> None:
    good = savez_bytes(good_model_arrays(), compressed=True)
    add("model_empty.npz", b"", "model", "an empty file")
    add("model_csv.npz", "x1,x2,label\n1,2,0\n", "model", "CSV text")
    add("model_truncated.npz", good[: len(good) // 2], "model", "cut in half")
    add("model_corrupt.npz", _flip_inside_deflate(good, "layers.0.weight.npy"), "model",
        "corrupt deflate data")  # fmt: skip
    add("model_method.npz", patch_local(patch_central(good, "method", 14), "method", 14),
        "model", "LZMA method number with a deflate stream")  # fmt: skip
    add("model_deep_meta.npz", _model_with_meta("[" * 100_000 + "]" * 100_000), "model",
        "meta JSON nested 100,000 deep (RecursionError)")  # fmt: skip
    add("model_meta_text.npz", _model_with_meta("not json {"), "model", "meta not JSON")
    add("model_meta_digits.npz", _model_with_meta('{"format": "nnstudio.mlp", "version": '
        + "9" * 100_000 + "}"), "model", "a 100,000-digit version")  # fmt: skip
    add("model_meta_list.npz", _model_with_meta("[1, 2, 3]"), "model", "meta is a list")
    add("model_bool_sizes.npz", _model_with_meta(_meta(layer_sizes=[True, 4, 2])), "model",
        "true as a layer size")  # fmt: skip
    add("model_list_act.npz", _model_with_meta(_meta(activations=[["tanh"], "softmax"])),
        "model", "a list as an activation name")  # fmt: skip
    add("model_dict_loss.npz", _model_with_meta(_meta(loss={"x": 1})), "model",
        "an object as the loss")  # fmt: skip
    add("model_task.npz", _model_with_meta(_meta(task=["classification"])), "model",
        "a list as the task")  # fmt: skip
    add("model_surrogate.npz", _model_with_meta(_meta(classes=["a\ud800", "b"])), "model",
        "a class label with a lone surrogate")  # fmt: skip
    add("model_dup_classes.npz", _model_with_meta(_meta(classes=[1, 1])), "model",
        "a class listed twice")  # fmt: skip
    add("model_obj_classes.npz", _model_with_meta(_meta(classes=[{"a": 1}, None])), "model",
        "objects as class labels")  # fmt: skip
    add("model_dup_features.npz", _model_with_meta(_meta(feature_names=["x1", "x1"])), "model",
        "a feature name twice")  # fmt: skip
    add("model_num_features.npz", _model_with_meta(_meta(feature_names=[1, 2])), "model",
        "numbers as feature names")  # fmt: skip
    add("model_version2.npz", _model_with_meta(_meta(version=2)), "model", "a newer version")
    add("model_version_true.npz", _model_with_meta(_meta(version=True)), "model",
        "true as the version")  # fmt: skip
    add("model_linear_clf.npz", _model_with_meta(_meta(activations=["tanh", "linear"],
        loss="mse")), "model", "classification without probabilities")  # fmt: skip
    nan_w = good_model_arrays()["layers.0.weight"].copy()
    nan_w[0, 0] = np.nan
    add("model_nan.npz", _model_with_meta(_meta(), **{"layers.0.weight": nan_w}), "model",
        "NaN in the weights")  # fmt: skip
    add("model_shape.npz", _model_with_meta(_meta(), **{"layers.0.weight": np.zeros((2, 4))}),
        "model", "a transposed weight")  # fmt: skip
    arrays = good_model_arrays()
    del arrays["layers.1.bias"]
    add("model_no_bias.npz", savez_bytes(arrays), "model", "a bias missing")
    add("model_pickle.npz", _model_with_meta(_meta(), **{"layers.0.bias": np.array(
        [None, {}, 1, "x"], dtype=object)}), "model", "an object array")  # fmt: skip
    add("model_scale0.npz", _model_with_meta(_meta(), **{"input.scale": np.zeros(2)}), "model",
        "a zero input scale")  # fmt: skip
    add("model_extra_layer.npz", _model_with_meta(_meta(), **{"layers.7.weight": np.zeros(1)}),
        "model", "a layer beyond layer_sizes")  # fmt: skip
    add("model_meta_1d.npz", _model_with_meta(_meta(), meta=np.array([_meta()])), "model",
        "meta as a 1-D array")  # fmt: skip
    add("model_meta_bytes.npz", _model_with_meta(_meta(), meta=np.array(b"\xff\xfe{")), "model",
        "meta as undecodable bytes")  # fmt: skip
    add("model_int_weights.npz", _model_with_meta(_meta(), **{"layers.0.bias":
        np.zeros(4, np.int64)}), "model", "integer biases")  # fmt: skip
    claim = npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }")
    members = {f"{k}.npy": npy_bytes(v) for k, v in good_model_arrays().items()}
    members["layers.0.weight.npy"] = claim
    add("model_claims_1e12.npz", zip_bytes(members), "model", "a header claiming 10**12")
    add("model_bomb.npz", deflate_bomb("meta.npy", 80 << 20), "model", "a zip bomb")
    plain = savez_bytes(good_model_arrays())
    add("model_meta_100mib.npz", patch_central(plain, "usize", 100 << 20, entry=6), "model",
        "a meta array declaring 100 MiB of JSON")  # fmt: skip


def _projects(add, folder: Path) -> None:
    base = {
        "format": "nnstudio.project",
        "version": 1,
        "dataset": {"source": "xor", "target": None, "task": None},
        "config": {"hidden_layers": [8], "epochs": 5},
    }

    def doc(**config) -> str:
        d = json.loads(json.dumps(base))
        d["config"].update(config)
        return json.dumps(d)

    add("p_l2_text.json", doc(l2="x"), "project", '"l2": "x"')
    add("p_val_null.json", doc(val_split=None), "project", '"val_split": null')
    add("p_val_big.json", doc(val_split=1.5), "project", '"val_split": 1.5')
    add("p_momentum.json", doc(momentum="a"), "project", '"momentum": "a"')
    add("p_out_list.json", doc(output_activation=["softmax"]), "project", "a list as activation")
    add("p_layers_inf.json", doc(hidden_layers=[1e400]).replace("Infinity", "1e400"), "project",
        '"hidden_layers": [1e400]')  # fmt: skip
    add("p_layers_float.json", doc(hidden_layers=[1.9, 2.9]), "project", "fractional units")
    add("p_lr_true.json", doc(lr=True), "project", '"lr": true')
    add("p_epochs_float.json", doc(epochs=10.0), "project", '"epochs": 10.0')
    add("p_seed_text.json", doc(seed="1"), "project", '"seed": "1"')
    add("p_nesterov.json", doc(nesterov="yes"), "project", '"nesterov": "yes"')
    add("p_layers_text.json", doc(hidden_layers="32,16"), "project", "layers as text")
    add("p_deep.json", "[" * 100_000 + "]" * 100_000, "project", "nested 100,000 deep")
    add("p_not_json.json", "{format: nnstudio", "project", "not JSON")
    add("p_utf16.json", doc().encode("utf-16"), "project", "UTF-16")
    add("p_digits.json", '{"format": "nnstudio.project", "version": ' + "1" * 100_000 + "}",
        "project", "a 100,000-digit number")  # fmt: skip
    add("p_no_format.json", json.dumps({"version": 1}), "project", "no format")
    add("p_version_text.json", doc().replace('"version": 1', '"version": "1"'), "project",
        "the version as text")  # fmt: skip
    add("p_config_list.json", json.dumps({**base, "config": [1, 2]}), "project", "config a list")
    add("p_dataset_num.json", json.dumps({**base, "dataset": {"source": 5}}), "project",
        "a number as the dataset source")  # fmt: skip
    add("p_task.json", json.dumps({**base, "dataset": {"source": "xor", "task": "magic"}}),
        "project", "an unknown task")  # fmt: skip
    add("p_target.json", json.dumps({**base, "dataset": {"source": "xor", "target": [1]}}),
        "project", "a list as the target")  # fmt: skip
    add("p_surrogate.json", json.dumps({**base, "dataset": {"source": "xor", "target":
        "\ud800"}}), "project", "a lone surrogate as the target")  # fmt: skip
    add("p_binary.json", bytes(range(256)) * 4, "project", "binary bytes")
    # valid projects whose dataset is hostile
    corrupt = folder / "corrupt_for_project.npz"
    corrupt.write_bytes(_flip_inside_deflate(savez_bytes(good_data_arrays(), True), "X.npy"))
    add("p_corrupt_data.json", json.dumps({**base, "dataset": {"source": corrupt.name}}),
        "project", "dataset: a corrupt NPZ beside the project", bad_dataset=True)  # fmt: skip
    if sys.platform != "win32" and os.path.exists("/dev/zero"):
        add("p_dev_zero.json", json.dumps({**base, "dataset": {"source": "/dev/zero"}}),
            "project", "dataset: /dev/zero", bad_dataset=True)  # fmt: skip
    add("p_missing_data.json", json.dumps({**base, "dataset": {"source": "nowhere.csv"}}),
        "project", "dataset: a file that does not exist", bad_dataset=True)  # fmt: skip


def _special_files(add, folder: Path) -> None:
    (folder / "folder.csv").mkdir(exist_ok=True)
    add("folder.csv", None, "data", "a folder named .csv")
    (folder / "folder_model.npz").mkdir(exist_ok=True)
    add("folder_model.npz", None, "model", "a folder named .npz")
    (folder / "folder_project.json").mkdir(exist_ok=True)
    add("folder_project.json", None, "project", "a folder named .json")
    if hasattr(os, "mkfifo"):
        for name, role in (("fifo.csv", "data"), ("fifo.npz", "model"), ("fifo.json", "project")):
            path = folder / name
            if not path.exists():
                os.mkfifo(path)
            add(name, None, role, "a FIFO nobody writes to (a read would hang)")
    if hasattr(os, "symlink") and os.path.exists("/dev/zero"):
        for name, role in (
            ("zero.csv", "data"),
            ("zero.npz", "data"),
            ("zero_model.npz", "model"),
            ("zero.json", "project"),
        ):
            path = folder / name
            if not path.is_symlink():
                os.symlink("/dev/zero", path)
            add(name, None, role, "a link to /dev/zero (endless bytes)")
    if hasattr(os, "symlink"):
        loop = folder / "loop.csv"
        if not loop.is_symlink():
            os.symlink(loop.name, loop)
        add("loop.csv", None, "data", "a link to itself")
        dangling = folder / "dangling.npz"
        if not dangling.is_symlink():
            os.symlink("does_not_exist.npz", dangling)
        add("dangling.npz", None, "model", "a link to nothing")
