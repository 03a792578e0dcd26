"""Key material derived from the mock instance's secret, not stored.

Version ``n`` of a key's material is an HMAC, under the instance secret, of the key ID and
``n``; so is its KeyMaterialId. Nothing secret is kept per key or per rotation, which keeps a
mock with 10,000 keys small, and keys that share a key ID (the replicas of a multi-Region key)
share their material, as AWS's do.
"""

from __future__ import annotations

import hmac
from functools import lru_cache

# Derivations are cached, bounded: a test uses a handful of keys again and again, and each
# HMAC costs a few microseconds of every Encrypt and Decrypt. The instance secret is part of
# the cache key, so two mocks never share an entry.
_CACHED = 1024


@lru_cache(maxsize=_CACHED)
def material_secret(instance_secret: bytes, key_id: str, version: int) -> bytes:
    """The 256-bit AES key of version ``version`` of ``key_id``'s material."""
    return hmac.digest(instance_secret, f"key material\n{key_id}\n{version}".encode(), "sha256")


@lru_cache(maxsize=64)  # every CreateKey asks once: a large cache would hold every key's ID
def material_id(instance_secret: bytes, key_id: str, version: int) -> str:
    """AWS's KeyMaterialId for that version: 64 lowercase hex characters."""
    label = f"key material id\n{key_id}\n{version}".encode()
    return hmac.digest(instance_secret, label, "sha256").hex()


def imported_material_id(instance_secret: bytes, key_id: str, material: bytes) -> str:
    """The KeyMaterialId of imported material: derived from the bytes, so importing the same
    material again gives the same ID and different material a different one."""
    label = b"imported key material id\n" + key_id.encode() + b"\n" + material
    return hmac.digest(instance_secret, label, "sha256").hex()
