"""Key lifecycle: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
UpdateKeyDescription, ScheduleKeyDeletion, CancelKeyDeletion."""

from __future__ import annotations

from datetime import timedelta

from kmsmock.backend import lifecycle
from kmsmock.backend.context import RequestContext
from kmsmock.backend.creation import new_key
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.keystate import changeable_key
from kmsmock.backend.metadata import key_metadata
from kmsmock.backend.ops.policies import check_policy_document
from kmsmock.backend.ops.tags import validated_tags
from kmsmock.backend.pagination import page
from kmsmock.backend.registry import Params, Result, operation
from kmsmock.backend.state import Key
from kmsmock.crypto import asymmetric
from kmsmock.crypto.hmac_keys import MAC_ALGORITHM
from kmsmock.errors import KmsError, require_in_range

# The key usages each family of key specs allows (KMS Developer Guide, key-types.html). A spec
# is looked up whole, else by its family (the text before its first "_").
_USAGES: dict[str, tuple[str, ...]] = {
    "SYMMETRIC_DEFAULT": ("ENCRYPT_DECRYPT",),
    "RSA": ("ENCRYPT_DECRYPT", "SIGN_VERIFY"),
    "ECC_SECG_P256K1": ("SIGN_VERIFY",),
    "ECC_NIST_EDWARDS25519": ("SIGN_VERIFY",),
    "ECC": ("SIGN_VERIFY", "KEY_AGREEMENT"),
    "ML": ("SIGN_VERIFY",),
    "HMAC": ("GENERATE_VERIFY_MAC",),
    "SM2": ("ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"),
}


@operation("CreateKey")
def create_key(context: RequestContext, params: Params) -> Result:
    spec = params.get("KeySpec")
    legacy_spec = params.get("CustomerMasterKeySpec")
    if spec is not None and legacy_spec is not None:
        raise KmsError(
            "ValidationException",
            "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. "
            "CustomerMasterKeySpec is deprecated.",
        )
    spec = spec or legacy_spec or "SYMMETRIC_DEFAULT"
    usage = params.get("KeyUsage")
    if usage is None and spec != "SYMMETRIC_DEFAULT":
        raise KmsError(
            "ValidationException",
            "You must specify a KeyUsage value for all KMS keys except for symmetric "
            "encryption keys.",
        )
    usage = usage or "ENCRYPT_DECRYPT"
    if usage not in _USAGES.get(spec, _USAGES.get(spec.split("_")[0], ())):
        raise KmsError(
            "ValidationException", f"KeyUsage {usage} is not compatible with KeySpec {spec}"
        )
    _require_supported(spec, usage, params)
    tags = validated_tags(params.get("Tags", []), existing={})
    policy = params.get("Policy")
    if policy is not None:
        check_policy_document(policy)
    key = new_key(
        context,
        context.here,
        description=params.get("Description", ""),
        policy=policy,
        tags=tags,
        key_spec=spec,
        key_usage=usage,
        origin=params.get("Origin", "AWS_KMS"),
    )
    return {"KeyMetadata": key_metadata(key)}


# The key specs kmsmock makes (HMAC and asymmetric material is real; see kmsmock/crypto).
_SERVED_SPECS = frozenset({"SYMMETRIC_DEFAULT", *MAC_ALGORITHM, *asymmetric.SPECS})


def _require_supported(spec: str, usage: str, params: Params) -> None:
    """Fail clearly on what later versions of kmsmock will serve but this one does not."""
    unsupported = None
    if spec not in _SERVED_SPECS:
        unsupported = f"KeySpec {spec}"
    elif params.get("Origin", "AWS_KMS") not in ("AWS_KMS", "EXTERNAL"):
        unsupported = f"Origin {params['Origin']}"
    elif params.get("MultiRegion"):
        unsupported = "MultiRegion keys"
    elif "CustomKeyStoreId" in params:
        unsupported = "custom key stores"
    if unsupported is not None:
        raise KmsError(
            "NotImplementedException",
            f"kmsmock does not support {unsupported} yet; docs/operations.md lists what is served.",
        )


@operation("DescribeKey")
def describe_key(context: RequestContext, params: Params) -> Result:
    key = resolve_key(context, params["KeyId"], alias=True)
    return {"KeyMetadata": key_metadata(key)}


@operation("ListKeys")
def list_keys(context: RequestContext, params: Params) -> Result:
    # Keys are stored as they are created, so the dict is already in creation order: no
    # sort per page (a sort made paging 1,000 keys cost 1.5x the floor).
    keys = list(context.here.keys.values())
    chunk, paging = page(keys, params, "ListKeys", key=_creation_order)
    # Every key here shares its ARN's prefix: one concatenation per key, not Key.arn's format.
    prefix = context.arn("key/")
    return {"Keys": [{"KeyId": k.key_id, "KeyArn": prefix + k.key_id} for k in chunk], **paging}


def _creation_order(key: Key) -> int:
    return key.seq


@operation("EnableKey")
def enable_key(context: RequestContext, params: Params) -> Result:
    key = changeable_key(context, params["KeyId"])
    key.state = "Enabled"
    lifecycle.resume(context.world, key, context.now)
    return {}


@operation("DisableKey")
def disable_key(context: RequestContext, params: Params) -> Result:
    key = changeable_key(context, params["KeyId"])
    key.state = "Disabled"
    lifecycle.arm(context.world, key)  # a disabled key does not rotate
    return {}


@operation("UpdateKeyDescription")
def update_key_description(context: RequestContext, params: Params) -> Result:
    key = changeable_key(context, params["KeyId"])
    key.description = params["Description"]
    return {}


@operation("ScheduleKeyDeletion")
def schedule_key_deletion(context: RequestContext, params: Params) -> Result:
    days = params.get("PendingWindowInDays", 30)
    require_in_range("pendingWindowInDays", days, low=7, high=30)
    key = changeable_key(context, params["KeyId"])
    key.state = "PendingDeletion"
    key.deletion_date = context.now + timedelta(days=days)
    key.pending_window_days = days
    lifecycle.arm(context.world, key)
    return {
        "KeyId": key.arn,
        "DeletionDate": key.deletion_date,
        "KeyState": key.state,
        "PendingWindowInDays": days,
    }


@operation("CancelKeyDeletion")
def cancel_key_deletion(context: RequestContext, params: Params) -> Result:
    key = changeable_key(context, params["KeyId"])
    if key.state != "PendingDeletion":
        raise KmsError("KMSInvalidStateException", f"{key.arn} is not pending deletion.")
    # An EXTERNAL key whose material was deleted or expired meanwhile waits for an import.
    imported = key.imported
    key.state = "PendingImport" if imported is not None and not imported.present else "Disabled"
    key.deletion_date = None
    key.pending_window_days = None
    lifecycle.arm(context.world, key)
    return {"KeyId": key.arn}
