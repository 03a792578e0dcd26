"""Key rotation and usage: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus,
RotateKeyOnDemand, ListKeyRotations, GetKeyLastUsage.

Automatic rotation itself happens in the lifecycle step (lifecycle.py), when the clock passes
a key's NextRotationDate. On-demand rotation is asynchronous in AWS (GetKeyRotationStatus shows
OnDemandRotationStartDate until it completes); the mock completes it within the call, so the
new key material is current as soon as RotateKeyOnDemand returns and OnDemandRotationStartDate
is never shown.
"""

from __future__ import annotations

from typing import Any

from kmsmock.backend import lifecycle, replica_sets
from kmsmock.backend.audit import event_id_for
from kmsmock.backend.context import RequestContext
from kmsmock.backend.creation import add_material
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.keys import Imported, Key
from kmsmock.backend.keystate import changeable_key, require_usable
from kmsmock.backend.pagination import page
from kmsmock.errors import KmsError
from kmsmock.operations.table import Params, Result, operation

DEFAULT_ROTATION_PERIOD_DAYS = 365
_PENDING_DELETION = frozenset({"PendingDeletion", "PendingReplicaDeletion"})


def _require_rotatable(key: Key, *, on_demand: bool = False) -> None:
    """Only symmetric encryption keys with key material KMS generated rotate automatically;
    on demand, symmetric keys with imported material rotate too (since 2025).

    Checked after the key's state, as AWS does (a disabled RSA key answers DisabledException).
    AWS's answer for an asymmetric or HMAC key is UnsupportedOperationException with an empty
    message; for imported key material it names the origin.
    """
    if key.key_spec != "SYMMETRIC_DEFAULT":
        raise KmsError("UnsupportedOperationException", "")
    if key.origin != "AWS_KMS" and not (on_demand and key.origin == "EXTERNAL"):
        raise KmsError(
            "UnsupportedOperationException",
            f"{key.arn} origin is {key.origin} which is not valid for this operation.",
        )


def _rotation_key(context: RequestContext, key_id: str) -> Key:
    """The customer managed key a rotation setting is changed on, checked as AWS does."""
    key = changeable_key(context, key_id)
    _require_rotatable(key)
    _require_not_replica(key)
    return key


def _require_not_replica(key: Key) -> None:
    """A multi-Region key rotates with its primary: its replicas' setting cannot be changed.
    AWS's text here is not recorded; this is its recorded answer to ReplicateKey on a replica."""
    if key.mrk is not None and not replica_sets.is_primary(key):
        raise KmsError(
            "UnsupportedOperationException", f"{key.arn} is not a multi-region primary key."
        )


def _readable_rotation_key(context: RequestContext, key_id: str) -> Key:
    key = resolve_key(context, key_id)
    require_usable(key, context.operation)
    _require_rotatable(key)
    return key


@operation("EnableKeyRotation")
def enable_key_rotation(context: RequestContext, params: Params) -> Result:
    key = _rotation_key(context, params["KeyId"])
    period = params.get("RotationPeriodInDays", DEFAULT_ROTATION_PERIOD_DAYS)
    # Enabling counts the period from now; enabling again with the period already in force
    # leaves the schedule as it is.
    if key.rotation_period_days != period:
        lifecycle.start_rotation(context.world, key, period, context.now)
    return {}


@operation("DisableKeyRotation")
def disable_key_rotation(context: RequestContext, params: Params) -> Result:
    key = _rotation_key(context, params["KeyId"])
    lifecycle.stop_rotation(context.world, key)
    return {}


@operation("GetKeyRotationStatus")
def get_key_rotation_status(context: RequestContext, params: Params) -> Result:
    key = _readable_rotation_key(context, params["KeyId"])
    # A replica reports its primary's setting (the setting is shared; it lives on the primary).
    source = replica_sets.rotation_source(key)
    # A key pending deletion reads false, and true again if the deletion is cancelled. A
    # disabled key keeps its status (it does not rotate until enabled, see lifecycle.resume).
    if key.state in _PENDING_DELETION or not lifecycle.rotates(source):
        return {"KeyId": key.arn, "KeyRotationEnabled": False}
    return {
        "KeyId": key.arn,
        "KeyRotationEnabled": True,
        "RotationPeriodInDays": source.rotation_period_days,
        "NextRotationDate": source.next_rotation,
    }


