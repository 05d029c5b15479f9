"""Can Qt start here? Answered without importing Qt, so a missing piece gets one clear
line instead of Qt's abort ("could not load the Qt platform plugin", core dump, exit 134).

Qt needs two things on Linux before ``QApplication`` exists, and aborts the whole process
when either is missing:

1. a display for the platform plugin it picks (:func:`qt_platforms`): ``xcb`` needs an X
   server at ``$DISPLAY``, ``wayland`` needs ``$WAYLAND_DISPLAY``; ``offscreen``,
   ``minimal``, ``vnc``, ``eglfs`` and ``linuxfb`` need none (:func:`display_variable`),
   and a plugin name the wheel does not ship is an error of its own;
2. the system libraries the PySide6 wheel does not bundle. They are found by reading the
   ``DT_NEEDED`` entries of the Qt libraries and of the platform plugin straight from
   their ELF headers (:func:`elf_needed`), following the libraries the wheel bundles
   (resolved through their ``RUNPATH``/``RPATH`` with ``$ORIGIN``) and looking every
   other one up as the dynamic loader would (``ldconfig -p``'s cache, then
   ``$LD_LIBRARY_PATH``, then the default folders).

:func:`check_gui_environment` runs both checks and raises :class:`GuiEnvironmentError`
(one line naming what is missing and what to do); ``nnstudio`` /
``nnstudio gui`` call it before importing Qt, and ``nnstudio doctor`` reports the same
facts. macOS and Windows wheels bundle everything and have a display: nothing to check.

What it deliberately does not do: load any library (a half-loaded Qt could abort), or
guess a display's authorisation; a display that accepts the connection is taken as good.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import shutil
import socket
import struct
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import NnstudioError

__all__ = [
    "GuiEnvironmentError",
    "MissingLibrary",
    "SystemLibraries",
    "applies",
    "available_platforms",
    "check_gui_environment",
    "display_problem",
    "display_variable",
    "elf_needed",
    "install_advice",
    "install_commands",
    "libraries_problem",
    "missing_libraries",
    "pyside_dir",
    "qt_platforms",
    "usable_platform",
]


#: soname -> (Debian/Ubuntu, Fedora/RHEL, Arch) package that ships it. Sonames the
#: PySide6 wheels need from the system (QtCore/QtGui/QtWidgets, the xcb and wayland
#: platform plugins); one not listed is still reported, by its soname.
PACKAGES: dict[str, tuple[str, str, str]] = {
    "libGL.so.1": ("libgl1", "libglvnd-glx", "libglvnd"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl", "libglvnd"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl", "libglvnd"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2", "glib2"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype", "freetype2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs", "dbus"),
    "libz.so.1": ("zlib1g", "zlib", "zlib"),
    "libzstd.so.1": ("libzstd1", "libzstd", "zstd"),
    "libX11.so.6": ("libx11-6", "libX11", "libx11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb", "libx11"),
    "libxcb.so.1": ("libxcb1", "libxcb", "libxcb"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": (
        "libxcb-render-util0",
        "xcb-util-renderutil",
        "xcb-util-renderutil",
    ),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb", "libxcb"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client", "wayland"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor", "wayland"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl", "wayland"),
}

#: the Qt libraries and PySide6 modules the app loads, whatever the platform
_CORE_ROOTS = ("QtCore", "QtGui", "QtWidgets")


class GuiEnvironmentError(NnstudioError):
    """Qt cannot start here. ``kind`` is ``"no_display"``, ``"display_unreachable"``,
    ``"unknown_platform"`` or ``"missing_libraries"``; ``missing`` lists the libraries for
    the last."""

    def __init__(self, message: str, kind: str, missing: tuple[MissingLibrary, ...] = ()):
        super().__init__(message)
        self.kind = kind
        self.missing = missing


@dataclass(frozen=True)
class MissingLibrary:
    """A system library Qt needs that the dynamic loader would not find."""

    soname: str
    needed_by: str  # the file name of the library or plugin that asks for it

    @property
    def packages(self) -> tuple[str, str, str] | None:
        """(Debian, Fedora, Arch) package names, or None when the soname is not known."""
        return PACKAGES.get(self.soname)


# --------------------------------------------------------------------- platform


def applies(platform: str = sys.platform) -> bool:
    """True where Qt needs a display server and system libraries (Linux and the BSDs)."""
    return not (platform.startswith(("darwin", "win32", "cygwin", "emscripten")))


def qt_platforms(env: Mapping[str, str]) -> tuple[list[str], bool]:
    """The platform plugins Qt will try, in order, and whether the user chose them.

    ``QT_QPA_PLATFORM`` wins (a ``;``-separated fallback list; ``name:options`` keeps the
    name). Otherwise Qt 6 follows the session: ``wayland`` first (then ``xcb``) in a
    Wayland session, else ``xcb``.
    """
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        names = [p.split(":", 1)[0].strip() for p in chosen.split(";")]
        return [n for n in names if n], True
    if env.get("XDG_SESSION_TYPE", "").lower() == "wayland" and env.get("WAYLAND_DISPLAY"):
        return ["wayland", "xcb"], False
    return ["xcb"], False


def available_platforms(pyside: Path | None = None) -> list[str] | None:
    """Names of the platform plugins the installed PySide6 ships (``libqxcb.so`` ->
    ``xcb``), or None when they cannot be listed."""
    pyside = pyside or pyside_dir()
    folder = pyside / "Qt" / "plugins" / "platforms" if pyside else None
    if folder is None or not folder.is_dir():
        return None
    return sorted(p.name[4:].split(".")[0] for p in folder.glob("libq*.so"))


def display_variable(platform: str) -> str | None:
    """The environment variable naming the display server ``platform`` draws on
    (``DISPLAY`` for xcb, ``WAYLAND_DISPLAY`` for wayland*), None for the plugins that
    need none (offscreen, minimal, vnc, eglfs, linuxfb, ...)."""
    if platform == "xcb":
        return "DISPLAY"
    if platform.startswith("wayland"):
        return "WAYLAND_DISPLAY"
    return None


def usable_platform(
    names: list[str], env: Mapping[str, str], available: list[str] | None = None
) -> str | None:
    """The first platform in ``names`` that exists (when ``available`` is known) and has
    the display it needs in ``env``."""
    for name in names:
        if available is not None and name not in available:
            continue
        variable = display_variable(name)
        if variable is None or env.get(variable):
            return name
    return None


def _headless_advice() -> str:
    return (
        "`nnstudio train`, `nnstudio predict` and `nnstudio bench` work without one; to run "
        "the app on a virtual display use `xvfb-run nnstudio` (or start `Xvfb :99 &` and "
        "run `DISPLAY=:99 nnstudio`), or connect with `ssh -X`"
    )


def display_problem(
    env: Mapping[str, str], reachable: Callable[[str], bool | None] | None = None
) -> GuiEnvironmentError | None:
    """Why Qt would find no display for its platform (or no such platform plugin), or None
    when it would find one.

    ``reachable(display)`` says whether an X server answers at ``$DISPLAY`` (None: cannot
    tell; default :func:`x_display_reachable`).
    """
    names, chosen = qt_platforms(env)
    available = available_platforms()
    usable = usable_platform(names, env, available)
    if usable is None:
        if available is not None and not set(names) & set(available):
            return GuiEnvironmentError(
                f"QT_QPA_PLATFORM={env.get('QT_QPA_PLATFORM', '')}: this Qt has no such "
                f"platform plugin; use one of {', '.join(available)} (or unset it)",
                kind="unknown_platform",
            )
        if chosen:
            needs = display_variable(next(n for n in names if display_variable(n)))
            what = f"QT_QPA_PLATFORM={env['QT_QPA_PLATFORM']} but {needs} is not set"
        else:
            what = "neither DISPLAY nor WAYLAND_DISPLAY is set (no screen, e.g. SSH or a container)"
        return GuiEnvironmentError(
            f"no display: {what}; the desktop app needs one. {_headless_advice()}",
            kind="no_display",
        )
    if usable == "xcb":
        display = env["DISPLAY"]
        ok = (reachable or x_display_reachable)(display)
        if ok is False and not usable_platform(names[names.index("xcb") + 1 :], env, available):
            return GuiEnvironmentError(
                f"no display: no X server answers at DISPLAY={display}; start it (or fix "
                f"DISPLAY). {_headless_advice()}",
                kind="display_unreachable",
            )
    return None


def x_display_reachable(display: str, timeout: float = 2.0) -> bool | None:
    """Whether something accepts connections at X display ``display`` (``[host]:N[.S]``).

    Local displays are the Unix socket ``/tmp/.X11-unix/X<N>`` (on Linux also its
    abstract twin), others TCP port 6000 + N. None when ``display`` has another form.
    """
    host, sep, rest = display.rpartition(":")
    number = rest.split(".", 1)[0]
    if not sep or not number.isdigit() or "/" in host:
        return None
    n = int(number)
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{n}"
        addresses = ([b"\0" + path.encode()] if sys.platform.startswith("linux") else []) + [path]
        for address in addresses:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(timeout)
                try:
                    s.connect(address)
                    return True
                except OSError:
                    continue
        return False
    try:
        with socket.create_connection((host, 6000 + n), timeout=timeout):
            return True
    except socket.gaierror:
        return False
    except OSError as exc:
        if exc.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH):
            return False
        return None


# --------------------------------------------------------------------- ELF


def elf_needed(path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """``(needed, search_path)`` of an ELF shared object: its ``DT_NEEDED`` sonames in
    order, and its ``DT_RUNPATH`` (else ``DT_RPATH``) folders as written (``$ORIGIN``
    unexpanded). Raises ``ValueError`` for a file that is not ELF."""
    with open(path, "rb") as fh:
        ident = fh.read(16)
        if len(ident) < 16 or ident[:4] != b"\x7fELF" or ident[4] not in (1, 2):
            raise ValueError(f"{path}: not an ELF file")
        bits64 = ident[4] == 2
        end = "<" if ident[5] == 1 else ">"
        header = fh.read(48 if bits64 else 36)
        if bits64:
            phoff, phentsize, phnum = (
                struct.unpack_from(end + "Q", header, 16)[0],
                *struct.unpack_from(end + "HH", header, 38),
            )
            ph_fmt = end + "IIQQQQQQ"  # type flags offset vaddr paddr filesz memsz align
        else:
            phoff, phentsize, phnum = (
                struct.unpack_from(end + "I", header, 12)[0],
                *struct.unpack_from(end + "HH", header, 26),
            )
            ph_fmt = end + "IIIIIIII"  # type offset vaddr paddr filesz memsz flags align
        loads, dynamic = [], None
        for i in range(phnum):
            fh.seek(phoff + i * phentsize)
            ph = struct.unpack(ph_fmt, fh.read(struct.calcsize(ph_fmt)))
            if bits64:
                p_type, p_offset, p_vaddr, p_filesz = ph[0], ph[2], ph[3], ph[5]
            else:
                p_type, p_offset, p_vaddr, p_filesz = ph[0], ph[1], ph[2], ph[4]
            if p_type == 1:  # PT_LOAD
                loads.append((p_vaddr, p_offset, p_filesz))
            elif p_type == 2:  # PT_DYNAMIC
                dynamic = (p_offset, p_filesz)
        if dynamic is None:
            return [], []
        fh.seek(dynamic[0])
        raw = fh.read(dynamic[1])
        dyn_fmt = end + ("qQ" if bits64 else "iI")
        size = struct.calcsize(dyn_fmt)
        entries = struct.iter_unpack(dyn_fmt, raw[: len(raw) // size * size])
        needed, runpath, rpath, strtab = [], None, None, None
        for tag, value in entries:
            if tag == 0:  # DT_NULL
                break
            if tag == 1:
                needed.append(value)
            elif tag == 5:
                strtab = value
            elif tag == 29:
                runpath = value
            elif tag == 15:
                rpath = value
        if strtab is None:
            return [], []
        base = next(
            (off + strtab - va for va, off, size in loads if va <= strtab < va + size), None
        )
        if base is None:
            raise ValueError(f"{path}: string table outside the file")

        def string(offset: int) -> str:
            fh.seek(base + offset)
            out = b""
            while b"\0" not in out:
                chunk = fh.read(256)
                if not chunk:
                    break
                out += chunk
            return out.split(b"\0", 1)[0].decode("utf-8", "replace")

        search = runpath if runpath is not None else rpath
        dirs = [d for d in string(search).split(":") if d] if search is not None else []
        return [string(v) for v in needed], dirs


# --------------------------------------------------------------------- lookup


class SystemLibraries:
    """Answers "would the dynamic loader find this soname?" like ``ld.so`` does for a
    library without its own search path: ``$LD_LIBRARY_PATH``, the ``ldconfig`` cache,
    then the default folders."""

    def __init__(self, env: Mapping[str, str] | None = None):
        env = os.environ if env is None else env
        self.dirs = [d for d in env.get("LD_LIBRARY_PATH", "").split(":") if d]
        self.cache = _ldconfig_cache()
        multiarch = sysconfig.get_config_var("MULTIARCH") or ""
        defaults = ["/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib"]
        if multiarch:
            defaults[:0] = [f"/lib/{multiarch}", f"/usr/lib/{multiarch}"]
        self.defaults = defaults

    def __call__(self, soname: str) -> bool:
        if any(os.path.exists(os.path.join(d, soname)) for d in self.dirs):
            return True
        if self.cache is not None and soname in self.cache:
            return True
        return any(os.path.exists(os.path.join(d, soname)) for d in self.defaults)


def _ldconfig_cache() -> set[str] | None:
    """Sonames in the loader's cache for this process's word size (``ldconfig -p``), or
    None when there is no ``ldconfig`` (musl, BSD)."""
    tool = shutil.which("ldconfig") or next(
        (p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if os.path.exists(p)), None
    )
    if tool is None:
        return None
    try:
        out = subprocess.run(
            [tool, "-p"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    want64 = sys.maxsize > 2**32
    names = set()
    for line in out.splitlines()[1:]:
        name, _, rest = line.strip().partition(" (")
        tags = rest.split(")", 1)[0]
        if name and ("64" in tags) == want64:
            names.add(name)
    return names


def pyside_dir() -> Path | None:
    """The installed PySide6 package folder, found without importing it."""
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _roots(pyside: Path, platforms: Iterable[str]) -> list[Path]:
    roots = []
    for module in _CORE_ROOTS:
        roots += sorted(pyside.glob(f"{module}.*so"))
        roots += sorted((pyside / "Qt" / "lib").glob(f"libQt6{module[2:]}.so.6"))
    for name in platforms:
        plugin = pyside / "Qt" / "plugins" / "platforms" / f"libq{name}.so"
        if plugin.exists():
            roots.append(plugin)
    return roots


def missing_libraries(
    platforms: Iterable[str] = ("xcb",),
    found: Callable[[str], bool] | None = None,
    pyside: Path | None = None,
) -> list[MissingLibrary]:
    """System libraries that Qt's core modules and the given platform plugins need and
    that ``found(soname)`` (default: :class:`SystemLibraries`) cannot find, in the order
    met. Libraries the wheel bundles are followed through their own dependencies.
    Empty when PySide6 is not installed or this is not an ELF system."""
    pyside = pyside or pyside_dir()
    if pyside is None or not applies():
        return []
    found = found or SystemLibraries()
    missing: dict[str, MissingLibrary] = {}
    seen: set[Path] = set()
    todo = _roots(pyside, platforms)
    while todo:
        lib = todo.pop(0)
        if lib in seen:
            continue
        seen.add(lib)
        try:
            needed, search = elf_needed(lib)
        except (OSError, ValueError):
            continue
        origin = str(lib.parent)
        folders = [Path(d.replace("$ORIGIN", origin).replace("${ORIGIN}", origin)) for d in search]
        for soname in needed:
            bundled = next((f / soname for f in folders if (f / soname).exists()), None)
            if bundled is not None:
                todo.append(bundled.resolve())
            elif soname not in missing and not found(soname):
                missing[soname] = MissingLibrary(soname, lib.name)
    return list(missing.values())


# --------------------------------------------------------------------- advice


def _distro_family(os_release: str | None = None) -> str:
    """``debian``, ``fedora``, ``arch`` or ``""`` from /etc/os-release's ID and ID_LIKE."""
    if os_release is None:
        try:
            os_release = Path("/etc/os-release").read_text(encoding="utf-8", errors="replace")
        except OSError:
            os_release = ""
    ids = []
    for line in os_release.splitlines():
        key, _, value = line.partition("=")
        if key in ("ID", "ID_LIKE"):
            ids += value.strip().strip("\"'").lower().split()
    for family, names in (
        ("debian", {"debian", "ubuntu"}),
        ("fedora", {"fedora", "rhel", "centos"}),
        ("arch", {"arch"}),
    ):
        if names & set(ids):
            return family
    return ""


