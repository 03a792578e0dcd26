"""Saved state and seed files: a mock's world as JSON, and back (docs/seed-files.md).

``save_world`` writes everything a later request could observe (keys and their material,
aliases, grants, custom key stores, principals, identity policies, and the secret that makes
earlier ciphertexts decrypt); ``load_world`` reads such a state file, or a seed file, which
is the same format with nearly every field left out.
"""

from __future__ import annotations

import json
import os
from typing import Any

from kmsmock.backend.state import World
from kmsmock.persist.decode import DEFAULT_ACCOUNT, DEFAULT_REGION, build, read_path
from kmsmock.persist.encode import world_to_document
from kmsmock.persist.files import write_atomic
from kmsmock.persist.state_file_error import StateFileError

__all__ = [
    "StateFileError",
    "load_world",
    "save_world",
    "state_text",
    "world_from_document",
    "world_to_document",
]


def load_world(path: str | os.PathLike[str]) -> World:
    """The world a state file or seed file describes; StateFileError (naming the file and the
    problem) for anything wrong with it."""
    return world_from_document(read_path(path), source=os.fspath(path))


def save_world(world: World, path: str | os.PathLike[str]) -> None:
    """Write ``world`` to ``path`` as a state file, atomically: the file holds the old state
    or the new one, never a part of either."""
    write_atomic(path, state_text(world))


def state_text(world: World) -> str:
    """``world`` as the text of a state file."""
    return json.dumps(world_to_document(world), indent=2, ensure_ascii=False) + "\n"


def world_from_document(
    document: Any,
    *,
    source: str = "<document>",
    account: str = DEFAULT_ACCOUNT,
    region: str = DEFAULT_REGION,
) -> World:
    """The world ``document`` (a parsed state or seed file) describes. ``account`` and
    ``region`` are what its entries default to; ``source`` names it in errors."""
    try:
        return build(document, source=source, account=account, region=region).world
    except RecursionError:  # a value nested thousands deep, in a field that is parsed again
        raise StateFileError(f"{source}: a value is nested too deeply to read") from None
