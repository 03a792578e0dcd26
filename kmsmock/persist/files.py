"""Reading a JSON document, and writing one so that a crash never leaves half a file."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from typing import Any

from kmsmock.aws import json_depth
from kmsmock.persist.state_file_error import StateFileError


def read_json(path: str | os.PathLike[str]) -> Any:
    """The JSON document in ``path``; StateFileError naming the file for anything wrong."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as file:
            data = file.read()
    except OSError as error:
        raise StateFileError(f"{name}: cannot read it: {error.strerror or error}") from None
    return parse_json(data, name)


def parse_json(data: bytes, name: str) -> Any:
    """The JSON document ``data`` (the bytes of the file ``name``); StateFileError naming the
    file for anything wrong."""
    try:
        text = data.decode("utf-8-sig")  # a BOM, as some editors write, is not an error
    except UnicodeDecodeError as error:
        raise StateFileError(
            f"{name}: not UTF-8 text (byte {error.start}): a state or seed file is JSON"
        ) from None
    try:
        return json_depth.loads(text)
    except json.JSONDecodeError as error:
        raise StateFileError(
            f"{name}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically: into a temporary file in the same directory,
    flushed to disk, then renamed over ``path``. Readers see the old file or the new one,
    never a part; if anything fails, the old file is left as it was and the temporary file
    is removed. The file is readable by its owner only (it holds the mock's secret)."""
    name = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(name))
    handle, temporary = tempfile.mkstemp(
        dir=directory, prefix=f".{os.path.basename(name)}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    # The rename itself is durable once the directory is synced (POSIX; not on Windows).
    with contextlib.suppress(OSError, AttributeError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
