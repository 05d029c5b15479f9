"""Noise and number of points for the built-in samples: ``sampleNoiseSpin`` and
``samplePointsSpin`` (in the data panel, under the target and task).

They are enabled while a built-in sample is shown and no run is going. Changing either
regenerates the sample with the same seed (0, as ``nnstudio train SAMPLE`` uses) through
:func:`nnstudio.data.loaders.load_sample` (keeping a task chosen by hand), and the data
panel shows it like a newly
loaded dataset (the old weights go, as for any new data). Choosing a sample in the combo
starts from its defaults (``SAMPLE_DEFAULTS``). The project file records both in its
``dataset`` object (``"noise"``, ``"n_samples"``); :func:`parse_project_fields`
validates them before a project is opened.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, Slot
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from nnstudio.app.controller import IDLE
from nnstudio.data.dataset import Dataset
from nnstudio.data.loaders import load_sample
from nnstudio.data.samples import SAMPLE_DEFAULTS
from nnstudio.io.project import ProjectFileError

__all__ = ["MAX_POINTS", "MAX_NOISE", "SampleControls", "parse_project_fields"]

#: the largest sample the spin box makes, and the largest noise
MAX_POINTS = 100_000
MAX_NOISE = 5.0


def _min_points(name: str) -> int:
    classes = 1 if name == "sine" else (3 if name == "blobs" else 2)
    return max(2, 2 * classes)


def parse_project_fields(info: dict, where: str) -> tuple[float, int] | None:
    """``(noise, n_samples)`` of a project's ``dataset`` object when it names a built-in
    sample and gives them (both or neither), else None. ``ProjectFileError`` for values
    out of type or range."""
    name = str(info.get("source", "")).strip().lower()
    has = [k for k in ("noise", "n_samples") if k in info]
    if not has:
        return None
    if name not in SAMPLE_DEFAULTS:
        raise ProjectFileError(f"{where}: dataset: noise and n_samples apply to built-in samples")
    if len(has) != 2:
        raise ProjectFileError(f"{where}: dataset: give both noise and n_samples, or neither")
    noise, n = info["noise"], info["n_samples"]
    if (
        isinstance(noise, bool)
        or not isinstance(noise, (int, float))
        or not (math.isfinite(noise) and 0 <= noise <= MAX_NOISE)
    ):
        raise ProjectFileError(
            f"{where}: dataset.noise: {noise!r} is not a number from 0 to {MAX_NOISE:g}"
        )
    low = _min_points(name)
    if isinstance(n, bool) or not isinstance(n, int) or not (low <= n <= MAX_POINTS):
        raise ProjectFileError(
            f"{where}: dataset.n_samples: {n!r} is not a whole number from {low} to {MAX_POINTS}"
        )
    return float(noise), int(n)


class SampleControls(QWidget):
    """The two spin boxes for ``window``'s data panel."""

    def __init__(self, window, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sampleControls")
        self._w = window
        self.noise_spin = QDoubleSpinBox()
        self.noise_spin.setObjectName("sampleNoiseSpin")
        self.noise_spin.setAccessibleName("Sample noise")
        self.noise_spin.setToolTip("Standard deviation of the jitter added to the sample")
        self.noise_spin.setRange(0.0, MAX_NOISE)
        self.noise_spin.setDecimals(3)
        self.noise_spin.setSingleStep(0.01)
        self.noise_spin.setKeyboardTracking(False)
        self.points_spin = QSpinBox()
        self.points_spin.setObjectName("samplePointsSpin")
        self.points_spin.setAccessibleName("Sample points")
        self.points_spin.setToolTip("Number of points (rows) of the sample")
        self.points_spin.setRange(4, MAX_POINTS)
        self.points_spin.setSingleStep(50)
        self.points_spin.setKeyboardTracking(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for text, spin in (("&Noise", self.noise_spin), ("&Points", self.points_spin)):
            label = QLabel(text)
            label.setBuddy(spin)
            row.addWidget(label)
            row.addWidget(spin, 1)

        self._sample: str | None = None  # the built-in sample shown, if any
        self._regenerating = False
        self.noise_spin.valueChanged.connect(self._on_changed)
        self.points_spin.valueChanged.connect(self._on_changed)
        window.data_panel.datasetChanged.connect(self._on_dataset_changed)
        window.controller.stateChanged.connect(lambda _s: self._update_enabled())
        self._on_dataset_changed(window.data_panel.dataset)

    # ------------------------------------------------------------------ reading
    def parameters(self) -> tuple[float, int] | None:
        """``(noise, n_samples)`` of the sample shown, or None when no sample is shown."""
        if self._sample is None:
            return None
        return float(self.noise_spin.value()), int(self.points_spin.value())

    def project_fields(self) -> dict:
        """What the project's ``dataset`` object records for the sample shown."""
        p = self.parameters()
        return {} if p is None else {"noise": p[0], "n_samples": p[1]}

    # ------------------------------------------------------------------ changing
    def set_parameters(self, noise: float, n_samples: int) -> bool:
        """Regenerate the shown sample with ``noise`` and ``n_samples`` (False: no sample
        is shown)."""
        if self._sample is None:
            return False
        with QSignalBlocker(self.noise_spin), QSignalBlocker(self.points_spin):
            self.noise_spin.setValue(noise)
            self.points_spin.setValue(n_samples)
        self._regenerate()
        return True

    @Slot()
    def _on_changed(self, *_args) -> None:
        self._regenerate()

    def _regenerate(self) -> None:
        panel = self._w.data_panel
        panel.finish_taking_in()  # a file just loaded replaces the sample these spins made
        if self._sample is None:
            return
        task = panel.requested_task  # a task chosen by hand stays (regression of moons)
        ds = load_sample(
            self._sample,
            task=task,
            n_samples=int(self.points_spin.value()),
            noise=float(self.noise_spin.value()),
        )
        self._regenerating = True
        try:
            panel.show_dataset(ds, task=task)
        finally:
            self._regenerating = False

    @Slot(object)
    def _on_dataset_changed(self, ds: Dataset | None) -> None:
        if self._regenerating:
            return
        name = None if ds is None else str(ds.source).strip().lower()
        self._sample = name if name in SAMPLE_DEFAULTS else None
        if self._sample is not None:
            n, noise = SAMPLE_DEFAULTS[self._sample]
            with QSignalBlocker(self.noise_spin), QSignalBlocker(self.points_spin):
                self.points_spin.setMinimum(_min_points(self._sample))
                self.noise_spin.setValue(noise)
                self.points_spin.setValue(ds.n_samples if ds is not None else n)
        self._update_enabled()

    def _update_enabled(self) -> None:
        on = self._sample is not None and self._w.controller.state == IDLE
        self.noise_spin.setEnabled(on)
        self.points_spin.setEnabled(on)
