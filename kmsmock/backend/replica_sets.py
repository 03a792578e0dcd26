"""Multi-Region keys: one set of related keys (``MultiRegionSet``, keys.py), one per Region,
sharing a key ID.

AWS keeps the shared properties (key material, key spec, usage, origin, automatic rotation)
in sync from the primary key. Here every member of a set points at one ``MultiRegionSet``:
the rotation settings live on the primary key, and each rotation's material is appended to
every member at once (creation.add_material), so a replica never lags behind its primary.
Key material itself is derived from the key ID and version, so sharing the ID shares it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kmsmock.backend.keys import Key

PRIMARY = "PRIMARY"
REPLICA = "REPLICA"


def is_primary(key: Key) -> bool:
    mrk = key.mrk
    return mrk is not None and mrk.primary_region == key.region


def configuration(key: Key) -> dict[str, Any] | None:
    """KeyMetadata's MultiRegionConfiguration; None for a single-Region key, which has none."""
    mrk = key.mrk
    if mrk is None:
        return None
    primary = mrk.primary
    return {
        "MultiRegionKeyType": PRIMARY if key is primary else REPLICA,
        "PrimaryKey": {"Arn": primary.arn, "Region": primary.region},
        "ReplicaKeys": [{"Arn": k.arn, "Region": k.region} for k in mrk.replicas()],
    }


def rotation_source(key: Key) -> Key:
    """The key whose rotation settings apply to ``key``: its primary for a replica."""
    mrk = key.mrk
    return key if mrk is None else mrk.primary


def share_rotations(key: Key) -> None:
    """``key``'s rotations have changed: every related key gets the same (tuples are shared,
    and KeyMaterial names no Region, so one object serves every member)."""
    mrk = key.mrk
    if mrk is not None:
        for member in mrk.members.values():
            member.rotations = key.rotations