def install_commands(missing: Iterable[MissingLibrary], root: bool | None = None) -> dict:
    """``{"debian": "apt-get install ...", "fedora": "dnf install ...", "arch": "pacman -S
    ..."}`` for the known libraries in ``missing`` (prefixed with ``sudo`` unless running
    as root), plus ``"unknown"``: the sonames no table entry covers."""
    missing = list(missing)
    if root is None:
        root = hasattr(os, "geteuid") and os.geteuid() == 0
    sudo = "" if root else "sudo "

    def unique(index: int) -> list[str]:
        out = []
        for m in missing:
            if m.packages and m.packages[index] not in out:
                out.append(m.packages[index])
        return out

    known = [m for m in missing if m.packages]
    commands = {}
    if known:
        commands["debian"] = f"{sudo}apt-get install -y --no-install-recommends " + " ".join(
            unique(0)
        )
        commands["fedora"] = f"{sudo}dnf install -y " + " ".join(unique(1))
        commands["arch"] = f"{sudo}pacman -S --needed " + " ".join(unique(2))
    commands["unknown"] = [m.soname for m in missing if not m.packages]
    return commands


def install_advice(missing: Iterable[MissingLibrary], family: str | None = None) -> str:
    """One sentence: this system's install command first, the others after it."""
    commands = install_commands(missing)
    family = _distro_family() if family is None else family
    order = [family] + [f for f in ("debian", "fedora", "arch") if f != family]
    labels = {"debian": "Debian/Ubuntu", "fedora": "Fedora/RHEL", "arch": "Arch"}
    parts = [f"{labels[f]}: `{commands[f]}`" for f in order if f in commands]
    text = "install them with " + parts[0] if parts else ""
    if len(parts) > 1:
        text += " (" + "; ".join(parts[1:]) + ")"
    if commands["unknown"]:
        text += (
            ("; " if text else "") + "find the packages providing " + ", ".join(commands["unknown"])
        )
    return text


