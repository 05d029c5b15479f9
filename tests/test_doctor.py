"""``nnstudio doctor``: versions, the Qt probe in a child process, missing libraries.

Truths: the installed distributions' metadata and ``numpy.__version__``, the settings
file the test itself names, and a Qt that really aborts (an unknown platform plugin).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np

from nnstudio import doctor
from nnstudio import platform_check as pc

ROOT = str(Path(__file__).resolve().parent.parent)


def _env(**extra) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_SESSION_TYPE")
    }
    env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH")) if p)
    env.update(extra)
    return env


def test_doctor_json_reports_versions_platform_and_settings(private_settings):
    proc = subprocess.run(
        [sys.executable, "-m", "nnstudio", "doctor", "--json"],
        env=_env(QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout.splitlines()[-1])
    assert info["numpy"]["version"] == np.__version__
    assert info["packages"]["PySide6"]["version"] == metadata.version("PySide6-Essentials")
    assert info["packages"]["pyqtgraph"]["version"] == metadata.version("pyqtgraph")
    assert info["python"]["version"] == ".".join(map(str, sys.version_info[:3]))
    for extra in ("onnx", "onnxruntime", "torch"):
        assert extra in info["extras"]
    qt = info["qt"]
    assert qt["platforms"] == ["offscreen"] and qt["chosen_by"] == "QT_QPA_PLATFORM"
    assert qt["can_start"] is True and qt["probe"]["platform"] == "offscreen"
    assert info["settings_file"] == str(private_settings)
    assert info["ok"] is True


def test_a_qt_abort_in_the_probe_does_not_kill_the_doctor():
    result = doctor.probe_qt(_env(QT_QPA_PLATFORM="nosuchplatform"), timeout=120)
    assert result["ok"] is False
    assert "nosuchplatform" in result["reason"]  # Qt's own words, from the child's stderr


def test_no_display_report_says_why_and_still_finds_qt_and_the_settings(private_settings):
    info = doctor.collect(env=_env(NNSTUDIO_SETTINGS_PATH=str(private_settings)))
    assert info["ok"] is False and info["qt"]["can_start"] is False
    assert info["qt"]["offscreen_probe"]["ok"] is True
    assert info["settings_file"] == str(private_settings)
    text = doctor.format_report(info)
    assert "App starts" in text and "NO: no display:" in text
    assert f"Settings     {private_settings}" in text
    assert len(text.splitlines()) < 25  # one screen


def test_report_names_missing_libraries_and_the_install_command(monkeypatch):
    monkeypatch.setattr(pc, "SystemLibraries", lambda: lambda s: s != "libxcb-cursor.so.0")
    info = doctor.collect(env=_env(DISPLAY=":42"), probe=False)
    assert info["qt"]["missing_libraries"] == [
        {
            "soname": "libxcb-cursor.so.0",
            "needed_by": "libqxcb.so",
            "debian": "libxcb-cursor0",
            "fedora": "xcb-util-cursor",
            "arch": "xcb-util-cursor",
        }
    ]
    text = doctor.format_report(info)
    assert "Missing libs  libxcb-cursor.so.0" in text
    assert "apt-get install -y --no-install-recommends libxcb-cursor0" in text
