"""Which price a request is billed at: AWS prices requests by the kind of key they use
(symmetric and HMAC: standard; RSA 2048; other asymmetric keys; data key pairs), so a request
is classed from its operation and response, looking the key up only when it must.
``serve`` classes each request and counts it in the world's ledger (billing.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kmsmock.backend.context import RequestContext
from kmsmock.backend.state import World

# Operations whose price depends on the key they use (or the key pair they make).
_KEY_PRICED = frozenset(
    {
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "Sign",
        "Verify",
        "GetPublicKey",
        "DeriveSharedSecret",
        "Encapsulate",
        "Decapsulate",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
    }
)
_SYMMETRIC = "SYMMETRIC_DEFAULT"


def price_class(context: RequestContext, result: Mapping[str, Any]) -> str:
    """The price class (kmsmock/cost/prices.py) of a request served: ``standard`` unless it
    used (or made) an asymmetric key or key pair. Encrypt and Decrypt with a symmetric key,
    the most common requests, are classed without a call."""
    operation = context.operation
    if operation not in _KEY_PRICED:
        return "standard"
    if operation == "ReEncrypt":
        # Symmetric to symmetric, the common case, classed without a call.
        source = result.get("SourceEncryptionAlgorithm")
        if source == _SYMMETRIC == result.get("DestinationEncryptionAlgorithm"):
            return "standard"
        return request_class(context, result)
    if result.get("EncryptionAlgorithm") == _SYMMETRIC:
        return "standard"
    return request_class(context, result)


def request_class(context: RequestContext, result: Mapping[str, Any]) -> str:
    """The price class (kmsmock/cost/prices.py) of a request of an operation in ``_KEY_PRICED``,
    from its response: the key pair it made, else the spec of the key(s) it used."""
    operation = context.operation
    if operation.startswith("GenerateDataKeyPair"):
        spec = result.get("KeyPairSpec") or context.params.get("KeyPairSpec") or ""
        return "rsa_data_key_pair" if spec.startswith("RSA") else "ecc_data_key_pair"
    # A symmetric key's requests are priced without looking the key up.
    if operation in ("Encrypt", "Decrypt") and result.get("EncryptionAlgorithm") == _SYMMETRIC:
        return "standard"
    if (
        operation == "ReEncrypt"
        and result.get("SourceEncryptionAlgorithm") == _SYMMETRIC
        and result.get("DestinationEncryptionAlgorithm") == _SYMMETRIC
    ):
        return "standard"
    if operation == "GetPublicKey":
        specs = [result.get("KeySpec")]
    else:
        specs = [
            _spec_of(context.world, result.get("KeyId")),
            _spec_of(context.world, result.get("SourceKeyId")),
        ]
    price_class = "standard"
    for spec in specs:
        if spec is None or spec == _SYMMETRIC or spec.startswith("HMAC"):
            continue
        if spec != "RSA_2048":
            return "asymmetric"
        price_class = "rsa_2048"
    return price_class


def _spec_of(world: World, arn: Any) -> str | None:
    """The KeySpec of the key ``arn`` names (responses name keys by ARN), if it exists."""
    if not isinstance(arn, str):
        return None
    parts = arn.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("key/"):
        return None
    where = world.regions.get((parts[4], parts[3]))
    key = None if where is None else where.keys.get(parts[5][4:])
    return None if key is None else key.key_spec
