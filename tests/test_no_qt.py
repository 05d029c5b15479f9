"""The engine, data, io, insight, pipeline, CLI and bench never pull in Qt.

Two checks: a fresh interpreter imports every module of those packages (and runs the
``samples``, ``train`` and ``predict`` commands) and then no Qt module may be loaded; and
a static scan of their sources for Qt imports, so an import hidden inside a function that
the first check does not run is caught too.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "nnstudio"
QT_ROOTS = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6", "PySide2", "shiboken2")
QT_FREE_PACKAGES = ("engine", "data", "io", "insight", "bench", "cli")
QT_FREE_MODULES = ("pipeline.py", "text.py", "errors.py", "untrusted.py")

_PROBE = r"""
import importlib, json, pkgutil, sys, tempfile, os

import nnstudio
names = ["nnstudio.pipeline", "nnstudio.cli", "nnstudio.text", "nnstudio.untrusted"]
for pkg in ("engine", "data", "io", "insight", "bench", "cli"):
    mod = importlib.import_module(f"nnstudio.{pkg}")
    names.append(mod.__name__)
    found = pkgutil.walk_packages(mod.__path__, mod.__name__ + ".")
    names += [m.name for m in found if not m.name.endswith(".__main__")]
for name in names:
    importlib.import_module(name)

from nnstudio.cli import main

folder = tempfile.mkdtemp()
model = os.path.join(folder, "m.npz")
codes = [
    main(["samples"]),
    main(["train", "xor", "--out", model, "--epochs", "1", "-q"]),
    main(["predict", model, "xor", "--out", os.path.join(folder, "p.csv")]),
]
roots = tuple(sys.argv[1].split(","))
qt = sorted(m for m in sys.modules if m.split(".")[0] in roots)
print(json.dumps({"imported": names, "qt": qt, "codes": codes}))
"""


def test_importing_and_running_without_qt():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, ",".join(QT_ROOTS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["codes"] == [0, 0, 0]
    assert "nnstudio.engine.network" in result["imported"]
    assert "nnstudio.io.model_file" in result["imported"]
    assert "nnstudio.data.loaders" in result["imported"]
    assert "nnstudio.bench.throughput" in result["imported"]
    assert result["qt"] == [], f"Qt modules loaded: {result['qt']}"


def _imports(path: Path) -> list[tuple[int, str, int]]:
    """``(line, absolute-ish module name, relative level)`` of every import in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, 0) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            found.append((node.lineno, base, node.level))
            if node.level and not base:  # from . import x
                found += [(node.lineno, a.name, node.level) for a in node.names]
    return found


def _qt_free_files() -> list[Path]:
    files = [f for pkg in QT_FREE_PACKAGES for f in sorted((PKG / pkg).rglob("*.py"))]
    files += [PKG / m for m in QT_FREE_MODULES if (PKG / m).exists()]
    return files


def test_sources_never_import_qt():
    files = _qt_free_files()
    assert len(files) >= 10
    bad = [
        f"{f.relative_to(ROOT)}:{line}: {name}"
        for f in files
        for line, name, level in _imports(f)
        if level == 0 and name.split(".")[0] in QT_ROOTS
    ]
    assert bad == [], "Qt imported in Qt-free code:\n" + "\n".join(bad)


def test_only_the_cli_reaches_the_app_and_only_lazily():
    """engine/data/io/pipeline/bench never import nnstudio.app; the CLI does, but only
    inside a function (the gui command)."""
    bad = []
    for f in _qt_free_files():
        tree = ast.parse(f.read_text(encoding="utf-8"))
        top_level = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                mod = node.module or ""
                names = [mod] + ([a.name for a in node.names] if not mod else [])
            if not any(n == "app" or n.endswith(".app") or ".app." in n for n in names):
                continue
            if f.parent.name == "cli" and id(node) not in top_level:
                continue
            bad.append(f"{f.relative_to(ROOT)}:{node.lineno}")
    assert bad == [], "nnstudio.app imported from Qt-free code: " + ", ".join(bad)


def test_engine_imports_nothing_else_of_nnstudio():
    bad = []
    for f in sorted((PKG / "engine").rglob("*.py")):
        for line, name, level in _imports(f):
            if (level == 0 and name.split(".")[0] == "nnstudio") or level > 1:
                bad.append(f"{f.relative_to(ROOT)}:{line}: {'.' * level}{name}")
    assert bad == [], "engine must import only itself:\n" + "\n".join(bad)


#: modules that import nothing of nnstudio but nnstudio.errors, so any layer may use them
LEAVES = ("nnstudio.errors", "nnstudio.untrusted")


def test_data_imports_only_itself_and_the_leaf_modules():
    """The data layer stands alone: nnstudio.data.* and the leaves (nnstudio.errors, and
    nnstudio.untrusted, the guarded reader of untrusted bytes it shares with io) only."""
    bad = []
    for f in sorted((PKG / "data").rglob("*.py")):
        for line, name, level in _imports(f):
            outside = level == 0 and name.split(".")[0] == "nnstudio"
            if (outside and not name.startswith(("nnstudio.data", *LEAVES))) or (level > 1):
                bad.append(f"{f.relative_to(ROOT)}:{line}: {'.' * level}{name}")
    assert bad == [], "data must import only itself and the leaves:\n" + "\n".join(bad)


def test_leaf_modules_import_only_the_errors_module():
    bad = []
    for mod in LEAVES:
        f = PKG / f"{mod.split('.')[1]}.py"
        for line, name, level in _imports(f):
            if level > 0 or (name.split(".")[0] == "nnstudio" and name != "nnstudio.errors"):
                bad.append(f"{f.relative_to(ROOT)}:{line}: {'.' * level}{name}")
    assert bad == [], "leaf modules may import only nnstudio.errors:\n" + "\n".join(bad)
