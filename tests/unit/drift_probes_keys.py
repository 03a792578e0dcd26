"""Probes of the key lifecycle, alias, tag, policy, rotation and multi-Region operations
(drift_survey.py says what a probe is)."""

from __future__ import annotations

import json
from typing import Any

from drift_survey import (
    ABSENT,
    KEEP,
    Ctx,
    Differs,
    Holds,
    Outcome,
    answer,
    base,
    probe,
    then,
)

OTHER_ACCOUNT = "111122223333"
MISSING_KEY = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000"
# A policy that leaves the caller (the account root) no way to change it again.
LOCKOUT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
)
TAG = {"TagKey": "team", "TagValue": "payments"}


def _created(ctx: Ctx, outcome: Outcome) -> str:
    key_id: str = outcome.response.get("KeyMetadata", {}).get("KeyId") or outcome.request["KeyId"]
    return key_id


def tags_of(ctx: Ctx, outcome: Outcome) -> Any:
    tags = ctx.client().list_resource_tags(KeyId=_created(ctx, outcome))["Tags"]
    return sorted((t["TagKey"], t["TagValue"]) for t in tags)


def metadata(*path: str) -> Any:
    def look(ctx: Ctx, outcome: Outcome) -> Any:
        found: Any = ctx.client().describe_key(KeyId=_created(ctx, outcome))["KeyMetadata"]
        for step in path:
            found = found.get(step)
        return found

    return then(look)


# -- the key lifecycle ---------------------------------------------------------------------


@base("CreateKey")
def _create_key(ctx: Ctx) -> dict[str, Any]:
    return {}


probe("CreateKey.Policy", Differs(ABSENT, "{not json", answer("KeyMetadata", "KeyState")))
probe("CreateKey.Description", Differs(ABSENT, "orders", answer("KeyMetadata", "Description")))
probe("CreateKey.KeyUsage", Differs(ABSENT, "SIGN_VERIFY"))  # refused with SYMMETRIC_DEFAULT
probe(
    "CreateKey.CustomerMasterKeySpec",
    Differs(ABSENT, "HMAC_256", answer("KeyMetadata", "KeySpec"), lambda ctx: _mac_usage()),
)
probe(
    "CreateKey.KeySpec",
    Differs(ABSENT, "HMAC_256", answer("KeyMetadata", "KeySpec"), lambda ctx: _mac_usage()),
)
probe("CreateKey.Origin", Differs(ABSENT, "EXTERNAL", answer("KeyMetadata", "KeyState")))
probe(
    "CreateKey.BypassPolicyLockoutSafetyCheck",
    Differs(ABSENT, True, setup=lambda ctx: {"Policy": LOCKOUT}),
)
probe("CreateKey.Tags", Differs(ABSENT, [TAG], then(tags_of)))
probe("CreateKey.Tags[].TagKey", Differs(KEEP, "aws:team", setup=lambda ctx: {"Tags": [TAG]}))
probe(
    "CreateKey.Tags[].TagValue",
    Differs(KEEP, "billing", then(tags_of), lambda ctx: {"Tags": [TAG]}),
)
probe("CreateKey.MultiRegion", Differs(ABSENT, True, answer("KeyMetadata", "MultiRegion")))


def _mac_usage() -> dict[str, Any]:
    return {"KeyUsage": "GENERATE_VERIFY_MAC"}


@base("DescribeKey")
def _describe_key(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key()}


@base("EnableKey")
def _enable_key(ctx: Ctx) -> dict[str, Any]:
    key_id = ctx.key()
    ctx.client().disable_key(KeyId=key_id)
    return {"KeyId": key_id}


@base("DisableKey")
def _disable_key(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key()}


@base("UpdateKeyDescription")
def _update_key_description(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key(), "Description": "orders"}


probe("UpdateKeyDescription.Description", Differs(KEEP, "billing", metadata("Description")))


@base("ScheduleKeyDeletion")
def _schedule_key_deletion(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key()}


probe(
    "ScheduleKeyDeletion.PendingWindowInDays",
    Differs(ABSENT, 7, answer("PendingWindowInDays")),
)


@base("CancelKeyDeletion")
def _cancel_key_deletion(ctx: Ctx) -> dict[str, Any]:
    key_id = ctx.key()
    ctx.client().schedule_key_deletion(KeyId=key_id)
    return {"KeyId": key_id}


@base("ListKeys")
def _list_keys(ctx: Ctx) -> dict[str, Any]:
    ctx.key()
    ctx.key()
    return {}


