"""Key lifecycle: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
UpdateKeyDescription, ScheduleKeyDeletion, CancelKeyDeletion."""

from __future__ import annotations

from datetime import timedelta

from kmsmock.backend import key_store_state, lifecycle, ram, replica_sets
from kmsmock.backend.context import RequestContext
from kmsmock.backend.creation import new_key, require_key_quota
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.keys import Key
from kmsmock.backend.keystate import changeable_key
from kmsmock.backend.metadata import key_metadata
from kmsmock.backend.pagination import page
from kmsmock.backend.prewritten import Prewritten, is_plain_json_text
from kmsmock.crypto import asymmetric
from kmsmock.crypto.hmac_keys import MAC_ALGORITHM
from kmsmock.errors import KmsError, require_in_range
from kmsmock.operations.custom_key_stores import find_store, invalid_state
from kmsmock.operations.key_policies import check_policy_document
from kmsmock.operations.table import Params, Result, operation
from kmsmock.operations.tags import validated_tags

# The key usages each family of key specs allows (KMS Developer Guide, key-types.html). A spec
# is looked up whole, else by its family (the text before its first "_").
_USAGES: dict[str, tuple[str, ...]] = {
    "SYMMETRIC_DEFAULT": ("ENCRYPT_DECRYPT",),
    "RSA": ("ENCRYPT_DECRYPT", "SIGN_VERIFY"),
    "ECC_SECG_P256K1": ("SIGN_VERIFY",),
    "ECC_NIST_EDWARDS25519": ("SIGN_VERIFY",),
    "ECC": ("SIGN_VERIFY", "KEY_AGREEMENT"),
    "ML": ("SIGN_VERIFY",),  # ML_DSA_*
    "ML_KEM_512": ("ENCAPSULATE_DECAPSULATE",),
    "ML_KEM_768": ("ENCAPSULATE_DECAPSULATE",),
    "ML_KEM_1024": ("ENCAPSULATE_DECAPSULATE",),
    "HMAC": ("GENERATE_VERIFY_MAC",),
    "SM2": ("ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"),
}


def usages_for(spec: str) -> tuple[str, ...]:
    """The key usages a key of ``spec`` may have, the default first when it has one (also
    what seed files are checked against)."""
    return _USAGES.get(spec) or _USAGES.get(spec.split("_")[0], ())


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
    if usage not in usages_for(spec):
        raise KmsError(
            "ValidationException", f"KeyUsage {usage} is not compatible with KeySpec {spec}"
        )
    if spec == "SM2":
        _require_sm2(context)
    elif spec in asymmetric.ENCAPSULATION_SPECS:
        _require_mlkem(context, spec)
    missing = asymmetric.cryptography_missing(spec)
    if missing is not None:
        raise KmsError("NotImplementedException", missing)
    _require_supported(spec, usage, params)
    is_multi_region = bool(params.get("MultiRegion", False))
    if is_multi_region and params.get("Origin") in _STORE_TYPE_OF_ORIGIN:
        # The developer guide: multi-Region keys cannot be made in a custom key store (AWS's
        # text is not recorded).
        raise KmsError(
            "UnsupportedOperationException",
            f"Origin {params['Origin']} is not valid for multi-Region keys. Multi-Region keys "
            "cannot be created in a custom key store.",
        )
    store = _custom_key_store(context, spec, params)
    tags = validated_tags(context.world, params.get("Tags", []), existing={})
    policy = params.get("Policy")
    if policy is not None:
        check_policy_document(
            context,
            policy,
            bypass_lockout_check=params.get("BypassPolicyLockoutSafetyCheck", False),
        )
    require_key_quota(context, context.here)
    key = new_key(
        context,
        context.here,
        description=params.get("Description", ""),
        policy=policy,
        tags=tags,
        key_spec=spec,
        key_usage=usage,
        origin=params.get("Origin", "AWS_KMS"),
        multi_region=is_multi_region,
    )
    if store is not None:
        key.custom_key_store = store
        store.key_ids[key.key_id] = None
        xks_key_id = params.get("XksKeyId")
        if xks_key_id is not None:
            key.xks_key_id = xks_key_id
            store.xks_keys[xks_key_id] = key.key_id
    return {"KeyMetadata": key_metadata(key)}


