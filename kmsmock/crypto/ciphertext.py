"""The symmetric ciphertext blob: opaque like AWS's, self-describing for the mock.

Layout (AWS does not publish its own; this follows the shape of its public blobs)::

    01 02 02 00 78 | key reference (32) | nonce (12) | AES-256-GCM ciphertext | tag (16)

The key reference is an HMAC, under a secret of the mock instance, of the key ARN and the key
material ID (28 bytes), and a 4-byte checksum of those that lets a changed byte in the reference
be told apart from a reference this mock never made. It names the key and its material version
for the mock that made it and means nothing elsewhere: no key ID appears in clear text, a
blob from another mock instance is not recognised, and a rotated key keeps decrypting old
blobs with no change of format.

The header, the reference and the canonical encryption context are the GCM associated data,
so any changed byte, a truncation, or a different encryption context fails authentication.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HEADER = b"\x01\x02\x02\x00\x78"
_REF_LEN = 32
_NONCE_LEN = 12
_TAG_LEN = 16
OVERHEAD = len(HEADER) + _REF_LEN + _NONCE_LEN + _TAG_LEN


class InvalidCiphertext(Exception):
    """The blob is not one this mock made, or it fails authentication."""


@dataclass(frozen=True)
class ParsedBlob:
    ref: bytes
    nonce: bytes
    sealed: bytes


_MAC_LEN = _REF_LEN - 4


def key_reference(instance_secret: bytes, key_arn: str, material_id: str) -> bytes:
    mac = hmac.new(instance_secret, f"{key_arn}\n{material_id}".encode(), hashlib.sha256)
    body = mac.digest()[:_MAC_LEN]
    return body + _checksum(body)


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


def seal(material: bytes, ref: bytes, plaintext: bytes, context: Mapping[str, str] | None) -> bytes:
    nonce = os.urandom(_NONCE_LEN)
    head = HEADER + ref
    sealed = AESGCM(material).encrypt(nonce, plaintext, head + canonical_context(context))
    return head + nonce + sealed


def parse(blob: bytes) -> ParsedBlob:
    if len(blob) < OVERHEAD or not blob.startswith(HEADER):
        raise InvalidCiphertext
    ref_end = len(HEADER) + _REF_LEN
    ref = blob[len(HEADER) : ref_end]
    if _checksum(ref[:_MAC_LEN]) != ref[_MAC_LEN:]:
        raise InvalidCiphertext
    return ParsedBlob(
        ref=ref,
        nonce=blob[ref_end : ref_end + _NONCE_LEN],
        sealed=blob[ref_end + _NONCE_LEN :],
    )


def open_(material: bytes, parsed: ParsedBlob, context: Mapping[str, str] | None) -> bytes:
    aad = HEADER + parsed.ref + canonical_context(context)
    try:
        return AESGCM(material).decrypt(parsed.nonce, parsed.sealed, aad)
    except InvalidTag:
        raise InvalidCiphertext from None
