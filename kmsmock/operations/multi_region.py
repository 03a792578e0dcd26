"""Multi-Region keys: ReplicateKey and UpdatePrimaryRegion (CreateKey MultiRegion is in keys.py).

A replica is a Key in the target Region's state with the primary's key ID, so it shares the
derived key material; the set of related keys is a ``MultiRegionSet`` (backend/replica_sets.py).
The transient states AWS shows (Creating after ReplicateKey, Updating after
UpdatePrimaryRegion) last until the next request: ReplicateKey's response shows the replica
Creating, and every later request finds it ready (lifecycle.settle_soon). AWS's texts for the
errors other than "is not a multi-region primary key." are not recorded;
docs/multi-region-keys.md lists which are kmsmock's own.
"""

from __future__ import annotations

from kmsmock.aws.partitions import kms_regions
from kmsmock.backend import lifecycle, replica_sets
from kmsmock.backend.context import RequestContext
from kmsmock.backend.creation import require_key_quota
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.keys import Imported, Key, KeyExtras
from kmsmock.backend.keystate import require_customer_managed, require_usable
from kmsmock.backend.metadata import key_metadata
from kmsmock.backend.usage import private_key
from kmsmock.crypto import asymmetric
from kmsmock.errors import KmsError
from kmsmock.operations.key_policies import check_policy_document
from kmsmock.operations.table import Params, Result, operation
from kmsmock.operations.tags import validated_tags


def _not_primary(key: Key) -> KmsError:
    # Recorded from AWS for ReplicateKey on a replica; used for single-Region keys too.
    return KmsError(
        "UnsupportedOperationException", f"{key.arn} is not a multi-region primary key."
    )


def _primary(context: RequestContext, key_id: str) -> Key:
    """The multi-Region primary key ``key_id`` names, in a state that lets it act."""
    key = resolve_key(context, key_id)
    require_customer_managed(context, key)
    if not replica_sets.is_primary(key):
        raise _not_primary(key)
    require_usable(key, context.operation)
    return key


def _require_region(context: RequestContext, key: Key, region: str) -> None:
    """A replica goes in another Region of the key's partition that has KMS."""
    if region not in kms_regions(key.partition):
        raise KmsError(
            "UnsupportedOperationException",
            f"{region} is not a Region of the {key.partition} partition where KMS keys can "
            "be replicated.",
        )


@operation("ReplicateKey")
def replicate_key(context: RequestContext, params: Params) -> Result:
    primary = _primary(context, params["KeyId"])
    mrk = primary.mrk
    assert mrk is not None
    region: str = params["ReplicaRegion"]
    _require_region(context, primary, region)
    where = context.world.region(primary.account, region, primary.partition)
    if region in mrk.members or primary.key_id in where.keys:
        target = context.arn(f"key/{primary.key_id}", account=primary.account, region=region)
        raise KmsError("AlreadyExistsException", f"{target} already exists.")
    policy = params.get("Policy")
    if policy is not None:
        check_policy_document(
            context,
            policy,
            bypass_lockout_check=bool(params.get("BypassPolicyLockoutSafetyCheck", False)),
        )
    tags = validated_tags(context.world, params.get("Tags", []), existing={})
    require_key_quota(context, where)
    if primary.key_spec in asymmetric.SPECS:
        # The replica has the same private key: made now if the primary has none yet.
        private_key(primary)
    imported = primary.imported
    from kmsmock.backend.default_policies import default_policy

    replica = Key(
        key_id=primary.key_id,
        partition=primary.partition,
        account=primary.account,
        region=region,
        seq=context.world.next_seq(),
        created=context.now,
        description=params.get("Description", ""),  # AWS does not copy the description
        key_usage=primary.key_usage,
        key_spec=primary.key_spec,
        origin=primary.origin,
        key_manager=primary.key_manager,
        state="Creating",
        policy=policy if policy is not None else default_policy(context.partition, primary.account),
        tags=tags or None,
        instance_secret=primary.instance_secret,
        rotations=primary.rotations,
        extras=KeyExtras(
            private_key=primary.private_key,
            # A replica of an EXTERNAL key needs its own import of the same material: only
            # the primary's material (its KeyMaterialId) can be imported into it.
            imported=None if imported is None else Imported(material_id=imported.material_id),
            mrk=mrk,
        ),
    )
    where.keys[replica.key_id] = replica
    mrk.members[region] = replica
    lifecycle.settle_soon(
        context.world, replica, context.now + context.world.settings.transition_delay
    )
    result: Result = {
        "ReplicaKeyMetadata": key_metadata(replica),
        "ReplicaPolicy": replica.policy,
    }
    if replica.tags:  # AWS omits ReplicaTags for a replica with none (recorded: test_replicate_key)
        result["ReplicaTags"] = [{"TagKey": k, "TagValue": v} for k, v in replica.tags.items()]
    return result


@operation("UpdatePrimaryRegion")
def update_primary_region(context: RequestContext, params: Params) -> Result:
    old = _primary(context, params["KeyId"])
    mrk = old.mrk
    assert mrk is not None
    region: str = params["PrimaryRegion"]
    if region == old.region:
        raise KmsError(
            "UnsupportedOperationException",
            f"{old.arn} is already the primary key in {region}.",
        )
    new = mrk.members.get(region)
    if new is None:
        target = context.arn(f"key/{old.key_id}", account=old.account, region=region)
        raise KmsError("NotFoundException", f"Key '{target}' does not exist")
    require_usable(new, context.operation)
    mrk.primary_region = region
    # The rotation settings are the set's: they live on whichever key is primary.
    new.rotation_period_days, old.rotation_period_days = old.rotation_period_days, None
    new.next_rotation, old.next_rotation = old.next_rotation, None
    new.on_demand_rotations, old.on_demand_rotations = old.on_demand_rotations, 0
    for key in (old, new):
        key.state = "Updating"
        lifecycle.settle_soon(
            context.world, key, context.now + context.world.settings.transition_delay
        )
    return {}
