"""CiphertextForRecipient: a CMS EnvelopedData (RFC 5652 §6) for a Nitro enclave's RSA key.

KMS returns the plaintext of a request with a ``Recipient`` encrypted for the public key of the
attestation document: "AWS KMS encrypts the plaintext data with the public key in the
attestation document" (API reference, Decrypt > CiphertextForRecipient), as CMS EnvelopedData
with RSAES-OAEP-SHA-256 key transport and AES-256-CBC content encryption
(nitro-enclave-how.html; the Nitro Enclaves SDK opens it with ``CMS_decrypt``).

``cryptography``'s ``PKCS7EnvelopeBuilder`` only does RSA PKCS #1 v1.5 key transport and needs a
recipient certificate (an attestation document has a bare public key), so the few DER
structures are written here by hand. The recipient is named by subjectKeyIdentifier (RFC 5652
§6.2.1, version 2), the SHA-1 of the public key bits (RFC 5280 §4.2.1.2, method 1). The output
is DER; ``open_enveloped`` reads DER (definite lengths), which is all kmsmock writes.
"""

from __future__ import annotations

import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# Object identifiers, as their DER content octets.
_ENVELOPED_DATA = "1.2.840.113549.1.7.3"
_DATA = "1.2.840.113549.1.7.1"
_RSAES_OAEP = "1.2.840.113549.1.1.7"
_MGF1 = "1.2.840.113549.1.1.8"
_SHA256 = "2.16.840.1.101.3.4.2.1"
_AES256_CBC = "2.16.840.1.101.3.4.1.42"

_SEQUENCE, _SET, _OCTETS, _OID, _INTEGER, _NULL = 0x30, 0x31, 0x04, 0x06, 0x02, 0x05


class InvalidEnvelope(ValueError):
    """The bytes are not an EnvelopedData this module can open with the key given."""


def _tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def _oid(dotted: str) -> bytes:
    first, second, *rest = (int(part) for part in dotted.split("."))
    body = bytearray()
    for arc in (40 * first + second, *rest):
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return _tlv(_OID, bytes(body))


def _seq(*parts: bytes) -> bytes:
    return _tlv(_SEQUENCE, b"".join(parts))


def _sha256_id() -> bytes:
    return _seq(_oid(_SHA256), _tlv(_NULL, b""))


def _oaep_id() -> bytes:
    """RSAES-OAEP with SHA-256 and MGF1-SHA-256 (RFC 4055 §4.1); pSourceFunc is the default."""
    params = _seq(
        _tlv(0xA0, _sha256_id()),  # hashFunc [0] EXPLICIT
        _tlv(0xA1, _seq(_oid(_MGF1), _sha256_id())),  # maskGenFunc [1] EXPLICIT
    )
    return _seq(_oid(_RSAES_OAEP), params)


def _oaep() -> asym_padding.OAEP:
    return asym_padding.OAEP(
        mgf=asym_padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None
    )


def _key_identifier(public: rsa.RSAPublicKey) -> bytes:
    """The SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2, method 1)."""
    return x509.SubjectKeyIdentifier.from_public_key(public).digest


def seal_enveloped(public: rsa.RSAPublicKey, plaintext: bytes) -> bytes:
    """``plaintext`` as a DER CMS ContentInfo of EnvelopedData for ``public``."""
    content_key, iv = os.urandom(32), os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(content_key), modes.CBC(iv)).encryptor()
    encrypted = encryptor.update(padded) + encryptor.finalize()
    recipient = _seq(
        _tlv(_INTEGER, b"\x02"),  # version 2: rid is a subjectKeyIdentifier
        _tlv(0x80, _key_identifier(public)),  # rid: subjectKeyIdentifier [0] IMPLICIT
        _oaep_id(),
        _tlv(_OCTETS, public.encrypt(content_key, _oaep())),
    )
    enveloped = _seq(
        _tlv(_INTEGER, b"\x02"),  # version 2: a KeyTransRecipientInfo of version 2 (§6.1)
        _tlv(_SET, recipient),
        _seq(
            _oid(_DATA),
            _seq(_oid(_AES256_CBC), _tlv(_OCTETS, iv)),
            _tlv(0x80, encrypted),  # encryptedContent [0] IMPLICIT
        ),
    )
    return _seq(_oid(_ENVELOPED_DATA), _tlv(0xA0, enveloped))


def _read(data: bytes, at: int) -> tuple[int, bytes, int]:
    """(tag, content, next offset) of the DER element at ``at``."""
    if at + 2 > len(data):
        raise InvalidEnvelope("truncated")
    tag, size = data[at], data[at + 1]
    at += 2
    if size & 0x80:
        count = size & 0x7F
        if count == 0 or count > 4 or at + count > len(data):
            raise InvalidEnvelope("unsupported length")
        size = int.from_bytes(data[at : at + count], "big")
        at += count
    if at + size > len(data):
        raise InvalidEnvelope("truncated")
    return tag, data[at : at + size], at + size


def _children(content: bytes) -> list[tuple[int, bytes]]:
    items, at = [], 0
    while at < len(content):
        tag, value, at = _read(content, at)
        items.append((tag, value))
    return items


def _expect(item: tuple[int, bytes], tag: int) -> bytes:
    if item[0] != tag:
        raise InvalidEnvelope(f"expected tag {tag:#x}, found {item[0]:#x}")
    return item[1]


def open_enveloped(private: rsa.RSAPrivateKey, blob: bytes) -> bytes:
    """The plaintext of an EnvelopedData that ``seal_enveloped`` made for ``private``'s key."""
    try:
        tag, info, end = _read(blob, 0)
        if tag != _SEQUENCE or end != len(blob):
            raise InvalidEnvelope("not a ContentInfo")
        content_type, body = _children(info)
        if _expect(content_type, _OID) != _oid(_ENVELOPED_DATA)[2:]:
            raise InvalidEnvelope("not EnvelopedData")
        (enveloped,) = _children(_expect(body, 0xA0))
        _version, recipients, encrypted_info = _children(_expect(enveloped, _SEQUENCE))
        (recipient,) = _children(_expect(recipients, _SET))
        _rversion, _rid, algorithm, encrypted_key = _children(_expect(recipient, _SEQUENCE))
        if _expect(algorithm, _SEQUENCE) != _oaep_id()[2:]:
            raise InvalidEnvelope("key transport is not RSAES-OAEP-SHA-256")
        _data, cipher_id, encrypted = _children(_expect(encrypted_info, _SEQUENCE))
        cipher_oid, iv = _children(_expect(cipher_id, _SEQUENCE))
        if _expect(cipher_oid, _OID) != _oid(_AES256_CBC)[2:]:
            raise InvalidEnvelope("content encryption is not AES-256-CBC")
        content_key = private.decrypt(_expect(encrypted_key, _OCTETS), _oaep())
        decryptor = Cipher(algorithms.AES(content_key), modes.CBC(_expect(iv, _OCTETS))).decryptor()
        padded = decryptor.update(_expect(encrypted, 0x80)) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(padded) + unpadder.finalize()
    except InvalidEnvelope:
        raise
    except ValueError as error:  # a wrong key, bad padding, a structure of the wrong shape
        raise InvalidEnvelope(str(error) or type(error).__name__) from None
