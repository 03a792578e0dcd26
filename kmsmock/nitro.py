"""Helpers for testing AWS Nitro Enclaves code against kmsmock (docs/nitro-enclaves.md).

An enclave calls Decrypt, GenerateDataKey, GenerateDataKeyPair, GenerateRandom or
DeriveSharedSecret with a ``Recipient``: its attestation document, which holds the enclave's
PCRs and an RSA public key. KMS answers with ``CiphertextForRecipient``, the plaintext
encrypted for that key. A test needs a document and a way to open the answer:

- ``attestation_document(public_key, pcrs=...)`` makes a document signed by kmsmock's test CA
  (real KMS trusts only the AWS Nitro PKI root; kmsmock trusts its own test root instead);
- ``open_ciphertext_for_recipient(private_key, ciphertext)`` returns the plaintext.

Both need the optional dependency cbor2 only to make documents: ``pip install 'kmsmock[nitro]'``.
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kmsmock.crypto import cms
from kmsmock.crypto.attestation import MissingCbor
from kmsmock.crypto.nitro_pki import TestCa, default_ca
from kmsmock.errors import KmsMockUsageError

__all__ = ["TestCa", "attestation_document", "open_ciphertext_for_recipient"]

# What an enclave in debug mode reports: 16 PCRs of zeros (nitro-enclaves, "Debug mode").
_DEBUG_PCRS = {index: bytes(48) for index in range(16)}


def _pcr(index: int, value: bytes | str) -> bytes:
    raw = bytes.fromhex(value) if isinstance(value, str) else bytes(value)
    if len(raw) != 48:
        raise KmsMockUsageError(
            f"PCR{index} must be 48 bytes (a SHA-384 digest, or its 96 hex digits), "
            f"not {len(raw)}. See docs/nitro-enclaves.md."
        )
    return raw


def attestation_document(
    public_key: rsa.RSAPublicKey | bytes | None,
    *,
    pcrs: Mapping[int, bytes | str] | None = None,
    module_id: str = "i-0123456789abcdef0-enc0123456789abcdef",
    user_data: bytes | None = None,
    nonce: bytes | None = None,
    timestamp: int = 1_700_000_000_000,
    nitrotpm: bool = False,
    tagged: bool = True,
    ca: TestCa | None = None,
) -> bytes:
    """A Nitro attestation document (COSE_Sign1, ES384) for ``public_key`` (an RSA public key
    or its DER SubjectPublicKeyInfo; None for a document without one), signed by ``ca``
    (kmsmock's test CA, which every mock trusts, when not given).

    ``pcrs`` maps PCR indexes to 48-byte values (bytes or hex); the PCRs not given are zeros,
    as in debug mode. ``nitrotpm`` makes a NitroTPM document (``nitrotpm_pcrs``)."""
    values = dict(_DEBUG_PCRS)
    values.update({index: _pcr(index, value) for index, value in (pcrs or {}).items()})
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key = public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    payload = {
        "module_id": module_id,
        "digest": "SHA384",
        "timestamp": timestamp,
        ("nitrotpm_pcrs" if nitrotpm else "pcrs"): values,
        "public_key": public_key,
        "user_data": user_data,
        "nonce": nonce,
    }
    try:
        return (ca or default_ca()).sign(payload, tagged=tagged)
    except MissingCbor as error:
        raise KmsMockUsageError(str(error)) from None


def open_ciphertext_for_recipient(private_key: rsa.RSAPrivateKey, ciphertext: bytes) -> bytes:
    """The plaintext of a ``CiphertextForRecipient`` (CMS EnvelopedData) for ``private_key``."""
    try:
        return cms.open_enveloped(private_key, ciphertext)
    except cms.InvalidEnvelope as error:
        raise KmsMockUsageError(
            f"This CiphertextForRecipient cannot be opened with this private key ({error}): "
            "was it made for the public key of the attestation document sent? "
            "See docs/nitro-enclaves.md."
        ) from None
