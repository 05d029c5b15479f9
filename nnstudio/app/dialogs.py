"""The one way the app tells a person that something went wrong.

Every bad input, failed file operation and diverged run ends in :func:`show_error`, so
there is exactly one place to change how errors look, and tests replace this one
function (``monkeypatch.setattr(dialogs, "show_error", ...)``) so that no modal box ever
blocks them. Callers must call it as ``dialogs.show_error(...)`` (through the module), not
import the name, or a patch would not reach them.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

__all__ = ["ask", "show_error", "show_info"]


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    """A modal warning box: ``title`` says what failed, ``message`` why and what to do."""
    box = QMessageBox(parent)
    box.setObjectName("errorDialog")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(title)
    box.setInformativeText(message)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()


def ask(parent: QWidget | None, title: str, question: str) -> bool:
    """A modal yes/no question (the answer "No" is the default); True for "Yes". Tests
    replace this function like :func:`show_error`."""
    box = QMessageBox(parent)
    box.setObjectName("questionDialog")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(question)
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes


def show_info(parent: QWidget | None, title: str, text: str) -> None:
    """A modal information box (About)."""
    QMessageBox.about(parent, title, text)
