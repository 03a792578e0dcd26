"""A world kept in its state file as it changes (``kmsmock serve --state FILE``).

Every change a request makes is in ``FILE.journal`` (persist/journal.py) before the response
is sent, so no acknowledged change is lost when the process is killed, ``kill -9`` included;
with ``fsync`` each is also synced to disk first, so none is lost to a power cut either.
``FILE`` itself is only replaced whole: at start-up, when the journal outgrows it, and at
shutdown, which also removes the journal.

What a request changed: the keys it resolved, authorized, made or transitioned (which the
backend notes with ``World.touch``), with the other members of their multi-Region sets, and
the custom key stores (few per account, all compared). Each is encoded as a state file
records it and compared with the digest of what was last journaled for it; only what differs
is written, so a change costs one record per key, whatever the world's size. A read-only
request (Encrypt, Describe*, Sign...) costs nearly nothing: it changes no key but for the
private key an asymmetric key makes on first use, and only that is looked at.
A key's last use (GetKeyLastUsage) alone is not journaled: it is saved with the key's next
change and in every snapshot, so after ``kill -9`` it may be older than the last use.
"""

from __future__ import annotations

import hashlib
import os
import threading

from kmsmock.backend.keys import Key
from kmsmock.backend.state import World
from kmsmock.errors import KmsError
from kmsmock.persist.encode import key_entry, settles_at, store_entry
from kmsmock.persist.files import parse_json, write_atomic
from kmsmock.persist.journal import SUFFIX, JournalFile, digest, encode, line, records, replay
from kmsmock.persist.state_file_error import StateFileError

# The journal is folded into a new snapshot once it is larger than the snapshot, and never
# below this: compaction costs as much as the world, so it comes once per world's worth of
# changes (amortized, a change costs a constant), and a small world is not rewritten often.
MIN_COMPACT_BYTES = 4 << 20

_Ident = tuple[str, str, str]  # account, Region, ID


