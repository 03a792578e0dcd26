"""The one lifecycle step: transitions the clock makes due, settled before each operation.

Keys change with time in these ways: a key pending deletion is deleted when its DeletionDate
passes, a key with automatic rotation gets new key material every rotation period, imported
key material is deleted when its ValidTo passes (the key goes back to PendingImport), and a
multi-Region key leaves the transient Creating / Updating states. Deleting the last replica of
a primary in PendingReplicaDeletion starts the primary's own waiting period. There
are no threads and no timers. Each World keeps a heap of what is due, ``(due, ticket, key,
schedule_version, kind)``, and ``settle`` runs (from ``registry.dispatch``, under the world's
lock) before every operation: it pops the entries whose instant has come, in time order, and
applies each *at the instant it was due*, not at the instant it was noticed. A rotation due on
2031-01-01 records RotationDate 2031-01-01 even if the next request comes in 2035; missed
periods give one rotation each, at its own date; a deletion due in between ends them.

When nothing is due, ``settle`` looks at the top of the heap and returns: O(1) per request
however many keys there are. Entries are never removed from the middle of the heap. Any
change to a key's schedule (``arm``) bumps the key's ``schedule_version`` and queues fresh
entries, so the older ones are skipped cheaply when they come up.

The clock can move backwards (a test leaves a ``freeze_time`` block, or travels back):
transitions already applied stay applied, and pending ones wait until the clock reaches
their instant again.
"""

from __future__ import annotations

import heapq
from datetime import datetime, timedelta

from kmsmock.backend.audit import AuditEvent, new_event_bits
from kmsmock.backend.creation import add_material, drop_imported_material
from kmsmock.backend.keys import Key
from kmsmock.backend.state import World

DELETE = "delete"
ROTATE = "rotate"
EXPIRE = "expire"  # imported key material reaches its ValidTo
# A multi-Region replica made by ReplicateKey (Creating), or the two keys of an
# UpdatePrimaryRegion (Updating), settle: queued for the instant of the request that made
# them, so the response shows the transient state and the next request sees the key ready.
SETTLED = "settled"
AUTOMATIC = "AUTOMATIC"
ON_DEMAND = "ON_DEMAND"
# AWS managed keys rotate every year (since May 2022), and their period cannot be changed.
MANAGED_ROTATION_DAYS = 365
_MIN_DUE_LIMIT = 1024


def settle(world: World, now: datetime) -> None:
    """Apply, in time order and each at its own instant, every transition due by ``now``."""
    # world.due, not a local: queuing the next rotation may compact it into a new list.
    while world.due and world.due[0][0] <= now:
        at, _, key, version, kind = heapq.heappop(world.due)
        if version != key.schedule_version:
            continue  # made for a schedule that has since changed
        world.touch(key)
        if kind == DELETE:
            _delete(world, key, at)
        elif kind == SETTLED:
            _settle_transient(world, key)
        elif kind == EXPIRE:
            # A key's material expires even while it is disabled or pending deletion.
            drop_imported_material(key)
        elif key.state == "Enabled" and rotates(key):
            # ``arm`` queues rotations only for such keys; the check guards against a state
            # change made without re-arming.
            material = add_material(world, key, at, AUTOMATIC)
            _record(world, key, "RotateKey", at, material.material_id)
            period = key.rotation_period_days or MANAGED_ROTATION_DAYS
            key.next_rotation = at + timedelta(days=period)
            _push(world, key, key.next_rotation, ROTATE)


def rotates(key: Key) -> bool:
    """Whether automatic rotation is on for ``key`` (whatever its state)."""
    return key.rotation_period_days is not None and key.next_rotation is not None


def arm(world: World, key: Key) -> None:
    """Queue what ``key``'s state and settings make due, and drop what was queued before.

    A key pending deletion waits for its DeletionDate and does not rotate. An Enabled key with
    automatic rotation waits for its NextRotationDate. A disabled key waits for nothing: it
    does not rotate while disabled (``resume`` catches up when it is enabled again). Imported
    key material with a ValidTo waits for it, whatever the key's state.
    """
    key.schedule_version += 1
    if key.state == "PendingDeletion" and key.deletion_date is not None:
        _push(world, key, key.deletion_date, DELETE)
    elif key.state == "Enabled" and rotates(key):
        assert key.next_rotation is not None
        _push(world, key, key.next_rotation, ROTATE)
    imported = key.imported
    if imported is not None and imported.valid_to is not None:
        _push(world, key, imported.valid_to, EXPIRE)


