"""Nitro attestation documents: parse, verify, and read the values KMS uses.

The format is AWS Nitro Enclaves' (nitro-enclaves "Verifying the root of trust" and the
attestation document specification in aws/aws-nitro-enclaves-nsm-api): a COSE_Sign1 (RFC 8152
§4.2; CBOR tag 18 or untagged) ``[protected, unprotected, payload, signature]`` signed with
ES384, whose payload is a CBOR map of module_id, digest ("SHA384"), timestamp, pcrs (index ->
48-byte value), certificate (the signer's DER certificate), cabundle (DER certificates, root
first) and the optional public_key, user_data and nonce. A NitroTPM document
(nitrotpm-attestation-document-content.html) carries ``nitrotpm_pcrs`` instead of ``pcrs``.

KMS trusts only documents whose chain ends at the AWS Nitro PKI root. kmsmock trusts the roots
it is given instead (its own test CA, kmsmock/crypto/nitro_pki.py): tests cannot get documents
signed by AWS. AWS's error texts for bad documents are not recorded; the texts here are
kmsmock's, each saying what is wrong.

Needs the optional dependency cbor2 (``pip install 'kmsmock[nitro]'``), imported on first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

ES384 = -35  # the COSE algorithm identifier of ECDSA with SHA-384 (RFC 8152 §8.1)
_COSE_SIGN1_TAG = 18
_BREAK = b"\xff"
_PCR_SIZES = (32, 48, 64)  # SHA-256, SHA-384, SHA-512 digests (the NSM API's PCR lengths)


class InvalidAttestation(ValueError):
    """The document is malformed, wrongly signed, or not rooted at a trusted certificate."""


class MissingCbor(ImportError):
    """The optional dependency cbor2 is not installed."""


def cbor() -> Any:
    """The cbor2 module, or MissingCbor naming the extra that brings it."""
    try:
        import cbor2
    except ImportError:
        raise MissingCbor(
            "kmsmock needs the optional dependency cbor2 for Nitro Enclaves attestation "
            "documents: pip install 'kmsmock[nitro]'"
        ) from None
    return cbor2


@dataclass(frozen=True, slots=True)
class Attestation:
    """What KMS reads from a verified document."""

    module_id: str
    pcrs: Mapping[int, bytes]
    nitrotpm: bool  # a NitroTPM document: its PCRs are nitrotpm_pcrs
    public_key: bytes | None  # DER SubjectPublicKeyInfo, as the enclave put it

    def condition_keys(self) -> dict[str, str]:
        """The kms:RecipientAttestation:* condition keys (conditions-kms.html): lowercase hex.
        ImageSha384 is PCR0, the enclave image file's measurement."""
        if self.nitrotpm:
            return {
                f"kms:RecipientAttestation:NitroTPMPCR{index}": value.hex()
                for index, value in self.pcrs.items()
            }
        keys = {f"kms:RecipientAttestation:PCR{index}": v.hex() for index, v in self.pcrs.items()}
        if 0 in self.pcrs:
            keys["kms:RecipientAttestation:ImageSha384"] = self.pcrs[0].hex()
        return keys


def _malformed(detail: str) -> InvalidAttestation:
    return InvalidAttestation(f"The attestation document is malformed: {detail}.")


