"""The Qt-free start-up check: display, platform plugin and system libraries.

Truths used: ELF files built byte by byte in the test (both word sizes and byte orders),
``readelf -d`` on the real Qt wheel, a TCP socket the test listens on, and the exact
package names of the distributions.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from nnstudio import platform_check as pc


def make_elf(
    path: Path, needed: list[str], runpath: str | None = None, *, bits64=True, big=False
) -> Path:
    """A minimal ELF shared object: header, a PT_LOAD covering the file at vaddr 0x1000
    and a PT_DYNAMIC with DT_NEEDED/DT_RUNPATH/DT_STRTAB, then the string table."""
    e = ">" if big else "<"
    strtab = b"\0"
    offsets = []
    for name in needed + ([runpath] if runpath else []):
        offsets.append(len(strtab))
        strtab += name.encode() + b"\0"
    ehsize, phentsize = (64, 56) if bits64 else (52, 32)
    phoff = ehsize
    dyn_off = phoff + 2 * phentsize
    n_dyn = len(needed) + (1 if runpath else 0) + 2  # + DT_STRTAB + DT_NULL
    dyn_size = n_dyn * (16 if bits64 else 8)
    str_off = dyn_off + dyn_size
    total = str_off + len(strtab)
    vbase = 0x1000
    entries = [(1, offsets[i]) for i in range(len(needed))]
    if runpath:
        entries.append((29, offsets[-1]))
    entries += [(5, vbase + str_off), (0, 0)]
    ident = b"\x7fELF" + bytes([2 if bits64 else 1, 2 if big else 1, 1]) + b"\0" * 9
    if bits64:
        hdr = struct.pack(
            e + "HHIQQQIHHHHHH", 3, 62, 1, 0, phoff, 0, 0, ehsize, phentsize, 2, 0, 0, 0
        )
        ph = struct.pack(e + "IIQQQQQQ", 1, 5, 0, vbase, vbase, total, total, 0x1000)
        ph += struct.pack(
            e + "IIQQQQQQ", 2, 6, dyn_off, vbase + dyn_off, vbase + dyn_off, dyn_size, dyn_size, 8
        )
        dyn = b"".join(struct.pack(e + "qQ", t, v) for t, v in entries)
    else:
        hdr = struct.pack(
            e + "HHIIIIIHHHHHH", 3, 3, 1, 0, phoff, 0, 0, ehsize, phentsize, 2, 0, 0, 0
        )
        ph = struct.pack(e + "IIIIIIII", 1, 0, vbase, vbase, total, total, 5, 0x1000)
        ph += struct.pack(
            e + "IIIIIIII", 2, dyn_off, vbase + dyn_off, vbase + dyn_off, dyn_size, dyn_size, 6, 4
        )
        dyn = b"".join(struct.pack(e + "iI", t, v) for t, v in entries)
    data = ident + hdr + ph + dyn + strtab
    assert len(data) == total
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("bits64", [True, False])
@pytest.mark.parametrize("big", [False, True])
def test_elf_needed_reads_hand_built_files(tmp_path, bits64, big):
    f = make_elf(
        tmp_path / "libx.so",
        ["libA.so.1", "libxcb-cursor.so.0"],
        "$ORIGIN/../lib",
        bits64=bits64,
        big=big,
    )
    assert pc.elf_needed(f) == (["libA.so.1", "libxcb-cursor.so.0"], ["$ORIGIN/../lib"])
    g = make_elf(tmp_path / "liby.so", ["libc.so.6"], bits64=bits64, big=big)
    assert pc.elf_needed(g) == (["libc.so.6"], [])


def test_elf_needed_refuses_other_files(tmp_path):
    f = tmp_path / "text.so"
    f.write_text("not a library\n" * 4)
    with pytest.raises(ValueError):
        pc.elf_needed(f)


def _readelf(path: Path) -> tuple[list[str], list[str]]:
    out = subprocess.run(
        ["readelf", "-d", str(path)], capture_output=True, text=True, check=True
    ).stdout
    needed, search = [], []
    for line in out.splitlines():
        if "(NEEDED)" in line:
            needed.append(line.split("[", 1)[1].rstrip("]"))
        elif "(RUNPATH)" in line or "(RPATH)" in line:
            search = [d for d in line.split("[", 1)[1].rstrip("]").split(":") if d]
    return needed, search


@pytest.mark.skipif(shutil.which("readelf") is None, reason="needs binutils' readelf")
def test_elf_needed_agrees_with_readelf_on_the_qt_wheel():
    pyside = pc.pyside_dir()
    files = [
        pyside / "Qt" / "plugins" / "platforms" / "libqxcb.so",
        pyside / "Qt" / "lib" / "libQt6Gui.so.6",
        *pyside.glob("QtWidgets.*so"),
    ]
    for f in files:
        assert pc.elf_needed(f) == _readelf(f), f.name


def test_missing_libraries_follows_bundled_libraries_only(tmp_path):
    # A fake wheel: QtCore's module -> bundled libQt6Core (found through RUNPATH) -> two
    # system libraries; the xcb plugin -> bundled libQt6Core and a system xcb library.
    pyside = tmp_path / "PySide6"
    (pyside / "Qt" / "lib").mkdir(parents=True)
    (pyside / "Qt" / "plugins" / "platforms").mkdir(parents=True)
    make_elf(pyside / "QtCore.abi3.so", ["libQt6Core.so.6", "libc.so.6"], "$ORIGIN/Qt/lib")
    make_elf(
        pyside / "Qt" / "lib" / "libQt6Core.so.6", ["libglib-2.0.so.0", "libweird.so.3"], "$ORIGIN"
    )
    make_elf(
        pyside / "Qt" / "plugins" / "platforms" / "libqxcb.so",
        ["libQt6Core.so.6", "libxcb-cursor.so.0"],
        "$ORIGIN/../../lib",
    )
    on_system = {"libc.so.6"}
    asked = []

    def found(soname):
        asked.append(soname)
        return soname in on_system

    missing = pc.missing_libraries(["xcb"], found=found, pyside=pyside)
    assert [(m.soname, m.needed_by) for m in missing] == [
        ("libglib-2.0.so.0", "libQt6Core.so.6"),
        ("libweird.so.3", "libQt6Core.so.6"),
        ("libxcb-cursor.so.0", "libqxcb.so"),
    ]
    assert "libQt6Core.so.6" not in asked  # bundled: never looked up on the system
    # Without the plugin, only the core's needs.
    core = pc.missing_libraries(["offscreen"], found=found, pyside=pyside)
    assert [m.soname for m in core] == ["libglib-2.0.so.0", "libweird.so.3"]


def test_missing_libraries_of_the_real_wheel_names_the_xcb_cursor_library():
    missing = pc.missing_libraries(["xcb"], found=lambda s: s != "libxcb-cursor.so.0")
    assert [(m.soname, m.needed_by) for m in missing] == [("libxcb-cursor.so.0", "libqxcb.so")]
    assert pc.missing_libraries(["offscreen"], found=lambda s: s != "libxcb-cursor.so.0") == []


def test_install_commands_per_distribution():
    missing = [
        pc.MissingLibrary("libxcb-cursor.so.0", "libqxcb.so"),
        pc.MissingLibrary("libxcb-shape.so.0", "libqxcb.so"),
        pc.MissingLibrary("libxcb-xkb.so.1", "libqxcb.so"),
        pc.MissingLibrary("libweird.so.3", "libqxcb.so"),
    ]
    as_root = pc.install_commands(missing, root=True)
    assert as_root["debian"] == (
        "apt-get install -y --no-install-recommends libxcb-cursor0 libxcb-shape0 libxcb-xkb1"
    )
    assert as_root["fedora"] == "dnf install -y xcb-util-cursor libxcb"
    assert as_root["arch"] == "pacman -S --needed xcb-util-cursor libxcb"
    assert as_root["unknown"] == ["libweird.so.3"]
    assert pc.install_commands(missing, root=False)["debian"].startswith("sudo apt-get install")


def test_install_advice_puts_this_systems_command_first():
    missing = [pc.MissingLibrary("libxcb-cursor.so.0", "libqxcb.so")]
    fedora_first = pc.install_advice(missing, family="fedora")
    assert fedora_first.index("dnf install") < fedora_first.index("apt-get install")
    debian_first = pc.install_advice(missing, family="debian")
    assert debian_first.index("apt-get install") < debian_first.index("pacman -S")
    assert "\n" not in debian_first


@pytest.mark.parametrize(
    "text, family",
    [
        ('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n', "debian"),
        ("ID=debian\n", "debian"),
        ('ID="rocky"\nID_LIKE="rhel centos fedora"\n', "fedora"),
        ("ID=arch\n", "arch"),
        ("ID=alpine\n", ""),
    ],
)
def test_distro_family(text, family):
    assert pc._distro_family(text) == family


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, (["xcb"], False)),
        ({"DISPLAY": ":0"}, (["xcb"], False)),
        (
            {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"},
            (["wayland", "xcb"], False),
        ),
        ({"QT_QPA_PLATFORM": "offscreen"}, (["offscreen"], True)),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, (["wayland", "xcb"], True)),
        ({"QT_QPA_PLATFORM": "vnc:size=800x600"}, (["vnc"], True)),
    ],
)
def test_qt_platforms(env, expected):
    assert pc.qt_platforms(env) == expected


def never_called(display):
    raise AssertionError("no X display should be contacted")


@pytest.mark.parametrize(
    "env",
    [
        {"QT_QPA_PLATFORM": "offscreen"},
        {"QT_QPA_PLATFORM": "minimal"},
        {"QT_QPA_PLATFORM": "wayland", "WAYLAND_DISPLAY": "wayland-0"},
        {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-1"},
    ],
)
def test_a_display_is_there(env):
    assert pc.display_problem(env, reachable=never_called) is None


def test_no_display_at_all_says_what_works_headless():
    err = pc.display_problem({"HOME": "/home/u"}, reachable=never_called)
    assert err.kind == "no_display"
    text = str(err)
    assert text.startswith("no display: ")
    for part in ("nnstudio train", "nnstudio predict", "nnstudio bench", "xvfb-run", "DISPLAY="):
        assert part in text
    assert "\n" not in text


def test_xcb_chosen_without_display_names_the_variable():
    err = pc.display_problem({"QT_QPA_PLATFORM": "xcb"}, reachable=never_called)
    assert err.kind == "no_display"
    assert "QT_QPA_PLATFORM=xcb but DISPLAY is not set" in str(err)


def test_unknown_platform_plugin_lists_the_real_ones():
    err = pc.display_problem({"QT_QPA_PLATFORM": "nosuchthing"}, reachable=never_called)
    assert err.kind == "unknown_platform"
    assert "offscreen" in str(err) and "xcb" in str(err)


def test_x_server_that_does_not_answer():
    env = {"DISPLAY": ":42"}
    assert pc.display_problem(env, reachable=lambda d: True) is None
    assert pc.display_problem(env, reachable=lambda d: None) is None  # cannot tell: let Qt try
    err = pc.display_problem(env, reachable=lambda d: False)
    assert err.kind == "display_unreachable" and "DISPLAY=:42" in str(err)
    # A wayland fallback after xcb still works.
    env = {"QT_QPA_PLATFORM": "xcb;wayland", "DISPLAY": ":42", "WAYLAND_DISPLAY": "w-0"}
    assert pc.display_problem(env, reachable=lambda d: False) is None


def test_x_display_reachable_over_tcp():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    display = f"127.0.0.1:{port - 6000}.0"
    try:
        assert pc.x_display_reachable(display) is True
    finally:
        server.close()
    assert pc.x_display_reachable(display) is False
    assert pc.x_display_reachable("garbage") is None


def test_check_gui_environment_reports_missing_libraries():
    env = {"DISPLAY": ":42"}
    with pytest.raises(pc.GuiEnvironmentError) as info:
        pc.check_gui_environment(
            env,
            found=lambda s: s not in ("libxcb-cursor.so.0", "libxcb-icccm.so.4"),
            reachable=lambda d: True,
        )
    err = info.value
    assert err.kind == "missing_libraries"
    assert [m.soname for m in err.missing] == ["libxcb-cursor.so.0", "libxcb-icccm.so.4"]
    assert "apt-get install -y --no-install-recommends libxcb-cursor0 libxcb-icccm4" in str(err)
    assert "dnf install -y xcb-util-cursor xcb-util-wm" in str(err)
    assert pc.check_gui_environment(env, found=lambda s: True, reachable=lambda d: True) == "xcb"


# --------------------------------------------------------------------- the CLI


def _env_without_display() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_SESSION_TYPE")
    }
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def test_nnstudio_without_a_display_prints_one_line_and_exits_2():
    proc = subprocess.run(
        [sys.executable, "-m", "nnstudio"],
        env=_env_without_display(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnstudio: error: no display: ")


def test_gui_with_missing_libraries_prints_the_install_line(monkeypatch, capsys):
    import nnstudio.app
    from nnstudio import cli

    def must_not_start(**kwargs):
        raise AssertionError("Qt must not start when libraries are missing")

    monkeypatch.setattr(nnstudio.app, "run_gui", must_not_start)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":42")
    monkeypatch.setattr(pc, "x_display_reachable", lambda display: True)
    monkeypatch.setattr(pc, "SystemLibraries", lambda: lambda s: s != "libxcb-cursor.so.0")
    assert cli.main(["gui"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith(
        "nnstudio: error: Qt cannot start (xcb): missing system libraries libxcb-cursor.so.0"
    )
    assert "apt-get install -y --no-install-recommends libxcb-cursor0" in err[0]


def test_the_check_and_the_doctor_never_import_qt():
    code = (
        "import sys, nnstudio.platform_check as pc, nnstudio.doctor as d\n"
        "pc.missing_libraries(['xcb']); d.collect(probe=False)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=_env_without_display(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert proc.stdout.strip() == "[]"
