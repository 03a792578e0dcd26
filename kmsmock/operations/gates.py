"""What a request passes before its operation runs: the faults a test injected and the
request-rate quotas it turned on (both the world's state: backend/faults.py,
backend/quotas.py). ``dispatch`` asks each only when the world has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kmsmock.backend.context import RequestContext
from kmsmock.backend.faults import Faults
from kmsmock.backend.quotas import CRYPTO_OPERATIONS, ECC, RSA, SM2, SYMMETRIC, Quotas
from kmsmock.errors import KmsError

# Parameters that name a key, in the operations that take one.
_KEY_PARAMS = ("KeyId", "SourceKeyId", "DestinationKeyId", "TargetKeyId")


def check_faults(faults: Faults, context: RequestContext, params: Mapping[str, Any]) -> None:
    """Raise the error of the first rule that fires for this request."""
    keys: set[str] | None = None
    for fault in faults.rules:
        if fault.operation != context.operation:
            continue
        if fault.principal is not None and fault.principal not in (
            context.who.arn,
            context.who.principal_arn,
        ):
            continue
        if fault.key is not None:
            if keys is None:
                keys = request_key_ids(context, params)
            if _key_id(context, fault.key) not in keys:
                continue
        fault.attempts += 1
        if fault.exhausted:
            continue
        # Drawn only for matching requests, so a seed replays the same sequence whatever
        # else the test calls.
        if fault.probability is not None and fault._rng.random() >= fault.probability:
            continue
        fault.hits += 1
        raise KmsError(fault.code, fault.message)


def _key_id(context: RequestContext, value: str) -> str | None:
    """The key ID ``value`` (key ID, key ARN, alias name or alias ARN) names, without
    authorizing anyone: a rule matches whatever the caller may do with the key."""
    account, region, name = context.account, context.region, value
    if value.startswith("arn:"):
        parts = value.split(":", 5)
        if len(parts) != 6:
            return None
        region, account, name = parts[3], parts[4], parts[5]
        if name.startswith("key/"):
            return name[len("key/") :]
    if name.startswith("alias/"):
        state = context.world.regions.get((account, region))
        alias = None if state is None else state.aliases.get(name)
        return None if alias is None else alias.target_key_id
    return name


def request_key_ids(context: RequestContext, params: Mapping[str, Any]) -> set[str]:
    """The IDs of the keys a request names, including the key of a ciphertext that names
    none (Decrypt, ReEncrypt without KeyId)."""
    found: set[str] = set()
    for param in _KEY_PARAMS:
        value = params.get(param)
        if isinstance(value, str):
            key_id = _key_id(context, value)
            if key_id is not None:
                found.add(key_id)
    blob = params.get("CiphertextBlob")
    if isinstance(blob, bytes):
        from kmsmock.crypto import ciphertext

        try:
            parsed = ciphertext.parse(blob)
        except ciphertext.InvalidCiphertext:
            return found
        ref = ciphertext.read_reference(context.world.secret, parsed.ref)
        if ref is not None:
            found.add(ref.key_id)
    return found


def check_quotas(quotas: Quotas, context: RequestContext, params: Mapping[str, Any]) -> None:
    """Count this request toward its quota, or raise ThrottlingException if it is used up."""
    quota = quota_of(quotas, context, params)
    if quota is not None:
        quotas.count(context.account, context.region, quota, context.now)


def quota_of(quotas: Quotas, context: RequestContext, params: Mapping[str, Any]) -> str | None:
    """The quota this request counts toward, or None if it counts toward none."""
    operation = context.operation
    if operation not in CRYPTO_OPERATIONS:
        return operation if operation in quotas.limits else None
    for key_id in request_key_ids(context, params):
        key = context.here.keys.get(key_id)
        if key is not None:
            spec = key.key_spec
            if spec.startswith("RSA_"):
                return RSA
            if spec.startswith(("ECC_", "SM2")):
                return SM2 if spec == "SM2" else ECC
            break
    # Symmetric and HMAC keys, no key (GenerateRandom), and keys the operation will not
    # find: AWS's answer to the last is unknown, so they count as symmetric. So do ML-DSA
    # and ML-KEM keys: the 2023 quota table this module follows predates them [unverified].
    return SYMMETRIC
