"""The one key-state guard: which operations a key's state allows, with AWS's errors.

Follows the key-state table of the KMS Developer Guide (key-state.html). Cryptographic
operations fail on a disabled key with DisabledException; nearly every operation that changes
or uses a key fails on a key pending deletion with KMSInvalidStateException. Reading a key
(DescribeKey, GetKeyPolicy, ListResourceTags, ...) works in every state.
"""

from __future__ import annotations

from kmsmock.backend.context import RequestContext
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.state import Key
from kmsmock.errors import KmsError

CRYPTOGRAPHIC = frozenset(
    {
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "Sign",
        "Verify",
        "GenerateMac",
        "VerifyMac",
        "GetPublicKey",
        "DeriveSharedSecret",
    }
)

# Operations that work whatever the key's state.
_ANY_STATE = frozenset(
    {
        "DescribeKey",
        "GetKeyPolicy",
        "ListKeyPolicies",
        "ListResourceTags",
        "ListAliases",
        "DeleteAlias",
        "CancelKeyDeletion",
        "PutKeyPolicy",
        "ListGrants",
        "RevokeGrant",
        "RetireGrant",
        "GetKeyRotationStatus",
        "ListKeyRotations",
        "UntagResource",
    }
)

_PENDING = {
    "PendingDeletion": "is pending deletion.",
    "PendingReplicaDeletion": "is pending replica deletion.",
    "PendingImport": "is pending import.",
    "Unavailable": "is unavailable.",
    "Creating": "is creating.",
    "Updating": "is updating.",
}


def require_usable(key: Key, operation: str) -> None:
    """Raise AWS's error if ``key``'s state does not allow ``operation``."""
    state = key.state
    if state == "Enabled" or operation in _ANY_STATE:
        return
    if state == "Disabled":
        if operation in CRYPTOGRAPHIC:
            raise KmsError("DisabledException", f"{key.arn} is disabled.")
        return
    raise KmsError("KMSInvalidStateException", f"{key.arn} {_PENDING.get(state, 'is ' + state)}")


def require_customer_managed(key: Key) -> None:
    """AWS managed keys are AWS's to change: their state, tags, aliases and policy are fixed."""
    if key.key_manager == "AWS":
        raise KmsError(
            "UnsupportedOperationException",
            f"{key.arn} is an AWS managed key. This operation is not supported for AWS "
            "managed keys.",
        )


def changeable_key(context: RequestContext, key_id: str) -> Key:
    """The customer managed key ``key_id`` names, if its state lets this operation change it."""
    key = resolve_key(context, key_id)
    require_customer_managed(key)
    require_usable(key, context.operation)
    return key
