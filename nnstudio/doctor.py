"""``nnstudio doctor``: everything a bug report needs about this machine, on one screen.

Versions (nnstudio, Python, NumPy with the BLAS library threadpoolctl sees, PySide6, Qt,
pyqtgraph, the optional extras), the Qt platform plugin the app would use and whether Qt
really starts with it, the system libraries that are missing with the command that
installs them, and the settings file the app reads. ``--json`` prints the same as one
JSON object.

Qt is never imported here: whether it starts is tried in a child process
(``python -m nnstudio.app.probe``), so a Qt abort ends the child, not the doctor. The
optional extras are looked up by their installed metadata, never imported (importing
torch takes seconds). Exit status 0 when the app can start, 1 when it cannot.
"""

from __future__ import annotations

import json
import os
import platform as _platform
import signal
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from . import platform_check as pc

__all__ = ["collect", "format_report", "run"]

#: (label, distribution names tried in order)
CORE_PACKAGES = (
    ("PySide6", ("PySide6-Essentials", "PySide6")),
    ("shiboken6", ("shiboken6",)),
    ("pyqtgraph", ("pyqtgraph",)),
    ("tqdm", ("tqdm",)),
    ("threadpoolctl", ("threadpoolctl",)),
)
EXTRA_PACKAGES = (
    ("onnx", ("onnx",)),
    ("onnxruntime", ("onnxruntime", "onnxruntime-gpu")),
    ("torch", ("torch",)),
)
#: environment variables that change how NumPy's BLAS or Qt behave
ENV_KEYS = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "QT_QPA_PLATFORM",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XDG_SESSION_TYPE",
    "NNSTUDIO_SETTINGS_PATH",
)
PROBE_TIMEOUT_S = 60


