"""Opt-in request-rate quotas: AWS's requests-per-second limits, measured on the mock clock.

Off by default (``mock_kms(quotas=True)`` or ``KmsMock.enable_quotas()`` turn them on). Each
(account, Region, quota) pair keeps the times of its recent requests; a request that would
make more than the quota within one second is answered with ThrottlingException, as AWS does.
Throttled requests are not counted. The numbers are data: a test passes its own to
``enable_quotas(limits={...})``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from datetime import datetime, timedelta

from kmsmock.backend.faults import THROTTLING_MESSAGE
from kmsmock.errors import KmsError, KmsMockUsageError, did_you_mean

__all__ = ["CRYPTO_OPERATIONS", "DEFAULT_LIMITS", "SYMMETRIC_BY_REGION", "Quotas"]

# Source: AWS KMS Developer Guide, "Request quotas" (requests-per-second.html), 2023 edition.
# Newer editions raise some numbers; override them with enable_quotas(limits=...).
SYMMETRIC = "cryptographic-symmetric"  # symmetric encryption and HMAC keys, and no key
RSA = "cryptographic-rsa"
ECC = "cryptographic-ecc"
SM2 = "cryptographic-sm2"

# The shared symmetric quota depends on the Region; Regions not listed have 5,500.
SYMMETRIC_BY_REGION: dict[str, float] = {
    **dict.fromkeys(("us-east-1", "us-west-2", "eu-west-1"), 50_000),
    **dict.fromkeys(
        ("us-east-2", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "eu-central-1")
        + ("eu-west-2",),
        10_000,
    ),
}
SYMMETRIC_DEFAULT = 5_500

# Operations that count toward the shared cryptographic quotas (by their key's type).
CRYPTO_OPERATIONS = frozenset(
    {
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateMac",
        "VerifyMac",
        "GenerateRandom",
        "Sign",
        "Verify",
        "DeriveSharedSecret",
        "Encapsulate",
        "Decapsulate",
    }
)

# Quota name -> requests per second. Shared cryptographic quotas by key type (the symmetric
# one by Region, see SYMMETRIC_BY_REGION unless overridden here), then per-API quotas.
DEFAULT_LIMITS: dict[str, float] = {
    RSA: 500,
    ECC: 300,
    SM2: 300,
    "CancelKeyDeletion": 5,
    "ConnectCustomKeyStore": 5,
    "CreateAlias": 5,
    "CreateCustomKeyStore": 5,
    "CreateGrant": 50,
    "CreateKey": 5,
    "DeleteAlias": 15,
    "DeleteCustomKeyStore": 5,
    "DeleteImportedKeyMaterial": 15,
    "DescribeCustomKeyStores": 5,
    "DescribeKey": 2_000,
    "DisableKey": 5,
    "DisableKeyRotation": 5,
    "DisconnectCustomKeyStore": 5,
    "EnableKey": 5,
    "EnableKeyRotation": 15,
    "GetKeyPolicy": 1_000,
    "GetKeyRotationStatus": 1_000,
    "GetParametersForImport": 0.25,
    "GetPublicKey": 2_000,
    "ImportKeyMaterial": 5,
    "ListAliases": 500,
    "ListGrants": 100,
    "ListKeyPolicies": 100,
    "ListKeys": 500,
    "ListResourceTags": 2_000,
    "ListRetirableGrants": 100,
    "PutKeyPolicy": 15,
    "ReplicateKey": 5,
    "RetireGrant": 30,
    "RevokeGrant": 30,
    "ScheduleKeyDeletion": 15,
    "TagResource": 10,
    "UntagResource": 5,
    "UpdateAlias": 5,
    "UpdateCustomKeyStore": 5,
    "UpdateKeyDescription": 5,
    "UpdatePrimaryRegion": 5,
}

_SECOND = timedelta(seconds=1)


class Quotas:
    """Request-rate quotas in force, and the recent requests each one has counted."""

    def __init__(self, limits: Mapping[str, float] | None = None) -> None:
        table = dict(DEFAULT_LIMITS)
        for name, value in (limits or {}).items():
            if (
                not isinstance(name, str)
                or isinstance(value, bool)
                or not isinstance(value, (int, float))
                or value <= 0
            ):
                raise KmsMockUsageError(
                    "limits maps a quota name (an operation like 'CreateKey', or "
                    f"{SYMMETRIC!r}, {RSA!r}, {ECC!r}) to a positive number of requests per "
                    f"second; got {name!r}: {value!r}"
                )
            table[name] = value if name in table else _check_quota_name(name, value)
        self.limits = table
        # (account, region, quota) -> times of the requests counted in the current window.
        self._recent: dict[tuple[str, str, str], deque[datetime]] = {}

    def limit(self, quota: str, region: str) -> float:
        if quota == SYMMETRIC and SYMMETRIC not in self.limits:
            return SYMMETRIC_BY_REGION.get(region, SYMMETRIC_DEFAULT)
        return self.limits[quota]

    def count(self, account: str, region: str, quota: str, now: datetime) -> None:
        """Count a request toward ``quota`` in (``account``, ``region``), or raise
        ThrottlingException if the quota is used up."""
        rate = self.limit(quota, region)
        # A quota under 1 per second (GetParametersForImport: 0.25) allows one request per
        # 1/rate seconds.
        allowed, window = (int(rate), _SECOND) if rate >= 1 else (1, _SECOND / rate)
        recent = self._recent.setdefault((account, region, quota), deque())
        while recent and recent[0] <= now - window:
            recent.popleft()
        # A clock moved backwards (freezegun) restarts the window rather than locking it.
        if recent and recent[-1] > now:
            recent.clear()
        if len(recent) >= allowed:
            raise KmsError("ThrottlingException", THROTTLING_MESSAGE)
        recent.append(now)


def _check_quota_name(name: str, value: float) -> float:
    """``value`` if ``name`` is a quota a request can count toward: a limit no request
    meets (a misspelt name, a cryptographic operation's own) would silently do nothing."""
    from kmsmock.aws.service_model import operation_names

    if name in CRYPTO_OPERATIONS:
        raise KmsMockUsageError(
            f"{name} counts toward the shared cryptographic quota of its key's type, not a "
            f"quota of its own: limit {SYMMETRIC!r}, {RSA!r}, {ECC!r} or {SM2!r} instead"
        )
    known = {SYMMETRIC, *DEFAULT_LIMITS, *(operation_names() - CRYPTO_OPERATIONS)}
    if name not in known:
        raise KmsMockUsageError(
            f"{name!r} is not a quota{did_you_mean(name, sorted(known))}; a quota is a KMS "
            f"operation's name, like 'CreateKey', or {SYMMETRIC!r}, {RSA!r}, {ECC!r}, {SM2!r}"
        )
    return value
