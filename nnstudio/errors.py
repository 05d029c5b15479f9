"""The one base class of every error nnstudio shows to a user.

Anything a user can get wrong (a file, a number typed into the app, a model or project
file, an option on the command line) is raised as a subclass of :class:`NnstudioError`
whose ``str()`` is ONE line naming what is wrong and what to do. The command line turns
this base, and only this base, into ``nnstudio: error: ...`` and exit status 2; the app
shows it in a dialog. Any other exception is a bug and is shown as one.

This module imports nothing, so every layer (engine excepted, which stays
self-contained) can raise these without pulling anything else in.
"""

from __future__ import annotations

__all__ = ["NnstudioError"]


class NnstudioError(Exception):
    """A user-facing problem; ``str(err)`` is one line: what is wrong and what to do."""

    def __init__(self, message: str = "", *args: object) -> None:
        # Keep the message on one line whatever the caller interpolated into it.
        super().__init__(" ".join(str(message).split()), *args)
