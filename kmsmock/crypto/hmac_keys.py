"""HMAC keys (HMAC_224/256/384/512): GenerateMac and VerifyMac.

Like symmetric key material, an HMAC key is derived from the mock's secret and the key ID
rather than stored, so HMAC keys cost no memory for their material. Each key is as long as
AWS's: the bits its spec names (HMAC_224 is a 28-byte key).
"""

from __future__ import annotations

import hmac

# The one MacAlgorithm each spec allows, as KeyMetadata lists it.
MAC_ALGORITHM = {
    "HMAC_224": "HMAC_SHA_224",
    "HMAC_256": "HMAC_SHA_256",
    "HMAC_384": "HMAC_SHA_384",
    "HMAC_512": "HMAC_SHA_512",
}
_HASH = {
    "HMAC_SHA_224": "sha224",
    "HMAC_SHA_256": "sha256",
    "HMAC_SHA_384": "sha384",
    "HMAC_SHA_512": "sha512",
}


def key_bytes(instance_secret: bytes, key_id: str, spec: str) -> bytes:
    """The HMAC key of ``key_id``: as many bytes as the spec has bits / 8."""
    size = int(spec.rsplit("_", 1)[1]) // 8
    label = f"hmac key material\n{key_id}".encode()
    return hmac.digest(instance_secret, label, "sha512")[:size]


def mac(key: bytes, algorithm: str, message: bytes) -> bytes:
    return hmac.digest(key, message, _HASH[algorithm])


def verify(key: bytes, algorithm: str, message: bytes, tag: bytes) -> bool:
    # Constant time, as a MAC check should be even in a mock: tests may copy the pattern.
    return hmac.compare_digest(mac(key, algorithm, message), tag)