def _field(payload: Mapping[Any, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = payload.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _malformed(f"{name} is missing or has the wrong type")
    return value


def _optional_bytes(payload: Mapping[Any, Any], name: str) -> bytes | None:
    value = payload.get(name)
    if value is not None and not isinstance(value, bytes):
        raise _malformed(f"{name} has the wrong type")
    return value


def _pcrs(payload: Mapping[Any, Any], name: str) -> dict[int, bytes]:
    table = _field(payload, name, Mapping)
    pcrs: dict[int, bytes] = {}
    for index, value in table.items():
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 32:
            raise _malformed(f"{name} has an index that is not an integer from 0 to 31")
        if not isinstance(value, bytes) or len(value) not in _PCR_SIZES:
            raise _malformed(f"{name}[{index}] is not a 32, 48 or 64-byte value")
        pcrs[index] = value
    return pcrs


def _certificate(der: bytes, name: str) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        raise _malformed(f"{name} is not a DER X.509 certificate") from None


def _decode(document: bytes) -> tuple[bytes, bytes, bytes]:
    """(protected header, payload, signature) of a COSE_Sign1."""
    cbor2 = cbor()
    # A data item never starts with the break stop code (RFC 8949 §3.2.1): cbor2 6.2 and later
    # refuse it, but earlier ones (5.4.5 to 6.1.0 seen) decode it as a sentinel object.
    if document[:1] == _BREAK:
        raise _malformed("it is not CBOR")
    try:
        message = cbor2.loads(document)
    except (cbor2.CBORDecodeError, ValueError, TypeError):
        raise _malformed("it is not CBOR") from None
    # cbor2 may decode the maps and arrays inside a tag as frozendict and tuple: Mapping and
    # (list, tuple) are tested below, not dict and list.
    if isinstance(message, cbor2.CBORTag):
        if message.tag != _COSE_SIGN1_TAG:
            raise _malformed("it is not a COSE_Sign1 structure")
        message = message.value
    if not (
        isinstance(message, (list, tuple))
        and len(message) == 4
        and isinstance(message[0], bytes)
        and isinstance(message[1], Mapping)
        and isinstance(message[2], bytes)
        and isinstance(message[3], bytes)
    ):
        raise _malformed("it is not a COSE_Sign1 structure")
    protected, _, payload, signature = message
    try:
        header = cbor2.loads(protected) if protected else {}
    except (cbor2.CBORDecodeError, ValueError, TypeError):
        header = None
    if not isinstance(header, Mapping) or header.get(1) != ES384:
        raise _malformed("its protected header does not name the algorithm ES384")
    return protected, payload, signature


def _verify_signature(
    leaf: x509.Certificate, protected: bytes, payload: bytes, signature: bytes
) -> None:
    public = leaf.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey) or public.curve.name != "secp384r1":
        raise InvalidAttestation(
            "The attestation document's certificate does not hold a P-384 ECDSA key."
        )
    if len(signature) != 96:  # r || s, 48 bytes each (RFC 8152 §8.1)
        raise InvalidAttestation("The attestation document's signature is not valid.")
    # Sig_structure for COSE_Sign1 (RFC 8152 §4.4), with no external AAD.
    signed = cbor().dumps(["Signature1", protected, b"", payload])
    der = encode_dss_signature(
        int.from_bytes(signature[:48], "big"), int.from_bytes(signature[48:], "big")
    )
    try:
        public.verify(der, signed, ec.ECDSA(hashes.SHA384()))
    except InvalidSignature:
        raise InvalidAttestation("The attestation document's signature is not valid.") from None


def _verify_chain(
    chain: list[x509.Certificate], trusted: Iterable[x509.Certificate], now: datetime
) -> None:
    """``chain`` (root first, signer last) links up, is valid at ``now`` and starts at a
    trusted root."""
    root = chain[0]
    if not any(root == anchor for anchor in trusted):
        raise InvalidAttestation(
            "The attestation document's certificate chain does not end at a trusted root "
            "certificate."
        )
    moment = now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)
    for issuer, subject in zip(chain, chain[1:], strict=False):
        try:
            subject.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            raise InvalidAttestation(
                "The attestation document's certificate chain is not valid: "
                f"{subject.subject.rfc4514_string()} is not signed by "
                f"{issuer.subject.rfc4514_string()}."
            ) from None
    for certificate in chain:
        if not certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc:
            raise InvalidAttestation(
                "The attestation document's certificate chain is not valid: "
                f"{certificate.subject.rfc4514_string()} is not valid at {moment.isoformat()}."
            )


def verify(document: bytes, trusted: Iterable[x509.Certificate], now: datetime) -> Attestation:
    """The attestation in ``document`` once its structure, signature and chain check out."""
    protected, raw_payload, signature = _decode(document)
    try:
        payload = cbor().loads(raw_payload)
    except (cbor().CBORDecodeError, ValueError, TypeError):
        payload = None
    if not isinstance(payload, Mapping):
        raise _malformed("its payload is not a CBOR map")
    module_id = _field(payload, "module_id", str)
    if _field(payload, "digest", str) != "SHA384":
        raise _malformed("its digest is not SHA384")
    _field(payload, "timestamp", int)
    nitrotpm = "nitrotpm_pcrs" in payload and "pcrs" not in payload
    pcrs = _pcrs(payload, "nitrotpm_pcrs" if nitrotpm else "pcrs")
    leaf = _certificate(_field(payload, "certificate", bytes), "certificate")
    bundle = _field(payload, "cabundle", (list, tuple))
    if not bundle or not all(isinstance(der, bytes) for der in bundle):
        raise _malformed("cabundle is not a list of DER certificates")
    chain = [_certificate(der, "a cabundle entry") for der in bundle] + [leaf]
    public_key = _optional_bytes(payload, "public_key")
    _optional_bytes(payload, "user_data")
    _optional_bytes(payload, "nonce")
    _verify_signature(leaf, protected, raw_payload, signature)
    _verify_chain(chain, trusted, now)
    return Attestation(module_id, pcrs, nitrotpm, public_key)


def recipient_key(attestation: Attestation) -> rsa.RSAPublicKey:
    """The RSA public key KMS encrypts for (RSAES_OAEP_SHA_256 is the only algorithm)."""
    if attestation.public_key is None:
        raise InvalidAttestation("The attestation document does not include a public key.")
    try:
        public = serialization.load_der_public_key(attestation.public_key)
    except ValueError:
        public = None
    if not isinstance(public, rsa.RSAPublicKey):
        raise InvalidAttestation(
            "The public key in the attestation document is not a DER-encoded RSA public key."
        )
    return public
