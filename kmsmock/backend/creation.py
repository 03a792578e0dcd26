"""Making keys and their key material."""

from __future__ import annotations

import os
import uuid
from datetime import datetime

from kmsmock.backend.context import RequestContext
from kmsmock.backend.state import Key, KeyMaterial, RegionState, World
from kmsmock.crypto.ciphertext import key_reference


def new_key(
    context: RequestContext,
    where: RegionState,
    *,
    description: str,
    policy: str | None,
    key_manager: str = "CUSTOMER",
    tags: dict[str, str] | None = None,
) -> Key:
    """A new enabled SYMMETRIC_DEFAULT key with its first key material, stored in ``where``."""
    from kmsmock.backend.policies import default_policy

    key_id = str(uuid.uuid4())
    arn = context.arn(f"key/{key_id}", account=where.account, region=where.region)
    key = Key(
        key_id=key_id,
        arn=arn,
        account=where.account,
        region=where.region,
        seq=context.world.next_seq(),
        created=context.now,
        description=description,
        key_usage="ENCRYPT_DECRYPT",
        key_spec="SYMMETRIC_DEFAULT",
        origin="AWS_KMS",
        key_manager=key_manager,
        state="Enabled",
        policy=policy if policy is not None else default_policy(context.partition, where.account),
        tags=dict(tags or {}),
    )
    add_material(context.world, key, context.now)
    where.keys[key_id] = key
    return key


def add_material(
    world: World, key: Key, at: datetime, rotation_type: str | None = None
) -> KeyMaterial:
    """Append a new version of key material, made at ``at``, and make blobs under it
    decryptable. ``rotation_type`` says which kind of rotation made it (None: the first)."""
    material = KeyMaterial(
        material_id=os.urandom(32).hex(),
        secret=os.urandom(32),
        created=at,
        rotation_type=rotation_type,
    )
    key.materials.append(material)
    material.ref = key_reference(world.secret, key.arn, material.material_id)
    world.material_refs[material.ref] = (
        key.account,
        key.region,
        key.key_id,
        material.material_id,
    )
    return material
