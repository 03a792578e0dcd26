"""ECC keys (ECC_NIST_P256/P384/P521, ECC_SECG_P256K1): ECDSA with DER-encoded signatures, and
ECDH key agreement (DeriveSharedSecret) for the NIST curves.

Private keys are generated at random on first use like RSA keys (not derived from the mock's
secret): generation costs well under a millisecond, and one code path for every asymmetric
family is simpler than two.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
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


def derive_shared_secret(private: ec.EllipticCurvePrivateKey, peer_der: bytes) -> bytes | None:
    """The raw ECDH shared secret (the x coordinate of the shared point, as long as the curve's
    field) of ``private`` and the peer's SubjectPublicKeyInfo DER, or None when ``peer_der`` is
    not a public key on ``private``'s curve.

    Loading the DER checks that the point is on its curve and is not the point at infinity;
    the NIST curves have cofactor 1, so this is also the cofactor ECDH AWS documents.
    """
    try:
        peer = serialization.load_der_public_key(peer_der)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # Not DER, not SPKI, an unknown algorithm or curve, explicit curve parameters, or a
        # point that is not on its curve.
        return None
    if not isinstance(peer, ec.EllipticCurvePublicKey) or peer.curve.name != private.curve.name:
        return None
    try:
        return private.exchange(ec.ECDH(), peer)
    except ValueError:  # an all-zero shared point; unreachable with on-curve prime-order keys
        return None