def libraries_problem(
    platforms: Iterable[str], found: Callable[[str], bool] | None = None
) -> GuiEnvironmentError | None:
    """The missing-library error for Qt with ``platforms``, or None."""
    platforms = list(platforms)
    missing = missing_libraries(platforms, found)
    if not missing:
        return None
    names = ", ".join(m.soname for m in missing)
    which = "/".join(platforms)
    return GuiEnvironmentError(
        f"Qt cannot start ({which}): missing system libraries {names}; {install_advice(missing)}",
        kind="missing_libraries",
        missing=tuple(missing),
    )


def check_gui_environment(
    env: Mapping[str, str] | None = None,
    found: Callable[[str], bool] | None = None,
    reachable: Callable[[str], bool | None] | None = None,
) -> str | None:
    """Raise :class:`GuiEnvironmentError` if Qt could not start here; else return the
    platform plugin it will use (None where nothing is checked: macOS, Windows)."""
    env = os.environ if env is None else env
    if not applies():
        return None
    problem = display_problem(env, reachable)
    if problem is not None:
        raise problem
    names, _ = qt_platforms(env)
    platform = usable_platform(names, env, available_platforms())
    problem = libraries_problem([platform] if platform else [], found)
    if problem is not None:
        raise problem
    return platform


def main(argv: list[str] | None = None) -> int:
    """``python -m nnstudio.platform_check [PLATFORM ...]``: print the Debian packages
    that would provide the missing libraries for Qt with those platform plugins (default
    xcb), space-separated on one line (empty when none is missing); CI installs them.
    Exit status 1 when a missing library has no known package."""
    platforms = list(sys.argv[1:] if argv is None else argv) or ["xcb"]
    missing = missing_libraries(platforms)
    packages = []
    for m in missing:
        if m.packages and m.packages[0] not in packages:
            packages.append(m.packages[0])
    print(" ".join(packages))
    unknown = [m.soname for m in missing if not m.packages]
    if unknown:
        print(f"no known package provides {', '.join(unknown)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