# -- aliases -------------------------------------------------------------------------------


@base("CreateAlias")
def _create_alias(ctx: Ctx) -> dict[str, Any]:
    return {"AliasName": "alias/orders", "TargetKeyId": ctx.key()}


probe("CreateAlias.AliasName", Differs(KEEP, "alias/aws/orders"))
probe("CreateAlias.TargetKeyId", Differs(KEEP, MISSING_KEY))


@base("DeleteAlias")
def _delete_alias(ctx: Ctx) -> dict[str, Any]:
    ctx.client().create_alias(AliasName="alias/orders", TargetKeyId=ctx.key())
    return {"AliasName": "alias/orders"}


probe("DeleteAlias.AliasName", Differs(KEEP, "alias/billing"))


@base("UpdateAlias")
def _update_alias(ctx: Ctx) -> dict[str, Any]:
    ctx.client().create_alias(AliasName="alias/orders", TargetKeyId=ctx.key())
    return {"AliasName": "alias/orders", "TargetKeyId": ctx.key()}


probe("UpdateAlias.AliasName", Differs(KEEP, "alias/billing"))
probe("UpdateAlias.TargetKeyId", Differs(KEEP, MISSING_KEY))


@base("ListAliases")
def _list_aliases(ctx: Ctx) -> dict[str, Any]:
    key_id = ctx.key()
    for name in ("alias/orders", "alias/billing"):
        ctx.client().create_alias(AliasName=name, TargetKeyId=key_id)
    ctx.client().create_alias(AliasName="alias/other", TargetKeyId=ctx.key())
    return {"KeyId": key_id}


def _alias_names(ctx: Ctx, outcome: Outcome) -> Any:
    return sorted(a["AliasName"] for a in outcome.response["Aliases"])


probe("ListAliases.KeyId", Differs(KEEP, ABSENT, then(_alias_names)))


# -- tags ----------------------------------------------------------------------------------


@base("TagResource")
def _tag_resource(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key(), "Tags": [TAG]}


probe("TagResource.Tags", Differs(KEEP, [{"TagKey": "cost", "TagValue": "1"}], then(tags_of)))
probe("TagResource.Tags[].TagKey", Differs(KEEP, "cost", then(tags_of)))
probe("TagResource.Tags[].TagValue", Differs(KEEP, "billing", then(tags_of)))


@base("UntagResource")
def _untag_resource(ctx: Ctx) -> dict[str, Any]:
    key_id = ctx.key(Tags=[TAG, {"TagKey": "cost", "TagValue": "1"}])
    return {"KeyId": key_id, "TagKeys": ["team"]}


probe("UntagResource.TagKeys", Differs(KEEP, ["cost"], then(tags_of)))


@base("ListResourceTags")
def _list_resource_tags(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key(Tags=[TAG, {"TagKey": "cost", "TagValue": "1"}])}


# -- policies ------------------------------------------------------------------------------


def _policy_of(ctx: Ctx, outcome: Outcome) -> Any:
    return ctx.client().get_key_policy(KeyId=outcome.request["KeyId"])["Policy"]


@base("GetKeyPolicy")
def _get_key_policy(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key(), "PolicyName": "default"}


probe("GetKeyPolicy.PolicyName", Differs(KEEP, "other"))


@base("PutKeyPolicy")
def _put_key_policy(ctx: Ctx) -> dict[str, Any]:
    policy = ctx.client().get_key_policy(KeyId=(key_id := ctx.key()))["Policy"]
    return {
        "KeyId": key_id,
        "Policy": policy.replace("Enable IAM", "Allow IAM"),
        "PolicyName": "default",
    }


probe("PutKeyPolicy.Policy", Differs(KEEP, LOCKOUT))
probe("PutKeyPolicy.PolicyName", Differs(KEEP, "other"))
probe(
    "PutKeyPolicy.BypassPolicyLockoutSafetyCheck",
    Differs(
        ABSENT,
        True,
        setup=lambda ctx: {"KeyId": ctx.key(), "Policy": LOCKOUT},
    ),
)


@base("ListKeyPolicies")
def _list_key_policies(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key()}


def _one_policy(ctx: Ctx, outcome: Outcome) -> None:
    # A key has one policy, "default": a Limit of 1 is all there is to page.
    assert outcome.response == {"PolicyNames": ["default"], "Truncated": False}, outcome


probe("ListKeyPolicies.Limit", Holds(1, _one_policy))
probe("ListKeyPolicies.Marker", Differs(ABSENT, "bogus"))


