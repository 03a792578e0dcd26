"""The one key-state guard: which operations a key's state allows, with AWS's errors.

Follows the key-state table of the KMS Developer Guide (key-state.html). Cryptographic
operations fail on a disabled key with DisabledException; nearly every operation that changes
or uses a key fails on a key pending deletion with KMSInvalidStateException. Reading a key
(DescribeKey, GetKeyPolicy, ListResourceTags, ...) works in every state.
"""

from __future__ import annotations

from kmsmock.aws.families import CRYPTOGRAPHIC
from kmsmock.backend.context import RequestContext
from kmsmock.backend.identifiers import access_denied, resolve_key
from kmsmock.backend.key_store_state import reported_state
from kmsmock.backend.keys import Key
from kmsmock.errors import KmsError

# Reading a key, its policy, aliases, grants and tags works in every state; so does removing
# an alias or a grant, and replacing the policy.
_ANY_STATE = frozenset(
    {
        "DescribeKey",
        "GetKeyPolicy",
        "ListKeyPolicies",
        "ListResourceTags",
        "ListAliases",
        "DeleteAlias",
        "PutKeyPolicy",
        "ListGrants",
        "ListRetirableGrants",
        "RevokeGrant",
        "RetireGrant",
    }
)

# Per state: the operations that fail in it (states where most work), or the only ones that
# work in it (states where most fail). From the key-state table of the KMS Developer Guide;
# operations newer than the table (RotateKeyOnDemand...) as recorded from AWS.
_FAIL_IN: dict[str, frozenset[str]] = {
    "Disabled": CRYPTOGRAPHIC
    | {
        "CreateGrant",
        "ReplicateKey",
        "UpdatePrimaryRegion",
        "EnableKeyRotation",
        "DisableKeyRotation",
        "RotateKeyOnDemand",
    },
    # The table has N/A for signing and MAC here (it predates importing asymmetric and HMAC
    # material); such keys have no material to use either, so they fail as the rest do.
    "PendingImport": CRYPTOGRAPHIC
    | {
        "CreateGrant",
        "EnableKey",
        "DisableKey",
        "ReplicateKey",
        "UpdatePrimaryRegion",
        "RotateKeyOnDemand",
    },
    "Unavailable": CRYPTOGRAPHIC,
    "Updating": frozenset(
        {
            "DeleteImportedKeyMaterial",
            "DisableKey",
            "EnableKey",
            "GetParametersForImport",
            "ReplicateKey",
            "ScheduleKeyDeletion",
        }
    ),
}
_ONLY_IN: dict[str, frozenset[str]] = {
    "PendingDeletion": _ANY_STATE
    | {
        "CancelKeyDeletion",
        "GetKeyRotationStatus",
        "DeleteImportedKeyMaterial",
        "ListKeyRotations",
    },
    "Creating": _ANY_STATE
    | {
        "CreateAlias",
        "GetKeyRotationStatus",
        "ScheduleKeyDeletion",
        "TagResource",
        "UntagResource",
        "UpdateAlias",
        "UpdateKeyDescription",
    },
}
_ONLY_IN["PendingReplicaDeletion"] = _ONLY_IN["PendingDeletion"]

_WHY = {
    "Disabled": "is disabled.",
    "PendingDeletion": "is pending deletion.",
    "PendingReplicaDeletion": "is pending replica deletion.",
    "PendingImport": "is pending import.",
    "Unavailable": "is unavailable.",
    "Creating": "is creating.",
    "Updating": "is updating.",
}


def require_usable(key: Key, operation: str) -> None:
    """Raise AWS's error if ``key``'s state does not allow ``operation``.

    A key in a custom key store that is not connected is Unavailable, whatever its own state
    (EnableKey and DisableKey still work on it: they change the state it returns to).
    """
    state = reported_state(key.custom_key_store, key.state)
    if state in _FAIL_IN:
        allowed = operation not in _FAIL_IN[state]
    elif state in _ONLY_IN:
        allowed = operation in _ONLY_IN[state]
    else:
        allowed = True  # Enabled
    if allowed:
        return
    # A disabled key answers DisabledException; every other state KMSInvalidStateException
    # (for crypto on a key pending deletion AWS documents either; recordings show the latter).
    code = "DisabledException" if state == "Disabled" else "KMSInvalidStateException"
    raise KmsError(code, f"{key.arn} {_WHY.get(state, 'is ' + state + '.')}")


def require_customer_managed(context: RequestContext, key: Key) -> None:
    """AWS managed keys are AWS's to change: their state, tags, aliases and policy are fixed.

    AWS refuses such changes through the managed key's policy, which allows the account only
    to read the key (``kms:Describe*``, ``kms:Get*``, ``kms:List*``), so the answer is the
    policy's AccessDeniedException.
    """
    if key.key_manager == "AWS":
        raise access_denied(context, key.arn)


def changeable_key(context: RequestContext, key_id: str) -> Key:
    """The customer managed key ``key_id`` names, if its state lets this operation change it."""
    key = resolve_key(context, key_id)
    require_customer_managed(context, key)
    require_usable(key, context.operation)
    return key
