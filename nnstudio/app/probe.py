"""Start Qt the way the app does and say what happened, as one JSON line on stdout.

``nnstudio doctor`` runs ``python -m nnstudio.app.probe`` in a child process, so that if
Qt aborts (a plugin that will not load, no display) the abort kills the child, not the
doctor. On success the child prints ``{"platform": ..., "qt_version": ...,
"settings_file": ..., "font_families": n, "screens": [[w, h], ...]}`` and exits 0. It
creates no window.
"""

from __future__ import annotations

import json
import sys


def probe() -> dict:
    """Create the QApplication (the platform Qt picks from the environment) and report."""
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion
    from PySide6.QtGui import QFontDatabase, QGuiApplication
    from PySide6.QtWidgets import QApplication

    from nnstudio.app.window_state import APPLICATION, ORGANIZATION, app_settings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    return {
        "platform": QGuiApplication.platformName(),
        "qt_version": qVersion(),
        "pyside_version": pyside_version,
        "settings_file": app_settings().fileName(),
        "font_families": len(QFontDatabase.families()),
        "screens": [[s.size().width(), s.size().height()] for s in app.screens()],
    }


def _no_core_dump() -> None:
    """If Qt aborts in this child, leave no core file behind."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass


def main() -> int:
    _no_core_dump()
    print(json.dumps(probe()), flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover (run as a child process by the doctor)
    sys.exit(main())