def resume(world: World, key: Key, now: datetime) -> None:
    """A key was enabled: rotation resumes.

    As AWS documents it: if the key's rotation came due while it was disabled (or pending
    deletion), KMS rotates it at once and every period from then on; otherwise the key keeps
    its prior schedule.
    """
    if rotates(key) and key.next_rotation is not None and key.next_rotation <= now:
        add_material(world, key, now, AUTOMATIC)
        key.next_rotation = now + timedelta(days=key.rotation_period_days or 0)
    arm(world, key)


def start_rotation(world: World, key: Key, period_days: int, now: datetime) -> None:
    """Turn automatic rotation on: the first rotation is ``period_days`` after ``now``."""
    key.rotation_period_days = period_days
    key.next_rotation = now + timedelta(days=period_days)
    arm(world, key)


def stop_rotation(world: World, key: Key) -> None:
    key.rotation_period_days = None
    key.next_rotation = None
    arm(world, key)


def _push(world: World, key: Key, at: datetime, kind: str) -> None:
    # The ticket breaks ties between entries due at the same instant, in the order they were
    # queued, so tuples never compare keys.
    heapq.heappush(world.due, (at, next(world.tickets), key, key.schedule_version, kind))
    if len(world.due) > world.due_limit:
        _compact(world)


def _compact(world: World) -> None:
    """Drop stale entries, so a test that reschedules keys in a loop does not grow the queue
    without bound. The limit doubles with the live entries: amortized O(1) per push."""
    world.due = [entry for entry in world.due if entry[3] == entry[2].schedule_version]
    heapq.heapify(world.due)
    world.due_limit = max(_MIN_DUE_LIMIT, 2 * len(world.due))


def settle_soon(world: World, key: Key, at: datetime) -> None:
    """``key`` is Creating or Updating: it becomes ready from the next request on (at ``at``)."""
    key.schedule_version += 1
    _push(world, key, at, SETTLED)


def _settle_transient(world: World, key: Key) -> None:
    if key.state == "Creating":
        # A replica of an EXTERNAL key has no key material until its own import.
        imported = key.imported
        key.state = "PendingImport" if imported is not None and not imported.present else "Enabled"
    elif key.state == "Updating":
        key.state = "Enabled"
    arm(world, key)


def _delete(world: World, key: Key, at: datetime) -> None:
    """The key's waiting period is over: it, its aliases and its key material are gone.

    Ciphertexts under it can no longer be decrypted: their key reference no longer resolves,
    so Decrypt answers as for a key that does not exist.
    """
    key.schedule_version += 1
    where = world.regions.get((key.account, key.region))
    if where is None or where.keys.get(key.key_id) is not key:
        return
    del where.keys[key.key_id]
    world.billing.deleted(key, at)  # its charges outlive it
    _record(world, key, "DeleteKey", at)
    for alias in where.aliases.of_key(key.key_id):
        where.aliases.remove(alias.name)
    mrk = key.mrk
    if mrk is not None and mrk.members.get(key.region) is key:
        del mrk.members[key.region]
        primary = mrk.members.get(mrk.primary_region)
        # Its last replica is gone: a primary waiting for it starts its own waiting period.
        if primary is not None and primary.state == "PendingReplicaDeletion" and not mrk.replicas():
            primary.state = "PendingDeletion"
            primary.deletion_date = at + timedelta(days=primary.pending_window_days or 30)
            arm(world, primary)
    # Its ciphertexts' references now name a key that does not exist: Decrypt answers so.


def _record(
    world: World, key: Key, operation: str, at: datetime, material_id: str | None = None
) -> None:
    """KMS's own event (AwsServiceEvent) for ``key``, at the instant it was due."""
    world.events.append(
        AuditEvent(
            operation,
            at,
            key.region,
            key.account,
            None,
            "",
            None,
            None,
            None,
            None,
            key.arn,
            material_id,
            new_event_bits(),
        )
    )