@operation("RotateKeyOnDemand")
def rotate_key_on_demand(context: RequestContext, params: Params) -> Result:
    key = changeable_key(context, params["KeyId"])
    _require_rotatable(key, on_demand=True)
    _require_not_replica(key)
    imported = key.imported
    if imported is not None and imported.pending is None:
        # AWS requires material imported with ImportType NEW_KEY_MATERIAL first. Recorded
        # (shared/spec/aws-recorded-errors.md #63, 2025-11-19).
        raise KmsError(
            "KMSInvalidStateException",
            f"No available key material pending rotation for the key: {key.arn}.",
        )
    if key.on_demand_rotations >= context.world.settings.limits.on_demand_rotations_per_key:
        raise KmsError(
            "LimitExceededException",
            "The on-demand rotations limit has been reached for the given keyId. No more "
            f"on-demand rotations can be performed for this key: {key.arn}",
        )
    key.on_demand_rotations += 1
    # Completed at once; the automatic schedule does not move.
    if imported is not None and imported.pending is not None:
        # The imported material waiting for this rotation becomes current.
        pending, imported.pending = imported.pending, None
        pending.version = key.material_count
        pending.created = context.now
        pending.rotation_type = lifecycle.ON_DEMAND
        key.rotations = (*key.rotations, pending)
        replica_sets.share_rotations(key)
    else:
        add_material(context.world, key, context.now, lifecycle.ON_DEMAND)
    return {"KeyId": key.arn}


@operation("ListKeyRotations")
def list_key_rotations(context: RequestContext, params: Params) -> Result:
    key = resolve_key(context, params["KeyId"])
    require_usable(key, context.operation)
    # Keys with imported key material rotate on demand, and are listed (Developer Guide,
    # list-rotations.html: "KMS keys with imported key material (EXTERNAL origin)").
    _require_rotatable(key, on_demand=True)
    imported = key.imported
    everything = params.get("IncludeKeyMaterial") == "ALL_KEY_MATERIAL"
    # ALL_KEY_MATERIAL adds the first key material, and imported material pending rotation.
    first = 0 if everything else 1
    last = key.material_count
    if imported is not None and imported.material_id is None:
        last = first  # nothing was ever imported: no key material to list
    elif everything and imported is not None and imported.pending is not None:
        last += 1  # the pending material, listed after the current one
    # Materials are only ever appended (the pending one takes the next index when it
    # rotates in), so a position is a stable marker.
    positions = range(first, last)
    chunk, paging = page(positions, params, "ListKeyRotations", key=_position)
    current = key.material_count - 1
    return {"Rotations": [_rotation_entry(key, i, current) for i in chunk], **paging}


def _position(index: int) -> int:
    return index


def _rotation_entry(key: Key, index: int, current: int) -> dict[str, Any]:
    imported = key.imported
    if imported is not None and index > current:
        return _pending_entry(key, imported)
    material = key.material(index)
    entry: dict[str, Any] = {
        "KeyId": key.key_id,
        "KeyMaterialId": material.material_id,
        "KeyMaterialState": "CURRENT" if index == current else "NON_CURRENT",
    }
    if imported is not None:
        # The mock keeps one import (description, expiration) per key, not per material:
        # every material the key rotated through shows it, and all go when it is deleted.
        if imported.description is not None:
            entry["KeyMaterialDescription"] = imported.description
        entry["ImportState"] = "IMPORTED" if imported.present else "PENDING_IMPORT"
        if imported.expiration_model is not None:
            entry["ExpirationModel"] = imported.expiration_model
        if imported.valid_to is not None:
            entry["ValidTo"] = imported.valid_to
    if material.rotation_type is not None:
        entry["RotationDate"] = material.created
        entry["RotationType"] = material.rotation_type
    return entry


def _pending_entry(key: Key, imported: Imported) -> dict[str, Any]:
    """Material imported with ImportType NEW_KEY_MATERIAL, waiting for RotateKeyOnDemand: no
    RotationDate or RotationType yet (RotationsListEntry in the API reference)."""
    pending = imported.pending
    assert pending is not None
    return {
        "KeyId": key.key_id,
        "KeyMaterialId": pending.material_id,
        "ImportState": "IMPORTED",
        "KeyMaterialState": "PENDING_ROTATION",
    }


@operation("GetKeyLastUsage")
def get_key_last_usage(context: RequestContext, params: Params) -> Result:
    # Served in every key state: AWS's model lists no state error for it.
    key = resolve_key(context, params["KeyId"])
    # The mock tracks every key from its creation.
    result: dict[str, Any] = {
        "KeyId": key.arn,
        "KeyLastUsage": {},
        "TrackingStartDate": key.created,
        "KeyCreationDate": key.created,
    }
    used = key.last_used
    if used is not None:
        operation_name, when, request_id = used
        result["KeyLastUsage"] = {
            "Operation": operation_name,
            "Timestamp": when,
            # The eventID of this use's audit event in KmsMock.events.
            "CloudTrailEventId": event_id_for(request_id),
            "KmsRequestId": request_id,
        }
    return result
