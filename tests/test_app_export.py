"""File > Export As...: the window's ``export_model(path, fmt)`` (no file dialog), the
dialog's choices and the menu hook. The export formats themselves are tested against
``nnstudio predict`` in the test_export_* modules; here the app's part is checked."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.app.export_dialog import ExportDialog, weights_path_for
from nnstudio.app.main_window import MainWindow
from nnstudio.export import FORMATS
from nnstudio.io.model_file import load_model

RUN_TIMEOUT = 60_000


@pytest.fixture
def trained(qtbot, errors):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    assert w.load_dataset("blobs")
    w.layer_table.set_layers([6], ["tanh"])
    w.training_panel.epochs_spin.setValue(3)
    qtbot.mouseClick(w.training_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.is_training, timeout=RUN_TIMEOUT)
    return w


def test_onnx_export_computes_the_windows_network(trained, tmp_path, errors):
    ort = pytest.importorskip("onnxruntime")
    w = trained
    assert w.export_model(tmp_path / "blobs.onnx", "onnx")
    X = w.data_panel.dataset.X.astype(np.float32)
    sess = ort.InferenceSession(str(tmp_path / "blobs.onnx"), providers=["CPUExecutionProvider"])
    got = sess.run(None, {sess.get_inputs()[0].name: X})[0]
    expected = w.session.output(X.astype(np.float64))  # softmax probabilities
    assert np.abs(got - expected).max() < 1e-5
    assert not errors
    assert list(tmp_path.iterdir()) == [tmp_path / "blobs.onnx"]


@pytest.mark.parametrize("fmt", ["torch", "numpy"])
def test_script_exports_save_the_weights_beside_them(trained, tmp_path, errors, fmt):
    w = trained
    script = tmp_path / f"{fmt}_export.py"
    assert w.export_model(script, fmt)
    weights = weights_path_for(script)
    assert weights == tmp_path / f"{fmt}_export.npz"
    X = w.data_panel.dataset.X
    np.testing.assert_allclose(load_model(weights).output(X), w.session.output(X), rtol=1e-6)
    assert f"from {weights.name}" in script.read_text().splitlines()[0]
    assert not errors


def test_training_script_carries_the_design(trained, tmp_path):
    w = trained
    assert w.export_model(tmp_path / "train.py", "torch-train")
    text = (tmp_path / "train.py").read_text()
    assert "'hidden_layers': [6]," in text and "'hidden_activations': ['tanh']," in text
    assert "'epochs': 3," in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]


def test_without_weights_or_onnx_an_error_dialog_and_no_file(qtbot, trained, tmp_path, errors,
                                                             monkeypatch):  # fmt: skip
    w2 = MainWindow()
    qtbot.addWidget(w2)
    assert w2.export_model(tmp_path / "m.onnx", "onnx") is False
    assert errors[-1][0] == "Nothing to export"
    monkeypatch.setitem(sys.modules, "onnx", None)
    assert trained.export_model(tmp_path / "m.onnx", "onnx") is False
    assert 'pip install "nnstudio[onnx]"' in errors[-1][1]
    assert trained.export_model(tmp_path, "torch-train") is False  # a folder
    assert list(tmp_path.iterdir()) == []


def test_menu_and_dialog(trained, qtbot, tmp_path):
    w = trained
    names = [
        a.objectName() for a in w.menuBar().findChild(type(w.recent_menu), "fileMenu").actions()
    ]  # noqa: E501
    assert "exportAsAction" in names
    dialog = ExportDialog(w, str(tmp_path), "blobs")
    qtbot.addWidget(dialog)
    combo = dialog.format_combo
    assert combo.objectName() == "exportFormatCombo"
    assert [combo.itemData(i) for i in range(combo.count())] == list(FORMATS)
    combo.setCurrentIndex(list(FORMATS).index("onnx"))
    assert dialog.choice() == ("onnx", str(tmp_path / "blobs.onnx"))
    combo.setCurrentIndex(list(FORMATS).index("torch-train"))
    assert dialog.choice() == ("torch-train", str(tmp_path / "train.py"))
    assert "torchrun" in dialog.note.text()
