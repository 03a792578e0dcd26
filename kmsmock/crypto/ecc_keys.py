"""ECC signing keys (ECC_NIST_P256/P384/P521, ECC_SECG_P256K1): ECDSA, DER-encoded signatures.

Private keys are generated at random on first use like RSA keys (not derived from the mock's
secret): generation costs well under a millisecond, and one code path for every asymmetric
family is simpler than two.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "ECC_NIST_P256": ec.SECP256R1,
    "ECC_NIST_P384": ec.SECP384R1,
    "ECC_NIST_P521": ec.SECP521R1,
    "ECC_SECG_P256K1": ec.SECP256K1,
}
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "ECDSA_SHA_256": hashes.SHA256,
    "ECDSA_SHA_384": hashes.SHA384,
    "ECDSA_SHA_512": hashes.SHA512,
}


def generate(spec: str) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(_CURVES[spec]())


def _ecdsa(algorithm: str, digest: bool) -> ec.ECDSA:
    hash_ = _HASHES[algorithm]()
    return ec.ECDSA(utils.Prehashed(hash_) if digest else hash_)


def sign(
    private: ec.EllipticCurvePrivateKey, algorithm: str, message: bytes, digest: bool
) -> bytes:
    return private.sign(message, _ecdsa(algorithm, digest))


def verify(
    public: ec.EllipticCurvePublicKey,
    algorithm: str,
    message: bytes,
    signature: bytes,
    digest: bool,
) -> bool:
    try:
        public.verify(signature, message, _ecdsa(algorithm, digest))
    except (InvalidSignature, ValueError):
        return False
    return True
