"""The one error a state or seed file gives."""

from __future__ import annotations

from kmsmock.errors import KmsMockUsageError


class StateFileError(KmsMockUsageError):
    """A state or seed file (or dict) cannot be loaded: the message names the file, the
    place in it (``keys[2].tags``) and the problem."""