class DurableWorld:
    """The world of a state file, its changes journaled by ``commit()``.

    ``open()`` loads it (the snapshot, then the journal's changes), ``commit()`` after each
    request and before its response, ``close()`` at shutdown."""

    def __init__(self, path: str, world: World, journal: JournalFile, *, fsync: bool) -> None:
        self.path = path
        self.world = world
        self.journal = journal
        self.fsync = fsync
        self._key_digests: dict[_Ident, bytes] = {}
        # The private key each key had when last journaled: all a read-only request can
        # change in a key is to make it (World.touch).
        self._private_keys: dict[_Ident, object] = {}
        self._store_digests: dict[_Ident, bytes] = {}
        self._compact_at = MIN_COMPACT_BYTES
        # Group commit (fsync): lines appended, and lines known to be on disk.
        self._written = 0
        self._synced = 0
        self._sync_lock = threading.Lock()
        world.touched = {}

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        account: str,
        region: str,
        fsync: bool = False,
        enforce: bool | None = None,
    ) -> DurableWorld:
        """Load the world of ``path`` (a new one if there is no such file) and write it back
        as a fresh snapshot, so a state file that cannot be written fails here, at start-up.
        Entries without an account or Region are ``account``'s and ``region``'s; ``enforce``
        sets whether policies are enforced. StateFileError, naming the file, for anything
        wrong; the file is then left as it was."""
        name = os.fspath(path)
        directory = os.path.dirname(os.path.abspath(name))
        if not os.path.isdir(directory):
            raise StateFileError(f"{name}: its directory {directory} does not exist")
        if os.path.isdir(name):
            raise StateFileError(f"{name}: is a directory, not a state file")
        try:
            journal = JournalFile(name + SUFFIX)
        except OSError as error:
            raise StateFileError(
                f"{name}: cannot write in {directory}: {error.strerror or error}"
            ) from None
        try:
            world = _load(name, journal, account, region)
            if enforce is not None:
                world.access.enforce = enforce
            durable = cls(name, world, journal, fsync=fsync)
            try:
                durable.compact()
            except OSError as error:
                raise StateFileError(
                    f"{name}: cannot write it: {error.strerror or error}"
                ) from None
        except BaseException:
            journal.close(remove=journal.created)
            raise
        return durable

    # -- serving -------------------------------------------------------------------------

    def commit(self) -> None:
        """Journal what requests changed since the last commit: call it after a request is
        served and before its response is sent. KMSInternalException if the journal cannot
        be written (the change stays in memory, and is journaled by a later commit)."""
        world = self.world
        with world.lock:
            if world.touched is None:  # closed: a request that outlived the server's stop
                raise KmsError(
                    "KMSInternalException",
                    "kmsmock is stopping: this change is not saved in its state file",
                )
            text, keys, stores = self._changes()
            if text:
                try:
                    self.journal.append(text.encode())
                except OSError as error:
                    raise KmsError(
                        "KMSInternalException",
                        f"kmsmock could not write its state journal {self.journal.path}: "
                        f"{error.strerror or error}. The change is made but not saved: a "
                        "restart before a later request saves it would lose it.",
                    ) from None
                self._written += 1
                for ident, value in stores.items():
                    if value is None:
                        self._store_digests.pop(ident, None)
                    else:
                        self._store_digests[ident] = value
            for ident, known in keys.items():
                if known is None:
                    self._key_digests.pop(ident, None)
                    self._private_keys.pop(ident, None)
                else:
                    self._key_digests[ident], self._private_keys[ident] = known
            world.touched.clear()
            world.used.clear()
            if self.journal.size > self._compact_at:
                self._compact_or_complain()
            target = self._written
        if self.fsync and target > self._synced:
            self._sync(target)

    def _changes(
        self,
    ) -> tuple[str, dict[_Ident, tuple[bytes, object] | None], dict[_Ident, bytes | None]]:
        """Journal lines for what differs from what was journaled, and what is known of each
        record once they are written: a key's digest and private key, a store's digest (None:
        gone). Under the world's lock."""
        world = self.world
        assert world.touched is not None
        changed = list(world.touched.values())
        for key in world.used.values():
            private = key.private_key
            if private is not None and self._private_keys.get(_ident(key)) is not private:
                changed.append(key)  # made on first use, by a read-only request
        keys: dict[int, Key] = {}
        for key in changed:
            keys[id(key)] = key
            mrk = key.mrk
            if mrk is not None:  # a change to one member can change the others' records
                for member in mrk.members.values():
                    keys[id(member)] = member
        out: list[str] = []
        key_updates: dict[_Ident, tuple[bytes, object] | None] = {}
        for key in keys.values():
            ident = _ident(key)
            where = world.regions.get((key.account, key.region))
            live = where.keys.get(key.key_id) if where is not None else None
            if live is None:
                out.append(line("key_deleted", _ident_json(ident)))
                key_updates[ident] = None
                continue
            if live is not key:
                continue  # an object the key no longer is (a replica made again): not its record
            entry = key_entry(world, key, settles_at(world, key))
            used = entry.pop("last_used", None)
            body = encode(entry)
            value = _digest(body)
            if self._key_digests.get(ident) != value:
                out.append(line("key", body, None if used is None else encode(used)))
            key_updates[ident] = (value, key.private_key)
        store_updates = self._store_changes(out)
        return "".join(out), key_updates, store_updates

    def _store_changes(self, out: list[str]) -> dict[_Ident, bytes | None]:
        updates: dict[_Ident, bytes | None] = {}
        regions = self.world.regions.values()
        if not self._store_digests and not any(state.custom_key_stores for state in regions):
            return updates
        seen = set()
        for state in regions:
            for store in state.custom_key_stores.values():
                ident = (state.account, state.region, store.store_id)
                seen.add(ident)
                body = encode(store_entry(store, state.account, state.region))
                value = _digest(body)
                if self._store_digests.get(ident) != value:
                    out.append(line("store", body))
                    updates[ident] = value
        for ident in self._store_digests.keys() - seen:
            out.append(line("store_deleted", _ident_json(ident)))
            updates[ident] = None
        return updates

    def _sync(self, target: int) -> None:
        """Group commit: one fsync covers every line written before it started, so requests
        waiting here while another syncs usually find their line synced already."""
        with self._sync_lock:
            if self._synced >= target:
                return
            upto = self._written  # lines appended (and counted) before this fsync
            self.journal.sync()
            self._synced = max(self._synced, upto)

    # -- snapshots -------------------------------------------------------------------------

    def compact(self) -> None:
        """Replace the state file with the world as it is, and empty the journal. OSError if
        the file cannot be written (the old file and the journal are then as they were)."""
        from kmsmock.persist import state_text

        with self.world.lock:
            text = state_text(self.world)
            data = text.encode()
            write_atomic(self.path, text)  # synced, whatever fsync says: it replaces the file
            self.journal.reset(digest(data))
            if self.fsync:
                self.journal.sync()
            self._compact_at = max(MIN_COMPACT_BYTES, len(data))

    def _compact_or_complain(self) -> None:
        try:
            self.compact()
        except OSError as error:
            # The journal still holds every change: nothing is lost, the file just grows.
            self._compact_at = self.journal.size * 2
            import logging

            logging.getLogger("kmsmock.server").error(
                "kmsmock: cannot write the state file %s (%s); changes stay in %s",
                self.path,
                error.strerror or error,
                self.journal.path,
            )

    def close(self) -> None:
        """Write the final snapshot and remove the journal: the state file is then whole.
        OSError if it cannot be written; the journal is then kept, and the next start
        replays it."""
        with self.world.lock:
            self.world.touched = None
            try:
                self.compact()
            except BaseException:
                self.journal.close()
                raise
            self.journal.close(remove=True)


def _ident(key: Key) -> _Ident:
    return (key.account, key.region, key.key_id)


def _ident_json(ident: _Ident) -> str:
    account, region, record_id = ident
    return encode({"account": account, "region": region, "id": record_id})


def _digest(body: str) -> bytes:
    return hashlib.blake2b(body.encode(), digest_size=16).digest()


def _load(name: str, journal: JournalFile, account: str, region: str) -> World:
    from kmsmock.persist import world_from_document

    try:
        with open(name, "rb") as file:
            data = file.read()
    except FileNotFoundError:
        # A journal without its snapshot is an old one whose file was removed: start afresh.
        return World()
    except OSError as error:
        raise StateFileError(f"{name}: cannot read it: {error.strerror or error}") from None
    document = parse_json(data, name)
    found = records(journal.read(), base=digest(data), name=journal.path)
    document = replay(document, found, account=account, region=region, name=name)
    source = name if not found else f"{name} (with {len(found)} changes from {journal.path})"
    return world_from_document(document, source=source, account=account, region=region)