_STORE_TYPE_OF_ORIGIN = {
    "AWS_CLOUDHSM": key_store_state.CLOUDHSM,
    "EXTERNAL_KEY_STORE": key_store_state.EXTERNAL,
}


def _custom_key_store(
    context: RequestContext, spec: str, params: Params
) -> key_store_state.CustomKeyStore | None:
    """The connected custom key store a new key with Origin AWS_CLOUDHSM or EXTERNAL_KEY_STORE
    goes in, checked as the CreateKey reference describes (the messages are not recorded)."""
    origin = params.get("Origin", "AWS_KMS")
    store_id = params.get("CustomKeyStoreId")
    xks_key_id = params.get("XksKeyId")
    store_type = _STORE_TYPE_OF_ORIGIN.get(origin)
    if store_type is None:
        for member in ("CustomKeyStoreId", "XksKeyId"):
            if member in params:
                raise KmsError(
                    "ValidationException",
                    f"{member} is not valid for KMS keys with Origin {origin}.",
                )
        return None
    if store_id is None:
        raise KmsError(
            "ValidationException",
            f"CustomKeyStoreId is required for KMS keys with Origin {origin}.",
        )
    if (xks_key_id is None) == (origin == "EXTERNAL_KEY_STORE"):
        verb = "is required" if xks_key_id is None else "is not valid"
        raise KmsError("ValidationException", f"XksKeyId {verb} for KMS keys with Origin {origin}.")
    if spec != "SYMMETRIC_DEFAULT":
        raise KmsError(
            "UnsupportedOperationException",
            f"KeySpec {spec} is not valid for KMS keys in a custom key store. Only "
            "SYMMETRIC_DEFAULT keys can be created in a custom key store.",
        )
    store = find_store(context, store_id)
    if store.store_type != store_type:
        raise KmsError(
            "UnsupportedOperationException",
            f"Origin {origin} is not valid for custom key store {store_id}, whose "
            f"CustomKeyStoreType is {store.store_type}.",
        )
    if not store.connected:
        raise invalid_state(store, "CreateKey")
    if xks_key_id is not None:
        holder = context.here.keys.get(store.xks_keys.get(xks_key_id, ""))
        if holder is not None:
            raise KmsError(
                "XksKeyAlreadyInUseException",
                f"XksKeyId {xks_key_id} is already associated with KMS key {holder.arn} in "
                f"custom key store {store_id}.",
            )
    return store


# The key specs kmsmock makes (HMAC and asymmetric material is real; see kmsmock/crypto).
_SERVED_SPECS = frozenset({"SYMMETRIC_DEFAULT", *MAC_ALGORITHM, *asymmetric.SPECS})


def _require_sm2(context: RequestContext) -> None:
    """SM2 keys exist only in AWS's China regions (the aws-cn partition). Elsewhere AWS answers
    as a third-party report quotes it (floci-io/floci#3026, us-east-1); in China kmsmock needs
    gmssl, an optional dependency, for them."""
    if context.partition != "aws-cn":
        raise KmsError(
            "UnsupportedOperationException", "KeySpec SM2 is not supported in this Region"
        )
    if not asymmetric.sm2_available():
        raise KmsError(
            "NotImplementedException",
            "kmsmock needs the optional dependency gmssl for SM2 keys: pip install 'kmsmock[sm2]'",
        )


def _require_mlkem(context: RequestContext, spec: str) -> None:
    """ML-KEM key specs are not available in the China Regions (CreateKey API reference,
    KeySpec): the inverse of SM2. AWS's text for the refusal is not recorded; it is worded as
    the SM2 one outside China. ML_KEM_512 needs the optional dependency kyber-py
    (`cryptography` has ML-KEM-768 and ML-KEM-1024 only)."""
    if context.partition == "aws-cn":
        raise KmsError(
            "UnsupportedOperationException", f"KeySpec {spec} is not supported in this Region"
        )
    if spec == "ML_KEM_512" and not asymmetric.mlkem512_available():
        raise KmsError(
            "NotImplementedException",
            "kmsmock needs the optional dependency kyber-py for ML_KEM_512 keys: "
            "pip install 'kmsmock[mlkem512]'",
        )