# -- rotation ------------------------------------------------------------------------------


@base("EnableKeyRotation")
def _enable_key_rotation(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key()}


def _rotation_status(ctx: Ctx, outcome: Outcome) -> Any:
    status = ctx.client().get_key_rotation_status(KeyId=outcome.request["KeyId"])
    return status.get("RotationPeriodInDays")


probe("EnableKeyRotation.RotationPeriodInDays", Differs(ABSENT, 90, then(_rotation_status)))


@base("DisableKeyRotation")
def _disable_key_rotation(ctx: Ctx) -> dict[str, Any]:
    ctx.client().enable_key_rotation(KeyId=(key_id := ctx.key()))
    return {"KeyId": key_id}


@base("GetKeyRotationStatus")
def _get_key_rotation_status(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key()}


@base("RotateKeyOnDemand")
def _rotate_key_on_demand(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key()}


@base("ListKeyRotations")
def _list_key_rotations(ctx: Ctx) -> dict[str, Any]:
    key_id = ctx.key()
    for _ in range(2):
        ctx.client().rotate_key_on_demand(KeyId=key_id)
    return {"KeyId": key_id}


def _rotation_count(ctx: Ctx, outcome: Outcome) -> Any:
    return len(outcome.response["Rotations"])


probe(
    "ListKeyRotations.IncludeKeyMaterial",
    Differs(ABSENT, "ALL_KEY_MATERIAL", then(_rotation_count)),
)


@base("GetKeyLastUsage")
def _get_key_last_usage(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key()}


# -- multi-Region keys ---------------------------------------------------------------------


def _primary(ctx: Ctx) -> str:
    return ctx.key(MultiRegion=True)


@base("ReplicateKey")
def _replicate_key(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": _primary(ctx), "ReplicaRegion": "us-west-2"}


probe("ReplicateKey.ReplicaRegion", Differs(KEEP, "us-east-1"))
probe(
    "ReplicateKey.Policy",
    Differs(ABSENT, "{not json"),
)
probe(
    "ReplicateKey.BypassPolicyLockoutSafetyCheck",
    Differs(
        ABSENT,
        True,
        setup=lambda ctx: {"KeyId": _primary(ctx), "ReplicaRegion": "us-west-2", "Policy": LOCKOUT},
    ),
)
probe(
    "ReplicateKey.Description",
    Differs(ABSENT, "orders", answer("ReplicaKeyMetadata", "Description")),
)


def _replica_tags(ctx: Ctx, outcome: Outcome) -> Any:
    arn = outcome.response["ReplicaKeyMetadata"]["Arn"]
    tags = ctx.client("us-west-2").list_resource_tags(KeyId=arn)["Tags"]
    return sorted((t["TagKey"], t["TagValue"]) for t in tags)


def _replicate_tagged(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": _primary(ctx), "ReplicaRegion": "us-west-2", "Tags": [TAG]}


probe("ReplicateKey.Tags", Differs(ABSENT, [TAG], then(_replica_tags)))
probe("ReplicateKey.Tags[].TagKey", Differs(KEEP, "aws:team", setup=_replicate_tagged))
probe(
    "ReplicateKey.Tags[].TagValue",
    Differs(KEEP, "billing", then(_replica_tags), _replicate_tagged),
)


@base("UpdatePrimaryRegion")
def _update_primary_region(ctx: Ctx) -> dict[str, Any]:
    key_id = _primary(ctx)
    ctx.client().replicate_key(KeyId=key_id, ReplicaRegion="us-west-2")
    ctx.client().replicate_key(KeyId=key_id, ReplicaRegion="eu-west-1")
    return {"KeyId": key_id, "PrimaryRegion": "us-west-2"}


def _primary_region(ctx: Ctx, outcome: Outcome) -> Any:
    found = ctx.client().describe_key(KeyId=outcome.request["KeyId"])["KeyMetadata"]
    return found["MultiRegionConfiguration"]["PrimaryKey"]["Region"]


probe("UpdatePrimaryRegion.PrimaryRegion", Differs(KEEP, "eu-west-1", then(_primary_region)))


def _key_count(ctx: Ctx, outcome: Outcome) -> Any:
    return len(outcome.response["Keys"])


# Two own keys, none shared: OTHER_ACCOUNTS_VIA_RAM lists none of them.
probe("ListKeys.ResourceOwners", Differs(ABSENT, ["OTHER_ACCOUNTS_VIA_RAM"], then(_key_count)))
