"""The benchmark's one user error."""

from __future__ import annotations

from ..errors import NnstudioError


class BenchError(NnstudioError, ValueError):
    """A user error in the benchmark's options; the message is one line."""
