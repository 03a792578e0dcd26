"""kmsmock's stand-in for the AWS Nitro PKI: a test CA that signs attestation documents.

AWS signs each enclave's document with a short-lived P-384 certificate under the AWS Nitro
root (nitro-enclaves "Verifying the root of trust"): root -> regional and zonal intermediates
-> instance certificate. A test CA here has the same shape, shortened to root -> intermediate
-> signer, all P-384 with ECDSA-SHA384. Its certificates are valid from 2000 to 9999 so a test
that moves kmsmock's clock anywhere still gets a document the mock accepts.

One CA is made per process on first use (``default_ca``) and every mock trusts its root; a test
may make another ``TestCa`` to show what a document from an untrusted root does.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from kmsmock.crypto.attestation import ES384, cbor

_FROM = datetime(2000, 1, 1, tzinfo=timezone.utc)
_TO = datetime(9999, 12, 31, tzinfo=timezone.utc)


def _certificate(
    name: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer is not None else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_FROM)
        .not_valid_after(_TO)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(issuer_key, hashes.SHA384())


class TestCa:
    """A root, an intermediate and a signing certificate, all P-384."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, name: str = "kmsmock Nitro test") -> None:
        root_key = ec.generate_private_key(ec.SECP384R1())
        self.root = _certificate(f"{name} root", root_key, None, root_key, ca=True)
        middle_key = ec.generate_private_key(ec.SECP384R1())
        self.intermediate = _certificate(
            f"{name} intermediate", middle_key, self.root, root_key, ca=True
        )
        self._signer_key = ec.generate_private_key(ec.SECP384R1())
        self.signer = _certificate(
            f"{name} enclave", self._signer_key, self.intermediate, middle_key, ca=False
        )

    def sign(self, payload: Mapping[str, Any], *, tagged: bool = True) -> bytes:
        """``payload`` as a COSE_Sign1 signed with ES384 by this CA's signing certificate
        (whose DER and the CA bundle the payload is given here, as the Nitro hypervisor does)."""
        cbor2 = cbor()
        der = serialization.Encoding.DER
        body = dict(payload)
        body["certificate"] = self.signer.public_bytes(der)
        body["cabundle"] = [self.root.public_bytes(der), self.intermediate.public_bytes(der)]
        protected = cbor2.dumps({1: ES384})
        raw_payload = cbor2.dumps(body)
        signed = cbor2.dumps(["Signature1", protected, b"", raw_payload])
        r, s = decode_dss_signature(self._signer_key.sign(signed, ec.ECDSA(hashes.SHA384())))
        signature = r.to_bytes(48, "big") + s.to_bytes(48, "big")
        message = [protected, {}, raw_payload, signature]
        return bytes(cbor2.dumps(cbor2.CBORTag(18, message) if tagged else message))


_lock = threading.Lock()
_default: TestCa | None = None


def default_ca() -> TestCa:
    """The process's test CA, whose root every mock trusts."""
    global _default
    with _lock:
        if _default is None:
            _default = TestCa()
        return _default