def _require_supported(spec: str, usage: str, params: Params) -> None:
    """Fail clearly on what later versions of kmsmock will serve but this one does not."""
    unsupported = None
    if spec not in _SERVED_SPECS:
        unsupported = f"KeySpec {spec}"
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
    owners = params.get("ResourceOwners")
    if owners is not None and set(owners) != {SELF}:
        return _list_with_shared(context, params, frozenset(owners))
    # Keys are stored as they are created, so the dict is already in creation order: no
    # sort per page (a sort made paging 1,000 keys cost 1.5x the floor).
    keys = list(context.here.keys.values())
    chunk, paging = page(keys, params, "ListKeys", key=_creation_order)
    # Every key here shares its ARN's prefix: one concatenation per key, not Key.arn's format.
    prefix = context.arn("key/")
    if chunk and is_plain_json_text(prefix):
        return Prewritten(paging, {"Keys": _key_entries_json([k.key_id for k in chunk], prefix)})
    return {"Keys": [{"KeyId": k.key_id, "KeyArn": prefix + k.key_id} for k in chunk], **paging}


SELF = "SELF"
SHARED = "OTHER_ACCOUNTS_VIA_RAM"


def _list_with_shared(context: RequestContext, params: Params, owners: frozenset[str]) -> Result:
    """ListKeys with ResourceOwners naming OTHER_ACCOUNTS_VIA_RAM (API reference, ListKeys):
    the caller's own keys first when SELF is named too, then the keys other accounts share
    with it through RAM (backend/ram.py), which carry their owner's ARN. One response never
    holds both kinds, and a marker is good only with the ResourceOwners that returned it
    (else InvalidMarkerException). A value named twice counts once (AWS's answer to that is
    not recorded)."""
    listed: list[tuple[int, Key]] = []
    if SELF in owners:
        listed += [(0, key) for key in context.here.keys.values()]
    listed += [
        (1, key)
        for key in ram.shared_with(
            context.world, context.account, context.region, context.partition
        )
    ]
    chunk, paging = page(
        listed,
        params,
        "ListKeys " + " ".join(sorted(owners)),
        key=_owner_then_creation,
        kind=_owner,
    )
    return {"Keys": [{"KeyId": k.key_id, "KeyArn": k.arn} for _, k in chunk], **paging}


def _owner_then_creation(entry: tuple[int, Key]) -> tuple[int, int]:
    return entry[0], entry[1].seq


def _owner(entry: tuple[int, Key]) -> int:
    return entry[0]


def _key_entries_json(ids: list[str], prefix: str) -> str:
    """ListKeys' entries as the encoder would write them, at a fifth of its cost (encoding a
    page of 100 cost more than the rest of the request). Key IDs need no escaping: every key
    has a UUID or mrk- ID (CreateKey makes them, seed files are checked for them)."""
    between = '","KeyArn":"' + prefix
    return '[{"KeyId":"' + '"},{"KeyId":"'.join([i + between + i for i in ids]) + '"}]'


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
    key.pending_window_days = days
    context.world.billing.scheduled(key, context.now)  # free from now on
    if replica_sets.is_primary(key) and key.mrk is not None and key.mrk.replicas():
        # A primary waits for its replicas: its waiting period starts when the last is
        # deleted (lifecycle._delete). Until then it has no DeletionDate.
        key.state = "PendingReplicaDeletion"
        key.deletion_date = None
        lifecycle.arm(context.world, key)
        return {"KeyId": key.arn, "KeyState": key.state, "PendingWindowInDays": days}
    key.state = "PendingDeletion"
    key.deletion_date = context.now + timedelta(days=days)
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
    if key.state not in ("PendingDeletion", "PendingReplicaDeletion"):
        raise KmsError("KMSInvalidStateException", f"{key.arn} is not pending deletion.")
    # An EXTERNAL key whose material was deleted or expired meanwhile waits for an import.
    imported = key.imported
    key.state = "PendingImport" if imported is not None and not imported.present else "Disabled"
    key.deletion_date = None
    key.pending_window_days = None
    lifecycle.arm(context.world, key)
    return {"KeyId": key.arn}
