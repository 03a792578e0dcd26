"""The symmetric ciphertext blob: opaque like AWS's, self-describing for the mock.

Layout (AWS does not publish its own; this follows the shape of its public blobs)::

    01 02 02 00 78 | key reference (32) | nonce (12) | AES-256-GCM ciphertext | tag (16)

The key reference names the key (account, key ID) and its material version, masked with a
key stream derived from a secret of the mock instance (28 bytes), then a 4-byte checksum of
the masked bytes that lets a changed byte be told apart from a reference another mock made.
It means nothing elsewhere: no key ID appears in clear text, a blob from another mock
instance reads as a key that does not exist, and a rotated key keeps decrypting old blobs with
no change of format. The mock finds the key from the reference itself: it keeps no table of
references, so a key costs no memory per ciphertext or per version.

The header, the reference and the canonical encryption context are the GCM associated data,
so any changed byte, a truncation, or a different encryption context fails authentication.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import uuid
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HEADER = b"\x01\x02\x02\x00\x78"
_REF_LEN = 32
_NONCE_LEN = 12
_TAG_LEN = 16
OVERHEAD = len(HEADER) + _REF_LEN + _NONCE_LEN + _TAG_LEN


class InvalidCiphertext(Exception):
    """The blob is not one this mock made, or it fails authentication."""


class ParsedBlob(NamedTuple):
    ref: bytes
    nonce: bytes
    sealed: bytes


_MAC_LEN = _REF_LEN - 4
_MRK_PREFIX = "mrk-"


class Reference(NamedTuple):
    account: str
    key_id: str
    version: int


@lru_cache(maxsize=64)
def _stream(instance_secret: bytes) -> int:
    mask = hmac.digest(instance_secret, b"kmsmock key reference", "sha256")
    return int.from_bytes(mask[:_MAC_LEN], "big")


@lru_cache(maxsize=1024)  # a few microseconds per Encrypt; see material.py
def key_reference(instance_secret: bytes, account: str, key_id: str, version: int) -> bytes:
    """The reference a blob under version ``version`` of a key's material carries."""
    if key_id.startswith(_MRK_PREFIX):
        flag, raw = 1, bytes.fromhex(key_id[len(_MRK_PREFIX) :])
    else:
        flag, raw = 0, bytes.fromhex(key_id.replace("-", ""))
    plain = raw + version.to_bytes(4, "big") + int(account).to_bytes(5, "big")
    plain += bytes([flag, 0, 0])
    body = (int.from_bytes(plain, "big") ^ _stream(instance_secret)).to_bytes(_MAC_LEN, "big")
    return body + _checksum(body)


@lru_cache(maxsize=1024)  # every blob under one key version carries the same reference
def read_reference(instance_secret: bytes, ref: bytes) -> Reference | None:
    """What ``ref`` names, or None if this mock instance did not make it."""
    plain = (int.from_bytes(ref[:_MAC_LEN], "big") ^ _stream(instance_secret)).to_bytes(
        _MAC_LEN, "big"
    )
    raw, version, account, flag, pad = (
        plain[:16],
        int.from_bytes(plain[16:20], "big"),
        int.from_bytes(plain[20:25], "big"),
        plain[25],
        plain[26:],
    )
    if pad != b"\0\0" or flag > 1 or account >= 10**12:
        return None
    key_id = _MRK_PREFIX + raw.hex() if flag else str(uuid.UUID(bytes=raw))
    return Reference(f"{account:012d}", key_id, version)


def _checksum(body: bytes) -> bytes:
    return hashlib.sha256(b"kmsmock key reference" + body).digest()[:4]


def canonical_context(context: Mapping[str, str] | None) -> bytes:
    """Length-prefixed, sorted pairs: ``{"ab": "c"}`` and ``{"a": "bc"}`` differ, and the
    order the caller gave the pairs in does not matter. JSON lets a string hold a lone
    surrogate, which strict UTF-8 cannot encode; ``surrogatepass`` keeps such a context
    usable and still distinct from every other."""
    if not context:
        return b""
    out = bytearray()
    for key in sorted(context):
        for part in (
            key.encode("utf-8", "surrogatepass"),
            context[key].encode("utf-8", "surrogatepass"),
        ):
            out += struct.pack(">I", len(part)) + part
    return bytes(out)


# cryptography's InvalidTag, bound by the first _aead call (importing it costs 5 ms, which
# `import kmsmock` does not pay); every decryption makes an _aead first.
_InvalidTag: type[Exception] = Exception


@lru_cache(maxsize=1024)
def _aead(material: bytes) -> AESGCM:
    """An AES-GCM cipher for ``material``: made once for a key used again and again."""
    global _InvalidTag
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # on first use: import cost

    _InvalidTag = InvalidTag
    return AESGCM(material)


def seal(material: bytes, ref: bytes, plaintext: bytes, context: Mapping[str, str] | None) -> bytes:
    nonce = os.urandom(_NONCE_LEN)
    head = HEADER + ref
    sealed = _aead(material).encrypt(nonce, plaintext, head + canonical_context(context))
    return head + nonce + sealed


def parse(blob: bytes) -> ParsedBlob:
    if len(blob) < OVERHEAD or not blob.startswith(HEADER):
        raise InvalidCiphertext
    ref_end = len(HEADER) + _REF_LEN
    ref = blob[len(HEADER) : ref_end]
    if _checksum(ref[:_MAC_LEN]) != ref[_MAC_LEN:]:
        raise InvalidCiphertext
    return ParsedBlob(ref, blob[ref_end : ref_end + _NONCE_LEN], blob[ref_end + _NONCE_LEN :])


def open_(material: bytes, parsed: ParsedBlob, context: Mapping[str, str] | None) -> bytes:
    aad = HEADER + parsed.ref + canonical_context(context)
    aead = _aead(material)
    try:
        return aead.decrypt(parsed.nonce, parsed.sealed, aad)
    except _InvalidTag:
        raise InvalidCiphertext from None
