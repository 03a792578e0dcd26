"""One-line hints for failures that code written against moto commonly meets in kmsmock.

moto accepts several requests AWS refuses (and answers some differently); a suite moved from
moto to kmsmock fails on them, correctly, but the error alone does not say that the test, not
kmsmock, needs to change. Each hint names the AWS rule and the fix. Measured on real projects'
suites moved from moto (issue 19); docs/migrating-from-moto.md lists each with before/after.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kmsmock.aws import json_depth
from kmsmock.backend.audit import AuditEvent

_LOCKOUT = "The new key policy will not allow you to update the key policy in the future."
_RSA_DEFAULT = "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_"


def hint(event: AuditEvent, earlier: Sequence[AuditEvent]) -> str | None:
    """The hint for the failed request ``event`` (``earlier``: the requests before it, oldest
    first), or None when it is not one moto users commonly meet."""
    for rule in _RULES:
        text = rule(event, earlier)
        if text is not None:
            return text
    return None


def _params(event: AuditEvent) -> dict[str, object]:
    return dict(event.params or {})


def _rsa_without_algorithm(event: AuditEvent, earlier: Sequence[AuditEvent]) -> str | None:
    message = event.error_message or ""
    if event.error_code != "InvalidKeyUsageException" or not message.startswith(_RSA_DEFAULT):
        return None
    if "EncryptionAlgorithm" in _params(event):
        return None
    return (
        f"AWS requires EncryptionAlgorithm for an RSA key ({event.operation} without it means "
        "SYMMETRIC_DEFAULT, which RSA keys refuse); moto defaults it. Pass "
        "EncryptionAlgorithm='RSAES_OAEP_SHA_256' (or _SHA_1) to Encrypt and Decrypt alike."
    )


def _lockout(event: AuditEvent, earlier: Sequence[AuditEvent]) -> str | None:
    if event.error_code != "MalformedPolicyDocumentException" or event.error_message != _LOCKOUT:
        return None
    return (
        f"AWS's policy lockout safety check: the policy given to {event.operation} must let "
        "the caller call kms:PutKeyPolicy later (moto does not check). Add a statement "
        f'allowing "arn:aws:iam::{event.account}:root" "kms:*", or pass '
        "BypassPolicyLockoutSafetyCheck=True."
    )


def _not_json(event: AuditEvent, earlier: Sequence[AuditEvent]) -> str | None:
    policy = _params(event).get("Policy")
    if event.error_code != "MalformedPolicyDocumentException" or not isinstance(policy, str):
        return None
    try:
        json_depth.loads(policy)  # as the policy was read: nesting too deep is not JSON
    except ValueError:
        return (
            "the Policy is not JSON: AWS refuses it, moto stores any text. Pass a policy "
            "document, e.g. json.dumps({'Version': '2012-10-17', 'Statement': [...]})."
        )
    return None


def _message_type_mismatch(event: AuditEvent, earlier: Sequence[AuditEvent]) -> str | None:
    if event.operation != "Verify" or event.error_code != "KMSInvalidSignatureException":
        return None
    params = _params(event)
    verified_as = params.get("MessageType", "RAW")
    for before in reversed(earlier):
        sign = _params(before)
        if (
            before.operation == "Sign"
            and before.error_code is None
            and before.key_arn == event.key_arn
            and sign.get("SigningAlgorithm") == params.get("SigningAlgorithm")
        ):
            signed_as = sign.get("MessageType", "RAW")
            if signed_as != verified_as:
                return (
                    f"the message was signed with MessageType={signed_as} and verified with "
                    f"MessageType={verified_as}: KMS hashes a RAW message itself, so Verify "
                    "must say what Sign said (moto ignores MessageType)."
                )
            return None
    return None


def _invalid_signature(event: AuditEvent, earlier: Sequence[AuditEvent]) -> str | None:
    if event.operation != "Verify" or event.error_code != "KMSInvalidSignatureException":
        return None
    return (
        "AWS answers a signature that does not verify with KMSInvalidSignatureException; it "
        "never returns SignatureValid=False (moto does). Expect "
        "client.exceptions.KMSInvalidSignatureException."
    )


def _cancel_not_pending(event: AuditEvent, earlier: Sequence[AuditEvent]) -> str | None:
    message = event.error_message or ""
    if event.operation != "CancelKeyDeletion" or not message.endswith("is not pending deletion."):
        return None
    return (
        "AWS refuses CancelKeyDeletion on a key that is not pending deletion (moto allows "
        "it): schedule the deletion first, or expect KMSInvalidStateException."
    )


_RULES: tuple[Callable[[AuditEvent, Sequence[AuditEvent]], str | None], ...] = (
    _rsa_without_algorithm,
    _lockout,
    _not_json,
    _message_type_mismatch,  # before the general invalid-signature hint: it is more specific
    _invalid_signature,
    _cancel_not_pending,
)
