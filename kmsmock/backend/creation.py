"""Making keys and their key material."""

from __future__ import annotations

import uuid
from datetime import datetime

from kmsmock.backend.context import RequestContext
from kmsmock.backend.keys import Imported, Key, KeyMaterial, MultiRegionSet
from kmsmock.backend.replica_sets import share_rotations
from kmsmock.backend.state import RegionState, World
from kmsmock.errors import KmsError


def require_key_quota(context: RequestContext, where: RegionState) -> None:
    """Refuse a new customer managed key in ``where`` past the quota of customer managed keys
    per account and Region (``Limits.keys_per_region``). AWS managed keys do not count; keys
    in every other state, pending deletion included, do."""
    keys = where.keys
    limit = context.world.settings.limits.keys_per_region
    if len(keys) < limit:  # the common case: no count needed
        return
    customer = sum(1 for key in keys.values() if key.key_manager == "CUSTOMER")
    if customer >= limit:
        # The model's text for the exception; AWS's own for this quota is not recorded.
        raise KmsError(
            "LimitExceededException",
            "The request was rejected because a length constraint or quota was exceeded. For "
            "more information, see Quotas in the Key Management Service Developer Guide.",
        )


def new_key(
    context: RequestContext,
    where: RegionState,
    *,
    description: str,
    policy: str | None,
    key_manager: str = "CUSTOMER",
    tags: dict[str, str] | None = None,
    key_spec: str = "SYMMETRIC_DEFAULT",
    key_usage: str = "ENCRYPT_DECRYPT",
    origin: str = "AWS_KMS",
    multi_region: bool = False,
) -> Key:
    """A new enabled key with its first key material, stored in ``where``. (An asymmetric
    key's private key is made on its first use.) A key with Origin EXTERNAL has no material:
    it waits in PendingImport for ImportKeyMaterial."""
    from kmsmock.backend.default_policies import default_policy

    # AWS gives every multi-Region key, and only those, an ID of "mrk-" and 32 hex digits.
    key_id = f"mrk-{uuid.uuid4().hex}" if multi_region else str(uuid.uuid4())
    key = Key(
        key_id=key_id,
        partition=where.partition,
        account=where.account,
        region=where.region,
        seq=context.world.next_seq(),
        created=context.now,
        description=description,
        key_usage=key_usage,
        key_spec=key_spec,
        origin=origin,
        key_manager=key_manager,
        state="PendingImport" if origin == "EXTERNAL" else "Enabled",
        policy=policy if policy is not None else default_policy(context.partition, where.account),
        tags=dict(tags) if tags else None,
        instance_secret=context.world.secret,
    )
    if origin == "EXTERNAL":
        key.imported = Imported()
    where.keys[key_id] = key
    context.world.touch(key)
    if multi_region:
        key.mrk = MultiRegionSet(where.region, {where.region: key})
    return key


def add_material(
    world: World, key: Key, at: datetime, rotation_type: str | None = None
) -> KeyMaterial:
    """Add the next version of key material, made at ``at`` by a rotation of the kind
    ``rotation_type``. (A key's first material comes with the key.)"""
    material = KeyMaterial(
        key_id=key.key_id,
        account=key.account,
        version=key.material_count,
        instance_secret=world.secret,
        created=at,
        rotation_type=rotation_type,
    )
    key.rotations = (*key.rotations, material)
    share_rotations(key)  # the replicas of a multi-Region key rotate with it
    return material


def drop_imported_material(key: Key) -> None:
    """DeleteImportedKeyMaterial, or the material's ValidTo has passed: the key has no key
    material until the same material is imported again.

    A key pending deletion stays so (the key-state table lets it lose its material); any
    other goes back to PendingImport. Material pending rotation goes too. Its
    KeyMaterialId stays: AWS keeps showing CurrentKeyMaterialId.
    """
    imported = key.imported
    if imported is None:
        return
    imported.secret = None
    imported.expiration_model = None
    imported.valid_to = None
    imported.pending = None
    key.private_key = None
    if key.state not in ("PendingDeletion", "PendingReplicaDeletion"):
        key.state = "PendingImport"
