"""The journal beside a state file: what changed since the file was written, a line each.

``kmsmock serve --state FILE`` keeps two files (docs/local-endpoint.md, "Durability"):

- ``FILE``, a full state document (docs/seed-files.md), only ever replaced whole (written to
  a temporary file, synced, renamed over it);
- ``FILE.journal``, JSON lines: a header naming the snapshot it follows (the SHA-256 of
  ``FILE``'s bytes), then one line per record changed since, each the record's new form,
  in the state file's own format:

  ``{"key": {...}, "last_used": {...}}`` a key as it is now (``last_used`` when it has one),
  ``{"key_deleted": {"account": ..., "region": ..., "id": ...}}``,
  ``{"store": {...}}`` a custom key store, ``{"store_deleted": {...}}`` likewise.

A line is appended with one ``write`` before the response that reports the change is sent,
so a process killed at any instant leaves every acknowledged line in the file (the kernel
has it); a line cut short by the kill (no newline yet) was never acknowledged and is ignored.
Replaying means replacing records of the snapshot's document by the journal's, the last line
for a record winning, then loading the document as any state file: the checks that vet a
state file vet the journal's records too.

A journal whose header names another snapshot is stale: the process was killed after it
replaced ``FILE`` with a newer snapshot and before it emptied the journal. The snapshot
holds all of it, so it is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from typing import Any

from kmsmock.persist.files import parse_json
from kmsmock.persist.state_file_error import StateFileError

FORMAT = "kmsmock-journal"
VERSION = 1
SUFFIX = ".journal"
_KINDS = ("key", "key_deleted", "store", "store_deleted")

try:  # POSIX: one server per state file
    import fcntl
except ImportError:  # pragma: no cover (Windows: no advisory lock)
    fcntl = None  # type: ignore[assignment]


def digest(data: bytes) -> str:
    """What a journal's header names its snapshot by."""
    return hashlib.sha256(data).hexdigest()


def header(base: str) -> bytes:
    return json.dumps({"format": FORMAT, "version": VERSION, "base": base}).encode() + b"\n"


class JournalFile:
    """``FILE.journal``, open for appending and locked against a second server.

    Every write is a single ``os.write`` loop straight to the kernel: nothing is buffered in
    this process, so a change that was written survives the process being killed."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.created = not os.path.exists(path)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        if fcntl is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(self._fd)
                raise StateFileError(
                    f"{path} is locked: another kmsmock serve uses this state file"
                ) from None
        self.size = os.fstat(self._fd).st_size

    def read(self) -> bytes:
        os.lseek(self._fd, 0, os.SEEK_SET)  # writes go to the end all the same (O_APPEND)
        chunks = []
        while chunk := os.read(self._fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)

    def append(self, data: bytes) -> None:
        """Append ``data`` whole, or (OSError) leave the journal as it was: a line written in
        part would make the next line unreadable."""
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self.size)
            raise
        self.size += len(data)

    def reset(self, base: str) -> None:
        """Empty the journal, to follow the snapshot whose digest is ``base``."""
        os.ftruncate(self._fd, 0)
        self.size = 0
        self.append(header(base))

    def sync(self) -> None:
        os.fsync(self._fd)

    def close(self, *, remove: bool = False) -> None:
        """Close (and first delete, if ``remove``) the journal; the lock goes with it."""
        if self._fd < 0:
            return
        if remove:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
        os.close(self._fd)
        self._fd = -1


def records(data: bytes, *, base: str, name: str) -> list[dict[str, Any]]:
    """The records of a journal's bytes that follow the snapshot whose digest is ``base``:
    none if the journal is empty, stale, or was cut short before its header was whole."""
    lines = data.split(b"\n")
    # The last piece has no newline: a line the process was killed while writing, never
    # acknowledged (or b"" after a whole last line).
    lines.pop()
    if not lines:
        return []
    top = _line(lines[0], name, 1)
    if not isinstance(top, dict) or top.get("format") != FORMAT:
        raise StateFileError(f"{name}: line 1: not a kmsmock journal header")
    if top.get("version") != VERSION:
        raise StateFileError(
            f"{name}: unsupported journal version {top.get('version')!r}: this kmsmock "
            f"reads version {VERSION}"
        )
    if top.get("base") != base:
        return []  # stale: its changes are in the snapshot already
    found = []
    for number, line in enumerate(lines[1:], start=2):
        record = _line(line, name, number)
        if not (isinstance(record, dict) and _kind(record) and isinstance(_body(record), dict)):
            raise StateFileError(f"{name}: line {number}: not a journal record")
        found.append(record)
    return found


def _line(line: bytes, name: str, number: int) -> Any:
    try:
        return parse_json(line, f"{name}: line {number}")
    except StateFileError as error:
        raise StateFileError(f"{error} (the journal is damaged)") from None


def _kind(record: dict[str, Any]) -> str | None:
    kinds = [kind for kind in _KINDS if kind in record]
    return kinds[0] if len(kinds) == 1 else None


def _body(record: dict[str, Any]) -> Any:
    kind = _kind(record)
    return record[kind] if kind is not None else None


def replay(
    document: Any, found: list[dict[str, Any]], *, account: str, region: str, name: str
) -> Any:
    """``document`` (a state file's) with the journal's records applied, in order; entries
    without an account or Region are the server's (``account``, ``region``)."""
    if not found:
        return document
    if not isinstance(document, dict):
        raise StateFileError(f"{name}: has a journal but is not a JSON object")
    keys = _index(document, "keys", account, region, name)
    stores = _index(document, "custom_key_stores", account, region, name)
    for record in found:
        kind = _kind(record)
        body = _body(record)
        ident = _ident(body, account, region)
        if kind == "key":
            entry = dict(body)
            if isinstance(record.get("last_used"), dict):
                entry["last_used"] = record["last_used"]
            keys[ident] = entry  # in its place if known, else last
        elif kind == "store":
            stores[ident] = body
        elif kind == "key_deleted":
            keys.pop(ident, None)
        else:
            stores.pop(ident, None)
    return {**document, "keys": list(keys.values()), "custom_key_stores": list(stores.values())}


def _index(
    document: dict[str, Any], field: str, account: str, region: str, name: str
) -> dict[tuple[str, str, str], dict[str, Any]]:
    entries = document.get(field, [])
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise StateFileError(f"{name}: {field}: must be an array of objects")
    return {_ident(entry, account, region): entry for entry in entries}


def _ident(entry: dict[str, Any], account: str, region: str) -> tuple[str, str, str]:
    return (
        str(entry.get("account", account)),
        str(entry.get("region", region)),
        str(entry.get("id")),
    )


def encode(value: Any) -> str:
    """``value`` as compact JSON, as journal lines hold it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def line(kind: str, body: str, last_used: str | None = None) -> str:
    """A journal line: a record of ``kind`` whose JSON is ``body`` (made by ``encode``)."""
    if last_used is None:
        return f'{{"{kind}":{body}}}\n'
    return f'{{"{kind}":{body},"last_used":{last_used}}}\n'