def _version(names: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(distribution name, version) of the first installed one, else (None, None)."""
    for name in names:
        try:
            return name, metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None, None


def _numpy() -> dict:
    try:
        import numpy as np
    except ImportError as exc:
        return {"version": None, "error": str(exc), "blas": []}
    blas = []
    try:
        from threadpoolctl import threadpool_info

        for lib in threadpool_info():
            if lib.get("user_api") == "blas":
                blas.append(
                    {
                        "library": lib.get("internal_api"),
                        "version": lib.get("version"),
                        "kernel": lib.get("architecture"),
                        "threads": lib.get("num_threads"),
                        "threading_layer": lib.get("threading_layer"),
                        "file": lib.get("filepath"),
                    }
                )
    except ImportError:
        pass
    return {"version": np.__version__, "blas": blas}


def _os_name() -> str:
    try:
        return _platform.freedesktop_os_release().get("PRETTY_NAME", "")
    except (OSError, AttributeError):
        return ""


def probe_qt(env: dict[str, str], timeout: float = PROBE_TIMEOUT_S) -> dict:
    """Run the Qt probe in a child process with ``env``: ``{"ok": True, ...probe...}`` or
    ``{"ok": False, "reason": "..."}`` (an abort or a crash of the child included)."""
    package_parent = str(Path(__file__).resolve().parent.parent)
    env = dict(env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    cmd = [sys.executable, "-m", "nnstudio.app.probe"]
    try:
        proc = subprocess.run(
            cmd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "reason": f"Qt did not start within {timeout:g} s"}
    except OSError as exc:
        return {"ok": False, "reason": f"could not run the probe ({exc})"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if proc.returncode == 0 and lines:
        try:
            return {"ok": True, **json.loads(lines[-1])}
        except json.JSONDecodeError:
            pass
    if proc.returncode < 0:
        try:
            how = f"killed by {signal.Signals(-proc.returncode).name}"
        except ValueError:
            how = f"killed by signal {-proc.returncode}"
    else:
        how = f"exit status {proc.returncode}"
    said = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()][:3]
    reason = how + (": " + " | ".join(said) if said else "")
    return {"ok": False, "reason": reason[:600]}


def _qt(env: dict[str, str], probe: bool) -> dict:
    names, chosen = pc.qt_platforms(env)
    out: dict = {
        "platforms": names,
        "chosen_by": "QT_QPA_PLATFORM" if chosen else "environment",
        "checked": pc.applies(),
    }
    display = pc.display_problem(env) if pc.applies() else None
    out["display_problem"] = str(display) if display else None
    platform = pc.usable_platform(names, env, pc.available_platforms()) if pc.applies() else None
    # The libraries of every plugin Qt would try; xcb when none has a display (the usual
    # fix, a virtual X display, uses it).
    wanted = [platform] if platform else [n for n in names if pc.display_variable(n)]
    missing = pc.missing_libraries(wanted or ["xcb"])
    out["missing_libraries"] = [
        {
            "soname": m.soname,
            "needed_by": m.needed_by,
            **dict(zip(("debian", "fedora", "arch"), m.packages or (None, None, None))),
        }
        for m in missing
    ]
    out["install"] = pc.install_commands(missing) if missing else {}
    out["install_advice"] = pc.install_advice(missing) if missing else None
    if not probe:
        out["can_start"] = None
        return out
    if display is None:
        result = probe_qt(env)
        out["can_start"] = result["ok"]
    else:
        result = {"ok": False, "reason": str(display)}
        out["can_start"] = False
    out["probe"] = result
    if not result["ok"]:
        # Learn Qt's version and the settings file from a platform that needs no display.
        out["offscreen_probe"] = probe_qt({**env, "QT_QPA_PLATFORM": "offscreen"})
    return out


def collect(env: dict[str, str] | None = None, probe: bool = True) -> dict:
    """Everything the report shows, as plain JSON-able data."""
    from . import __version__

    env = dict(os.environ if env is None else env)
    info: dict = {
        "nnstudio": {"version": __version__, "location": str(Path(__file__).resolve().parent)},
        "python": {
            "version": _platform.python_version(),
            "implementation": _platform.python_implementation(),
            "executable": sys.executable,
        },
        "system": {
            "platform": _platform.platform(),
            "machine": _platform.machine(),
            "os": _os_name(),
            "cpus": os.cpu_count(),
        },
        "numpy": _numpy(),
        "packages": {},
        "extras": {},
        "environment": {k: env[k] for k in ENV_KEYS if k in env},
    }
    for label, names in CORE_PACKAGES:
        dist, version = _version(names)
        info["packages"][label] = {"distribution": dist, "version": version}
    for label, names in EXTRA_PACKAGES:
        dist, version = _version(names)
        info["extras"][label] = version
    info["qt"] = _qt(env, probe)
    qt = info["qt"]
    source = qt.get("probe") if qt.get("probe", {}).get("ok") else qt.get("offscreen_probe")
    info["settings_file"] = (source or {}).get("settings_file")
    info["ok"] = bool(qt.get("can_start")) if probe else None
    return info


# --------------------------------------------------------------------- text


def _blas_text(numpy: dict) -> str:
    if not numpy.get("blas"):
        return "no BLAS library seen by threadpoolctl"
    parts = []
    for b in numpy["blas"]:
        text = f"{b['library']} {b['version']}"
        if b.get("kernel"):
            text += f", {b['kernel']} kernel"
        text += f", {b['threads']} thread{'s' if b['threads'] != 1 else ''}"
        parts.append(text)
    return "; ".join(parts)


def format_report(info: dict) -> str:
    """The one-screen text of ``collect()``'s result."""
    rows: list[tuple[str, str]] = []
    nn, py, sysinfo, numpy = info["nnstudio"], info["python"], info["system"], info["numpy"]
    rows.append(("nnstudio", f"{nn['version']} ({nn['location']})"))
    rows.append(("Python", f"{py['version']} {py['implementation']} ({py['executable']})"))
    system = sysinfo["platform"] + (f", {sysinfo['os']}" if sysinfo["os"] else "")
    rows.append(("System", f"{system}, {sysinfo['cpus']} CPUs"))
    rows.append(("NumPy", f"{numpy['version'] or 'not importable'}, BLAS: {_blas_text(numpy)}"))
    qt = info["qt"]
    source = qt.get("probe") if (qt.get("probe") or {}).get("ok") else qt.get("offscreen_probe")
    pyside = info["packages"]["PySide6"]
    qt_version = (source or {}).get("qt_version")
    if pyside["version"]:
        text = f"{pyside['distribution']} {pyside['version']}"
        rows.append(("PySide6", text + (f", Qt {qt_version}" if qt_version else "")))
    else:
        rows.append(("PySide6", "not installed (the desktop app needs it)"))
    others = [
        f"{label} {info['packages'][label]['version'] or 'not installed'}"
        for label in ("pyqtgraph", "tqdm", "threadpoolctl")
    ]
    rows.append(("Packages", ", ".join(others)))
    extras = [f"{k} {v or 'not installed'}" for k, v in info["extras"].items()]
    rows.append(("Extras", ", ".join(extras)))

    names = ";".join(qt["platforms"])
    how = "from QT_QPA_PLATFORM" if qt["chosen_by"] == "QT_QPA_PLATFORM" else "Qt's default here"
    rows.append(("Qt platform", f"{names} ({how})"))
    if qt.get("can_start") is None:
        start = "not tried" if qt["checked"] else "not checked on this system"
    elif qt["can_start"]:
        p = qt["probe"]
        screens = ", ".join(f"{w}x{h}" for w, h in p.get("screens", [])) or "none"
        start = f"yes: {p['platform']}, screens {screens}, {p['font_families']} font families"
        if not p.get("font_families"):
            start += " (no fonts: text would draw as empty boxes; install fontconfig/fonts)"
    else:
        start = f"NO: {qt['probe']['reason']}"
    rows.append(("App starts", start))
    if qt["missing_libraries"]:
        libs = ", ".join(m["soname"] for m in qt["missing_libraries"])
        rows.append(("Missing libs", libs))
        rows.append(("To install", qt["install_advice"]))
    elif qt["checked"]:
        rows.append(("System libs", "all that Qt needs were found"))
    rows.append(("Settings", info["settings_file"] or "unknown (Qt did not start)"))
    if info["environment"]:
        env = ", ".join(f"{k}={v}" for k, v in info["environment"].items())
        rows.append(("Environment", env))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def run(args) -> int:
    """``nnstudio doctor [--json]``: print the report; 0 when the app can start, else 1."""
    info = collect()
    if getattr(args, "json", False):
        print(json.dumps(info), flush=True)
    else:
        print(format_report(info), flush=True)
    return 0 if info["ok"] else 1
